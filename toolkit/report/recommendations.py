"""Recommendations, grouped by the three steps and prioritized."""

from __future__ import annotations

import html

from IPython.display import HTML

from ..vocab import STEP_TITLES, STEPS
from .display import Rendered, renders, emit, show_markdown

PRIORITY = {1: "Act now", 2: "Next", 3: "Then"}


@renders
def render(results: dict) -> Rendered:
    """Display the recommendations by step, each with its rationale and evidence keys."""
    recs = results.get("recommendations") or []
    if not recs:
        show_markdown("No recommendation was triggered: none of the measured figures crossed a "
                      "threshold that calls for change.")
        return
    for step in STEPS:
        mine = [r for r in recs if r.get("step") == step]
        if not mine:
            continue
        items = []
        for r in mine:
            found = "".join(f"<li>{html.escape(t)}</li>" for t in r.get("findings") or [])
            ev = ", ".join(f"<code>{html.escape(k)}</code>" for k in r.get("evidence") or [])
            items.append(
                f"<li><strong>{html.escape(PRIORITY.get(r.get('priority'), ''))}: "
                f"{html.escape(r.get('title', ''))}</strong><br>{html.escape(r.get('rationale', ''))}"
                f"<ul class='because'>{found}</ul><small>Evidence: {ev}</small></li>")
        emit(HTML(f"<h3>{html.escape(STEP_TITLES[step])}</h3><ol>{''.join(items)}</ol>"))
