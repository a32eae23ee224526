"""The one home of every threshold, weight and cut point the diagnosis uses.

Each threshold is ``{"value", "rationale", "source", "used_by"}``. The verdict
(:mod:`toolkit.verdict`), the findings (:mod:`toolkit.findings`), the plan's conflict flags
(:mod:`toolkit.incentives.flags`), the pillar scores (:mod:`toolkit.scores`) and the survey
measures read their cut-offs from here, and :func:`record` writes all of them — with the
pillar weights, the stage cut points and the reference figures of SPEC §9 — into
``results["method"]``, so the methodology appendix of a re-rendered ``results.json`` shows
the thresholds it was judged with, not today's.

Adding a threshold: add it to :data:`THRESHOLDS` with a rationale and a source; read it with
:func:`value`. Nothing else in the toolkit should hold a cut-off that changes a verdict, a
finding, a flag or a score.
"""

from __future__ import annotations

from typing import Any

from . import benchmarks
from .vocab import STAGES


def Threshold(value: float, rationale: str, source: str, used_by: tuple[str, ...] = ()
              ) -> dict:
    """One documented threshold: ``{"value", "rationale", "source", "used_by"}``."""
    return {"value": value, "rationale": rationale, "source": source,
            "used_by": list(used_by)}


_V = ("verdict",)
_VF = ("verdict", "incentive flags")
_F = ("findings",)

