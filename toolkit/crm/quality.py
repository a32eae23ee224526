"""Lead quality and marketing's share of pipeline and revenue (SPEC §4.2).

Lead quality is judged on leads given a fair chance — first touched within the SLA and
followed on the attempt clock to ``well_worked_attempts`` attempts (Kaplan–Meier, leads given
up on censored) — so poor follow-up cannot masquerade as poor leads, and converted leads (which
stop being called) are not left out. Conversion = reached SQL or later. The benchmark is :data:`toolkit.benchmarks.MQL_TO_SQL_RANGE`
(derived from the demand-waterfall practitioner ranges of SPEC §9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import benchmarks
from .definitions import NOT_IN_EXPORT
from .funnel import wilson


def well_worked_mask(f: pd.DataFrame, *, sla_hours: float, well_worked_attempts: int
                     ) -> pd.Series:
    """Leads touched within the SLA and reaching ``well_worked_attempts`` attempts.

    Not used for lead quality any more: a lead that converts stops being called, so this
    mask leaves out most converted leads (survivorship bias). Kept for callers that compare
    leads meeting an attempts target (the workshop SLA designer, which names the bias).
    """
    return (f["touched"] & (f["hours_to_touch"] <= sla_hours)
            & (f["attempts"] >= well_worked_attempts)).fillna(False).astype(bool)


def _overlap(a: dict, b: dict) -> bool | None:
    if a.get("rate") is None or b.get("rate") is None:
        return None
    return not (a["ci_high"] < b["ci_low"] or b["ci_high"] < a["ci_low"])


def lead_quality(f: pd.DataFrame, *, sla_hours: float, well_worked_attempts: int,
                 fit_share: float | None, min_group: int = 1,
                 bands: pd.Series | None = None) -> dict:
    """Lead quality on the attempt clock: how worked leads convert, by source.

    "Worked" conversion is the Kaplan–Meier conversion by attempt ``well_worked_attempts``
    among leads first touched within the SLA, with leads given up on censored at their last
    attempt (:func:`toolkit.crm.effort.worked_conversion`). Counting only leads that *reached*
    the attempt would leave out most converted leads — they stop being called once they
    convert — and show good leads as poor.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    sla_hours, well_worked_attempts : float, int
        The SLA that admits a lead and the attempt at which conversion is read.
    fit_share : float or None
        Share of rejection reasons about fit (from the hand-off section), repeated here.
    bands : Series, optional
        Lead-score band per lead.

    Returns
    -------
    dict
        ``definition``, ``worked_conversion`` (``all``, ``marketing``, ``other``,
        ``by_source``, ``by_band``: ``{rate, ci_low, ci_high, n, k, n_reached}``),
        ``marketing_vs_other`` (``{difference, intervals_overlap, marketing_clearly_lower}``),
        ``benchmark`` (``{low, high, label, provenance}``), ``touched_conversion``
        (``all``/``marketing``/``other``: Wilson ``{rate, ci_low, ci_high, n, k}`` of the same
        leads reaching SQL, counted without censoring; ``by_source``: the same per source,
        with ``marketing`` — the intent-to-treat check beside the
        Kaplan–Meier estimate), ``above_benchmark`` (``all``/``marketing``/``other``: the
        estimate's rate above the top of the range, so it may be flattered by informative
        censoring), ``fit_share`` and ``warnings``.
    """
    from .effort import worked_conversion
    warnings: list[str] = []
    bench = benchmarks.MQL_TO_SQL_RANGE
    W = int(well_worked_attempts)
    res = {"definition": (f"Kaplan–Meier conversion (reached SQL or later) by attempt {W} among "
                          f"leads first touched within {sla_hours:g} h; leads given up on are "
                          "censored at their last attempt"),
           "worked_conversion": None,
           "marketing_vs_other": {"difference": None, "intervals_overlap": None,
                                  "marketing_clearly_lower": None},
           "benchmark": {"low": bench["low"], "high": bench["high"], "label": bench["label"],
                         "provenance": bench["provenance"]},
           "touched_conversion": None, "above_benchmark": None,
           "fit_share": fit_share, "warnings": warnings}
    if f["attempts"].isna().all() or not f["hours_to_touch"].notna().any():
        warnings.append("Attempts or first-touch times are unknown: worked leads cannot be "
                        "followed, so lead quality is not measured.")
        return res
    wc = worked_conversion(f, sla_hours=sla_hours, well_worked_attempts=W, bands=bands)
    res["worked_conversion"] = wc
    pop = (f["touched"].astype(bool) & (f["hours_to_touch"] <= sla_hours)).fillna(False)
    p = f.loc[pop.to_numpy(bool)]
    res["touched_conversion"] = {
        name: wilson(int(p.loc[m, "converted"].astype(bool).sum()), int(m.sum()))
        for name, m in (("all", np.ones(len(p), bool)),
                        ("marketing", p["marketing"].to_numpy(bool)),
                        ("other", p["other"].to_numpy(bool)))}
    # the same count by source, so the deck charts what happened, not only the estimate
    # (review 16d: slide 7 plotted the upper estimate under a headline giving the observed)
    if "source" in p.columns:
        conv = p["converted"].astype(bool)
        res["touched_conversion"]["by_source"] = {
            str(src): {**wilson(int(conv.loc[g.index].sum()), int(len(g))),
                       "marketing": bool(g["marketing"].iloc[0])}
            for src, g in p.groupby("source", sort=True)}
    res["above_benchmark"] = {name: (None if (wc.get(name) or {}).get("rate") is None
                                     else bool(wc[name]["rate"] > bench["high"]))
                              for name in ("all", "marketing", "other")}
    mk, ot = wc["marketing"], wc["other"]
    if mk["rate"] is not None and ot["rate"] is not None:
        ov = _overlap(mk, ot)
        res["marketing_vs_other"] = {
            "difference": mk["rate"] - ot["rate"], "intervals_overlap": ov,
            "marketing_clearly_lower": bool(not ov and mk["rate"] < ot["rate"])}
    if wc["all"]["rate"] is None:
        warnings.append("No lead first touched within the SLA could be followed to attempt "
                        f"{W}: lead quality cannot be separated from follow-up.")
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
    from .definitions import marketing_flag, opportunity_source
    src = opportunity_source(opp, leads)
    mflag = marketing_flag(src, marketing_sources)
    mk = mflag.fillna(False).astype(bool)
    amt = (pd.to_numeric(opp["amount"], errors="coerce") if "amount" in opp.columns
           else pd.Series(np.nan, index=opp.index))
    won = (opp["is_won"].fillna(False).astype(bool) if "is_won" in opp.columns
           else pd.Series(False, index=opp.index))
    known_src = mflag.notna().to_numpy(bool)
    res["n_opportunities"] = int(len(opp))
    res["n_won"] = int(won.sum())
    res["source_unknown"] = int((~known_src).sum())
    res["won_source_unknown"] = int((~known_src & won.to_numpy(bool)).sum())
    res["amounts_missing"] = int(amt.isna().sum())
    res["not_measured"] = {}
    if len(opp) and not known_src.any():
        reason = ("no source on the opportunities or their leads — " + NOT_IN_EXPORT)
        res["not_measured"] = {"pipeline_share": reason, "won_revenue_share": reason}
        warnings.append("No opportunity has a known source (none of its own and no linked "
                        "lead with one): marketing's share of pipeline and won revenue is "
                        f"{NOT_IN_EXPORT}.")
        return res
    known = (amt.notna() & known_src)
    if known_src.any():
        res["count_share"] = float(mk[known_src].mean())
    tot = float(amt[known].sum())
    if tot > 0:
        res["pipeline_amount"] = tot
        res["pipeline_share"] = float(amt[known & mk].sum() / tot)
    wtot = float(amt[known & won].sum())
    if wtot > 0:
        res["won_amount"] = wtot
        res["won_revenue_share"] = float(amt[known & won & mk].sum() / wtot)
    elif won.any() and not (won & known_src).any():
        reason = "no source on the won deals or their leads — " + NOT_IN_EXPORT
        res["not_measured"]["won_revenue_share"] = reason
    if res["amounts_missing"]:
        warnings.append(f"{res['amounts_missing']} opportunities have no amount; revenue "
                        "shares cover the known amounts only.")
    if res["source_unknown"]:
        warnings.append(f"{res['source_unknown']} opportunities have no known source; the "
                        "marketing-sourced shares cover the opportunities whose source is "
                        "known (an unknown source is not counted as 'not marketing').")
    return res
