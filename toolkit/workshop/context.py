"""The workshop session: one engagement's results and the tables the room may filter.

:func:`open_workshop` reads, once per session:

* ``results.json`` (SPEC §6) — the one door from analysis to the workshop: the what-if
  simulator and the SLA designer read it (and the compensation plan) and nothing else;
* the survey (canonical, through :func:`toolkit.intake.load_data`) — the perception-gap
  filters select respondents by level and region, which results.json does not break down;
* the compensation plan, whose components the what-if changes.

The CRM exports are not read: every CRM figure comes from results.json.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from ..config import AnalysisSettings, Engagement, load_engagement
from ..exceptions import InputError
from ..intake import EngagementData, load_data


@dataclass
class Workshop:
    """Everything the workshop widgets need about one engagement.

    Attributes
    ----------
    engagement : Engagement
        Loaded configuration.
    data : EngagementData
        The survey and the plan (``survey``, ``plan``; either may be ``None``); the CRM
        tables are not loaded.
    results : dict
        The engagement's results.json.
    room : Path or None
        Folder of the room's guess round (:mod:`toolkit.workshop.room`), or None.
    """

    engagement: Engagement
    data: EngagementData
    results: dict
    room: Path | None = None

    @property
    def settings(self) -> AnalysisSettings:
        """The engagement's ``[analysis]`` settings (anonymity threshold, SLA, ...)."""
        return self.engagement.analysis

    @property
    def min_group_size(self) -> int:
        """Anonymity threshold (``analysis.min_group_size``)."""
        return int(self.engagement.analysis.min_group_size)

    @property
    def client_name(self) -> str:
        """The client's name as shown in the report."""
        return self.engagement.client.name

    @property
    def currency(self) -> str:
        """The engagement currency."""
        return self.engagement.client.currency

    # --- what the widgets call ---------------------------------------------------------
    def filter_options(self, *, level: str | None = None, region: str | None = None
                       ) -> dict[str, list[str]]:
        """Safe filter values (:func:`toolkit.workshop.filters.filter_options`)."""
        from .filters import filter_options

        return filter_options(self.data.survey, self.min_group_size, level=level,
                              region=region)

    def reveal(self, code: str, *, side: str | None = None, level: str | None = None,
               region: str | None = None):
        """Filter the respondents, then reveal *code* in that view.

        Returns
        -------
        (FilterResult, dict or None)
            The view (:func:`toolkit.workshop.filters.filter_respondents`) and, when it may
            be shown, :func:`toolkit.workshop.reveal.perception_reveal` on it.
        """
        from .filters import FilterResult, answers_safe, filter_respondents
        from .reveal import answered_mask, perception_reveal

        survey = self.data.survey
        view = filter_respondents(survey, self.min_group_size, side=side,
                                  level=level, region=region)
        if not view.shown:
            return view, None
        if (level is not None or region is not None) and not answers_safe(
                survey, answered_mask(survey, code), self.min_group_size, level=level,
                region=region):
            k, by = self.min_group_size, "level" if level else "region"
            return FilterResult(
                None, view.label, False,
                f"This question is hidden in this view for anonymity: by {by}, "
                f"a group answering it has fewer than {k} people, who could otherwise be "
                "worked out by subtraction from the other views.",
                [{"where": f"workshop.filter.{code}", "group": view.label,
                  "reason": "below_threshold"}]), None
        return view, perception_reveal(view.frame, code, min_group_size=self.min_group_size)

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


def read_results(path: str | Path, client_id: str) -> dict:
    """Read a results.json and check it is this engagement's (SPEC §8a).

    Raises
    ------
    InputError
        Missing or unreadable file, not JSON, or results of another client.
    """
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: results.json not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the results ({exc})") from None
    seen = (results.get("client") or {}).get("id") if isinstance(results, dict) else None
    if seen != client_id:
        raise InputError(f"{path}: these results are for client {seen!r}, not "
                         f"{client_id!r}; pass this engagement's results.json")
    return results


def open_workshop(engagement: str | Path = "", results: str | Path = "",
                  room: str | Path = "") -> Workshop:
    """Load an engagement for the workshop.

    Parameters
    ----------
    engagement : str or Path
        Engagement folder; empty means the first sample engagement (standalone run).
    results : str or Path
        Its results.json (``aligndx workshop`` writes one into the workshop folder); empty
        means analyse the engagement now (:func:`toolkit.pipeline.analyse`).
    room : str or Path
        Folder of the room's guess round; empty means no phone round.

    Returns
    -------
    Workshop

    Raises
    ------
    ConfigError, ValidationError, InputError
        As :func:`toolkit.config.load_engagement` and :func:`toolkit.intake.load_data`, or
        a results.json of another client.
    """
    eng = load_engagement(resolve_engagement(engagement))
    if results:
        res = read_results(results, eng.client.id)
    else:
        from ..pipeline import analyse

        res = analyse(load_data(eng))
    # the survey and the plan only: every CRM figure comes from results.json
    data = load_data(dataclasses.replace(eng, crm=None))
    return Workshop(engagement=eng, data=data, results=res, room=Path(room) if room else None)