#: Every cut-off of the diagnosis: name -> ``{value, rationale, source, used_by}``.
THRESHOLDS: dict[str, dict] = {
    # --- sample sizes (verdict, flags, report) ------------------------------------------------
    "min_well_worked": Threshold(
        30, "Fewest leads first touched within the SLA (followed on the attempt clock) in a "
        "group before its worked conversion is judged: at n = 30 a 95% interval around 50% "
        "spans about ±17 points, already too wide to separate from the benchmark floor with "
        "fewer leads.", "method (interval width)", _V),
    "min_rejections_with_reason": Threshold(
        20, "Fewest rejections with a stated reason before 'mostly about fit' is judged — by "
        "the verdict and by the plan's volume-pay flag alike.", "method", _VF),
    "min_followup_leads": Threshold(
        30, "Fewest leads handed to sales before follow-up shares (untouched, SLA, single "
        "attempt) are judged.", "method", _VF),
    "min_handoff_mqls": Threshold(
        30, "Fewest MQLs before the MQL→SAL acceptance rate is quoted in a finding or raises a "
        "plan conflict flag.", "method", _VF),
    "min_stage_leads": Threshold(
        30, "Fewest leads entering a funnel stage before its conversion is judged against its "
        "practitioner range (where the funnel loses most).", "method", ("report",)),
    "min_worked_to_horizon": Threshold(
        10, "Fewest leads actually followed to the well-worked attempt (still at risk there) "
        "before the Kaplan–Meier worked conversion of a group is judged: with fewer, the end "
        "of the curve rests on a handful of leads.", "method (Kaplan–Meier tail)", _V),
    "min_effort_leads": Threshold(
        30, "Fewest leads that reached a 4th attempt before the conversion rate after attempt "
        "3 (whether persistence pays) is judged, overall or in a lead-score band.", "method",
        _V),
    # --- lead quality ---------------------------------------------------------------------------
    "well_worked_conversion_floor": Threshold(
        benchmarks.MQL_TO_SQL_RANGE["low"],
        "Leads worked to the well-worked number of attempts (Kaplan–Meier on the attempt clock, "
        "first touched within the SLA, leads given up on censored) converting to SQL below the "
        "lower end of the practitioner MQL→SQL range — the product of MQL→SAL 40% and SAL→SQL "
        "50% — convert poorly even with effort. Judged on the upper 95% bound, so only a clear "
        "shortfall counts.",
        "demand-waterfall practitioner ranges (practitioner)",
        _V),
    "fit_majority": Threshold(
        0.5, "Rejections are 'mostly about fit' when at least half of the rejections with a "
        "reason cite fit (size, industry, budget, role, spam). Gartner's 44% good-fit share "
        "of MQLs says fit rejections are common, so only a majority counts.",
        "Gartner (analyst) for context", _VF),
    "reasons_already_given": Threshold(
        0.8, "Sales already gives a reason for at least this share of rejections: a "
        "recommendation to make reasons mandatory is moot, only reviewing them with marketing "
        "is left.", "method", ("recommendations",)),
    "acceptance_rate_low": Threshold(
        0.40, "Marketing paid on lead volume while fewer than 40% of its MQLs are accepted by "
        "sales (the lower bound of the MQL→SAL practitioner range), or while most rejections "
        "with a reason are about fit: marketing is paid for leads sales does not want. The "
        "flag names which of the two raised it.",
        "demand-waterfall practitioner ranges (practitioner)",
        ("incentive flags",)),
    # --- follow-up ------------------------------------------------------------------------------
    "untouched_share_max": Threshold(
        0.10, "Follow-up is thin when 10% or more of the leads handed to sales are never "
        "touched. HBR 2011 found 23% of firms never answered a web lead: that is the "
        "poor-practice norm, and one lead in ten left unworked is already material.",
        "Oldroyd, McElheran & Elkington, HBR 2011 (academic)", _VF),
    "within_sla_min": Threshold(
        0.5, "Follow-up is thin when fewer than half of the leads are first touched within the "
        "agreed SLA (untouched leads count as outside). HBR 2011: mean response 42 h, only 37% "
        "of firms within 1 h.", "HBR 2011 (academic); the engagement's own SLA", _VF),
    "single_attempt_max": Threshold(
        0.30, "Follow-up is thin when 30% or more of touched, unconverted leads got exactly one "
        "attempt. Velocify: reps averaged 1.6 attempts while 93% of converted leads were "
        "reached only by the 6th attempt.", "Velocify secret-shopper studies (vendor)", _VF),
    "effort_hazard_floor": Threshold(
        0.02, "Persistence 'pays' when the conversion rate per attempt after the 3rd (attempt "
        "clock: conversions at attempts 4 to the well-worked number ÷ lead-attempts there) has "
        "its 95% lower bound at or above 2% — three more attempts on 100 leads given up on "
        "would then win about 6 or more; it does not pay when the whole interval lies below "
        "2%. Checked within lead-score bands too (reps work better-looking leads harder).",
        "method; Velocify (vendor): 93% of converted leads reached by the 6th attempt", _V),
    "effort_hazard_material": Threshold(
        0.05, "Persistence is 'material' — and only then do titles and takeaways say "
        "'persistence pays' — when the conversion rate per attempt after the 3rd is at least "
        "5%: three further attempts then convert about one in seven leads still open "
        "(1 − 0.95³ ≈ 14%), close to the bottom of the practitioner MQL → SQL range (20%) for "
        "a fresh lead. Below it, even a rate clearly above zero is reported plainly: 'extra "
        "calls add little'.", "method; demand-waterfall practitioner ranges; Velocify "
        "(vendor)", ("verdict", "report", "deck")),
    # --- beliefs --------------------------------------------------------------------------------
    "belief_majority": Threshold(
        0.5, "A side 'blames' the other when at least half of its respondents agree (4–5) with "
        "the claim item.", "method (survey blame claims)", _V),
    # --- findings -------------------------------------------------------------------------------
    "scale_low": Threshold(
        3.0, "A scale mean below the scale midpoint (3 = neither agree nor disagree).",
        "method (scale midpoint)", _F),
    "scale_clear_margin": Threshold(
        0.25, "A survey scale is cited as a problem only when it is clearly on the wrong side "
        "of neutral: its 95% interval lies wholly below 3 (above 3 for conflict); when no "
        "interval is available, its mean is at least this far from 3. A scale that improved "
        "detectably since the last assessment is not cited as a problem.",
        "method (scale midpoint and its 95% interval)", _F),
    "conflict_high": Threshold(
        3.0, "The conflict statements' mean above the midpoint: conflict and blame are the norm.",
        "method (scale midpoint)", _F),
    "gap_large": Threshold(
        0.33, "|Cliff's delta| ≥ .33: a medium or large sales–marketing difference.",
        "Romano et al. 2006 magnitude labels", _F),
    "blame_share": Threshold(
        0.5, "Half or more of a side agrees with the blame claim.", "method (survey blame claims)", _F),
    "not_regular": Threshold(
        0.5, "Half or more say the teams do not speak regularly.",
        "practitioner claim (unverified)", _F),
    "sow_low": Threshold(
        0.2, "Less than a fifth of a side's variable pay rides on shared outcomes.", "method",
        _F),
    "sow_gap": Threshold(
        0.3, "The two sides' shared-outcome weights differ by 30 points or more.", "method",
        _F),
    "reward_gap": Threshold(
        0.15, "Marketing's share of won revenue exceeds its share of the commission paid on "
        "won deals by 15 points "
        "or more.", "method", _F),
    "reward_floor": Threshold(
        0.05, "…and marketing earns under 5% of the commission paid on won deals: no real stake "
        "in the revenue it sources (a smaller commission than sales' is normal and not "
        "flagged).", "method", _F),
    "pillar_low": Threshold(
        50.0, "A pillar below 50/100 (the Aligned cut point).", "method (stage cut points)",
        _F),
    "severity_high": Threshold(
        0.75, "A finding at or above this severity is labelled 'high'. The label does not "
        "rank the recommendations: they are ranked by impact × evidence strength.", "method",
        ("findings",)),
    "severity_medium": Threshold(
        0.5, "A finding at or above this severity (below 'high') is labelled 'medium'; below "
        "it, 'low'.", "method", ("findings",)),
    # --- survey ---------------------------------------------------------------------------------
    "alpha_flag_below": Threshold(
        0.6, "Cronbach's alpha below 0.6 is flagged: the items are too inconsistent to read "
        "the scale as one construct.", "common rule of thumb for short research scales",
        ("survey",)),
    "stale_extract_days": Threshold(
        92, "An extract more than about three months older than the report is said so on the "
        "cover, with the date the figures describe: a reader otherwise takes them as today's.",
        "method", ("report", "deck")),
    "alpha_good": Threshold(
        0.7, "A scale whose Cronbach's alpha is 0.7 or more is described to the reader as "
        "statements that 'hang together well' (from the flag level to 0.7: 'acceptably').",
        "common rule of thumb (Nunnally 1978)", ("deck",)),
    "min_answered_share": Threshold(
        0.5, "A respondent's scale score needs at least half of the scale's items answered. "
        "Published figures of a scale and of its items count only respondents who answered "
        "every item of the scale (the same people for both; with partial answerers in, the "
        "scale's figure beside its items' would reveal their answers — anonymity, SPEC §8).",
        "method", ("survey",)),
    "agree_min_answer": Threshold(
        4, "An answer of 4 (agree) or 5 (strongly agree) counts as agreeing: the share "
        "agreeing of every item and scale, the blame claims and the workshop's reveal and "
        "guess round use it (a scale score of 4 or more, likewise).",
        "method (top-two-box share)", ("survey", "findings", "workshop")),
    "reliability_min_n": Threshold(
        10, "Fewest respondents who answered every item of a scale before its Cronbach's "
        "alpha and McDonald's omega are reported (and the alpha flag can be raised): with "
        "fewer, one respondent moves the estimate too much to judge the scale by it.",
        "method", ("survey",)),
    "min_n_side_test": Threshold(
        2, "Fewest answers on each side before the Mann–Whitney test and Cliff's delta of a "
        "sales–marketing difference are computed (below two they are undefined); the "
        "anonymity threshold applies first, so in practice a side shows at least as "
        "many answers as that threshold.", "method (Mann–Whitney U)", ("survey", "findings")),
    # --- CRM measures ---------------------------------------------------------------------------
    # (toolkit.crm reads its own constants of the same value; tests/test_method_home.py
    # keeps them equal until toolkit.crm reads these entries.)
    "min_cohort_leads": Threshold(
        30, "Fewer leads than this created in the analysis period: the CRM figures are shown "
        "but a warning says they are too few to judge.", "method (interval width, as "
        "min_followup_leads)", ("crm",)),
    "score_band_min_leads": Threshold(
        30, "Fewest leads with a lead score per band (three tertile bands: 90 scored leads) "
        "before comparisons are made within lead-score bands; with fewer, one band of all "
        "leads is used.", "method", ("crm",)),
    "evidence_score_acceptance_target": Threshold(
        0.5, "MQL→SAL acceptance at or above 50% gives the acceptance component of the "
        "hand-off evidence score its full value (acceptance ÷ 50%, capped at 1): the middle "
        "of the 40–60% practitioner range.", "demand-waterfall practitioner "
        "ranges", ("crm",)),
    "evidence_score_fit_rejection_max": Threshold(
        0.2, "Share of MQLs rejected for fit at which the acceptance component of the "
        "hand-off evidence score falls to 0 (it is multiplied by 1 − fit-rejected share ÷ "
        "20%): an MQL rejected as not fitting means the teams do not define a qualified lead "
        "alike, so a high acceptance rate cannot stand beside a third of MQLs rejected, most "
        "for fit. At the 2% of the well-aligned demo the component loses a tenth.",
        "method; Gartner (analyst): only 44% of MQLs are a potential good fit", ("crm",)),
    "effort_early_attempts": Threshold(
        3, "Attempts up to and including the 3rd are 'early'; conversions after it are what "
        "persistence wins (the conversion rate after attempt 3).", "method; Velocify "
        "(vendor): most converted leads are reached only after several attempts", ("crm",)),
    # --- wave comparisons (SPEC §12) -----------------------------------------------------------
    "wave_family_alpha": Threshold(
        0.05, "Family-wise error rate of a wave comparison: Holm's step-down adjustment "
        "across every tested figure keeps the chance that any unchanged figure is called "
        "'improved' or 'worse' at 5% or less. Each interval is drawn at the level at which "
        "Holm's procedure tested its figure, so 'detectable' and 'interval excludes zero' "
        "always agree. (A false-discovery-rate adjustment, Benjamini & Hochberg 1995, bounds "
        "the expected share of chance findings, not the chance of any: with many real "
        "changes it tests each unchanged figure at about 2%, so a comparison can show one "
        "as changed about half the time.)",
        "Holm 1979", ("wave comparison",)),
    "drivers_min_n_per_predictor": Threshold(
        10, "Fewest respondents with every answer per predictor before the drivers of "
        "perceived effectiveness are estimated: the eleven scales need 110, else the three "
        "pillar scores are used (30); below 30, no driver analysis.",
        "Harrell 2015, Regression Modeling Strategies, 2nd ed., §4.4 (academic)",
        ("survey drivers",)),
    "heatmap_fdr": Threshold(
        0.05, "False discovery rate of the heatmap: a group's difference from the whole is "
        "marked only when its Benjamini–Hochberg adjusted p is below it (many cells are "
        "compared at once).", "Benjamini & Hochberg 1995; Benjamini & Yekutieli 2005 "
        "(academic)", ("survey heatmap",)),
    "themes_comments_per_theme": Threshold(
        10, "Fewest comments per automatic theme; with two themes at least, a question needs "
        "20 comments before its comments are grouped.", "method", ("comment themes",)),
    "themes_distinct_cosine": Threshold(
        0.35, "More automatic themes are tried until two share their main words (cosine "
        "similarity of their word profiles at or above this); the number before is kept. "
        "Calibrated on generated comments with planted themes.", "method (calibrated on generated "
        "comments with planted themes)", ("comment themes",)),
    # --- live workshop --------------------------------------------------------------------------
    "sla_designer_min_meet": Threshold(
        10, "Fewest leads meeting an SLA target within a lead-score band before that band's "
        "conversion enters the SLA designer's estimate: below 10 a Wilson 95% interval spans "
        "±30 points or more.", "method (Wilson interval width)", ("workshop",)),
    "guess_spot_on_points": Threshold(
        5, "A guess of a share within 5 percentage points of the survey's figure is called "
        "'spot on' in the workshop's guess round (0.25 scale points for a 1–5 average).",
        "method (workshop wording)", ("workshop",)),
}

