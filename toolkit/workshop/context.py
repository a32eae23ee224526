"""The workshop session: one engagement's results.json and its compensation plan.

:func:`open_workshop` reads, once per session:

* ``results.json`` (SPEC §6) — the one door from analysis to the workshop. Every figure the
  room can see comes from it: the perception-gap reveal, its level / region / side filters
  and the guess round's survey figures from ``results["workshop"]["reveal"]`` (every view
  the filters offer, computed and audited for anonymity at analysis time:
  :mod:`toolkit.workshop.store`); the what-if's revenue sums and the SLA designer's life
  tables from the measures and ``results["workshop"]["sla"]``;
* the compensation plan, whose components the what-if changes.

Neither the survey nor the CRM exports are read (``engagement.toml`` is read without its
``[survey]``, ``[crm]`` and ``[baseline]`` sections, so the workshop opens with those files
gone). A results.json written before the views were stored opens with a clear note
(:attr:`Workshop.views_note`: regenerate it with ``aligndx report``) instead of figures.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..config import AnalysisSettings, Engagement, load_engagement
from ..exceptions import InputError
from ..intake import EngagementData, load_data

#: Sections of engagement.toml the workshop does not read: their files may be absent.
NOT_READ = ("survey", "crm", "baseline")


@dataclass
class Workshop:
    """Everything the workshop widgets need about one engagement.

    Attributes
    ----------
    engagement : Engagement
        Loaded configuration (without the survey, CRM and baseline sections).
    data : EngagementData
        The plan (``plan``, or ``None``); ``survey`` and the CRM tables are never loaded.
    results : dict
        The engagement's results.json.
    room : Path or None
        Folder of the room's guess round (:mod:`toolkit.workshop.room`), or None.
    """

    engagement: Engagement
    data: EngagementData
    results: dict
    room: Path | None = None

    # --- what results.json holds -------------------------------------------------------
    @property
    def views(self) -> dict | None:
        """The stored survey views (``results["workshop"]["reveal"]``) or None when this
        results.json does not hold them (see :attr:`views_note`)."""
        return None if self.views_note else self.results["workshop"]["reveal"]

    @property
    def views_note(self) -> str | None:
        """Why the survey views cannot be served (an earlier results.json: regenerate it),
        or None (:func:`toolkit.upgrade.workshop_views_note`)."""
        from ..upgrade import workshop_views_note

        return workshop_views_note(self.results)

    @property
    def has_survey(self) -> bool:
        """Whether the engagement's results include the survey."""
        return self.results.get("survey") is not None

    @property
    def withheld(self) -> dict[str, set]:
        """Filter values withheld by the anonymity audit (stored at analysis time by
        :func:`toolkit.privacy_audit.safe_workshop_values` over the report's survey figures
        and every view the filters can show; SPEC §8)."""
        w = (self.views or {}).get("withheld") or {}
        return {d: set(w.get(d) or ()) for d in ("level", "region")}

    @property
    def settings(self) -> AnalysisSettings:
        """The engagement's ``[analysis]`` settings (anonymity threshold, SLA, ...)."""
        return self.engagement.analysis

    @property
    def min_group_size(self) -> int:
        """Anonymity threshold of the session: the larger of the engagement's
        ``analysis.min_group_size`` and the one the stored views were computed with (a
        results.json never lowers it: attack 7 WJ1; :func:`read_results` refuses views
        computed with a smaller one)."""
        own = int(self.engagement.analysis.min_group_size)
        k = (self.views or {}).get("min_group_size")
        return max(own, k) if isinstance(k, int) and not isinstance(k, bool) else own

    @property
    def client_name(self) -> str:
        """The client's name as shown in the report."""
        return self.engagement.client.name

    @property
    def currency(self) -> str:
        """The engagement currency (the one results.json was made with: a different one is
        refused when the workshop opens, :func:`stale_problem`)."""
        return self.engagement.client.currency

    # --- what the widgets call ---------------------------------------------------------
    def filter_options(self, *, level: str | None = None, region: str | None = None
                       ) -> dict[str, list[str]]:
        """Safe filter values given the other filter's choice, as stored
        (:func:`toolkit.workshop.store.served_options`; withheld values never appear)."""
        from .store import served_options

        return served_options(self.views or {}, level=level, region=region)

    def reveal(self, code: str, *, side: str | None = None, level: str | None = None,
               region: str | None = None):
        """The view and its reveal of *code*, from results.json.

        Returns
        -------
        (View, dict or None)
            What the filter note says (:class:`toolkit.workshop.store.View`) and, when it
            may be shown, the reveal as :func:`toolkit.workshop.reveal.perception_reveal`
            returns it (:func:`toolkit.workshop.store.served_reveal`).

        Raises
        ------
        InputError
            Unknown code or side.
        """
        from .store import View, _label, served_reveal

        if self.views_note:
            from .reveal import _kind

            _kind(code)
            return View(_label(side, level, region), False, self.views_note), None
        return served_reveal(self.views, code, side=side, level=level, region=region)

    def survey_reveal(self, code: str) -> dict | None:
        """The unfiltered reveal of *code* (both sides, every level and region), or None
        when it may not be shown: the survey's figures the guess round compares with."""
        return self.reveal(code)[1]

    def simulate(self, *, marketing_share: float, gate: float,
                 sla_bonus_per_person: float) -> dict | None:
        """The report's what-if for slider positions, from the plan and results.json
        (:func:`toolkit.workshop.simulator.simulate_from_results`); None without a plan
        or a reward split."""
        from .simulator import simulate_from_results

        if self.data.plan is None:
            return None
        return simulate_from_results(self.data.plan, self.results,
                                     marketing_share=marketing_share, gate=gate,
                                     sla_bonus_per_person=sla_bonus_per_person)

    def sla_grid(self) -> dict | None:
        """The SLA designer's counts in results.json (``workshop.sla``), or None."""
        return (self.results.get("workshop") or {}).get("sla")

    def design_sla(self, *, first_touch_hours: float, attempts: int) -> dict:
        """SLA designer from results.json
        (:func:`toolkit.workshop.sla.design_sla_from_results`), with what the extra SQLs
        may be worth (``value``: :func:`toolkit.workshop.sla.sla_value`)."""
        from .sla import design_sla_from_results, sla_value

        res = design_sla_from_results(self.sla_grid(), first_touch_hours=first_touch_hours,
                                      attempts=attempts)
        res["value"] = sla_value(self.results, res)
        return res


