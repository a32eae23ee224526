"""Executive summary: one page a CEO reads in two minutes.

The verdict on the blame game first, then the scores, the revenue at stake (only when the
evidence says follow-up is a problem), the three findings that matter most with their
numbers, and the three actions to take first. One stage language: the overall score's band (the teams' own maturity rating is
reported, as a rating, in the politics section).
"""

from __future__ import annotations

import html

from IPython.display import HTML

from ..formatting import about_money, about_money_range, stake_is_headline
from .display import Rendered, renders, emit, fmt_num, fmt_pct
from .read import findings as stored_findings
from .recommendations import STEP_LABEL, ranked

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
    """The *n* most severe stored findings, one per family, leaving out those that restate
    the verdict or the revenue at stake (the summary states both itself)."""
    out, seen = [], set()
    for f in sorted(stored_findings(results), key=lambda f: -(f.get("severity") or 0)):
        code = str(f.get("code") or "")
        fam = str(f.get("family") or code)
        if code.startswith(("verdict_", "revenue_at_stake")) or fam in seen or \
                not f.get("text"):
            continue
        seen.add(fam)
        out.append(f)
        if len(out) == n:
            break
    return out


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
    parts = [f"<p class='verdict'>{esc(head)}</p>"]
    if detail:
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

    stake = (results.get("crm") or {}).get("revenue_at_stake")
    if (isinstance(stake, dict) and stake.get("amount") is not None
            and stake_is_headline(results)):
        # only where the evidence says follow-up is a problem (a stored finding says so)
        cur = currency
        rng = (f" (95% interval {about_money_range(stake.get('ci_low'), stake.get('ci_high'), cur)})"
               if stake.get("ci_low") is not None and stake.get("ci_high") is not None else "")
        leads = stake.get("leads")
        scale = (f", against {about_money(stake['won_revenue'], cur)} won from the period's "
                 "leads" if stake.get("won_revenue") and stake.get("revenue_basis") == "cohort"
                 else "")
        parts.append(
            f"<p class='stake'><strong>Revenue at stake: about "
            f"{esc(about_money(stake['amount'], cur))}</strong>{esc(rng)} in won deals"
            f"{esc(scale)}, if the "
            + (f"{leads:,} " if isinstance(leads, int) else "")
            + "leads sales gave up on (never touched, or dropped after one attempt) had been "
            f"worked up to {int(stake.get('attempts') or 6)} attempts at the rate of comparable "
            "leads that were (an estimate; assumptions in the blame-game section).</p>")

    found = top_findings(results)
    if found:
        items = "".join(f"<li>{esc(str(f['text']))}</li>" for f in found)
        parts.append(f"<h3>What we found</h3><ol>{items}</ol>")
    elif s.get("overall") is not None:
        parts.append("<h3>What we found</h3><p>No measured figure crossed a threshold that "
                     "calls for change (the thresholds are in the methodology appendix).</p>")
    recs = ranked(results)[:3]
    if recs:
        items = "".join(
            f"<li><strong>{esc(str(r.get('title', '')))}</strong>"
            + (f" <span class='rec-step'>— {esc(STEP_LABEL.get(r.get('step'), ''))}</span>"
               if r.get("step") in STEP_LABEL else "") + "</li>" for r in recs)
        more = len(ranked(results)) - len(recs)
        parts.append(f"<h3>What to do first</h3><ol>{items}</ol>"
                     + (f"<p class='more'>{more} further action{'s' if more > 1 else ''} in "
                        "the recommendations section, in order.</p>" if more > 0 else ""))
    emit(HTML("<section class='exec-summary'>" + "".join(parts) + "</section>"))


__all__ = ["render", "top_findings", "verdict_lines", "fmt_pct"]
