"""The "so what" that opens each of the three steps and the blame game: one plain sentence,
computed from the results, that a CEO can stop reading after.

Each function returns the sentence (``None`` when the section's data is absent) and
:func:`lead` wraps one for the report. Survey figures are quoted on the 1–5 agreement scale
("3 is neutral") or as shares; nothing here names a statistic or an item code.
"""

from __future__ import annotations

import html
from typing import Callable

from IPython.display import HTML

from ..lookup import get
from ..exceptions import ReportError
from .display import emit, fmt_pct
from .pillars import rank_words
from .read import threshold
from ..formatting import half_up


def _limit(results: dict, name: str, default: float) -> float:
    """The threshold the results were judged with (today's default for hand-made dicts)."""
    try:
        return float(threshold(results, name))
    except ReportError:
        return default

#: What a low score on each survey theme means, in the client's language.
WEAK = {"FAIR": "each side feels the other gets more than its fair share of budget, "
                "headcount and credit",
        "TRUST": "the teams do not trust each other's competence and good faith",
        "CONF": "conflict and blame are the norm",
        "SUPP": "senior leadership is not seen to back cooperation",
        "SHARE": "the teams are not measured on goals they share",
        "RINT": "neither team gains when the other succeeds",
        "RFAIR": "each side feels the other is rewarded unfairly",
        "BIDIR": "information flows one way",
        "QUAL": "the information that does flow is late or unusable",
        "DEFN": "the teams do not share a definition of a qualified lead or the hand-off",
        "FEED": "sales does not tell marketing what happened to its leads"}
SCALES = {"politics": ("FAIR", "TRUST", "CONF", "SUPP"),
          "incentives": ("SHARE", "RINT", "RFAIR"),
          "communication": ("BIDIR", "QUAL", "DEFN", "FEED")}


def _side_of_neutral(results: dict, code: str) -> int:
    """Where a theme's all-respondent mean sits against neutral (3 of 5), in the healthy
    direction: ``-1`` clearly unhealthy, ``+1`` clearly healthy, ``0`` neutral. "Clearly"
    as the findings judge it (threshold ``scale_clear_margin``): the 95% interval lies wholly
    on that side of 3, else (no interval) the mean is at least the margin away from 3. The
    conflict statements read the other way (agreeing is unhealthy)."""
    by = get(results, f"survey.scales.{code}.by_side.all") or {}
    m, lo, hi = by.get("mean"), by.get("ci_low"), by.get("ci_high")
    if m is None:
        return 0
    margin = _limit(results, "scale_clear_margin", 0.25)
    above = lo > 3.0 if lo is not None else m >= 3.0 + margin
    below = hi < 3.0 if hi is not None else m <= 3.0 - margin
    if code == "CONF":
        above, below = below, above
    return 1 if above else -1 if below else 0


def _weakest(results: dict, pillar: str) -> tuple[str, float] | None:
    """The pillar's weakest theme (healthy direction) among those clearly on the unhealthy
    side of neutral, and its all-respondent mean (as answered, 1–5); ``None`` when no theme
    is clearly below neutral — a mean of 3.1 with an interval across 3 is neutral, neither a
    drag nor a strength."""
    rated = []
    for code in SCALES[pillar]:
        m = get(results, f"survey.scales.{code}.by_side.all.mean")
        if m is not None and _side_of_neutral(results, code) < 0:
            rated.append(((6 - m) if code == "CONF" else m, code, m))
    if not rated:
        return None
    _, code, m = min(rated)
    return code, m


def _all_healthy(results: dict, pillar: str) -> bool:
    """Whether every rated theme of the pillar is clearly on the healthy side of neutral."""
    sides = [_side_of_neutral(results, c) for c in SCALES[pillar]
             if get(results, f"survey.scales.{c}.by_side.all.mean") is not None]
    return bool(sides) and all(x > 0 for x in sides)


def _survey_clause(results: dict, pillar: str) -> str | None:
    w = _weakest(results, pillar)
    if w is None:
        return None
    code, m = w
    n = get(results, "survey.respondents.all")
    if code == "CONF" and m < 3.5:
        return (f"conflict and blame are common (the{'' if n is None else f' {n:,}'} "
                f"respondents agree {half_up(m, 1):.1f} of 5, where 3 is neutral)")
    where = "agree" if code == "CONF" else "rate it"
    return (f"{WEAK[code]} ({'the' if n is None else f'the {n:,}'} respondents {where} "
            f"{half_up(m, 1):.1f} of 5, where 3 is neutral)")