def stale_problem(results: dict, engagement, plan) -> str | None:
    """Why *results* no longer describe the engagement the workshop reads beside them, or
    None (attack 42b, WS1/WS2).

    The workshop serves every survey and CRM figure from results.json but re-reads the
    compensation plan (the what-if) and labels money with ``[client] currency``: a plan
    edited, or a currency changed, after the report would mix two states of the engagement
    in the room. A results.json older than the plan fingerprint is not checked for the plan.
    """
    from ..incentives.plan import plan_fingerprint

    made = (results.get("client") or {}).get("currency")
    now = engagement.client.currency
    if isinstance(made, str) and made != now:
        return (f"these results were made with the currency {made}, and engagement.toml now "
                f"says {now}")
    stored = (results.get("incentives") or {}).get("plan_fingerprint")
    if isinstance(stored, str) and stored != plan_fingerprint(plan):
        return ("the compensation plan in the engagement's incentives folder changed after "
                "these results were made (the what-if would start from a plan the report "
                "never assessed)")
    return None


def resolve_engagement(engagement: str | Path = "") -> Path:
    """Return the engagement folder; empty means the first sample engagement.

    Raises
    ------
    FileNotFoundError
        When no engagement is given and there are no sample engagements.
    """
    if engagement:
        return Path(engagement)
    from ..paths import sample_engagements

    samples = sample_engagements()
    if not samples:
        raise FileNotFoundError("no engagement given and no sample engagements found")
    return samples[0]


