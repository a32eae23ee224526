"""Executive summary: one page a CEO reads in two minutes.

For a follow-up wave, the change since the last assessment first; then the verdict on the
blame game, the scores, the revenue at stake (only when the evidence says follow-up is a
problem), the three findings that matter most with their numbers — the verdict's deciding
evidence first, one finding per theme, what is healthy when little calls for change — and the
three actions to take first. One stage language: the overall score's band (the teams' own maturity rating is
reported, as a rating, in the politics section).
"""

from __future__ import annotations

import html

from IPython.display import HTML

from ..formatting import headline_money, money_sentence
from .display import Rendered, renders, emit, fmt_num, fmt_pct
from .read import findings as stored_findings
from .recommendations import ranked, tag

STAGE_NOTE = {
    "Undefined": "the teams work to their own agendas, with conflict over resources and blame",
    "Defined": "processes and terms exist, but the teams still plan and measure separately",
    "Aligned": "the teams plan together and share a funnel, with some friction left",
    "Integrated": "the teams share goals, metrics and rewards under one revenue leadership",
}
PILLARS = (("politics", "Company politics"), ("incentives", "Incentives"),
           ("communication", "Communication"))


def _money(x: float | None, currency: str) -> str:
    if x is None:
        return "—"
    return (f"{currency} {x / 1e6:,.1f} million" if abs(x) >= 1e6
            else f"{currency} {x:,.0f}").strip()


def top_findings(results: dict, n: int = 3) -> list[dict]:
    """The executive summary's findings, as the analysis picked them (``headline``, read in
    ``headline_order``): the verdict's deciding evidence first, then one finding per theme,
    then what is healthy when little calls for change. The deck's summary slide shows the
    same list."""
    stored = stored_findings(results)
    picked = [f for f in stored if f.get("headline") and f.get("text")]
    picked.sort(key=lambda f: (f.get("headline_order") or 99, -(f.get("severity") or 0)))
    return picked[:n]


def change_lead(results: dict) -> str | None:
    """The change since the last assessment in one sentence (plain text), for a follow-up
    wave: the overall score before and after, then the CRM figures that changed most
    (detectably), each with its before and after. ``None`` without a comparison."""
    comp = results.get("comparison")
    if not isinstance(comp, dict):
        return None
    parts = []
    o = (comp.get("scores") or {}).get("overall") or {}
    if o.get("before") is not None and o.get("after") is not None:
        parts.append(f"overall alignment {o['before']:.0f} → {o['after']:.0f} of 100")
    moved = [e for e in (comp.get("crm") or {}).values() if isinstance(e, dict)
             and e.get("status") in ("improved", "worsened") and e.get("unit") == "share"
             and e.get("before") is not None and e.get("after") is not None]
    moved.sort(key=lambda e: -abs(e.get("effect") or e.get("change") or 0))
    for e in moved[:2]:
        label = str(e.get("label") or "")
        parts.append(f"{label[:1].lower() + label[1:]} {fmt_pct(e['before'])} → "
                     f"{fmt_pct(e['after'])}")
    if not parts:
        return None
    from .waves import measure_counts    # a scale's three lines count as one measure

    n_better, n_worse, _, _, noun = measure_counts(comp)
    tail = (f" ({n_better} {noun}{'s' if n_better != 1 else ''} improved, {n_worse} got worse;"
            " details in the next section)") if (n_better or n_worse) else ""
    return "Since the last assessment: " + "; ".join(parts) + "." + tail


def verdict_lines(results: dict) -> tuple[str, str]:
    """(headline, detail) of the blame-game verdict in plain words."""
    v = results.get("verdict") or {}
    head = str(v.get("headline") or "")
    if not head:
        return ("The blame game is not settled: the CRM evidence a verdict needs is not in "
                "the export.", "")
    lead, sep, rest = head.partition(": ")
    if sep and len(lead) < 90:
        return lead.rstrip(".") + ".", rest[:1].upper() + rest[1:]
    return head, ""


