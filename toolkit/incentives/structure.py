"""Plan structure: shared-outcome weight, variable pay share, gates, structure score (§4.3).

All functions take the typed plan of :func:`toolkit.incentives.plan.load_plan` (one row per
component) and return JSON-safe values.
"""

from __future__ import annotations

import math

import pandas as pd

from .plan import SHARED_METRICS, SIDE_OF_TEAM, SIDES

#: Points of the plan-structure score (0..100) and what earns them. See
#: :func:`structure_score`.
STRUCTURE_POINTS = {
    "shared_outcome": 40.0,   # mean shared-outcome weight of the two sides
    "balance": 20.0,          # 1 - SOW gap
    "gates": 15.0,            # share of the two sides with a gate tying pay to the company goal
    "marketing_stake": 25.0,  # marketing earns something on won (marketing-sourced) revenue
}


def num(x) -> float | None:
    """Return *x* as a Python float, ``None`` for None/NaN/inf."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def with_side(plan: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of *plan* with a ``side`` column (``sales``/``marketing``/NaN)."""
    out = plan.copy()
    out["side"] = out["team"].map(SIDE_OF_TEAM)
    return out


def is_shared_outcome(plan: pd.DataFrame) -> pd.Series:
    """Whether each plan component rewards a shared outcome (SPEC §4.3).

    A component is a shared outcome when its metric is shared (bookings, pipeline, win_rate,
    sla_compliance, company_revenue) **and** it is not paid on the person's own deals only:
    ``bookings`` with ``applies_to = own_won`` is an individual target — it rewards closing,
    not the other team's success — and does not count. ``bookings`` on ``all_won`` or
    ``marketing_sourced_won`` (or without ``applies_to``, a team quota) does.

    Returns
    -------
    Series of bool, aligned on *plan*.
    """
    applies = (plan["applies_to"].astype(object) if "applies_to" in plan
               else pd.Series(None, index=plan.index, dtype=object))
    own = (plan["metric"] == "bookings") & (applies == "own_won")
    return (plan["metric"].isin(SHARED_METRICS) & ~own).astype(bool)


def roles(plan: pd.DataFrame) -> pd.DataFrame:
    """One row per (team, role) with side, headcount, pay and shared-outcome weight.

    Returns
    -------
    pandas.DataFrame
        Columns ``team``, ``role``, ``side``, ``headcount``, ``base_salary``,
        ``variable_target``, ``weight_total``, ``shared_weight``, ``sow`` (shared weight ÷
        total weight; NaN when the role's weights sum to 0), ``pay_weight`` (headcount ×
        variable_target: the role's on-target variable pay bill, the averaging weight of
        the side SOW), ``variable_pay_share`` (variable_target ÷ (base + variable_target);
        NaN when both are 0).
    """
    p = with_side(plan)
    p["shared_w"] = p["weight"].where(is_shared_outcome(p), 0.0)
    g = p.groupby(["team", "role"], sort=False)
    r = g.agg(side=("side", "first"), headcount=("headcount", "first"),
              base_salary=("base_salary", "first"),
              variable_target=("variable_target", "first"),
              weight_total=("weight", "sum"), shared_weight=("shared_w", "sum")).reset_index()
    r["sow"] = (r["shared_weight"] / r["weight_total"]).where(r["weight_total"] > 0)
    r["pay_weight"] = r["headcount"] * r["variable_target"]
    pay = r["base_salary"] + r["variable_target"]
    r["variable_pay_share"] = (r["variable_target"] / pay).where(pay > 0)
    return r


def side_weighted(r: pd.DataFrame, column: str) -> dict[str, float | None]:
    """Average *column* of :func:`roles` over each side's roles, weighted by headcount ×
    variable_target.

    When every role of a side has a zero pay weight (no variable pay, or headcount 0) the
    roles are weighted by headcount, and failing that equally. A side with no role in the
    plan gives ``None``.
    """
    out: dict[str, float | None] = {}
    for side in SIDES:
        s = r[(r["side"] == side) & r[column].notna()]
        if s.empty:
            out[side] = None
            continue
        for w in (s["pay_weight"], s["headcount"].astype(float),
                  pd.Series(1.0, index=s.index)):
            if w.sum() > 0:
                out[side] = num((s[column] * w).sum() / w.sum())
                break
    return out


