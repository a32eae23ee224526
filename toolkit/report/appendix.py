"""Appendices: data quality, methodology, sources.

Everything here is read from the results: the thresholds, weights, stage cut points and
reference figures the analysis used are in ``results["method"]`` (SPEC §6), never looked up
in today's code.
"""

from __future__ import annotations


import pandas as pd

from .display import Rendered, renders, fmt_pct, show_markdown, show_table
from .survey import TEAM_WORD, hidden_sentences
from .read import method as stored_method
from .waves import method_markdown
from ..formatting import half_up


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
    settings = data.get("settings") or {}
    mgs = settings.get("min_group_size", 5)
    sup = data.get("suppressed") or []
    if sup:
        sv = results.get("survey") or {}
        part = sv.get("participation") or {}
        shown = [TEAM_WORD.get(t, t).lower() for t in (part.get("by_team") or {})]
        # what is hidden from which view: the same sentences as beside the participation
        # table, so Appendix A never calls a group hidden that a table shows
        show_markdown(
            f"**Hidden by the anonymity rule.** Groups with fewer than {mgs} respondents are "
            "never shown, nor the complementary groups that would let them be recovered by "
            "subtraction. " + " ".join(hidden_sentences(
                sup, sv, mgs, settings.get("min_comment_group_size", 8), shown)))
    else:
        show_markdown(f"**Anonymity.** No group was under the threshold of {mgs} respondents; "
                      "nothing had to be hidden.")
    warns = data.get("warnings") or []
    if warns:   # a warning may quote client cells: shown literally, never as Markdown (§8a)
        from .safe import md_text

        show_markdown("**Notes on the data**\n\n" + "\n".join(
            f"- {md_text(plain_warning(w))}" for w in warns))


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


#: Kinds of personal data, by words in a dropped column's name.
_PERSONAL = (("name", "names"), ("email", "e-mail addresses"), ("mail", "e-mail addresses"),
             ("phone", "phone numbers"), ("ip", "IP addresses"), ("latitude", "location"),
             ("longitude", "location"), ("location", "location"))


