"""Executive summary: overall score and stage, the verdict in one sentence, the three
findings that matter most (each with its number)."""

from __future__ import annotations

import html

from IPython.display import HTML

from .display import Rendered, renders, emit, fmt_num, show_markdown
from .read import findings as stored_findings

STAGE_NOTE = {
    "Undefined": "the teams work on their own agendas, with conflict over resources and blame",
    "Defined": "processes and terms exist, but the teams still plan and measure separately",
    "Aligned": "the teams plan together and share a funnel, with some friction left",
    "Integrated": "the teams share goals, metrics and rewards under one revenue leadership",
}


@renders
def render(results: dict) -> Rendered:
    """Display the executive summary."""
    s = results.get("scores") or {}
    kpis = [("Overall alignment", s.get("overall"), s.get("stage")),
            ("Politics", s.get("politics"), None),
            ("Incentives", s.get("incentives"), None),
            ("Communication", s.get("communication"), None)]
    cells = "".join(
        f"<div class='kpi'><div class='value'>{fmt_num(v, 0) if v is not None else '—'}"
        f"{'<small>/100</small>' if v is not None else ''}</div><div class='label'>"
        f"{html.escape(label)}{' — ' + html.escape(stage) if stage else ''}</div></div>"
        for label, v, stage in kpis)
    emit(HTML(f"<div class='kpis'>{cells}</div>"))
    stage = s.get("stage")
    maturity = ((results.get("survey") or {}).get("maturity") or {}).get("stage")
    if s.get("overall") is not None and stage:
        if maturity and maturity != stage:
            # The score's band and the teams' own maturity rating differ: say both, plainly,
            # rather than describe a stage the teams do not recognise.
            show_markdown(f"Overall alignment is **{s['overall']:.0f}/100 — {stage}** on the "
                          f"score's bands, while the teams themselves rate their maturity "
                          f"**{maturity}** ({STAGE_NOTE.get(maturity, '')}).")
        else:
            show_markdown(f"Overall alignment is **{s['overall']:.0f}/100 — {stage}**: "
                          f"{STAGE_NOTE.get(stage, '')}.")
    else:
        unscored = [p for p in ("politics", "incentives", "communication") if s.get(p) is None]
        show_markdown("The overall alignment score is not computed: it needs all three pillars"
                      + (", and the " + " and ".join(unscored) + " pillar"
                         + ("s" if len(unscored) > 1 else "") + " could not be scored"
                         if unscored else "")
                      + " (see the data-quality appendix).")
    partial = s.get("partial") or []
    if partial:
        show_markdown("*Partly assessed: the " + " and ".join(partial) + " pillar"
                      + ("s are scored without one of their inputs" if len(partial) > 1
                         else " is scored without one of its inputs")
                      + " (see the methodology appendix).*")
    verdict = results.get("verdict") or {}
    if verdict.get("headline"):
        show_markdown(f"**The blame game.** {verdict['headline']}")
    else:
        show_markdown("**The blame game.** Not settled: the CRM evidence needed for a verdict "
                      "is missing (see the data-quality appendix).")
    found = stored_findings(results, headline=True)
    if found:
        title = ("The three findings that matter most" if len(found) == 3 else
                 "The findings that matter most")
        show_markdown(f"**{title}**\n\n"
                      + "\n".join(f"{i}. {f['text']}" for i, f in enumerate(found, 1)))
    elif s.get("overall") is not None:
        show_markdown("**Findings.** No measured figure crossed a threshold that calls for "
                      "change (the thresholds are listed in the methodology appendix).")