def shared_outcome_weight(plan: pd.DataFrame) -> dict:
    """Shared-outcome weight (SOW) per side and the gap (SPEC §4.3).

    SOW of a role = Σ weight of its shared-outcome components (:func:`is_shared_outcome`:
    a shared metric not paid on the person's own deals only) ÷ Σ weight of its components. SOW of a side =
    mean over its roles weighted by headcount × variable_target (see :func:`side_weighted`).
    Gap = |SOW_sales − SOW_marketing|.

    Returns
    -------
    dict
        ``{"by_side": {"sales": float|None, "marketing": float|None}, "gap": float|None,
        "zero_sides": [side, ...]}``, values in 0..1.
    """
    sow = {k: None if v is None else round(v, 9)
           for k, v in side_weighted(roles(plan), "sow").items()}
    gap = (abs(sow["sales"] - sow["marketing"])
           if sow["sales"] is not None and sow["marketing"] is not None else None)
    zero = [s for s in SIDES if sow[s] is not None and sow[s] <= 1e-12]
    return {"by_side": sow, "gap": None if gap is None else round(gap, 9),
            "zero_sides": zero}


def own_bookings_only(plan: pd.DataFrame) -> dict[str, bool]:
    """Whether a side's pay on outcomes is only its own bookings.

    True for a side when it has at least one positive-weight ``bookings`` component paid on
    ``own_won`` and no shared-outcome component (:func:`is_shared_outcome`): it is paid for
    closing its own deals, not for the other team's success.

    Returns
    -------
    dict
        ``{"sales": bool, "marketing": bool}``.
    """
    p = with_side(plan)
    pos = p["weight"] > 0
    shared = is_shared_outcome(p) & pos
    applies = p["applies_to"].astype(object) if "applies_to" in p else None
    own = pos & (p["metric"] == "bookings") & (
        (applies == "own_won") if applies is not None else False)
    out = {}
    for side in SIDES:
        mine = p["side"] == side
        out[side] = bool((own & mine).any() and not (shared & mine).any())
    return out


def metric_weight(plan: pd.DataFrame, metrics, side: str) -> float | None:
    """Side-level weight (headcount × variable_target weighted) of components in *metrics*."""
    p = plan.assign(_w=plan["weight"].where(plan["metric"].isin(list(metrics)), 0.0))
    extra = p.groupby(["team", "role"], sort=False)["_w"].sum().rename("metric_w")
    r = roles(plan).merge(extra.reset_index(), on=["team", "role"], how="left")
    r["metric_share"] = (r["metric_w"] / r["weight_total"]).where(r["weight_total"] > 0)
    return side_weighted(r, "metric_share")[side]


def variable_pay_share(plan: pd.DataFrame) -> list[dict]:
    """Variable pay share per role = variable_target ÷ (base_salary + variable_target).

    Returns
    -------
    list of dict
        ``{team, side, role, headcount, share}`` per role in plan order (``share`` None
        when base and variable are both 0). No person's name is involved: roles are job
        titles from the plan.
    """
    r = roles(plan)
    return [{"team": t, "side": s if isinstance(s, str) else None, "role": ro,
             "headcount": int(h), "share": num(v)}
            for t, s, ro, h, v in zip(r["team"], r["side"], r["role"], r["headcount"],
                                      r["variable_pay_share"])]


def pay_mix(plan: pd.DataFrame, min_group_size: int) -> list[dict]:
    """The pay-mix table as published: no role with fewer people on the plan than the
    anonymity threshold (SPEC §8).

    Within each team, roles with fewer than *min_group_size* people are merged into one row,
    together with the team's next-smallest roles until the merged row holds at least
    *min_group_size* people and at least two roles (complementary suppression: a single
    small role merged alone, or a merged row that could be taken apart by subtracting a
    shown role, would give it away). The merged row shows the range of its roles' variable
    pay shares, never their mean (a mean beside the range and the total would let the
    headcounts be solved for). A team with fewer people than the threshold in all is one
    row with nothing shown (``suppressed``).

    Parameters
    ----------
    plan : DataFrame
        Typed compensation plan.
    min_group_size : int
        The anonymity threshold (``[analysis] min_group_size``).

    Returns
    -------
    list of dict
        ``{team, side, role, roles, headcount, share, share_low, share_high, merged,
        suppressed}`` in plan order: a role shown on its own has ``roles = [role]``,
        ``share`` its variable share and ``share_low = share_high = share``; a merged row
        has ``role = None``, ``roles`` (the job titles merged, in plan order), the merged
        headcount and ``share = None``; a suppressed team has every figure ``None``.
    """
    k = int(min_group_size)
    rows = variable_pay_share(plan)
    out: list[dict] = []
    for team in dict.fromkeys(r["team"] for r in rows):
        rs = [r for r in rows if r["team"] == team]
        small = [r for r in rs if r["headcount"] < k]
        if not small:
            out += [{**r, "roles": [r["role"]], "share_low": r["share"],
                     "share_high": r["share"], "merged": False, "suppressed": False}
                    for r in rs]
            continue
        merged = list(small)
        rest = sorted((r for r in rs if r["headcount"] >= k), key=lambda r: r["headcount"])
        while (sum(r["headcount"] for r in merged) < k or len(merged) < 2) and rest:
            merged.append(rest.pop(0))
        side = rs[0]["side"]
        n = sum(r["headcount"] for r in merged)
        if n < k or len(merged) < 2:
            out.append({"team": team, "side": side, "role": None, "roles": None,
                        "headcount": None, "share": None, "share_low": None,
                        "share_high": None, "merged": True, "suppressed": True})
            continue
        ids = {id(r) for r in merged}
        out += [{**r, "roles": [r["role"]], "share_low": r["share"], "share_high": r["share"],
                 "merged": False, "suppressed": False} for r in rs if id(r) not in ids]
        shares = [r["share"] for r in merged if r["share"] is not None]
        out.append({"team": team, "side": side, "role": None,
                    "roles": [r["role"] for r in rs if id(r) in ids], "headcount": n,
                    "share": None, "share_low": min(shares) if shares else None,
                    "share_high": max(shares) if shares else None, "merged": True,
                    "suppressed": False})
    return out


