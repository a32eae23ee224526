"""Appendices: data quality, methodology, sources.

Everything here is read from the results: the thresholds, weights, stage cut points and
reference figures the analysis used are in ``results["method"]`` (SPEC §6), never looked up
in today's code.
"""

from __future__ import annotations


import pandas as pd

from .display import Rendered, renders, fmt_pct, show_markdown, show_table
from .read import method as stored_method


@renders
def render_data_quality(results: dict) -> Rendered:
    """Intake summary per file, warnings, and what the anonymity rule hid and why."""
    data = results.get("data") or {}
    counts = data.get("row_counts") or {}
    if counts:
        show_markdown("**Records analysed:** " + ", ".join(
            f"{_ROWS.get(k, k.replace('_', ' '))}: {v:,}" for k, v in counts.items()
            if v is not None) + ".")
    # the file-by-file intake log stays in the run's log and the workbook: not for the client
    mgs = (data.get("settings") or {}).get("min_group_size", 5)
    sup = data.get("suppressed") or []
    if sup:
        show_markdown(
            f"**Hidden by the anonymity rule.** Groups with fewer than {mgs} respondents are "
            "never shown, nor the complementary groups that would let them be recovered by "
            "subtraction. Hidden here: "
            + ", ".join(dict.fromkeys(_group_word(d.get("group")) for d in sup)) + ".")
    else:
        show_markdown(f"**Anonymity.** No group was under the threshold of {mgs} respondents; "
                      "nothing had to be hidden.")
    warns = data.get("warnings") or []
    if warns:
        show_markdown("**Notes on the data**\n\n" + "\n".join(
            f"- {plain_warning(w)}" for w in warns))


#: Plain names of the record counts.
_ROWS = {"survey": "survey responses", "crm_leads": "CRM leads", "leads": "CRM leads",
         "crm_activities": "CRM activities", "activities": "CRM activities",
         "crm_opportunities": "opportunities", "opportunities": "opportunities",
         "plan": "compensation-plan rows", "incentives": "compensation-plan rows"}
_GROUP_WORDS = {"sales_development": "sales development", "revops": "revenue operations"}


def _group_word(group) -> str:
    """A hidden group's name in plain words (team codes and JSON-like paths dropped)."""
    text = str(group or "a group")
    return _GROUP_WORDS.get(text, text.replace("_", " "))


def plain_source(text: str) -> str:
    """A threshold's source without the spec's section numbers or code and test paths
    (results written before sources were worded for the client still carry them)."""
    import re

    text = re.sub(r",?\s*via toolkit\.[\w.]+", "", text)
    text = re.sub(r"\s*\((?:tests|toolkit)/[^)]*\)", "", text)
    text = re.sub(r"\s*\(SPEC §[\d.]+\)", "", text)
    text = re.sub(r"SPEC §[\d.]+[^;,()]*[;,]?\s*", "", text).strip(" ;,")
    return text


def plain_warning(text: str) -> str:
    """A data warning without the analysis area prefix ("crm speed: …" → "…")."""
    import re

    m = re.match(r"^(?:survey|crm|incentives|verdict|plan|data)(?: [a-z-]+)?:\s*(.+)$", text,
                 flags=re.S)
    out = m.group(1) if m else text
    return out[:1].upper() + out[1:]


