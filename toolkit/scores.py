"""Pillar scores and the overall alignment score (SPEC §4.4).

This is the only place where survey and evidence are combined into pillar scores (the
incentives section does not score its pillar itself). The weights live in
:mod:`toolkit.method` and are recorded in ``results["method"]``.
"""

from __future__ import annotations

from typing import Any

from . import method
from .lookup import dig as _get
from .vocab import STAGES as VOCAB_STAGES

#: Weights of each pillar's components (SPEC §4.4), from :data:`toolkit.method.WEIGHTS`.
#: When a component is missing, the remaining weights are rescaled to sum to 1 and a warning
#: says so.
WEIGHTS: dict[str, dict[str, float]] = method.WEIGHTS

#: Component descriptions, for the methodology appendix (:data:`toolkit.method.COMPONENTS`).
COMPONENTS = method.COMPONENTS

#: Stage cut points on 0..100 (SPEC §4.4), highest first: the 1..5 maturity banding of
#: Kotler, Rackham & Krishnaswamy (2006) mapped by (m - 1) / 4 * 100.
STAGES = tuple(zip(reversed(method.SCORE_CUTS_0_100), reversed(VOCAB_STAGES[1:]))) + (
    (float("-inf"), VOCAB_STAGES[0]),)


def stage_for_score(score: float | None) -> str | None:
    """Return the alignment stage for a 0..100 score (``None`` for ``None``)."""
    if score is None:
        return None
    for cut, name in STAGES:
        if score >= cut:
            return name
    return None  # pragma: no cover



#: Each pillar component in the reader's words (warnings, the report's scoring notes).
_COMPONENT_WORDS = {"survey": "the survey", "plan_structure": "the compensation plan",
                    "handoff_evidence": "the CRM's hand-off evidence"}


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def combine(survey: dict | None, crm: dict | None, incentives: dict | None) -> dict:
    """Combine survey pillars and evidence into the three pillar scores and the overall score.

    Parameters
    ----------
    survey : dict or None
        ``results["survey"]``; reads ``pillars.<pillar>.overall`` (0..100).
    crm : dict or None
        ``results["crm"]``; reads ``handoff.evidence_score`` (0..100).
    incentives : dict or None
        ``results["incentives"]``; reads ``structure_score`` (0..100).

    Returns
    -------
    dict
        ``politics``, ``incentives``, ``communication``, ``overall`` (0..100 or None),
        ``stage``, ``components`` (each pillar's inputs and the weights used), ``partial``
        (pillars scored without one of their components) and ``warnings``. The overall
        score needs all three pillars; a pillar with a missing component is scored from the
        others (weights rescaled) and listed in ``partial``.
    """
    inputs = {
        "politics": {"survey": _get(survey, "pillars", "politics", "overall")},
        "incentives": {"survey": _get(survey, "pillars", "incentives", "overall"),
                       "plan_structure": _get(incentives, "structure_score")},
        "communication": {"survey": _get(survey, "pillars", "communication", "overall"),
                          "handoff_evidence": _get(crm, "handoff", "evidence_score")},
    }
    out: dict[str, Any] = {"components": {}, "warnings": [], "partial": []}
    for pillar, weights in WEIGHTS.items():
        avail = {k: v for k, v in inputs[pillar].items() if v is not None}
        missing = [k for k in weights if k not in avail]
        total_w = sum(weights[k] for k in avail)
        score = (sum(weights[k] * float(avail[k]) for k in avail) / total_w) if avail else None
        used = {k: (weights[k] / total_w if k in avail else 0.0) for k in weights}
        out["components"][pillar] = {"inputs": inputs[pillar], "weights": weights,
                                     "weights_used": used}
        # in the reader's words, the pillar named in every note (attack 45, ATT45-02: the
        # report showed "Plan_structure not available", "No input available; not scored")
        words = _COMPONENT_WORDS
        if missing and avail:
            out["partial"].append(pillar)
            out["warnings"].append(
                f"The {pillar} pillar is scored from {_and(words.get(k, k) for k in avail)} "
                f"alone: {_and(words.get(k, k) for k in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not available.")
        elif not avail:
            out["warnings"].append(f"The {pillar} pillar is not scored: none of its evidence "
                                   "is available.")
        out[pillar] = None if score is None else round(score, 1)
    pillars = [out[p] for p in WEIGHTS if out[p] is not None]
    if len(pillars) == len(WEIGHTS):
        out["overall"] = round(sum(pillars) / len(pillars), 1)
    else:
        # An overall score from a subset of pillars would claim more than the data supports
        # (e.g. "Aligned" from CRM evidence alone, with no survey of the teams).
        out["overall"] = None
        missing = [p for p in WEIGHTS if out[p] is None]
        out["warnings"].append(f"overall score not computed: the {', '.join(missing)} "
                               f"pillar{'s' if len(missing) > 1 else ''} could not be scored")
    out["stage"] = stage_for_score(out["overall"])
    return out