def gates(plan: pd.DataFrame, attainment: float | None) -> dict:
    """Gates of the plan and whether they are met at the company's attainment.

    A component with gate ``g`` pays nothing when company attainment < ``g`` (attainment
    equal to the gate pays). With attainment unknown the gates cannot be evaluated
    (``met`` None).

    Returns
    -------
    dict
        ``attainment``, ``evaluable`` (bool), ``components`` (list of ``{team, side, role,
        component, metric, gate, met}``), ``sides_gated`` (``{side: bool}``: the side has at
        least one gated component), ``any_gate`` (bool).
    """
    p = with_side(plan)
    g = p[p["gate"].notna()]
    att = num(attainment)
    comps = [{"team": t, "side": s if isinstance(s, str) else None, "role": ro,
              "component": c, "metric": m, "gate": num(v),
              "met": None if att is None else bool(att >= v)}
             for t, s, ro, c, m, v in zip(g["team"], g["side"], g["role"], g["component"],
                                          g["metric"], g["gate"])]
    sides_gated = {s: bool((g["side"] == s).any()) for s in SIDES}
    return {"attainment": att, "evaluable": att is not None, "components": comps,
            "sides_gated": sides_gated, "any_gate": bool(len(g))}


def marketing_stake(plan: pd.DataFrame) -> float:
    """How far marketing earns on won revenue: 1, 0.5 or 0.

    1 when a marketing-side component pays a commission on ``marketing_sourced_won`` or
    ``all_won`` deals; 0.5 when marketing has weight on a revenue metric (``bookings`` or
    ``company_revenue``) but no such commission; 0 otherwise.
    """
    m = with_side(plan)
    m = m[m["side"] == "marketing"]
    if (m["commission_rate"].fillna(0) > 0).where(
            m["applies_to"].isin(["marketing_sourced_won", "all_won"]), False).any():
        return 1.0
    if ((m["weight"] > 0) & m["metric"].isin(["bookings", "company_revenue"])).any():
        return 0.5
    return 0.0


def structure_score(plan: pd.DataFrame, sow: dict | None = None) -> dict:
    """Plan-structure score (0..100) for the incentives pillar (SPEC §4.4).

    Points (:data:`STRUCTURE_POINTS`), each earned in proportion:

    * ``shared_outcome`` 40 × mean(SOW_sales, SOW_marketing) — both teams paid on outcomes
      they share ("incentivize both teams on shared outcomes", SPEC §0);
    * ``balance`` 20 × (1 − SOW gap) when both sides have some shared outcome, else 0 —
      neither team can hit its bonus while the other misses (two sides with nothing shared
      are not "balanced": each earns its bonus alone);
    * ``gates`` 15 × share of the two sides with at least one gated component — if the
      company misses its goal, neither team hits its bonus;
    * ``marketing_stake`` 25 × :func:`marketing_stake` — marketing has skin in every sale.

    The split of points is the toolkit's practitioner judgement (documented in the
    methodology appendix), not a published benchmark.

    Returns
    -------
    dict
        ``{"score": float|None, "points": {part: float|None}}``; ``score`` None when either
        side is absent from the plan.
    """
    sow = sow or shared_outcome_weight(plan)
    s, m = sow["by_side"]["sales"], sow["by_side"]["marketing"]
    g = gates(plan, None)["sides_gated"]
    pts = {"shared_outcome": None, "balance": None,
           "gates": STRUCTURE_POINTS["gates"] * (g["sales"] + g["marketing"]) / 2,
           "marketing_stake": STRUCTURE_POINTS["marketing_stake"] * marketing_stake(plan)}
    if s is None or m is None:
        return {"score": None, "points": pts}
    pts["shared_outcome"] = STRUCTURE_POINTS["shared_outcome"] * (s + m) / 2
    pts["balance"] = (STRUCTURE_POINTS["balance"] * (1 - abs(s - m))
                      if min(s, m) > 1e-12 else 0.0)
    return {"score": round(float(sum(pts.values())), 1),
            "points": {k: round(float(v), 2) for k, v in pts.items()}}