@renders
def render_methodology(results: dict) -> Rendered:
    """Every measure, threshold and weight used."""
    settings = (results.get("data") or {}).get("settings") or {}
    m = stored_method(results)
    th = {t.get("name"): t.get("value") for t in m.get("thresholds") or []}
    cliffs = m.get("cliffs_delta_magnitudes") or []
    cliff_txt = (" (" + ", ".join(f"|d| < {c['below']:.3g}".replace("0.", ".") + f" {c['label']}"
                                  for c in cliffs) + ", else large)") if cliffs else ""
    mat = m.get("maturity_stages") or []
    mat_txt = ("Maturity stages on the MAT mean: " + ", ".join(
        (f"< {b['to']:g} {b['stage']}" if b.get("from") is None else
         f"≥ {b['from']:g} {b['stage']}" if b.get("to") is None else
         f"{b['from']:g}–{b['to'] - 0.01:.2f} {b['stage']}") for b in mat)
        + " (Kotler, Rackham & Krishnaswamy 2006).") if mat else ""
    alpha = th.get("alpha_flag_below")
    show_markdown(
        "**Survey.** Answers on a 5-point agreement scale; reverse-keyed items scored 6 − x; "
        "\"don't know\" is missing"
        ". Every figure of a theme and of its statements counts the same people: those who "
        "answered all of the theme's statements (someone who skipped one is left out of "
        "that theme only), because a theme's average beside its statements' averages "
        "would otherwise reveal what the few who skipped a statement answered. "
        "Scale means map to 0–100 as (m − 1)/4 × 100. Reliability: Cronbach's alpha with 95% CI "
        "and McDonald's omega (one-factor model)"
        + (f", flagged below {alpha:g}" if alpha is not None else "") + ". Sales side (sales "
        "and sales development) against marketing: two-sided Mann–Whitney U, Cliff's delta"
        + cliff_txt
        + ", Benjamini–Hochberg adjusted p. " + mat_txt + "\n\n"
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
        "which conversion cuts short). Where the funnel loses most: the stage conversion "
        "clearly below its practitioner range (upper end of its 95% interval under the range's "
        "lower end) that falls furthest short of it — not simply the lowest stage rate, since "
        "stages convert at different normal rates. Revenue at stake, a bounded estimate: the "
        "leads sales gave up on (never touched, or touched once and not converted; rejected "
        "leads and leads still within the SLA at the extract are left out) × the conversion of "
        "comparable leads (same kind of source, first touched within the SLA) worked to the "
        "well-worked attempt — the lower of the attempt-clock projection and what comparable "
        "leads that sales kept working actually achieved, so a lead given up on is never "
        "credited with more than the worked leads delivered — × the SQL → won rate of the "
        "leads created in the period × their median won deal; seeded bootstrap 95% interval "
        "(sampling error only).\n\n"
        f"**Settings of this engagement.** Anonymity threshold {settings.get('min_group_size')} "
        f"respondents (comments: {settings.get('min_comment_group_size')}); first-touch SLA "
        f"{settings.get('sla_first_touch_hours')} h; well worked = at least "
        f"{settings.get('well_worked_attempts')} attempts.")
    rows = [{"Pillar": _PILLAR.get(c.get("pillar"), c.get("pillar")),
             "Part": _PART.get(c.get("component"), str(c.get("component")).replace("_", " ")),
             "Weight": f"{c.get('weight'):.0%}" if c.get("weight") is not None else None,
             "What it measures": c.get("input")} for c in m.get("components") or []]
    if rows:
        show_table(pd.DataFrame(rows, dtype=object), caption="How the pillar scores are "
                   "built; the overall score is the mean of the three pillars")
    bands = [b for b in m.get("score_stages") or [] if b.get("from") is not None]
    if bands:
        lowest = (m.get("score_stages") or [{}])[0]
        show_markdown("Overall stage on 0–100: " + ", ".join(
            f"{b['stage']} from {b['from']:g}" for b in reversed(bands))
            + f", {lowest.get('stage')} below {bands[0]['from']:g}.")
    note = m.get("note")
    if note:
        show_markdown(f"*{note}*")
    _thresholds(results, m)
    # the raw conversion-by-attempts table ("not evidence") is left out: the bias it would
    # illustrate is named in the CRM method above


_PILLAR = {"politics": "Company politics", "incentives": "Incentives",
           "communication": "Communication"}
_PART = {"survey": "Survey", "plan_structure": "Plan structure",
         "handoff_evidence": "CRM hand-off evidence"}
#: Which threshold groups a single-wave, written report needs (workshop and wave-comparison
#: thresholds belong to those deliverables).
_REPORT_USES = ("verdict", "incentive flags", "findings", "recommendations")


def _thresholds(results: dict, m: dict) -> None:
    """One short plain list of the thresholds behind the verdict, the plan flags and the
    findings: what each means, in words; names, workshop and wave thresholds left out."""
    rows = [t for t in m.get("thresholds") or []
            if any(u in _REPORT_USES for u in (t.get("used_by") or []))]
    if not rows:
        return
    lines = []
    for t in rows:
        why = (t.get("rationale") or "").strip()
        first = why.split(". ")[0].rstrip(".") + "." if why else ""
        src = plain_source(t.get("source") or "")
        src = "" if not src or src.startswith("method") else f" ({src})"
        val = t.get("value")
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            shown = f"{100 * val:g}%" if isinstance(val, float) and 0 < val < 1 else f"{val:g}"
            src = f" (threshold {shown}" + (f"; {src[2:]}" if src else ")")
        if first:
            lines.append(f"- {first}{src}")
    show_markdown("**Thresholds used.** The verdict, the plan's conflict flags and the findings "
                  "apply these rules:\n\n" + "\n".join(dict.fromkeys(lines)))


