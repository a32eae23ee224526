"""Incentive what-if for the workshop sliders: a thin adapter over the report's function.

The sliders set three things — marketing's commission on marketing-sourced bookings, a
company gate on every sales- and marketing-side component, and an SLA bonus per person on
the sales side. :func:`changes_from_sliders` turns slider positions into the ``changes``
dict of :func:`toolkit.incentives.whatif.what_if` (only what differs from the plan), and
:func:`simulate` calls that same function, so the room sees exactly the figures the report
would print for the same change.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..incentives.plan import SIDE_OF_TEAM
from ..incentives.whatif import what_if

#: Slider ranges: marketing share of marketing-sourced bookings (fraction), gate (fraction
#: of company goal; 0 = no gate), SLA bonus per sales-side person (engagement currency).
SLIDER_RANGES = {"marketing_share": (0.0, 0.10, 0.005), "gate": (0.0, 1.0, 0.05),
                 "sla_bonus_per_person": (0.0, 10000.0, 500.0)}


def plan_baseline(plan: pd.DataFrame) -> dict:
    """Where the sliders start: the plan as it is.

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed compensation plan (:func:`toolkit.incentives.load_plan`).

    Returns
    -------
    dict
        ``marketing_share`` (largest marketing commission rate on marketing-sourced or all
        won deals, 0.0 when none), ``gate`` (the gate shared by every gated side component;
        0.0 when none), ``gate_mixed`` (bool: components carry different gates or only some
        are gated — moving the gate slider then sets one gate everywhere),
        ``sla_bonus_per_person`` (0.0), ``sales_side_teams`` (sales-side teams on the plan).
    """
    side = plan["team"].map(SIDE_OF_TEAM)
    mkt = plan[(plan["team"] == "marketing") & plan["commission_rate"].notna()
               & plan["applies_to"].isin(["marketing_sourced_won", "all_won"])]
    share = float(mkt["commission_rate"].max()) if len(mkt) else 0.0
    gates = plan.loc[side.notna(), "gate"]
    distinct = gates.dropna().unique()
    gate = float(distinct[0]) if len(distinct) == 1 else (float(np.max(distinct))
                                                          if len(distinct) else 0.0)
    mixed = len(distinct) > 1 or (len(distinct) == 1 and gates.isna().any())
    teams = [t for t in ("sales", "sales_development") if (plan["team"] == t).any()]
    return {"marketing_share": share, "gate": gate, "gate_mixed": bool(mixed),
            "sla_bonus_per_person": 0.0, "sales_side_teams": teams}


def changes_from_sliders(baseline: dict, *, marketing_share: float, gate: float,
                         sla_bonus_per_person: float) -> dict:
    """Translate slider positions into a ``what_if`` changes dict.

    Parameters
    ----------
    baseline : dict
        From :func:`plan_baseline`.
    marketing_share : float
        Marketing's commission on marketing-sourced won bookings (0.02 = 2 %).
    gate : float
        Company attainment below which nothing pays; 0 = no gate.
    sla_bonus_per_person : float
        SLA bonus per person of each sales-side team on the plan; 0 = none.

    Returns
    -------
    dict
        Only the keys whose slider differs from the plan: ``marketing_commission``
        (``{"rate", "applies_to": "marketing_sourced_won"}``), ``gate`` (None removes every
        gate) and ``sla_bonus`` (list of ``{"team", "per_person"}``).
    """
    changes: dict = {}
    if not np.isclose(marketing_share, baseline["marketing_share"]):
        changes["marketing_commission"] = {"rate": float(marketing_share),
                                           "applies_to": "marketing_sourced_won"}
    if not np.isclose(gate, baseline["gate"]):
        changes["gate"] = None if np.isclose(gate, 0.0) else float(gate)
    if sla_bonus_per_person and sla_bonus_per_person > 0 and baseline["sales_side_teams"]:
        changes["sla_bonus"] = [{"team": t, "per_person": float(sla_bonus_per_person)}
                                for t in baseline["sales_side_teams"]]
    return changes


def simulate(plan: pd.DataFrame, *, marketing_share: float, gate: float,
             sla_bonus_per_person: float, leads: pd.DataFrame | None,
             opportunities: pd.DataFrame | None, marketing_sources: Iterable[str],
             attainment: float | None = None) -> dict:
    """Run the report's what-if for the slider positions.

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed compensation plan.
    marketing_share, gate, sla_bonus_per_person : float
        Slider positions (see :func:`changes_from_sliders`).
    leads, opportunities : pandas.DataFrame or None
        Canonical CRM tables (the won deals).
    marketing_sources : iterable of str
        Sources that count as marketing-sourced.
    attainment : float, optional
        Company goal attainment for the gates.

    Returns
    -------
    dict
        The result of :func:`toolkit.incentives.whatif.what_if` unchanged, plus
        ``sliders`` (the positions) and ``baseline`` (:func:`plan_baseline`).

    Raises
    ------
    InputError
        When a slider value is out of range (from ``what_if``).
    """
    base = plan_baseline(plan)
    changes = changes_from_sliders(base, marketing_share=marketing_share, gate=gate,
                                   sla_bonus_per_person=sla_bonus_per_person)
    res = what_if(plan, changes, leads=leads, opportunities=opportunities,
                  marketing_sources=marketing_sources, attainment=attainment)
    res["sliders"] = {"marketing_share": float(marketing_share), "gate": float(gate),
                      "sla_bonus_per_person": float(sla_bonus_per_person)}
    res["baseline"] = base
    return res


def split_table(result: dict) -> pd.DataFrame:
    """Before/after table of a :func:`simulate` result for display.

    Returns
    -------
    pandas.DataFrame
        Rows: sales payout, marketing payout, SLA bonus, marketing share of payout on
        marketing-sourced deals; columns ``Now``, ``With the change``. Money in the
        engagement currency, shares in 0..1.
    """
    b, a = result["before"], result["after"]
    bonus = result["added_cost_breakdown"]["fixed_bonuses"]
    ms = result["marketing_reward_share_on_marketing_sourced"]
    return pd.DataFrame({
        "": ["Sales commission", "Marketing commission", "SLA bonus pool",
             "Marketing's share on marketing-sourced deals"],
        "Now": [b["sales_payout"], b["marketing_payout"], 0.0, ms["before"]],
        "With the change": [a["sales_payout"], a["marketing_payout"], bonus, ms["after"]],
    })


# --- from results.json and the plan only (one door, SPEC §6) -------------------------------
_MS = "marketing-sourced"


def deals_from_results(results: dict) -> pd.DataFrame | None:
    """Stand-in won deals carrying the two sums the reward split depends on.

    Every commission pays ``rate ×`` the revenue of the won deals its ``applies_to``
    selects — all won deals or the marketing-sourced ones (:mod:`toolkit.incentives.split`)
    — so payouts depend on the won deals only through two sums: marketing-sourced won
    revenue and all won revenue. Both are in ``results.json``
    (``incentives.split.deals``), computed on the report's deals (opportunities created in
    the analysis period); two rows carrying them reproduce the report's split exactly.

    Returns
    -------
    pandas.DataFrame or None
        Two opportunities (``is_won``, ``amount``, ``source``), or None when the results
        carry no reward split.
    """
    deals = ((results.get("incentives") or {}).get("split") or {}).get("deals")
    if not deals:
        return None
    ms = float(deals.get("marketing_sourced_revenue") or 0.0)
    other = float(deals.get("won_revenue") or 0.0) - ms
    return pd.DataFrame({"opportunity_id": ["marketing-sourced", "other"],
                         "is_won": [True, True], "amount": [ms, other],
                         "source": [_MS, "other"]})


def simulate_from_results(plan: pd.DataFrame, results: dict, *, marketing_share: float,
                          gate: float, sla_bonus_per_person: float) -> dict | None:
    """The report's what-if for slider positions, from the plan and results.json only.

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed compensation plan.
    results : dict
        The engagement's ``results.json`` (its ``incentives`` section: won revenue,
        attainment, the report's reward–contribution figures).
    marketing_share, gate, sla_bonus_per_person : float
        Slider positions (see :func:`changes_from_sliders`).

    Returns
    -------
    dict or None
        As :func:`simulate`, with ``deals`` the report's won-deal summary and
        ``evidence``: ``won_deals``, ``won_revenue``, ``marketing_sourced_revenue``,
        ``amount_missing``, ``marketing_contribution_share`` (marketing-sourced share of
        won revenue), ``marketing_reward_share`` before/after, the reward–contribution
        gap before/after, ``flags`` (the report's incentive flags, titles only) and
        ``attainment``. ``added_cost_share`` = added cost ÷ won revenue. None without an
        incentives section or a reward split.
    """
    inc = results.get("incentives") or {}
    opps = deals_from_results(results)
    if opps is None:
        return None
    attainment = (inc.get("gates") or {}).get("attainment")
    res = simulate(plan, marketing_share=marketing_share, gate=gate,
                   sla_bonus_per_person=sla_bonus_per_person, leads=None,
                   opportunities=opps, marketing_sources=[_MS], attainment=attainment)
    deals = inc["split"]["deals"]
    res["deals"] = dict(deals)
    res["warnings"] = [w for w in res["warnings"] if "won deals have no amount" not in w]
    if deals.get("amount_missing"):
        res["warnings"].append(f"{deals['amount_missing']} of {deals['won']} won deals have "
                               "no amount; revenue and payouts cover the known amounts only")
    contrib = inc.get("marketing_contribution_share")
    share = res["marketing_reward_share"]
    gap = {k: (None if contrib is None or share[k] is None else contrib - share[k])
           for k in ("before", "after")}
    won = float(deals.get("won_revenue") or 0.0)
    res["added_cost_share"] = res["added_cost"] / won if won > 0 else None
    res["evidence"] = {
        "won_deals": deals.get("won"), "won_revenue": deals.get("won_revenue"),
        # measured, not inferred: without a source on any won deal, marketing-sourced
        # revenue is unknown, not 0
        "marketing_sourced_revenue": (None if deals.get("won") and
                                      deals.get("source_unknown") == deals.get("won")
                                      else deals.get("marketing_sourced_revenue")),
        "amount_missing": deals.get("amount_missing"),
        "marketing_contribution_share": contrib,
        "marketing_reward_share": share,
        "reward_contribution_gap": gap,
        "flags": [f.get("title") for f in inc.get("flags") or [] if f.get("title")],
        "attainment": attainment,
    }
    return res
