"""One score per pillar, and what it is made of, in plain words.

The pillar scores are ``results["scores"]`` (one computation, :func:`toolkit.scores.combine`);
the executive summary, the sections and the deck quote those and no other number as "the
pillar". Where a section shows one input of a pillar (the survey part of communication, the
plan's structure), it names it as that part, with the pillar score it feeds, so a reader
never meets two "Communication" scores without being told why.
"""

from __future__ import annotations

from ..lookup import get
from ..formatting import half_up

TITLE = {"politics": "Company politics", "incentives": "Incentives",
         "communication": "Communication"}
#: What each input of a pillar is, as the report names it.
INPUT_NAME = {"survey": "the survey",
              "handoff_evidence": "the hand-off in the CRM",
              "plan_structure": "the plan's structure"}
#: The parts of the plan-structure score (``incentives.structure_points``).
STRUCTURE_PARTS = (("shared_outcome", "pay on outcomes both teams share"),
                   ("balance", "balance between the sides"),
                   ("gates", "gates on the company goal"),
                   ("marketing_stake", "marketing's stake in the revenue it sources"))


def score(results: dict, pillar: str) -> float | None:
    """The pillar's one score (0..100), or None when it was not scored."""
    return get(results, f"scores.{pillar}")


def rank_words(results: dict, pillar: str) -> str:
    """``"the weakest of the three steps"``, ``"the strongest of the three steps"`` or ""."""
    vals = {p: score(results, p) for p in TITLE}
    if any(v is None for v in vals.values()):
        return ""
    mine = vals[pillar]
    others = [v for p, v in vals.items() if p != pillar]
    if mine < min(others):
        return "the weakest of the three steps"
    if mine > max(others):
        return "the strongest of the three steps"
    return ""


def structure_definition(results: dict) -> str:
    """What the plan-structure score counts, with this client's points (plain text)."""
    pts = get(results, "incentives.structure_points") or {}
    mx = get(results, "incentives.structure_points_max") or {}
    parts = [f"{label} {half_up(pts[k]):.0f} of {half_up(mx[k]):.0f} points" for k, label in STRUCTURE_PARTS
             if pts.get(k) is not None and mx.get(k) is not None]
    base = ("the plan's structure scores the compensation plan itself on 100 points")
    return base + (": " + ", ".join(parts) if parts else "")


def parts_sentence(results: dict, pillar: str) -> str | None:
    """The pillar score and its inputs in one sentence, e.g. "Communication scores 52 of 100:
    the survey 39 of 100 and the hand-off in the CRM 66 of 100, weighted half each."

    None when the pillar was not scored.
    """
    v = score(results, pillar)
    if v is None:
        return None
    comp = get(results, f"scores.components.{pillar}") or {}
    inputs = {k: x for k, x in (comp.get("inputs") or {}).items() if x is not None}
    weights = comp.get("weights_used") or comp.get("weights") or {}
    head = f"{TITLE[pillar]} scores {half_up(v):.0f} of 100"
    if len(inputs) <= 1:
        only = next(iter(inputs), "survey")
        return f"{head}, from {INPUT_NAME.get(only, only.replace('_', ' '))} alone."
    named = [f"{INPUT_NAME.get(k, k.replace('_', ' '))} {half_up(x):.0f} of 100" for k, x in
             inputs.items()]
    ws = [weights.get(k) for k in inputs]
    how = (", weighted half each" if len(ws) == 2 and all(w == 0.5 for w in ws) else
           " (weights " + ", ".join(f"{INPUT_NAME.get(k, k)} {half_up(w, 2):.0%}" for k, w in
                                    zip(inputs, ws) if w is not None) + ")")
    text = f"{head}: " + " and ".join(named) + how + "."
    if "plan_structure" in inputs:
        text += " " + structure_definition(results)[:1].upper() + \
            structure_definition(results)[1:] + "."
    return text


def survey_part_label(results: dict, pillar: str) -> str:
    """How a section names the survey's score of *pillar*: the pillar itself when the survey
    is its only input, else "the survey part of the <pillar> score"."""
    comp = get(results, f"scores.components.{pillar}.inputs") or {}
    if len([k for k, x in comp.items() if x is not None]) > 1:
        return f"The survey part of the {TITLE[pillar].lower()} score"
    return TITLE[pillar]
