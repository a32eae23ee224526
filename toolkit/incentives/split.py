"""Reward split on won deals (SPEC §4.3): who gets paid for marketing-sourced wins.

Rules (the toolkit's documented reading of SPEC §2.5):

* **Won deals** are opportunities with ``is_won`` true. A won deal is **marketing-sourced**
  when its source is in the engagement's ``marketing_sources``; the source is the
  opportunity's ``source`` when given, else the source of its lead (``lead_id`` →
  ``leads.source``). Amounts that are unknown (NaN) add nothing to revenue or payouts; how
  many there were is reported.
* Every plan component with a ``commission_rate`` pays ``rate × Σ amount`` over the won
  deals its ``applies_to`` selects:

  - ``all_won`` — every won deal;
  - ``marketing_sourced_won`` — the marketing-sourced won deals;
  - ``own_won`` — the won deals the component's own side owns. Reps book every deal in the
    CRM, so for the sales side (``sales``, ``sales_development``) that is every won deal;
    the marketing side owns no deals in the canonical CRM (opportunities carry a sales
    ``owner_id``), so marketing's ``own_won`` pays nothing; teams outside the two sides
    (revops, leadership, other) own none either.

* A commission is paid **once per deal** to the team that owns the component — it is not
  multiplied by the headcount on the plan (a 10 % commission on a $10,000 deal costs
  $1,000, whoever of the reps closed it).
* **Gate**: a component with gate ``g`` pays nothing when company attainment < ``g``.
  With attainment unknown the gate cannot be evaluated: the component is counted as paying
  and a warning says so.

Only commission components tie pay to won revenue; quota- or MBO-based components
(weight without ``commission_rate``) cannot be computed from the CRM and are left out of
the split (a warning says so when a side has none).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .plan import SIDE_OF_TEAM
from .structure import num


def won_deals(opportunities: pd.DataFrame | None, leads: pd.DataFrame | None,
              marketing_sources: Iterable[str]) -> pd.DataFrame:
    """Return the won deals with their source and a marketing-sourced flag.

    Parameters
    ----------
    opportunities : pandas.DataFrame or None
        Canonical opportunities (SPEC §2.3): ``is_won`` bool, ``amount`` float64 (NaN when
        unknown), optional ``source`` and ``lead_id``.
    leads : pandas.DataFrame or None
        Canonical leads (SPEC §2.2) with ``lead_id`` and ``source``; used when an
        opportunity has no source of its own.
    marketing_sources : iterable of str
        Lead sources that count as marketing-sourced (compared after the source
        normalisation of :mod:`toolkit.crm.definitions`).

    Returns
    -------
    pandas.DataFrame
        One row per won deal: ``amount`` (float64, NaN unknown), ``source`` (text or NaN),
        ``marketing_sourced`` (bool). Empty when there are no opportunities.
    """
    cols = {"amount": pd.Series(dtype="float64"), "source": pd.Series(dtype=object),
            "marketing_sourced": pd.Series(dtype=bool)}
    if opportunities is None or opportunities.empty or "is_won" not in opportunities:
        return pd.DataFrame(cols)
    won = opportunities[opportunities["is_won"].fillna(False).astype(bool)]
    amount = (pd.to_numeric(won["amount"], errors="coerce").astype("float64")
              if "amount" in won else pd.Series(np.nan, index=won.index))
    src = (won["source"].astype(object) if "source" in won
           else pd.Series(np.nan, index=won.index, dtype=object))
    src = src.where(src.notna() & (src.astype(str).str.strip() != ""), np.nan)
    if (leads is not None and "lead_id" in won and "lead_id" in leads
            and "source" in leads and src.isna().any()):
        lead_src = (leads.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
                    .set_index("lead_id")["source"])
        src = src.fillna(won["lead_id"].map(lead_src))
    from ..crm.definitions import marketing_flag
    ms = marketing_flag(src, marketing_sources).fillna(False).astype(bool)
    return pd.DataFrame({"amount": amount.to_numpy(), "source": src.to_numpy(),
                         "marketing_sourced": ms.to_numpy(dtype=bool)})


def deal_summary(deals: pd.DataFrame) -> dict:
    """Counts and revenue of the won deals (JSON-safe).

    Returns
    -------
    dict
        ``won``, ``won_amount_known``, ``amount_missing``, ``marketing_sourced``,
        ``marketing_sourced_amount_missing``, ``won_revenue``,
        ``marketing_sourced_revenue`` (engagement currency), ``source_unknown``.
    """
    known = deals["amount"].notna()
    ms = deals["marketing_sourced"]
    return {"won": int(len(deals)), "won_amount_known": int(known.sum()),
            "amount_missing": int((~known).sum()),
            "marketing_sourced": int(ms.sum()),
            "marketing_sourced_amount_missing": int((ms & ~known).sum()),
            "source_unknown": int(deals["source"].isna().sum()),
            "won_revenue": float(deals["amount"].sum()),
            "marketing_sourced_revenue": float(deals.loc[ms, "amount"].sum())}


def contribution_share(deals: pd.DataFrame) -> float | None:
    """Marketing's contribution: marketing-sourced share of won revenue.

    Over the won deals whose amount *and* source are known: a deal whose source is unknown
    (none of its own, no linked lead with one) is neither marketing's nor sales', so it is
    left out rather than counted as "not marketing". ``None`` when no won deal has both
    (the source is not in the export).
    """
    known = deals["source"].notna() & deals["amount"].notna()
    total = deals.loc[known, "amount"].sum()
    return num(deals.loc[known & deals["marketing_sourced"], "amount"].sum() / total) \
        if total > 0 else None


def component_payouts(plan: pd.DataFrame, deals: pd.DataFrame,
                      attainment: float | None) -> pd.DataFrame:
    """Payout of every commission component over all won deals and over marketing-sourced ones.

    Returns
    -------
    pandas.DataFrame
        One row per component with a ``commission_rate``: ``team``, ``side``, ``role``,
        ``component``, ``commission_rate``, ``applies_to``, ``gate``, ``gated_out`` (bool:
        attainment known and below the gate), ``payout`` (over all won deals) and
        ``payout_marketing_sourced`` (over marketing-sourced won deals), in engagement
        currency.
    """
    c = plan[plan["commission_rate"].notna()].copy()
    c["side"] = c["team"].map(SIDE_OF_TEAM)
    total = float(deals["amount"].sum())
    ms_total = float(deals.loc[deals["marketing_sourced"], "amount"].sum())
    own = c["side"] == "sales"
    base_all = np.select([c["applies_to"] == "all_won",
                          c["applies_to"] == "marketing_sourced_won",
                          (c["applies_to"] == "own_won") & own], [total, ms_total, total], 0.0)
    base_ms = np.select([c["applies_to"].isin(["all_won", "marketing_sourced_won"]),
                         (c["applies_to"] == "own_won") & own], [ms_total, ms_total], 0.0)
    c["gated_out"] = (c["gate"].notna() & (attainment is not None)
                      & (float(attainment if attainment is not None else np.inf) < c["gate"]))
    pays = (~c["gated_out"]).astype(float)
    c["payout"] = c["commission_rate"] * base_all * pays
    c["payout_marketing_sourced"] = c["commission_rate"] * base_ms * pays
    return c[["team", "side", "role", "component", "commission_rate", "applies_to", "gate",
              "gated_out", "payout", "payout_marketing_sourced"]].reset_index(drop=True)


def _share(part: float, total: float) -> float | None:
    return num(part / total) if total > 0 else None


def reward_split(plan: pd.DataFrame, deals: pd.DataFrame, *,
                 attainment: float | None = None) -> dict:
    """Split the commission paid on won deals between the sides (SPEC §4.3).

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed plan (:func:`~toolkit.incentives.plan.load_plan`).
    deals : pandas.DataFrame
        Output of :func:`won_deals`.
    attainment : float, optional
        Company goal attainment (fraction) for the gates.

    Returns
    -------
    dict
        ``deals`` (:func:`deal_summary`), ``sales_payout``, ``marketing_payout``,
        ``other_payout``, ``total_payout`` (over all won deals), ``on_marketing_sourced``
        (``{sales_payout, marketing_payout, other_payout, total_payout}`` over
        marketing-sourced won deals), ``marketing_reward_share_on_marketing_sourced``
        (marketing payout ÷ total payout on marketing-sourced deals),
        ``marketing_reward_share`` (marketing's share of all commission earned on won
        revenue), ``components`` (per component payouts) and ``warnings``. Shares are None
        when nothing is paid.

    Examples
    --------
    SPEC §4.3 worked example: one $10,000 marketing-sourced won deal, sales commission
    10 % on ``own_won``, no marketing component → sales $1,000, marketing $0, marketing
    share 0.
    """
    warnings: list[str] = []
    comp = component_payouts(plan, deals, attainment)
    if attainment is None and plan["gate"].notna().any():
        warnings.append("company attainment is unknown, so the plan's gates cannot be "
                        "evaluated: gated commissions are counted as paying (set "
                        "[incentives] attainment in engagement.toml)")
    if comp.empty:
        warnings.append("no component of the plan pays a commission on won deals, so the "
                        "reward split cannot be computed from the CRM")
    summ = deal_summary(deals)
    if summ["amount_missing"]:
        warnings.append(f"{summ['amount_missing']} of {summ['won']} won deals have no "
                        "amount; revenue and payouts cover the known amounts only")

    def by_side(col: str) -> dict:
        s = comp.groupby(comp["side"].fillna("other"))[col].sum()
        out = {f"{k}_payout": float(s.get(k, 0.0)) for k in ("sales", "marketing", "other")}
        out["total_payout"] = float(s.sum())
        return out

    allp, msp = by_side("payout"), by_side("payout_marketing_sourced")
    return {
        "deals": summ,
        **allp,
        "on_marketing_sourced": msp,
        "marketing_reward_share_on_marketing_sourced":
            _share(msp["marketing_payout"], msp["total_payout"]),
        "marketing_reward_share": _share(allp["marketing_payout"], allp["total_payout"]),
        "components": [
            {"team": r.team, "side": r.side if isinstance(r.side, str) else None,
             "role": r.role, "component": r.component, "commission_rate": num(r.commission_rate),
             "applies_to": r.applies_to, "gate": num(r.gate), "gated_out": bool(r.gated_out),
             "payout": float(r.payout),
             "payout_marketing_sourced": float(r.payout_marketing_sourced)}
            for r in comp.itertuples(index=False)],
        "warnings": warnings,
    }
