"""What-if on the compensation plan (SPEC §4.3): plan changes in, new split and cost out.

Shared by the report and the live workshop so both compute the same figures. The changes
are re-applied to the same won deals as the baseline, with the same rules as
:mod:`toolkit.incentives.split`.

Schema of ``changes`` (every key optional; unknown keys are refused)::

    {
      "marketing_commission": {"rate": 0.02,                       # fraction of deal amount
                               "applies_to": "marketing_sourced_won",  # or "all_won" (default
                                                                   #   marketing_sourced_won)
                               "role": "Demand Gen Manager",       # optional: plan role it
                                                                   #   joins (default: the
                                                                   #   marketing role with
                                                                   #   the largest pay bill)
                               "gate": 0.7},                       # optional, this line only
      "sales_commission": {"rate": 0.09, "applies_to": "own_won",  # sets the rate of every
                           "team": "sales"},                       #   commission line of the
                                                                   #   team (sales default)
      "gate": 0.7,                # gate on every sales- and marketing-side component;
                                  #   None removes all gates
      "sla_bonus": {"team": "sales", "amount": 60000}              # a fixed pool paid to the
                                  # team for meeting the lead SLA; or "per_person": 2000
                                  # (× the team's headcount on the plan); a list of such
                                  # dicts is accepted. Gated by "gate" when given.
    }

``marketing_commission`` *replaces* every commission marketing already has (so "marketing
gets 2 %" means 2 %, not 2 % on top); it joins the plan as a component with weight 0 — it is
paid on top of the role's on-target variable pay and does not change the weights.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem
from .plan import APPLIES_TO, SIDE_OF_TEAM, TEAMS
from .split import reward_split, won_deals
from .structure import num, roles, shared_outcome_weight, structure_score

_FILE = "what-if"
KEYS = ("marketing_commission", "sales_commission", "gate", "sla_bonus")


def _fraction(value, key: str, problems: list[Problem]) -> float | None:
    f = num(value) if not isinstance(value, bool) else None
    if f is None or not 0 <= f <= 1:
        problems.append(Problem(_FILE, f"expected a fraction between 0 and 1, got {value!r}",
                                column=key))
        return None
    return f


def _pick_role(plan: pd.DataFrame, teams: Iterable[str], role: str | None, key: str,
               problems: list[Problem]) -> tuple[str, str] | None:
    r = roles(plan)
    r = r[r["team"].isin(list(teams))]
    if role is not None:
        r = r[r["role"] == role]
    if r.empty:
        problems.append(Problem(_FILE, (f"the plan has no role {role!r} in team(s) "
                                        f"{', '.join(teams)}") if role else
                                f"the plan has no role in team(s) {', '.join(teams)} to "
                                "attach the commission to", column=key))
        return None
    best = r.loc[r["pay_weight"].idxmax()] if r["pay_weight"].max() > 0 else r.iloc[0]
    return str(best["team"]), str(best["role"])


def _new_row(plan: pd.DataFrame, team: str, role: str, **values) -> pd.DataFrame:
    like = plan[(plan["team"] == team) & (plan["role"] == role)].iloc[[0]].copy()
    like["component"], like["metric"], like["weight"] = values.pop("component"), "bookings", 0.0
    like["gate"] = np.nan
    for k, v in values.items():
        like[k] = v
    return like


def apply_changes(plan: pd.DataFrame, changes: dict) -> tuple[pd.DataFrame, list[dict], dict]:
    """Return the changed plan, the fixed bonuses and the normalized changes.

    Raises
    ------
    InputError
        Listing every problem in *changes* (unknown key, rate or gate outside 0..1,
        unknown ``applies_to`` or team, a role not in the plan, a negative bonus).
    """
    problems: list[Problem] = []
    if not isinstance(changes, dict):
        raise InputError(Problem(_FILE, "changes must be a dict, e.g. {'gate': 0.7}"))
    for k in changes:
        if k not in KEYS:
            problems.append(Problem(_FILE, f"unknown change; expected one of "
                                    f"{', '.join(KEYS)}", column=str(k)))
    p = plan.copy()
    norm: dict = {}
    bonuses: list[dict] = []

    if "gate" in changes:
        g = None if changes["gate"] is None else _fraction(changes["gate"], "gate", problems)
        norm["gate"] = g
        on_side = p["team"].map(SIDE_OF_TEAM).notna()
        p.loc[on_side, "gate"] = np.nan if g is None else g

    for key, teams, default_applies in (
            ("marketing_commission", ["marketing"], "marketing_sourced_won"),
            ("sales_commission", None, "own_won")):
        if key not in changes:
            continue
        spec = changes[key]
        if not isinstance(spec, dict) or "rate" not in spec:
            problems.append(Problem(_FILE, "expected {'rate': 0.02, 'applies_to': ...}",
                                    column=key))
            continue
        rate = _fraction(spec["rate"], f"{key}.rate", problems)
        applies = spec.get("applies_to", default_applies)
        allowed = APPLIES_TO if key == "sales_commission" else ("marketing_sourced_won",
                                                                "all_won")
        if applies not in allowed:
            problems.append(Problem(_FILE, f"unknown applies_to {applies!r}; expected one of "
                                    f"{', '.join(allowed)}", column=f"{key}.applies_to"))
        team_list = teams or [spec.get("team", "sales")]
        if teams is None and team_list[0] not in ("sales", "sales_development"):
            problems.append(Problem(_FILE, f"expected team sales or sales_development, got "
                                    f"{team_list[0]!r}", column=f"{key}.team"))
            continue
        line_gate = spec.get("gate")
        if line_gate is not None:
            line_gate = _fraction(line_gate, f"{key}.gate", problems)
        if rate is None or applies not in allowed:
            continue
        norm[key] = {"rate": rate, "applies_to": applies}
        mine = p["team"].isin(team_list) & p["commission_rate"].notna()
        if key == "sales_commission" and mine.any():
            p.loc[mine, "commission_rate"] = rate
            p.loc[mine, "applies_to"] = applies
            if line_gate is not None:
                p.loc[mine, "gate"] = line_gate
            continue
        picked = _pick_role(p, team_list, spec.get("role"), key, problems)
        if picked is None:
            continue
        p.loc[mine, ["commission_rate", "applies_to"]] = [np.nan, np.nan]
        row = _new_row(p, *picked, component=f"What-if: {key.replace('_', ' ')}",
                       commission_rate=rate, applies_to=applies)
        gate_for_row = line_gate if line_gate is not None else norm.get("gate")
        row["gate"] = np.nan if gate_for_row is None else gate_for_row
        norm[key]["role"] = picked[1]
        p = pd.concat([p, row], ignore_index=True)

    if "sla_bonus" in changes:
        specs = changes["sla_bonus"]
        specs = specs if isinstance(specs, list) else [specs]
        for i, spec in enumerate(specs):
            col = "sla_bonus" if len(specs) == 1 else f"sla_bonus[{i}]"
            if not isinstance(spec, dict) or ("amount" in spec) == ("per_person" in spec):
                problems.append(Problem(_FILE, "expected {'team': 'sales', 'amount': total} "
                                        "or {'team': 'sales', 'per_person': x}", column=col))
                continue
            team = spec.get("team", "sales")
            value = num(spec.get("amount", spec.get("per_person")))
            if team not in TEAMS:
                problems.append(Problem(_FILE, f"unknown team {team!r}", column=f"{col}.team"))
                continue
            if value is None or value < 0:
                problems.append(Problem(_FILE, "expected a non-negative amount",
                                        column=col))
                continue
            heads = int(roles(p).loc[lambda r: r["team"] == team, "headcount"].sum())
            total = value if "amount" in spec else value * heads
            bonuses.append({"team": team, "side": SIDE_OF_TEAM.get(team), "amount": total,
                            "per_person": None if "amount" in spec else value,
                            "headcount": heads})
        norm["sla_bonus"] = bonuses
    if problems:
        raise InputError(problems)
    return p, bonuses, norm


def _summary(split: dict) -> dict:
    return {k: split[k] for k in ("sales_payout", "marketing_payout", "other_payout",
                                  "total_payout", "on_marketing_sourced",
                                  "marketing_reward_share",
                                  "marketing_reward_share_on_marketing_sourced")}


def what_if(plan: pd.DataFrame, changes: dict, *, leads: pd.DataFrame | None,
            opportunities: pd.DataFrame | None, marketing_sources: Iterable[str],
            attainment: float | None = None) -> dict:
    """Apply plan *changes* and return the new reward split and the added cost.

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed compensation plan (:func:`~toolkit.incentives.plan.load_plan`).
    changes : dict
        See the module docstring for the schema.
    leads, opportunities : pandas.DataFrame or None
        Canonical CRM tables; the won deals are the same before and after.
    marketing_sources : iterable of str
        Sources that count as marketing-sourced.
    attainment : float, optional
        Company goal attainment for the gates (unknown → gates counted as paying).

    Returns
    -------
    dict
        ``changes`` (normalized), ``before`` and ``after`` (``sales_payout``,
        ``marketing_payout``, ``other_payout``, ``total_payout``, ``on_marketing_sourced``,
        the two marketing reward shares; ``after`` adds ``fixed_bonuses``),
        ``added_cost`` (after − before commissions + fixed bonuses paid, engagement
        currency), ``added_cost_breakdown`` (``commissions``, ``fixed_bonuses``),
        ``marketing_reward_share`` and ``marketing_reward_share_on_marketing_sourced`` (each
        ``{before, after}``), ``structure_score`` and ``shared_outcome_weight`` (each
        ``{before, after}``) and ``warnings``.

    Raises
    ------
    InputError
        When *changes* do not follow the schema (every problem listed).

    Examples
    --------
    Giving marketing 2 % of marketing-sourced bookings on $50,000 of marketing-sourced
    won revenue adds $1,000 of cost.
    """
    new_plan, bonuses, norm = apply_changes(plan, changes)
    deals = won_deals(opportunities, leads, marketing_sources)
    before = reward_split(plan, deals, attainment=attainment)
    after = reward_split(new_plan, deals, attainment=attainment)
    gate = norm.get("gate")
    bonus_paid = 0.0
    warnings = list(dict.fromkeys(before.pop("warnings") + after.pop("warnings")))
    for b in bonuses:
        b["gated_out"] = bool(gate is not None and attainment is not None
                              and attainment < gate)
        bonus_paid += 0.0 if b["gated_out"] else b["amount"]
    if bonuses and gate is not None and attainment is None:
        warnings.append("attainment unknown: the SLA bonus is counted as paid")
    comm = after["total_payout"] - before["total_payout"]
    sow_b, sow_a = shared_outcome_weight(plan), shared_outcome_weight(new_plan)
    a = _summary(after)
    a["fixed_bonuses"] = bonuses
    return {
        "changes": norm,
        "before": _summary(before),
        "after": a,
        "added_cost": float(comm + bonus_paid),
        "added_cost_breakdown": {"commissions": float(comm), "fixed_bonuses": bonus_paid},
        "marketing_reward_share": {"before": before["marketing_reward_share"],
                                   "after": after["marketing_reward_share"]},
        "marketing_reward_share_on_marketing_sourced": {
            "before": before["marketing_reward_share_on_marketing_sourced"],
            "after": after["marketing_reward_share_on_marketing_sourced"]},
        "structure_score": {"before": structure_score(plan, sow_b)["score"],
                            "after": structure_score(new_plan, sow_a)["score"]},
        "shared_outcome_weight": {"before": sow_b["by_side"], "after": sow_a["by_side"]},
        "deals": before["deals"],
        "warnings": warnings,
    }