def plain_warning(text: str) -> str:
    """A data warning in the client's words: no analysis-area prefix ("crm speed: …"), no
    file path ("crm/opportunities.csv: …"), no raw column names."""
    import re

    area = ""
    m = re.match(r"^([\w./ -]+?\.(?:csv|xlsx|xls|tsv|txt|json)):\s*(.+)$", text, flags=re.S)
    if m:
        area = "survey" if m.group(1).lower().startswith("survey") else (
            "CRM" if m.group(1).lower().startswith("crm") else "")
        text = m.group(2)
    m = re.match(r"^(?:survey|crm|incentives|verdict|plan|data)(?: [a-z-]+)?:\s*(.+)$", text,
                 flags=re.S)
    out = m.group(1) if m else text
    m = re.match(r"^personal data columns dropped and not carried forward:\s*(.+)$", out,
                 flags=re.S)
    if m:
        cols = [c.strip().lower() for c in m.group(1).split(",")]
        kinds = list(dict.fromkeys(word for c in cols for key, word in _PERSONAL
                                   if key in c and not (key == "ip" and "recipient" in c)))
        what = f" ({', '.join(kinds)})" if kinds else ""
        return (f"Personal data in the {area + ' ' if area else ''}export{what} was removed "
                "before the analysis and is not kept.")
    m = re.match(r"^amount: all amounts in (\w+)$", out)
    if m:
        return f"All deal amounts are in {m.group(1)}."
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
    mat_txt = ("Maturity stages on the mean of the twelve maturity statements: " + ", ".join(
        (f"< {b['to']:g} {b['stage']}" if b.get("from") is None else
         f"≥ {b['from']:g} {b['stage']}" if b.get("to") is None else
         f"{b['from']:g}–{half_up(b['to'] - 0.01, 2):.2f} {b['stage']}") for b in mat)
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
        "stages convert at different normal rates. Revenue at stake: a base case "
        "(assumptions below) that credits the leads sales gave up on only with what "
        "comparable leads achieved once touched at all; the attempt-clock figure is an upper "
        "bound, flattered by informative censoring (sales selecting which leads to keep "
        "working) — the same bias can flatter worked conversion, so an estimate above the "
        "practitioner range is shown beside the share that actually reached SQL. Cost of poor "
        "leads: marketing MQLs' shortfall against the bottom of the MQL → SQL range, at the "
        "same SQL → won rate and median won deal.\n\n"
        f"**Settings of this engagement.** Anonymity threshold {settings.get('min_group_size')} "
        f"respondents (comments: {settings.get('min_comment_group_size')}); first-touch SLA "
        f"{settings.get('sla_first_touch_hours')} h; well worked = at least "
        f"{settings.get('well_worked_attempts')} attempts.")
    stake = (results.get("crm") or {}).get("revenue_at_stake") or {}
    if stake.get("amount") is not None and stake.get("assumptions"):
        from .crm import stake_upper_sentence
        cur = str((results.get("client") or {}).get("currency") or "")
        show_markdown("**Revenue at stake, assumptions.** " + " ".join(
            str(a) for a in stake["assumptions"]) + (" " + stake_upper_sentence(stake, cur)
                                                    ).rstrip())
    rows = [{"Pillar": _PILLAR.get(c.get("pillar"), c.get("pillar")),
             "Part": _PART.get(c.get("component"), str(c.get("component")).replace("_", " ")),
             "Weight": f"{half_up(c.get('weight'), 2):.0%}" if c.get("weight") is not None else None,
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
        from .safe import md_text  # results.json text is shown literally (§8a)

        show_markdown(f"*{md_text(note)}*")
    waves_text = method_markdown(results.get("comparison"))   # [baseline]: SPEC §12
    if waves_text:
        show_markdown(waves_text)
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


#: Thresholds whose value is not a share of 100 %: its unit as the rule states it.
_UNITS = {
    "gap_large": lambda v: f"{half_up(v, 2):.2f}",                       # Cliff's delta, −1..1
    "severity_high": lambda v: f"{half_up(v, 2):.2f} on the 0–1 severity scale",
    "severity_medium": lambda v: f"{half_up(v, 2):.2f} on the 0–1 severity scale",
    "sow_gap": lambda v: f"{100 * v:g} points",
    "reward_gap": lambda v: f"{100 * v:g} points",
    "scale_low": lambda v: f"{v:g} on the 1–5 answer scale",
    "conflict_high": lambda v: f"{v:g} on the 1–5 answer scale",
    "pillar_low": lambda v: f"{v:g} of 100",
    "agree_min_answer": lambda v: f"an answer of {v:g}",
}
#: Instrument codes a stored rationale may carry, and what the report calls them.
_CODE_WORDS = {"CONF": "The conflict statements'", "REFF": "perceived effectiveness",
               "MAT": "maturity"}


def plain_codes(text: str) -> str:
    """A stored rationale in the report's words: instrument codes named, and what only the
    workshop or the wave comparison uses left out."""
    import re

    text = re.sub(r"^CONF mean", "The conflict statements' mean", text)
    text = re.sub(r"\b(CONF|REFF|MAT)\b", lambda m: _CODE_WORDS[m.group(1)], text)
    text = re.sub(r", the blame claims and the workshop's reveal and guess round use it",
                  " and the blame claims use it", text)
    return text.replace(" and the workshop's reveal and guess round", "")


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
            unit = _UNITS.get(t.get("name"))
            shown = (unit(val) if unit else f"{100 * val:g}%"
                     if isinstance(val, float) and 0 < val < 1 else f"{val:g}")
            src = f" (threshold {shown}" + (f"; {src[2:]}" if src else ")")
        if first:
            lines.append(f"- {plain_codes(first)}{src}")
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
        fr = h.get("fit_rejected_share")
        if fr is not None:
            cap = {t.get("name"): t.get("value") for t in stored_method(results).get(
                "thresholds") or []}.get("evidence_score_fit_rejection_max") or 0.2
            how += (f" × (1 − MQLs rejected for fit ÷ {fmt_pct(cap)}, at least 0): "
                    f"{fmt_pct(fr)} of MQLs were rejected for fit")
        rows.append({"component": "Acceptance, worked, net of leads rejected for fit",
                     "value": f"{half_up(comps['acceptance'], 2):.2f}", "how": how})
    if "feedback" in comps:
        rows.append({"component": "Reasons given", "value": f"{half_up(comps['feedback'], 2):.2f}",
                     "how": "share of rejections that say why"})
    if "sla" in comps:
        rows.append({"component": "First touch within the SLA", "value": f"{half_up(comps['sla'], 2):.2f}",
                     "how": "share of leads handed to sales first touched within the SLA"})
    score = h.get("evidence_score")
    show_table(pd.DataFrame(rows, dtype=object),
               caption="Hand-off evidence score = mean of the three components × 100"
               + (f" = {half_up(score):.0f}" if score is not None else " (not computed: "
                  + "; ".join(h.get("evidence_score_missing") or []) + ")")
               + ". An accepted lead that is never touched is not a hand-off that happened, so "
               "acceptance counts only the accepted leads sales worked; and an MQL rejected "
               "because it does not fit means the teams do not define a good lead alike, so "
               "many rejections for fit take the acceptance credit away.")


@renders
def render_priorities(results: dict) -> Rendered:
    """How the recommendations were ranked: impact × evidence strength, per recommendation."""
    recs = [r for r in results.get("recommendations") or [] if isinstance(r, dict)]
    pr = stored_method(results).get("priority") or {}
    if not any(r.get("value") is not None or r.get("sustain") for r in recs) or not pr:
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
             else "keep (what works)" if r.get("sustain") else "last (next stage)"}
            for r in sorted(recs, key=lambda r: r.get("rank") or r.get("priority") or 99)]
    show_table(pd.DataFrame(rows, dtype=object), caption="Recommendations by priority")
