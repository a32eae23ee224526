"""Appendices: data quality, methodology, sources."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML, display

from ..findings import LIMITS
from ..intake.summary import intake_lines
from ..scores import COMPONENTS, STAGES, WEIGHTS
from .display import show_markdown, show_table


def render_data_quality(results: dict) -> None:
    """Intake summary per file, warnings, and what the anonymity rule hid and why."""
    data = results.get("data") or {}
    counts = data.get("row_counts") or {}
    if counts:
        show_markdown("**Rows analysed:** " + ", ".join(
            f"{k}: {v:,}" for k, v in counts.items() if v is not None) + ".")
    intake = data.get("intake") or []
    if intake:
        display(HTML("<pre class='intake'>" + html.escape("\n".join(intake_lines(intake)))
                     + "</pre>"))
    mgs = (data.get("settings") or {}).get("min_group_size", 5)
    sup = data.get("suppressed") or []
    if sup:
        show_markdown(
            f"**Hidden by the anonymity rule.** Groups with fewer than {mgs} respondents are "
            "never shown, nor the complementary groups that would let them be recovered by "
            "subtraction. Hidden here: "
            + "; ".join(f"{d.get('group')} ({d.get('where')})" for d in sup) + ".")
    else:
        show_markdown(f"**Anonymity.** No group was under the threshold of {mgs} respondents; "
                      "nothing had to be hidden.")
    warns = data.get("warnings") or []
    if warns:
        show_markdown("**Warnings**\n\n" + "\n".join(f"- {w}" for w in warns))


def render_methodology(results: dict) -> None:
    """Every measure, threshold and weight used."""
    settings = (results.get("data") or {}).get("settings") or {}
    show_markdown(
        "**Survey.** Answers on a 5-point agreement scale; reverse-keyed items scored 6 − x; "
        "\"don't know\" is missing; a scale score needs at least half its items answered. "
        "Scale means map to 0–100 as (m − 1)/4 × 100. Reliability: Cronbach's alpha with 95% CI "
        "and McDonald's omega (one-factor model), flagged below 0.6. Sales side (sales and "
        "sales development) against marketing: two-sided Mann–Whitney U, Cliff's delta (|d| < .147 "
        "negligible, < .33 small, < .474 medium, else large), Benjamini–Hochberg adjusted p. "
        "Maturity stages on the MAT mean: < 2 Undefined, 2–2.99 Defined, 3–3.99 Aligned, ≥ 4 "
        "Integrated (Kotler, Rackham & Krishnaswamy 2006).\n\n"
        "**CRM evidence.** Funnel cohort by lead creation date in the period; stage conversion "
        "with Wilson 95% intervals; a stage the export does not record is left out (never "
        "filled from later stages). Lead sources are compared after normalising case, spaces, "
        "'-' and '_'; an unknown source is neither marketing's nor another team's. A touch is a "
        "lead activity from its creation up to its conversion (else the extract date); a touch "
        "before the MQL stamp counts as an attempt and a response time of 0 h. Speed to first "
        "touch by Kaplan–Meier with untouched leads censored at the extract date. Effort on the "
        "attempt clock: conversion at attempt k among the leads that reached attempt k, and the "
        "Kaplan–Meier conversion by the well-worked attempt among leads first touched within the "
        "SLA (leads given up on censored at their last attempt, Greenwood log(−log) 95% "
        "interval); persistence pays when the conversion rate after the 3rd attempt is clearly "
        "above the floor, also within lead-score bands. Speed within lead-score bands; logistic "
        "regression of conversion on first-touch hours and score (not on the attempt count, "
        "which conversion cuts short). Revenue at stake: untouched and single-attempt leads × "
        "their group's worked conversion × win rate × median won deal, bootstrap 95% "
        "interval.\n\n"
        f"**Settings of this engagement.** Anonymity threshold {settings.get('min_group_size')} "
        f"respondents (comments: {settings.get('min_comment_group_size')}); first-touch SLA "
        f"{settings.get('sla_first_touch_hours')} h; well worked = at least "
        f"{settings.get('well_worked_attempts')} attempts.")
    rows = [{"pillar": p, "component": c, "weight": f"{w:.0%}",
             "input": COMPONENTS.get((p, c), "")} for p, ws in WEIGHTS.items()
            for c, w in ws.items()]
    show_table(pd.DataFrame(rows), caption="Pillar weights (SPEC §4.4); overall = mean of the "
               "three pillars")
    show_markdown("Overall stage on 0–100: " + ", ".join(
        f"{name} from {cut:g}" for cut, name in STAGES if cut != float("-inf")) +
        ", Undefined below 25.")
    try:
        from ..verdict import THRESHOLDS
    except ImportError:  # pragma: no cover
        THRESHOLDS = None
    if THRESHOLDS:
        items = THRESHOLDS.items() if isinstance(THRESHOLDS, dict) else vars(THRESHOLDS).items()
        rows = []
        for k, v in items:
            if isinstance(v, dict):
                rows.append({"threshold": k, "value": v.get("value"),
                             "why": v.get("rationale") or v.get("source") or ""})
            elif isinstance(v, (tuple, list)) and len(v) >= 2:
                rows.append({"threshold": k, "value": v[0], "why": v[1]})
            else:
                rows.append({"threshold": k, "value": v, "why": ""})
        show_table(pd.DataFrame(rows, dtype=object),
                   caption="Verdict thresholds (toolkit.verdict.THRESHOLDS)")
    from .crm import render_attempts_appendix
    render_attempts_appendix(results)
    show_table(pd.DataFrame([{"finding threshold": k, "value": v[0], "why": v[1]}
                             for k, v in LIMITS.items()]),
               caption="Finding thresholds (toolkit.findings.LIMITS)")


def render_sources(results: dict) -> None:
    """External reference figures with provenance label, year and sample size (SPEC §9)."""
    try:
        from ..benchmarks import REFERENCES
    except ImportError:
        show_markdown("Reference figures are not available in this version.")
        return
    rows = []
    for r in (REFERENCES.values() if isinstance(REFERENCES, dict) else REFERENCES):
        r = r if isinstance(r, dict) else vars(r)
        rows.append({label: r.get(k) for k, label in (
            ("figure", "Figure"), ("source", "Source"), ("kind", "Provenance"), ("year", "Year"),
            ("sample", "Sample")) if k in r})
    show_table(pd.DataFrame(rows, dtype=object), caption="Reference figures and their provenance: academic, "
               "analyst, vendor, practitioner or unverified")
