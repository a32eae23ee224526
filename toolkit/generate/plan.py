"""Compensation plan of a profile (SPEC §2.5) and its planted shared-outcome weights."""

from __future__ import annotations

import pandas as pd

from .profiles import Profile

PLAN_COLUMNS = ("team", "role", "headcount", "base_salary", "variable_target", "component",
                "metric", "weight", "commission_rate", "applies_to", "gate")
#: Metrics on which both teams win or lose together (SPEC §2.5).
SHARED_METRICS = frozenset({"bookings", "pipeline", "win_rate", "sla_compliance",
                            "company_revenue"})
SIDE_OF_TEAM = {"sales": "sales", "sales_development": "sales", "marketing": "marketing"}


def generate_plan(profile: Profile) -> pd.DataFrame:
    """Return the profile's compensation plan as a canonical table.

    Parameters
    ----------
    profile : Profile
        Planted truth; its ``plan`` rows are used as they are (no randomness).

    Returns
    -------
    pandas.DataFrame
        One row per plan component with the SPEC §2.5 columns; ``headcount`` ``int64``, money,
        ``weight``, ``commission_rate`` and ``gate`` ``float64`` (NaN = not set), text ``str``.
    """
    frame = pd.DataFrame(profile.plan, columns=list(PLAN_COLUMNS))
    for col in ("base_salary", "variable_target", "weight", "commission_rate", "gate"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["headcount"] = frame["headcount"].astype("int64")
    for col in ("team", "role", "component", "metric", "applies_to"):
        frame[col] = frame[col].astype("str")
    return frame


def planted_shared_outcome_weight(plan: pd.DataFrame) -> dict[str, float]:
    """Shared-outcome weight per side as SPEC §4.3 defines it, computed from the plan.

    Σ weight of shared-outcome components ÷ Σ weight per role, averaged over the roles of a
    side weighted by ``headcount × variable_target``. A component is a shared outcome when
    its metric is shared and it is not paid on the person's own deals only (``bookings`` with
    ``applies_to = own_won`` is an individual target).

    Returns
    -------
    dict
        ``{"sales": float, "marketing": float}`` (0..1).
    """
    p = plan.assign(side=plan["team"].map(SIDE_OF_TEAM),
                    shared=plan["weight"].where(
                        plan["metric"].isin(SHARED_METRICS)
                        & ~((plan["metric"] == "bookings")
                            & (plan["applies_to"].astype(object) == "own_won")), 0.0))
    roles = p.groupby(["side", "team", "role"], as_index=False).agg(
        shared=("shared", "sum"), weight=("weight", "sum"), headcount=("headcount", "first"),
        variable=("variable_target", "first"))
    roles["sow"] = roles["shared"] / roles["weight"]
    roles["w"] = roles["headcount"] * roles["variable"]
    out = {}
    for side, g in roles.groupby("side"):
        out[str(side)] = round(float((g["sow"] * g["w"]).sum() / g["w"].sum()), 4)
    return out
