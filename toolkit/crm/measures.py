"""Entry point of the CRM evidence section (SPEC §4.2, results key ``crm``)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from .. import method
from ..jsonio import jsonable
from ..config import AnalysisSettings
from ..privacy import make_redactor
from .derive import (as_datetime, drop_empty_columns, extract_date_of, lead_frame,
                     select_cohort)
from .dose import dose_response, score_bands
from .drop import funnel_drop
from .effort import effort
from .funnel import funnel, handoff
from .persistence import persistence
from .quality import lead_quality, marketing_sourced
from .speed import speed
from .poorleads import cost_of_poor_leads
from .stake import revenue_at_stake

def _method_value(name: str) -> float:
    from ..method import value
    return value(name)


#: Cohorts smaller than this are measured but flagged as too small to judge.
#: Fewer leads in the cohort than this: the figures are shown with a warning (registry).
MIN_COHORT = int(method.value("min_cohort_leads"))


def _iso(value) -> str | None:
    v = as_datetime(value)
    if v is None:
        return None
    return v.date().isoformat() if v == pd.Timestamp(v).normalize() else v.isoformat()


#: Kept for callers of the former name: the one JSON coercer is :func:`toolkit.jsonio.jsonable`.
json_safe = jsonable


def measure_crm(leads: pd.DataFrame | None, opportunities: pd.DataFrame | None = None,
                activities: pd.DataFrame | None = None, *,
                settings: AnalysisSettings | None = None, period_start=None, period_end=None,
                marketing_sources: Iterable[str] = (), extract_date=None,
                owner_labels: dict | None = None, known_names: Iterable[str] = ()) -> dict:
    """Measure the CRM evidence of SPEC §4.2.

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (SPEC §2.2): ``lead_id``, ``created_at``, ``source`` and the optional
        stage timestamps, ``rejection_reason``, ``score``, ``first_touch_at``, ``attempts``.
        An optional column whose every value is empty is treated as absent, with a warning
        (:func:`toolkit.crm.derive.drop_empty_columns`).
    opportunities : DataFrame, optional
        Canonical opportunities (SPEC §2.3).
    activities : DataFrame, optional
        Canonical activities (SPEC §2.4); ``first_touch_at`` and ``attempts`` are derived from
        them when the leads table lacks these columns (see :mod:`toolkit.crm.derive`).
    settings : AnalysisSettings
        ``sla_first_touch_hours`` and ``well_worked_attempts`` are used.
    period_start, period_end : date-like, optional
        Cohort window on lead ``created_at``, both dates inclusive; ``None`` = open.
    marketing_sources : iterable of str
        Lead sources that count as marketing-sourced.
    extract_date : datetime-like, optional
        Date the data was pulled; default the latest timestamp in any CRM table.
    owner_labels : dict, optional
        Accepted for interface stability; no per-owner figure is produced. Its keys (owner
        ids) are also treated as known names for redaction.
    known_names : iterable of str
        Names to remove from free text (rejection reasons), typically respondent names; the
        ``owner_id`` values of the CRM tables are always added. E-mail addresses and phone numbers are always removed
        (:func:`toolkit.privacy.make_redactor`).

    Returns
    -------
    dict
        JSON-safe section with keys ``cohort``, ``definitions``, ``funnel``, ``handoff``,
        ``speed``, ``persistence``, ``dose_response``, ``effort`` (the attempt clock:
        ``hazard_by_attempt``, ``after_attempt_3_share``, :mod:`toolkit.crm.effort`),
        ``lead_quality`` (``worked_conversion.<all|marketing|other>``), ``revenue_at_stake``
        (:mod:`toolkit.crm.stake`), ``marketing_sourced`` and ``warnings`` (all sub-section
        warnings, prefixed). A figure whose input is not in the export is ``None`` with the
        reason (:mod:`toolkit.crm.definitions`). Never
        raises for too little data: figures are ``None`` and ``warnings`` says why.
    """
    from ..memory import tune
    tune()  # allocators for large tables (toolkit.memory); once per process
    settings = settings or AnalysisSettings()
    sla = float(settings.sla_first_touch_hours)
    ww = int(settings.well_worked_attempts)
    msrc = tuple(str(s) for s in marketing_sources)
    from .definitions import source_code, unmatched_marketing_sources
    warnings: list[str] = []
    if leads is None:
        leads = pd.DataFrame({"lead_id": pd.Series([], dtype=str),
                              "created_at": pd.Series([], dtype="datetime64[ns]")})
        warnings.append("crm: No leads table: the CRM evidence cannot be assessed.")
    leads, dropped = drop_empty_columns(leads)
    warnings += [f"crm: {w}" for w in dropped]
    ext = extract_date if extract_date is not None else extract_date_of(leads, opportunities,
                                                                         activities)
    ext = None if ext is None else pd.Timestamp(as_datetime(ext))
    cohort, excluded = select_cohort(leads, period_start, period_end)
    cohort, dropped = drop_empty_columns(cohort, emptiness="has no value in the cohort")
    warnings += [f"crm: {w}" for w in dropped]
    f, info = lead_frame(cohort, opportunities, activities, extract_date=ext,
                         marketing_sources=msrc)
    warnings += [f"crm: {w}" for w in info["warnings"]]
    if len(cohort) == 0:
        warnings.append("crm: No leads were created in the analysis period: nothing to "
                        "measure.")
    elif len(cohort) < MIN_COHORT:
        warnings.append(f"crm: Only {len(cohort)} leads in the cohort: figures are shown but "
                        "are too few to judge.")
    if not msrc:
        warnings.append("crm: No marketing sources configured: marketing-sourced leads cannot be "
                        "told apart from others.")
    handed = f.loc[f["handed"].to_numpy(bool)]

    def known() -> list[str]:  # in the hand-off's half: beside the other half's work
        names = [str(n) for n in known_names if n is not None]
        names += [str(k) for k in (owner_labels or {})]
        for tab in (leads, opportunities, activities):
            if tab is not None and "owner_id" in tab.columns:
                # distinct values first (10M activities, a few thousand owners), then drop
                # the missing one: the same names in the same order as dropna().unique()
                names += [str(x) for x in tab["owner_id"].unique() if not pd.isna(x)]
        # the same owners recur in every table: each name once, in first-seen order (the
        # redactor keeps the first of equal forms, so the result is the same)
        return list(dict.fromkeys(names))

    touch_data = info["touch_source"] is not None or info["attempts_source"] is not None
    bands = score_bands(handed["score"]) if len(handed) else None

    def handoff_side():  # speed → hand-off → lead quality; revenue at stake
        fun = funnel(f, info["measured"])
        spd = speed(handed, sla_hours=sla, extract_date=ext, touch_data=touch_data)
        hof = handoff(f, cohort, within_sla_share=spd["within_sla_share"],
                      redactor=make_redactor(known()), touch_data=touch_data)
        lq = lead_quality(handed, sla_hours=sla, well_worked_attempts=ww,
                          fit_share=hof["fit_share"], bands=bands)
        stake = revenue_at_stake(handed, opportunities, sla_hours=sla,
                                 well_worked_attempts=ww, touch_data=touch_data,
                                 period_start=period_start, period_end=period_end,
                                 extract_date=ext,
                                 won_measured=bool(info.get("measured", {}).get("won")),
                                 bands=bands,
                                 rejections_measured=bool(
                                     info.get("measured", {}).get("rejected", True)))
        poor = cost_of_poor_leads(f, opportunities, period_start=period_start,
                                  period_end=period_end,
                                  won_measured=bool(info.get("measured", {}).get("won")))
        return fun, spd, hof, lq, stake, poor

    def effort_side():  # dose–response, attempt clock, persistence, marketing-sourced
        dose = dose_response(handed, well_worked_attempts=ww, bands=bands)
        eff = effort(handed, well_worked_attempts=ww, bands=bands)
        # persistence here, not beside the hand-off: the two halves take about as long
        per = persistence(handed, well_worked_attempts=ww)
        ms = marketing_sourced(opportunities, leads, marketing_sources=msrc,
                               period_start=period_start, period_end=period_end)
        return dose, eff, per, ms

    # on two cores when the cohort is large (toolkit.crm.parallel); identical to serial
    from .parallel import both
    (fun, spd, hof, lq, stake, poor), (dose, eff, per, ms) = both(
        handoff_side, effort_side, rows=len(handed))
    if info["attempts_source"] is None:
        warnings.append("crm: No attempts column and no activities: persistence, "
                        "dose–response and lead quality cannot be measured.")

    for name, sec in (("hand-off", hof), ("speed", spd), ("persistence", per),
                      ("dose–response", dose), ("effort", eff), ("lead quality", lq),
                      ("marketing-sourced", ms)):
        warnings += [f"crm {name}: {w}" for w in sec.get("warnings", [])]

    out = {
        "cohort": {"period_start": _iso(period_start), "period_end": _iso(period_end),
                   "leads": int(len(cohort)), "excluded_outside_period": excluded,
                   "handed_to_sales": int(len(handed)), "extract_date": _iso(ext),
                   "marketing_sources": list(msrc),
                   "touch_source": info["touch_source"],
                   "attempts_source": info["attempts_source"],
                   "has_score": bool(f["score"].notna().any()) if len(f) else False,
                   "touched_before_mql": info.get("touched_before_mql", 0),
                   "touched_before_creation": info.get("touched_before_creation", 0),
                   "source_unknown": int((~f["source_known"]).sum()) if len(f) else 0,
                   "measured": info.get("measured", {})},
        "definitions": {
            "cohort": "leads created in the period (dates inclusive)",
            "stage_reached": "the stage's timestamp or any later stage (cumulative funnel)",
            "conversion": "reached SQL or later",
            "handed_to_sales": "reached MQL or later, or any lead from a non-marketing source",
            "clock_start": "mql_at, else created_at",
            "touch_window": "a lead's activities from created_at up to converted_at (else "
                            "the extract date); a touch before mql_at counts as an attempt "
                            "and as a response time of 0 h",
            "worked_conversion": f"Kaplan–Meier conversion by attempt {ww} among leads first "
                                 f"touched within {sla:g} h (leads given up on censored)",
            "attempt_clock": "hazard at attempt k = conversions at attempt k ÷ leads that "
                             "reached attempt k",
            "marketing_sourced": "source in marketing_sources after normalising case, spaces, "
                                 "'-' and '_'; an unknown source is neither marketing nor other",
            "measured_not_inferred": "a figure whose input is not in the export is null with "
                                     "the reason",
        },
        "funnel": fun,
        "funnel_drop": funnel_drop(fun, min_leads=_method_value("min_stage_leads")),
        "handoff": hof, "speed": spd, "persistence": per,
        "dose_response": dose, "effort": eff, "lead_quality": lq,
        "revenue_at_stake": stake, "cost_of_poor_leads": poor, "marketing_sourced": ms,
        "warnings": warnings,
    }
    return jsonable(out)