@renders
def render(results: dict) -> Rendered:
    """Display the executive summary as one block (kept on one page in print)."""
    esc = html.escape
    s = results.get("scores") or {}
    currency = str((results.get("client") or {}).get("currency") or "")
    head, detail = verdict_lines(results)
    found = top_findings(results)
    parts = []
    change = change_lead(results)
    if change:
        parts.append(f"<p class='since-last'><strong>{esc(change)}</strong></p>")
    parts.append(f"<p class='verdict'>{esc(head)}</p>")
    settled = any(str(f.get("code") or "").startswith(("verdict_", "healthy_follow_up",
                                                       "healthy_lead_quality"))
                  for f in found)
    if detail and not settled:   # the findings below carry the verdict's evidence
        parts.append(f"<p class='verdict-detail'>{esc(detail)}</p>")

    tiles = [("Overall alignment", s.get("overall"), s.get("stage"))]
    tiles += [(label, s.get(k), None) for k, label in PILLARS]
    cells = "".join(
        f"<div class='kpi'><div class='value'>{fmt_num(v, 0) if v is not None else '—'}"
        f"{'<small> of 100</small>' if v is not None else ''}</div><div class='label'>"
        f"{esc(label)}{' — ' + esc(stage) if stage else ''}</div></div>"
        for label, v, stage in tiles)
    parts.append(f"<div class='kpis'>{cells}</div>")
    if s.get("overall") is not None and s.get("stage"):
        parts.append(f"<p>Overall alignment is <strong>{s['overall']:.0f} of 100, "
                     f"{esc(s['stage'])}</strong>: {esc(STAGE_NOTE.get(s['stage'], ''))}. "
                     "The score is the mean of the three steps that close the divide: remove "
                     "company politics, pay both teams on shared outcomes, communicate.</p>")
    else:
        missing = [k for k, _ in PILLARS if s.get(k) is None]
        parts.append("<p>The overall alignment score is not computed: it needs all three "
                     "pillars" + (", and the " + " and ".join(missing) + " pillar"
                                  + ("s" if len(missing) > 1 else "") + " could not be scored"
                                  if missing else "")
                     + " (see the data-quality appendix).</p>")
    partial = s.get("partial") or []
    if partial:
        parts.append("<p><em>Partly assessed: the " + esc(" and ".join(partial)) + " pillar"
                     + ("s are scored without one of their inputs" if len(partial) > 1
                        else " is scored without one of its inputs")
                     + " (see the methodology appendix).</em></p>")

    money = headline_money(results)
    if money:
        parts.append("<p class='stake'>" + money_html(money, currency) + "</p>")

    if found:
        items = "".join(f"<li>{esc(str(f['text']))}</li>" for f in found)
        parts.append(f"<h3>What we found</h3><ol>{items}</ol>")
    recs = ranked(results)[:3]
    if recs:
        items = "".join(
            f"<li><strong>{esc(str(r.get('title', '')))}</strong>"
            + (f" <span class='rec-step'>— {esc(tag(r))}</span>" if tag(r) else "")
            + "</li>" for r in recs)
        more = len(ranked(results)) - len(recs)
        parts.append(f"<h3>What to do first</h3><ol>{items}</ol>"
                     + (f"<p class='more'>{more} further action{'s' if more > 1 else ''} in "
                        "the recommendations section, in order.</p>" if more > 0 else ""))
    emit(HTML("<section class='exec-summary'>" + "".join(parts) + "</section>"))


def money_html(money: dict, currency: str = "") -> str:
    """:func:`money_sentence` as escaped HTML, the figure in bold."""
    lead, rest = money_sentence(money, currency)
    return f"<strong>{html.escape(lead)}</strong>{html.escape(rest)}"


__all__ = ["render", "top_findings", "change_lead", "verdict_lines", "fmt_pct"]