#: How strongly the client's own evidence backs a finding, for ranking recommendations by
#: impact × evidence strength: measured in the CRM, the compensation plan or the verdict;
#: reported in the survey (both sides, or the whole company); reported by one side only.
EVIDENCE_STRENGTH: dict[str, float] = {"records": 1.0, "survey": 0.8, "survey_one_side": 0.6}

#: Cliff's delta magnitude labels: ``(upper bound of |d|, label)``, "large" above the last
#: (Romano et al. 2006; SPEC §4.1).
CLIFF_MAGNITUDES: tuple[tuple[float, str], ...] = ((0.147, "negligible"), (0.33, "small"),
                                                   (0.474, "medium"))

#: Cohen's (1988) labels for |Hedges' g| and |Cohen's h| of a change between waves:
#: ``(upper bound, label)``, "large" above the last (SPEC §12).
COHEN_MAGNITUDES: tuple[tuple[float, str], ...] = ((0.2, "negligible"), (0.5, "small"),
                                                   (0.8, "medium"))

#: Lower bounds of Defined, Aligned, Integrated on the 1..5 MAT mean (SPEC §4.1, the banding
#: of Kotler, Rackham & Krishnaswamy 2006).
MATURITY_CUTS_1_5: tuple[float, ...] = (2.0, 3.0, 4.0)

