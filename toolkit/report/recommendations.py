"""Recommendations: one list in the order to act, numbered from 1, each with the client's
evidence behind it in plain words and why it works."""

from __future__ import annotations

import html

from IPython.display import HTML

from ..vocab import STEP_TITLES
from .display import Rendered, renders, emit, show_markdown

#: The step each recommendation belongs to, as the report names it (no number: the list is
#: ranked across steps).
STEP_LABEL = {k: v.split(". ", 1)[-1] for k, v in STEP_TITLES.items()}


def ranked(results: dict) -> list[dict]:
    """The recommendations in the order to act (``rank``, else ``priority``, else as stored)."""
    recs = [r for r in results.get("recommendations") or [] if isinstance(r, dict)]
    return sorted(recs, key=lambda r: (r.get("rank") or r.get("priority") or 99))


@renders
def render(results: dict) -> Rendered:
    """Display the recommendations as one ranked list with their evidence and rationale."""
    recs = ranked(results)
    if not recs:
        show_markdown("No recommendation was triggered: none of the measured figures crossed a "
                      "threshold that calls for change.")
        return
    rule = ((results.get("method") or {}).get("priority") or {}).get("rule")
    first = str(recs[0].get("title") or "").rstrip(".")
    n = len(recs)
    show_markdown(f"**Start with: {first[:1].lower() + first[1:]}.** "
                  + (f"The {n} actions below are in the order to take them" if n > 1 else
                     "It is the one action this data calls for")
                  + (" (ranked by impact × how directly the client's own records show the "
                     "problem; the scores are in the methodology appendix)" if rule and n > 1
                     else "")
                  + ". Each is triggered by the client's data, and none repeats what the data "
                  "shows is already done.")
    items = []
    for r in recs:
        found = "".join(f"<li>{html.escape(t)}</li>" for t in (r.get("findings") or [])[:3])
        todo = "".join(f"<li>{html.escape(t)}</li>" for t in r.get("actions") or [])
        step = STEP_LABEL.get(r.get("step"), "")
        items.append(
            f"<li class='rec'><strong>{html.escape(r.get('title', ''))}</strong>"
            + (f" <span class='rec-step'>— {html.escape(step)}</span>" if step else "")
            + (f"<div class='what'>What to change:<ul>{todo}</ul></div>" if todo else "")
            + (f"<div class='because'>Because:<ul>{found}</ul></div>" if found else "")
            + f"<div class='why'>Why it works: {html.escape(r.get('rationale', ''))}</div>"
            "</li>")
    emit(HTML(f"<ol class='recommendations'>{''.join(items)}</ol>"))
