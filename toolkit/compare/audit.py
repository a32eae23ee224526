"""Audit: no group hidden in either wave shows in the comparison (SPEC §8, §12)."""

from __future__ import annotations

from .figures import all_figures

NUMERIC = ("before", "after", "change", "ci_low", "ci_high", "p", "p_adj", "effect",
           "n_before", "n_after", "before_stage", "after_stage")


def audit_comparison(comp: dict, before: dict, after: dict) -> list[str]:
    """Check a comparison against the anonymity rule of both waves.

    A survey figure whose group is hidden, or not reported, in either wave must be hidden
    in the comparison with none of its numbers (so neither wave's value nor the change can
    be used to work the hidden group out by subtraction).

    Parameters
    ----------
    comp : dict
        ``comparison.json``.
    before, after : dict
        The two ``results.json`` it was built from.

    Returns
    -------
    list of str
        One line per violation; empty when the comparison is safe.
    """
    problems = []
    for fig in all_figures(before, after):
        if fig.area != "survey":
            continue
        node = comp
        for part in fig.path:
            node = node.get(part) if isinstance(node, dict) else None
        must_hide = fig.hidden or (fig.before is None) != (fig.after is None)
        if node is None:
            continue
        shown = [k for k in NUMERIC if node.get(k) is not None]
        if must_hide and (node.get("status") != "hidden" or shown):
            problems.append(f"{fig.key}: hidden in a wave but shown in the comparison "
                            f"({', '.join(shown) or node.get('status')})")
        if node.get("status") == "hidden" and shown:
            problems.append(f"{fig.key}: marked hidden but carries {', '.join(shown)}")
    return problems
