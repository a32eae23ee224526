"""Audit: no group hidden in either wave shows in the comparison, and no group under the
threshold follows by subtraction from the figures it shows (SPEC §8, §12)."""

from __future__ import annotations

from .figures import all_figures, group_threshold

NUMERIC = ("before", "after", "change", "ci_low", "ci_high", "p", "p_adj", "effect",
           "n_before", "n_after", "before_stage", "after_stage")


def audit_comparison(comp: dict, before: dict, after: dict) -> list[str]:
    """Check a comparison against the anonymity rule of both waves.

    A survey figure whose group is hidden, or not reported, in either wave must be hidden
    in the comparison with none of its numbers (so neither wave's value nor the change can
    be used to work the hidden group out by subtraction).

    Everyone's figure is modelled as all = sales + marketing + rest: wherever the
    comparison shows everyone's figure and a side's for one scale, pillar or maturity line,
    n_all − Σ n_side shown (per wave, from ``n_before`` / ``n_after``) must be 0 or at least
    the stricter threshold of the two waves; otherwise the rest's n and mean follow.

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
    return problems + complement_problems(comp, group_threshold(before, after))


def _triples(comp: dict):
    """``(key, by_side)`` for every side triple of the comparison's survey section."""
    survey = comp.get("survey") if isinstance(comp, dict) else None
    if not isinstance(survey, dict):
        return
    for area in ("scales", "pillars"):
        for code, node in (survey.get(area) or {}).items():
            if isinstance(node, dict) and isinstance(node.get("by_side"), dict):
                yield f"survey.{area}.{code}", node["by_side"]
    mat = survey.get("maturity")
    if isinstance(mat, dict) and isinstance(mat.get("by_side"), dict):
        yield "survey.maturity", mat["by_side"]


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def complement_problems(comp: dict, k: int) -> list[str]:
    """Side triples of *comp* where everyone minus the sides shown is a group of 1 to
    *k* − 1 in a wave (or whose counts do not add up, or a side shows a value without
    its n): one line each."""
    problems = []
    for key, by in _triples(comp):
        whole = by.get("all")
        if not isinstance(whole, dict):
            continue
        sides = [v for s, v in by.items() if s != "all" and isinstance(v, dict)]
        for wave in ("before", "after"):
            n_key = f"n_{wave}"
            if not (_num(whole.get(n_key)) or _num(whole.get(wave))):
                continue
            shown = [v for v in sides if _num(v.get(wave)) or _num(v.get(n_key))]
            if not shown:
                continue
            if not _num(whole.get(n_key)) or not all(_num(v.get(n_key)) for v in shown):
                problems.append(f"{key}: everyone and a side shown in the {wave} wave "
                                "without their counts (the rest cannot be bounded)")
                continue
            rest = whole[n_key] - sum(v[n_key] for v in shown)
            if rest != 0 and rest < k:
                problems.append(f"{key}: everyone minus the sides shown leaves a group "
                                f"under {k} in the {wave} wave (recoverable by subtraction)")
    return problems