#: The same cut points on 0..100, mapped by (m − 1) / 4 × 100 (SPEC §4.4).
SCORE_CUTS_0_100: tuple[float, ...] = (25.0, 50.0, 75.0)

#: Weights of each pillar's components (SPEC §4.4). When a component is missing, the
#: remaining weights are rescaled to sum to 1 and a warning says so.
WEIGHTS: dict[str, dict[str, float]] = {
    "politics": {"survey": 1.0},
    "incentives": {"survey": 0.5, "plan_structure": 0.5},
    "communication": {"survey": 0.5, "handoff_evidence": 0.5},
}

#: What each pillar component is, for the methodology appendix.
COMPONENTS: dict[tuple[str, str], str] = {
    ("politics", "survey"): "survey: fairness, trust, freedom from conflict, leadership support",
    ("incentives", "survey"): "survey: shared goals, reward interdependence, reward fairness",
    ("incentives", "plan_structure"): "compensation-plan structure score",
    ("communication", "survey"): "survey: two-way flow, information quality, shared definitions, feedback",
    ("communication", "handoff_evidence"): "CRM hand-off evidence score",
}


def value(name: str) -> float:
    """Return the value of threshold *name* as a float.

    Raises
    ------
    KeyError
        For a name not in :data:`THRESHOLDS` (a typo must not silently become a default).
    """
    return float(THRESHOLDS[name]["value"])