def politics(results: dict) -> str | None:
    p = get(results, "scores.politics")
    if p is None:
        p = get(results, "survey.pillars.politics.overall")
    if p is None:
        return None
    clause = _survey_clause(results, "politics")
    if clause is not None:
        # the same clear-margin rule as the themes (review 16d: "stands in the way" at 48):
        # scale_clear_margin on the 1–5 scale is 25 × the margin points on the 0–100 score
        low = _limit(results, "pillar_low", 50.0)
        margin = 25 * _limit(results, "scale_clear_margin", 0.25)
        if abs(p - low) < margin:
            return (f"Politics is close to neutral ({half_up(p):.0f} of 100 in the survey); "
                    f"what still stands in the way: {clause}.")
        how = "stands in the way" if p < low else "is a drag"
        return f"Politics {how} ({half_up(p):.0f} of 100 in the survey): {clause}."
    if _all_healthy(results, "politics"):
        return (f"Politics is not in the way: the survey puts it at {half_up(p):.0f} of 100, with "
                "fairness, trust, conflict and leadership support rated well by the "
                "respondents.")
    return (f"Politics is neither a drag nor a strength ({half_up(p):.0f} of 100 in the survey): "
            "fairness, trust, conflict and leadership support are rated close to neutral "
            "(3 of 5), none clearly below it.")


def incentives(results: dict) -> str | None:
    inc = results.get("incentives") or {}
    sow = inc.get("shared_outcome_weight") or {}
    contrib, reward = inc.get("marketing_contribution_share"), inc.get("marketing_reward_share")
    if not inc and get(results, "survey.pillars.incentives.overall") is None:
        return None
    if contrib is not None and reward is not None and \
            contrib - reward >= _limit(results, "reward_gap", 0.15) and \
            reward < _limit(results, "reward_floor", 0.05):
        text = (f"The pay plan works against alignment: marketing sources {fmt_pct(contrib)} of "
                "won revenue but earns " + ("none" if reward == 0 else fmt_pct(reward))
                + " of the commission paid on won deals")
        if sow.get("marketing") == 0:
            text += (", and none of marketing's on-target variable pay depends on an outcome "
                     "both teams share")
        return text + "."
    cut = _limit(results, "sow_low", 0.2)
    low = [s for s in ("sales", "marketing") if sow.get(s) is not None and sow[s] < cut]
    if low:
        side = low[0]
        share = ("none" if fmt_pct(sow[side]) == "0%"      # never "only 0%" (ATT45-08)
                 else f"only {fmt_pct(sow[side])}")
        return (f"The pay plan works against alignment: {share} of the "
                f"{side} side's on-target variable pay depends on outcomes both teams share.")
    if sow:
        return (f"Both teams are paid on outcomes they share ({fmt_pct(sow.get('sales'))} of "
                f"sales' and {fmt_pct(sow.get('marketing'))} of marketing's on-target variable "
                "pay).")
    clause = _survey_clause(results, "incentives")
    return (f"In the survey, {clause}." if clause else
            "In the survey, both sides see their goals and rewards as shared.")


def communication(results: dict) -> str | None:
    nr = get(results, "survey.frequency.not_regular_share")
    clause = _survey_clause(results, "communication")
    untouched = get(results, "crm.handoff.accepted_untouched.share")
    bits = []
    if nr is not None and nr >= _limit(results, "not_regular", 0.5):
        bits.append(f"{fmt_pct(nr)} of respondents say the teams talk monthly or less")
    if clause:
        bits.append(clause)
    if untouched is not None and untouched >= 0.1:
        bits.append(f"{fmt_pct(untouched)} of the leads sales accepted were never touched")
    if bits:
        v, rank = get(results, "scores.communication"), rank_words(results, "communication")
        if v is None:
            return "Communication falls short: " + "; ".join(bits[:2]) + "."
        if rank == "the weakest of the three steps":
            return (f"Communication is the weak link ({half_up(v):.0f} of 100, {rank}): "
                    + "; ".join(bits[:2]) + ".")
        return (f"Communication scores {half_up(v):.0f} of 100" + (f", {rank}" if rank else "")
                + ", yet " + "; ".join(bits[:2]) + ".")
    if nr is None and clause is None and untouched is None:
        return None
    v, rank = get(results, "scores.communication"), rank_words(results, "communication")
    score = ("" if v is None else f" ({half_up(v):.0f} of 100" + (f", {rank}" if rank else "") + ")")
    return f"Communication works{score}: the teams talk regularly and the hand-off is kept."


def blame_game(results: dict) -> str | None:
    v = results.get("verdict") or {}
    return (v.get("beliefs") or {}).get("sentence") or v.get("headline")


def lead(fn: Callable[[dict], str | None]) -> Callable[[dict], None]:
    """A section step that opens the section with *fn*'s sentence (nothing when ``None``)."""
    def step(results: dict) -> None:
        text = fn(results)
        if text:
            emit(HTML(f"<p class='so-what'>{html.escape(text[0].upper() + text[1:])}</p>"))
    step.__name__ = f"lead_{fn.__name__}"
    return step
