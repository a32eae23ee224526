"""Report section: the blame-game verdict (SPEC §5). Reads ``results["verdict"]`` only."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from .display import Rendered, renders, emit, fmt_pct, fmt_pct_range, show_markdown, show_not_assessed, show_table
from ..formatting import half_up

STATUS_LABELS = {"supported": "Supported", "not_supported": "Not supported",
                 "inconclusive": "Cannot be settled on this data"}
#: What each piece of evidence measures, by the end of its results key (the population first).
WHAT = (("lead_quality.touched_conversion.marketing.rate",
         "Marketing-sourced leads first touched within the SLA that actually reached SQL"),
        ("lead_quality.touched_conversion.all.rate",
         "Leads first touched within the SLA that actually reached SQL"),
        ("lead_quality.worked_conversion.marketing.rate",
         "Marketing-sourced leads estimated to reach SQL if worked to the well-worked "
         "number of attempts"),
        ("lead_quality.worked_conversion.other.rate",
         "Leads from other sources estimated to reach SQL if worked to the well-worked "
         "number of attempts"),
        ("lead_quality.marketing.rate", "Well-worked marketing-sourced leads that reach SQL"),
        ("lead_quality.other.rate", "Well-worked leads from other sources that reach SQL"),
        ("handoff.fit_share", "Rejections with a stated reason that cite fit"),
        ("untouched_share", "Marketing-sourced leads never touched"),
        ("within_sla_share", "Marketing-sourced leads first touched within the SLA"),
        ("median_hours", "Median hours to a first touch, marketing-sourced leads"),
        ("single_attempt_share", "Touched, unconverted marketing-sourced leads given one "
                                 "attempt"),
        ("after_attempt_3_share.rate", "Conversions of marketing-sourced leads that came "
                                       "after the 3rd attempt"),
        ("hazard_after_attempt_3.rate", "Marketing-sourced leads converting per attempt after "
                                        "the 3rd"),
        ("odds_ratio", "Odds of reaching SQL, 6+ attempts against 1–3"))


#: Method names in stored evidence text, and the plain words the client reads (the methods
#: themselves are described in the methodology appendix).
PLAIN_EVIDENCE = (
    (r"Kaplan–Meier conversion to SQL by attempt (\d+) of ",
     r"estimated share reaching SQL by the \1th attempt, "),
    (r"Kaplan–Meier median hours to first touch", "median hours to a first touch"),
    (r"Kaplan–Meier median", "median"),
    (r"\s*\(attempt clock\)", ""),
    (r"\s*\(Kaplan–Meier on the attempt clock\)", ""),
    (r"The attempt clock is observational: it assumes",
     "Comparing leads at the same attempt assumes"),
    (r"Worked conversion follows every lead first touched within the SLA on the attempt "
     r"clock, including those sales gave up on \(censored at their last attempt\)",
     "The estimate follows every lead first touched within the SLA, those sales gave up on "
     "included up to their last attempt"),
    (r"leads given up on are censored at their last attempt",
     "leads given up on count up to their last attempt"),
    (r"\(censored at their last attempt\)", "(counted up to their last attempt)"),
    (r"vs majority threshold (\d+%)", r"a majority (\1) would make fit the main reason"),
    (r"practitioner floor (\d+%) \(MQL→SQL\)",
     r"the \1 floor of the practitioner MQL → SQL range"),
)


def plain_evidence(text: str) -> str:
    """Stored evidence wording in the client's words: method names (Kaplan–Meier, attempt
    clock, censoring) replaced by what they mean; the methods are in the appendix."""
    import re

    for pattern, repl in PLAIN_EVIDENCE:
        text = re.sub(pattern, repl, text)
    return text[:1].upper() + text[1:] if text else text


def _what(key: str, comparison: str) -> str:
    """The evidence row's plain name: what the figure is, of which population."""
    for end, label in WHAT:
        if key.endswith(end):
            return label
    return comparison[:1].upper() + comparison[1:]
STATUS_COLORS = {"supported": "#c62828", "not_supported": "#2e7d32",
                 "inconclusive": "#7f7f7f"}
CLAIMS = (("lead_quality", "Sales: “the leads are garbage”"),
          ("follow_up", "Marketing: “sales call once and give up”"))


def _figure(key: str, x) -> str:
    if x is None:
        return "—"
    if key.endswith(("_share", ".rate")):
        return fmt_pct(x)
    if key.endswith("_hours"):
        return f"{half_up(x, 1):.1f} h"
    return f"{half_up(x, 2):.2f}" if isinstance(x, float) else str(x)


def _interval(key: str, iv) -> str:
    if not iv:
        return ""
    if key.endswith(("_share", ".rate")):
        return fmt_pct_range(iv[0], iv[1])
    return f"{half_up(iv[0], 2):.2f}–{half_up(iv[1], 2):.2f}"


@renders
def render(results: dict) -> Rendered:
    """Both claims with status, plain summary, evidence table and caveats; beliefs vs evidence."""
    v = results.get("verdict")
    if not v:
        show_not_assessed("The verdict", ["The verdict needs CRM data."])
        return
    from .safe import md_text  # results.json text is shown literally (§8a)

    show_markdown(f"### Verdict\n\n**{md_text(v['headline'])}**")
    for key, title in CLAIMS:
        c = v[key]
        st = c["status"]
        emit(HTML(
            f"<div class='verdict'><strong>{html.escape(title)}</strong> — "
            f"<span style='color:{STATUS_COLORS[st]};font-weight:bold'>"
            f"{STATUS_LABELS[st]}</span><br/>{html.escape(c['summary'])}</div>"))
        if c.get("evidence"):
            show_table(pd.DataFrame([{"what": _what(e["key"], e["comparison"]),
                                      "figure": _figure(e["key"], e["figure"]),
                                      "95% interval": _interval(e["key"], e.get("interval")),
                                      "compared with": plain_evidence(e["comparison"])}
                                     for e in c["evidence"]]),
                       caption=f"Evidence behind the verdict on {title}")
        if c.get("caveats"):
            show_markdown("Caveats: " + " ".join(plain_evidence(x) for x in c["caveats"]))
    b = v.get("beliefs") or {}
    show_markdown("### What each side believes, against the evidence\n\n"
                  + f"**{b.get('sentence', '')}**\n\n" + "\n".join(
                      f"- {s}" for s in b.get("checks") or []))