def read_results(path: str | Path, client_id: str, min_group_size: int | None = None) -> dict:
    """Read a results.json and check it is this engagement's (SPEC §8a).

    The file is read by :func:`toolkit.jsonio.load_results` (plain text, finite numbers, the
    shape the toolkit writes, the workshop section included: attack 7 WJ1), then checked to
    be this client's and, given *min_group_size*, that its stored views hold no group
    smaller than the engagement's threshold (:func:`threshold_problem`).

    Parameters
    ----------
    path : str or Path
        The results.json.
    client_id : str
        The engagement's client id.
    min_group_size : int, optional
        The engagement's ``[analysis] min_group_size``; None: not checked.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        Missing or unreadable file, not JSON, not the shape the toolkit writes (the key
        named, never the value), results of another client, or views computed with a
        smaller anonymity threshold than the engagement's.
    """
    from ..jsonio import load_results

    path = Path(path)
    results = load_results(path)
    seen = (results.get("client") or {}).get("id")
    if seen != client_id:
        raise InputError(f"{path}: these results are for client {seen!r}, not "
                         f"{client_id!r}; pass this engagement's results.json")
    if min_group_size is not None:
        problem = threshold_problem(results, int(min_group_size))
        if problem:
            raise InputError(f"{path}: {problem}. Regenerate the results from the engagement "
                             "with \u201caligndx report ENGAGEMENT -o OUT\u201d (or run "
                             "\u201caligndx workshop ENGAGEMENT\u201d without --results).")
    return results


def threshold_problem(results: dict, min_group_size: int) -> str | None:
    """Why the stored workshop views may not be served under the engagement's anonymity
    threshold, or None (SPEC §8: no group under ``min_group_size`` in any workshop view).

    The views were computed and audited with the threshold stored beside them
    (``workshop.reveal.min_group_size``); one lower than the engagement's means groups the
    engagement forbids may be in them, and a shown figure of fewer respondents than the
    threshold is such a group.

    Parameters
    ----------
    results : dict
        A results.json that has the shape the toolkit writes.
    min_group_size : int
        The engagement's ``[analysis] min_group_size``.

    Returns
    -------
    str or None
        A plain sentence naming the key (never a figure of the file), or None.
    """
    store = (results.get("workshop") or {}).get("reveal")
    if not isinstance(store, dict) or store.get("min_group_size") is None:
        return None   # an earlier layout: served as "regenerate" (Workshop.views_note)
    if int(store["min_group_size"]) < min_group_size:
        return ("the workshop views in these results (key 'workshop.reveal.min_group_size') "
                "were computed with a smaller anonymity threshold than this engagement's "
                f"min_group_size ({min_group_size})")
    for i, view in enumerate(store.get("views") or []):
        for code, cell in (view.get("reveals") or {}).items():
            for side, fig in (cell.get("by_side") or {}).items():
                n = fig.get("n")
                if n is not None and n < min_group_size:
                    return (f"key 'workshop.reveal.views.{i}.reveals.{code}.by_side.{side}.n' "
                            f"shows a group smaller than this engagement's min_group_size "
                            f"({min_group_size})")
    return None


def open_workshop(engagement: str | Path = "", results: str | Path = "",
                  room: str | Path = "") -> Workshop:
    """Load an engagement for the workshop.

    Parameters
    ----------
    engagement : str or Path
        Engagement folder; empty means the first sample engagement (standalone run).
    results : str or Path
        Its results.json (``aligndx workshop`` writes one into the workshop folder); empty
        means analyse the engagement now (:func:`toolkit.pipeline.analyse`, the one step
        that reads the exports) and serve the results.
    room : str or Path
        Folder of the room's guess round; empty means no phone round.

    Returns
    -------
    Workshop

    Raises
    ------
    ConfigError, ValidationError, InputError
        As :func:`toolkit.config.load_engagement` and :func:`toolkit.intake.load_data` (the
        plan), or a results.json of another client. A results.json without the stored
        survey views opens (:attr:`Workshop.views_note` says to regenerate it).
    """
    folder = resolve_engagement(engagement)
    if results:
        eng = load_engagement(folder, skip=NOT_READ)
        res = read_results(results, eng.client.id, eng.analysis.min_group_size)
    else:
        from ..pipeline import analyse

        res = analyse(load_data(load_engagement(folder)))
        eng = load_engagement(folder, skip=NOT_READ)
    # the plan only: every survey and CRM figure comes from results.json
    data = load_data(dataclasses.replace(eng, survey=None, crm=None))
    stale = stale_problem(res, eng, data.plan) if results else None
    if stale:
        raise InputError(f"{results}: {stale}; re-run \u201caligndx report\u201d on the "
                         "engagement and open the workshop with the new results.json")
    return Workshop(engagement=eng, data=data, results=res, room=Path(room) if room else None)
