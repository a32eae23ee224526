"""The workshop session: one engagement's tables, loaded once for every widget.

:func:`open_workshop` reads the engagement folder with the same loader as the report
(:func:`toolkit.config.load_engagement`, :func:`toolkit.intake.load_data`) and keeps the
canonical tables in memory, so moving a slider never re-reads a file. The lead frame of the
CRM evidence (cohort leads handed to sales, with derived touches) is built lazily by the same
functions as ``measure_crm`` (:mod:`toolkit.crm.derive`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import AnalysisSettings, Engagement, load_engagement
from ..intake import EngagementData, load_data


@dataclass
class Workshop:
    """Everything the workshop widgets need about one engagement.

    Attributes
    ----------
    engagement : Engagement
        Loaded configuration.
    data : EngagementData
        Canonical tables (``survey``, ``leads``, ``opportunities``, ``activities``,
        ``plan``); any may be ``None``.
    """

    engagement: Engagement
    data: EngagementData
    _leads: pd.DataFrame | None = field(default=None, repr=False)
    _withheld: dict | None = field(default=None, repr=False)

    @property
    def withheld(self) -> dict[str, set]:
        """Filter values withheld by the anonymity audit (computed once per session).

        :func:`toolkit.privacy_audit.safe_workshop_values` runs the audit over the report's
        survey figures and every view the filters can show, and withholds values until no
        group under the threshold is recoverable by differencing any of them.
        """
        if self._withheld is None:
            from ..privacy_audit import safe_workshop_values

            survey = self.data.survey
            results = None
            if survey is not None and len(survey):
                from ..survey import measure_survey

                results = {"survey": measure_survey(
                    survey, settings=self.settings,
                    headcount=self.engagement.client.headcount or None)}
            self._withheld, _ = safe_workshop_values(survey, self.min_group_size,
                                                     results=results)
        return self._withheld

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
    def marketing_sources(self) -> tuple[str, ...]:
        """Lead sources that count as marketing-sourced (``crm.marketing_sources``)."""
        crm = self.engagement.crm
        return tuple(crm.marketing_sources) if crm is not None else ()

    @property
    def attainment(self) -> float | None:
        """Company goal attainment for plan gates (``incentives.attainment``)."""
        inc = self.engagement.incentives
        return None if inc is None else inc.attainment

    def lead_frame(self) -> pd.DataFrame | None:
        """Cohort leads handed to sales, one row each, with derived fields.

        Returns
        -------
        pandas.DataFrame or None
            The frame of :func:`toolkit.crm.derive.lead_frame` restricted to leads handed to
            sales (the population of the speed, persistence and dose–response measures);
            ``None`` when the engagement has no leads table.
        """
        if self._leads is not None:
            return self._leads
        leads = self.data.leads
        if leads is None:
            return None
        from ..crm.derive import as_datetime, extract_date_of, lead_frame, select_cohort

        crm = self.engagement.crm
        c = self.engagement.client
        ext = crm.extract_date if crm is not None else None
        if ext is None:
            ext = extract_date_of(leads, self.data.opportunities, self.data.activities)
        ext = None if ext is None else pd.Timestamp(as_datetime(ext))
        cohort, _ = select_cohort(leads, c.period_start, c.period_end)
        f, _ = lead_frame(cohort, self.data.opportunities, self.data.activities,
                          extract_date=ext, marketing_sources=self.marketing_sources)
        self._leads = f.loc[f["handed"].to_numpy(bool)]
        return self._leads


    # --- what the widgets call ---------------------------------------------------------
    def filter_options(self, *, level: str | None = None, region: str | None = None
                       ) -> dict[str, list[str]]:
        """Safe filter values (:func:`toolkit.workshop.filters.filter_options`, minus the
        values the anonymity audit withholds: :attr:`withheld`)."""
        from .filters import filter_options

        opts = filter_options(self.data.survey, self.min_group_size, level=level,
                              region=region)
        return {d: [v for v in vals if v not in self.withheld.get(d, ())]
                for d, vals in opts.items()}

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
        for dim, value in (("level", level), ("region", region)):
            if value is not None and value in self.withheld.get(dim, ()):
                return FilterResult(
                    None, f"{dim} {value}", False,
                    f"{value} is not offered as a filter: comparing it with the other views "
                    f"could single out a group of fewer than {self.min_group_size} respondents.",
                    [{"where": f"workshop.filter.{dim}", "group": value,
                      "reason": "complementary"}]), None
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
        """The report's what-if for slider positions (None without a plan)."""
        from .simulator import simulate

        if self.data.plan is None:
            return None
        return simulate(self.data.plan, marketing_share=marketing_share, gate=gate,
                        sla_bonus_per_person=sla_bonus_per_person, leads=self.data.leads,
                        opportunities=self.data.opportunities,
                        marketing_sources=self.marketing_sources, attainment=self.attainment)

    def design_sla(self, *, first_touch_hours: float, attempts: int) -> dict:
        """SLA designer on this engagement's leads (:func:`toolkit.workshop.sla.design_sla`)."""
        from .sla import design_sla

        return design_sla(self.lead_frame(), first_touch_hours=first_touch_hours,
                          attempts=attempts)


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


def open_workshop(engagement: str | Path = "") -> Workshop:
    """Load an engagement for the workshop.

    Parameters
    ----------
    engagement : str or Path
        Engagement folder; empty means the first sample engagement (standalone run).

    Returns
    -------
    Workshop

    Raises
    ------
    ConfigError, ValidationError
        As :func:`toolkit.config.load_engagement` and :func:`toolkit.intake.load_data`.
    """
    eng = load_engagement(resolve_engagement(engagement))
    return Workshop(engagement=eng, data=load_data(eng))
