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


def tag(r: dict) -> str:
    """The tag beside a recommendation's title: what it fixes (``fixes``), else — results
    written before it — its step."""
    return str(r.get("fixes") or STEP_LABEL.get(r.get("step"), ""))


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
    ranked_ = any(r.get("value") is not None for r in recs)   # not only "keep" actions
    from .safe import md_text  # a title may quote a source or a role (§8a)

    show_markdown(f"**Start with: {md_text(first[:1].lower() + first[1:])}.** "
                  + (f"The {n} actions below are in the order to take them" if n > 1 else
                     "It is the one action this data calls for")
                  + (" (ranked by impact × how directly the client's own records show the "
                     "problem; the scores are in the methodology appendix)"
                     if rule and n > 1 and ranked_ else "")
                  + ". " + _intro_tail(recs))
    items = []
    for r in recs:
        found = "".join(f"<li>{html.escape(t)}</li>" for t in (r.get("findings") or [])[:3])
        todo = "".join(f"<li>{html.escape(t)}</li>" for t in r.get("actions") or [])
        step = tag(r)
        items.append(
            f"<li class='rec'><strong>{html.escape(r.get('title', ''))}</strong>"
            + (f" <span class='rec-step'>— {html.escape(step)}</span>" if step else "")
            + (f"<div class='what'>What to change:<ul>{todo}</ul></div>" if todo else "")
            + (f"<div class='because'>Because:<ul>{found}</ul></div>" if found else "")
            + f"<div class='why'>Why it works: {html.escape(r.get('rationale', ''))}</div>"
            "</li>")
    emit(HTML(f"<ol class='recommendations'>{''.join(items)}</ol>"))


def _intro_tail(recs: list[dict]) -> str:
    """What the list holds: actions the data triggers, and, where the data shows something
    already works, the actions that keep it (a well-aligned client's "keep …" actions are
    not called new; partner review 16c)."""
    keep = [r for r in recs if r.get("sustain") or str(r.get("code", "")).startswith(
        "stage_integrated")]
    if not keep:
        return ("Each is triggered by the client's data, and none repeats what the data shows "
                "is already done.")
    if len(keep) == len(recs):
        return ("The data calls for no change: each action keeps something the data shows "
                "already works.")
    return ("The first are triggered by problems in the client's data; the “keep” actions "
            "protect what the data shows already works.")