def _num(v: Any) -> Any:
    """A threshold value as int when whole (30, not 30.0), else float."""
    return int(v) if isinstance(v, int) and not isinstance(v, bool) else float(v)


def thresholds_table(names: tuple[str, ...] | None = None) -> list[dict]:
    """Thresholds as JSON-safe rows ``{name, value, rationale, source, used_by}``.

    Parameters
    ----------
    names : tuple of str, optional
        Only these thresholds (in this order); default all.
    """
    keys = names if names is not None else tuple(THRESHOLDS)
    return [{"name": k, "value": _num(THRESHOLDS[k]["value"]),
             "rationale": THRESHOLDS[k]["rationale"], "source": THRESHOLDS[k]["source"],
             "used_by": list(THRESHOLDS[k]["used_by"])} for k in keys]


def score_stages() -> list[dict]:
    """Stage bands on 0..100: ``[{stage, from, to}]``, lowest first (``to`` None at the top)."""
    lows = (None,) + SCORE_CUTS_0_100
    highs = SCORE_CUTS_0_100 + (None,)
    return [{"stage": s, "from": lo, "to": hi} for s, lo, hi in zip(STAGES, lows, highs)]


def maturity_stages() -> list[dict]:
    """Stage bands on the 1..5 MAT mean: ``[{stage, from, to}]``, lowest first."""
    lows = (None,) + MATURITY_CUTS_1_5
    highs = MATURITY_CUTS_1_5 + (None,)
    return [{"stage": s, "from": lo, "to": hi} for s, lo, hi in zip(STAGES, lows, highs)]


def record(settings: Any = None) -> dict:
    """Everything the diagnosis was judged with, for ``results["method"]``.

    Parameters
    ----------
    settings : toolkit.config.AnalysisSettings, optional
        The engagement's ``[analysis]`` settings (anonymity threshold, SLA, well-worked
        attempts); recorded beside the fixed thresholds.

    Returns
    -------
    dict
        JSON-safe: ``thresholds`` (rows of :func:`thresholds_table`), ``weights``
        (pillar → component → weight), ``components`` (rows ``{pillar, component, weight,
        input}``), ``score_stages`` and ``maturity_stages`` (rows ``{stage, from, to}``),
        ``cliffs_delta_magnitudes`` (rows ``{below, label}``), ``references`` (SPEC §9
        rows of :func:`toolkit.benchmarks.sources_table`), ``benchmarks`` (the derived
        MQL→SQL range), ``priority`` (how recommendations are ranked) and ``settings``.
    """
    out = {
        "thresholds": thresholds_table(),
        "weights": {p: dict(w) for p, w in WEIGHTS.items()},
        "components": [{"pillar": p, "component": c, "weight": w,
                        "input": COMPONENTS.get((p, c), "")}
                       for p, ws in WEIGHTS.items() for c, w in ws.items()],
        "score_stages": score_stages(),
        "maturity_stages": maturity_stages(),
        "cliffs_delta_magnitudes": [{"below": b, "label": lab} for b, lab in CLIFF_MAGNITUDES],
        "cohen_magnitudes": [{"below": b, "label": lab} for b, lab in COHEN_MAGNITUDES],
        "references": benchmarks.sources_table(),
        "benchmarks": {"mql_to_sql": dict(benchmarks.MQL_TO_SQL_RANGE)},
        "priority": {"rule": "impact × evidence strength",
                     "impact": "severity (0–1) of the most severe finding behind it",
                     "strength": dict(EVIDENCE_STRENGTH)},
        "settings": None,
    }
    if settings is not None:
        out["settings"] = {k: getattr(settings, k) for k in (
            "min_group_size", "min_comment_group_size", "sla_first_touch_hours",
            "well_worked_attempts") if hasattr(settings, k)}
    return out
