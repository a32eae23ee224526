"""Lead quality and marketing's share of pipeline and revenue (SPEC §4.2).

Lead quality is judged on **well-worked** leads only — touched within the SLA and reaching
``well_worked_attempts`` attempts — so poor follow-up cannot masquerade as poor leads.
Conversion = reached SQL or later. The benchmark is :data:`toolkit.benchmarks.MQL_TO_SQL_RANGE`
(derived from the demand-waterfall practitioner ranges of SPEC §9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import benchmarks
from .funnel import wilson


def well_worked_mask(f: pd.DataFrame, *, sla_hours: float, well_worked_attempts: int
                     ) -> pd.Series:
    """Leads touched within the SLA and reaching ``well_worked_attempts`` attempts."""
    return (f["touched"] & (f["hours_to_touch"] <= sla_hours)
            & (f["attempts"] >= well_worked_attempts)).fillna(False).astype(bool)


def _overlap(a: dict, b: dict) -> bool | None:
    if a["rate"] is None or b["rate"] is None:
        return None
    return not (a["ci_high"] < b["ci_low"] or b["ci_high"] < a["ci_low"])


def lead_quality(f: pd.DataFrame, *, sla_hours: float, well_worked_attempts: int,
                 fit_share: float | None, min_group: int = 1) -> dict:
    """Conversion of well-worked leads, by source and marketing vs other sources.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    sla_hours, well_worked_attempts : float, int
        Define a well-worked lead.
    fit_share : float or None
        Share of rejection reasons about fit (from the hand-off section), repeated here.

    Returns
    -------
    dict
        ``definition``, ``n_well_worked``, ``well_worked_conversion`` (Wilson dict),
        ``by_source`` ({source: Wilson dict + ``marketing``}), ``marketing`` and ``other``
        (Wilson dicts over marketing-sourced and other leads), ``marketing_vs_other``
        (``{difference, intervals_overlap, marketing_clearly_lower}``), ``benchmark``
        (``{low, high, label, provenance}``), ``fit_share`` and ``warnings``.
    """
    warnings: list[str] = []
    bench = benchmarks.MQL_TO_SQL_RANGE
    res = {"definition": (f"touched within {sla_hours:g} h and at least {well_worked_attempts} "
                          "attempts; conversion = reached SQL or later"),
           "n_well_worked": 0, "well_worked_conversion": wilson(0, 0), "by_source": {},
           "marketing": wilson(0, 0), "other": wilson(0, 0),
           "marketing_vs_other": {"difference": None, "intervals_overlap": None,
                                  "marketing_clearly_lower": None},
           "benchmark": {"low": bench["low"], "high": bench["high"], "label": bench["label"],
                         "provenance": bench["provenance"]},
           "fit_share": fit_share, "warnings": warnings}
    if f["attempts"].isna().all() or not f["hours_to_touch"].notna().any():
        warnings.append("Attempts or first-touch times are unknown: well-worked leads cannot "
                        "be identified, so lead quality is not measured.")
        return res
    ww = well_worked_mask(f, sla_hours=sla_hours, well_worked_attempts=well_worked_attempts)
    w = f.loc[ww]
    res["n_well_worked"] = int(len(w))
    res["well_worked_conversion"] = wilson(int(w["converted"].sum()), len(w))
    if len(w):
        g = w.groupby("source")["converted"].agg(["sum", "size"])
        mk = w.groupby("source")["marketing"].first()
        res["by_source"] = {str(s): {**wilson(int(r["sum"]), int(r["size"])),
                                     "marketing": bool(mk[s])} for s, r in g.iterrows()}
    m, o = w.loc[w["marketing"]], w.loc[~w["marketing"]]
    res["marketing"] = wilson(int(m["converted"].sum()), len(m))
    res["other"] = wilson(int(o["converted"].sum()), len(o))
    if res["marketing"]["rate"] is not None and res["other"]["rate"] is not None:
        ov = _overlap(res["marketing"], res["other"])
        res["marketing_vs_other"] = {
            "difference": res["marketing"]["rate"] - res["other"]["rate"],
            "intervals_overlap": ov,
            "marketing_clearly_lower": bool(not ov and res["marketing"]["rate"]
                                            < res["other"]["rate"])}
    if len(w) == 0:
        warnings.append("No well-worked leads: lead quality cannot be separated from "
                        "follow-up.")
    return res


def marketing_sourced(opportunities: pd.DataFrame | None, leads: pd.DataFrame, *,
                      marketing_sources, period_start=None, period_end=None) -> dict:
    """Marketing-sourced share of pipeline and of won revenue.

    Opportunities created in the period count (all when no period); an opportunity's source
    is its own ``source``, else its lead's (via ``lead_id`` or the lead's
    ``opportunity_id``). Amounts unknown are left out and counted in ``amounts_missing``.

    Returns
    -------
    dict
        ``pipeline_share``, ``won_revenue_share`` (0..1 of known amounts), ``pipeline_amount``,
        ``won_amount``, ``n_opportunities``, ``n_won``, ``count_share``, ``amounts_missing``,
        ``source_unknown`` and ``warnings``.
    """
    from .derive import select_cohort, _dt
    warnings: list[str] = []
    res = {"pipeline_share": None, "won_revenue_share": None, "pipeline_amount": None,
           "won_amount": None, "n_opportunities": 0, "n_won": 0, "count_share": None,
           "amounts_missing": 0, "source_unknown": 0, "warnings": warnings}
    if opportunities is None or opportunities.empty:
        warnings.append("No opportunities: marketing's share of pipeline and revenue not "
                        "measured.")
        return res
    opp = opportunities
    if "created_at" in opp.columns:
        opp, _ = select_cohort(opp.assign(created_at=_dt(opp["created_at"], opp.index)),
                               period_start, period_end)
    src = (opp["source"].astype("string") if "source" in opp.columns
           else pd.Series(pd.NA, index=opp.index, dtype="string"))
    lsrc = leads.get("source")
    if lsrc is not None:
        if "lead_id" in opp.columns:
            by_lead = pd.Series(lsrc.astype("string").to_numpy(),
                                index=leads["lead_id"].astype(str)).groupby(level=0).first()
            src = src.fillna(opp["lead_id"].astype("string").map(by_lead))
        if "opportunity_id" in leads.columns:
            lo = leads.dropna(subset=["opportunity_id"])
            by_opp = pd.Series(lo["source"].astype("string").to_numpy(),
                               index=lo["opportunity_id"].astype(str)).groupby(level=0).first()
            src = src.fillna(opp["opportunity_id"].astype("string").map(by_opp))
    mk = src.isin(set(map(str, marketing_sources))).fillna(False).astype(bool)
    amt = (pd.to_numeric(opp["amount"], errors="coerce") if "amount" in opp.columns
           else pd.Series(np.nan, index=opp.index))
    won = (opp["is_won"].fillna(False).astype(bool) if "is_won" in opp.columns
           else pd.Series(False, index=opp.index))
    res["n_opportunities"] = int(len(opp))
    res["n_won"] = int(won.sum())
    res["source_unknown"] = int(src.isna().sum())
    res["amounts_missing"] = int(amt.isna().sum())
    if len(opp):
        res["count_share"] = float(mk.mean())
    known = amt.notna()
    tot = float(amt[known].sum())
    if tot > 0:
        res["pipeline_amount"] = tot
        res["pipeline_share"] = float(amt[known & mk].sum() / tot)
    wtot = float(amt[known & won].sum())
    if wtot > 0:
        res["won_amount"] = wtot
        res["won_revenue_share"] = float(amt[known & won & mk].sum() / wtot)
    if res["amounts_missing"]:
        warnings.append(f"{res['amounts_missing']} opportunities have no amount; revenue "
                        "shares cover the known amounts only.")
    if res["source_unknown"]:
        warnings.append(f"{res['source_unknown']} opportunities have no known source and count "
                        "as not marketing-sourced.")
    return res