@renders
def render_sources(results: dict) -> Rendered:
    """External reference figures with provenance label, year and sample size (SPEC §9)."""
    refs = stored_method(results).get("references") or []
    if not refs:
        show_markdown("The reference figures used are not recorded in these results.")
        return
    rows = [{"Figure": r.get("figure"), "Source": r.get("source"),
             "Provenance": r.get("provenance_label") or r.get("provenance"),
             "Year": r.get("year"), "Sample": r.get("sample")} for r in refs]
    show_table(pd.DataFrame(rows, dtype=object), caption="Reference figures and their "
               "provenance: academic, analyst, vendor, practitioner or unverified")


@renders
def render_handoff_score(results: dict) -> Rendered:
    """How the CRM hand-off evidence score was computed for this client, component by
    component — including the accepted leads sales never touched, which do not count as a
    hand-off that happened."""
    h = (results.get("crm") or {}).get("handoff") or {}
    comps = h.get("evidence_score_components") or {}
    if h.get("evidence_score") is None and not comps:
        return
    acc, untouched = h.get("acceptance_rate"), h.get("accepted_untouched") or {}
    rows = []
    if "acceptance" in comps:
        how = "MQL→SAL acceptance ÷ 50% (capped at 1)"
        if untouched.get("share") is not None:
            how += (f" × share of accepted leads sales touched: {fmt_pct(acc)} accepted, "
                    f"{fmt_pct(untouched['share'])} of them ({untouched.get('n'):,}) never "
                    "touched")
        rows.append({"component": "Acceptance, worked", "value": f"{comps['acceptance']:.2f}",
                     "how": how})
    if "feedback" in comps:
        rows.append({"component": "Reasons given", "value": f"{comps['feedback']:.2f}",
                     "how": "share of rejections that say why"})
    if "sla" in comps:
        rows.append({"component": "First touch within the SLA", "value": f"{comps['sla']:.2f}",
                     "how": "share of leads handed to sales first touched within the SLA"})
    score = h.get("evidence_score")
    show_table(pd.DataFrame(rows, dtype=object),
               caption="Hand-off evidence score = mean of the three components × 100"
               + (f" = {score:.0f}" if score is not None else " (not computed: "
                  + "; ".join(h.get("evidence_score_missing") or []) + ")")
               + ". An accepted lead that is never touched is not a hand-off that happened, so "
               "acceptance counts only the accepted leads sales worked.")


@renders
def render_priorities(results: dict) -> Rendered:
    """How the recommendations were ranked: impact × evidence strength, per recommendation."""
    recs = [r for r in results.get("recommendations") or [] if isinstance(r, dict)]
    pr = stored_method(results).get("priority") or {}
    if not any(r.get("value") is not None for r in recs) or not pr:
        return
    strength = pr.get("strength") or {}
    words = {"records": "measured in the CRM, the plan or the verdict",
             "survey": "reported in the survey by both sides",
             "survey_one_side": "reported in the survey by one side"}
    show_markdown("**Ranking the recommendations.** Priority = impact × evidence strength. "
                  "Impact is the severity (0–1) of the most serious finding behind the "
                  "recommendation; evidence strength is " + "; ".join(
                      f"{v:g} when {words.get(k, k)}" for k, v in strength.items())
                  + ". The step towards the next stage of the overall score is not scored: "
                  "it comes last.")

    def _f(x, fmt: str) -> str:
        return "—" if x is None else format(x, fmt)

    rows = [{"#": r.get("rank") or r.get("priority"), "recommendation": r.get("title"),
             "impact": _f(r.get("impact"), ".2f"),
             "evidence strength": _f(r.get("strength"), ".1f"),
             "priority": _f(r.get("value"), ".2f") if r.get("value") is not None
             else "last (next stage)"}
            for r in sorted(recs, key=lambda r: r.get("rank") or r.get("priority") or 99)]
    show_table(pd.DataFrame(rows, dtype=object), caption="Recommendations by priority")
