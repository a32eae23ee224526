"""The cost of poor leads: the money figure of a lead-quality verdict (SPEC §4.2, §5).

When the evidence says the leads are the bottleneck, the revenue at stake from follow-up is
not the CEO's number; the cost of the leads is. Measured from the export only:

* **Revenue short of the practitioner floor** (``amount``): marketing-sourced MQLs of the
  cohort reached SQL at ``rate = k ÷ n``; at the *bottom* of the practitioner MQL → SQL range
  (:data:`toolkit.benchmarks.MQL_TO_SQL_RANGE` ``low``) they would have produced
  ``shortfall = max(0, low × n − k)`` more SQLs, which win at the cohort's SQL → won rate and
  are worth the median won deal (:func:`toolkit.crm.stake.deal_value`, the same figures as the
  revenue at stake). The floor, not the top of the range, so the figure errs low.
* **Sales effort on leads that went nowhere** (``sales_effort``): attempts sales spent on
  marketing-sourced MQLs that never reached SQL, their share of all attempts on marketing
  MQLs, and the MQLs sales rejected. Their cost in money needs a cost per attempt or per
  sales hour, which a CRM export does not hold: ``cost`` is ``None`` with that reason.

The 95% interval is a seeded bootstrap (B = 2000) of the marketing MQLs' conversion
(binomial), the SQL → won rate (binomial) and the median won deal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import benchmarks
from .definitions import NOT_IN_EXPORT
from .stake import BOOTSTRAP, SEED, _median_draws, _prop_draws, deal_value
from ..formatting import half_up

#: Why the sales time spent on poor leads has no money figure.
NO_COST_REASON = ("the cost of a sales attempt or hour is not in the export (no cost per "
                  "sales hour or attempt)")


def cost_of_poor_leads(f: pd.DataFrame, opportunities: pd.DataFrame | None, *,
                       won_measured: bool | None = None, period_start=None,
                       period_end=None) -> dict:
    """The ``crm.cost_of_poor_leads`` section.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the cohort (``mql``, ``marketing``, ``converted``, ``rejected``,
        ``attempts``, ``won``, ``sql`` columns of :func:`toolkit.crm.derive.lead_frame`).
    opportunities : DataFrame or None
        Canonical opportunities (deal value, as for the revenue at stake).
    won_measured, period_start, period_end
        As :func:`toolkit.crm.stake.revenue_at_stake`.

    Returns
    -------
    dict
        ``amount``, ``ci_low``, ``ci_high`` (currency units; ``0`` when the marketing MQLs
        convert at or above the floor; ``None`` with ``reason`` when an input is missing),
        ``leads`` (marketing-sourced MQLs), ``sqls`` (of them reaching SQL), ``rate``,
        ``benchmark_low``, ``shortfall_sqls``, ``expected_won_deals``, ``sql_to_won``
        ``{rate, won, sql}``, ``median_won_amount``, ``sales_effort`` (``attempts``,
        ``attempts_on_unconverted``, ``share_of_attempts``, ``unconverted``,
        ``rejected``, ``cost`` = ``None``, ``cost_reason``), ``assumptions`` and
        ``reason``.
    """
    low = float(benchmarks.MQL_TO_SQL_RANGE["low"])
    res = {"amount": None, "ci_low": None, "ci_high": None, "leads": 0, "sqls": 0,
           "rate": None, "benchmark_low": low, "shortfall_sqls": None,
           "expected_won_deals": None, "sql_to_won": None, "median_won_amount": None,
           "sales_effort": None, "reason": None,
           "assumptions": [
               f"Had marketing-sourced MQLs reached SQL at {half_up(100 * low):.0f}% — the bottom of "
               "the practitioner MQL → SQL range — instead of their own rate, they would have "
               "produced this many more SQLs; the floor, not the middle of the range, so the "
               "figure errs low.",
               "Each of those SQLs wins at the period's own SQL → won rate and is worth the "
               "median won deal (the same figures as the revenue at stake).",
               "Sales time spent on MQLs that never reached SQL is counted in attempts; its "
               "cost in money is " + NOT_IN_EXPORT + " (no cost per sales hour or attempt)."]}
    if len(f) == 0 or "mql" not in f.columns:
        res["reason"] = "no MQLs in the cohort"
        return res
    m = (f["mql"].astype(bool) & f["marketing"].astype(bool)).to_numpy()
    conv = f["converted"].astype(bool).to_numpy()
    n, k = int(m.sum()), int((m & conv).sum())
    res["leads"], res["sqls"] = n, k
    if n == 0:
        res["reason"] = "no marketing-sourced MQLs in the cohort"
        return res
    rate = k / n
    res["rate"] = float(rate)
    att = f["attempts"].to_numpy(float) if "attempts" in f.columns else np.full(len(f), np.nan)
    rej = (f["rejected"].astype(bool).to_numpy() if "rejected" in f.columns
           else np.zeros(len(f), bool))
    if np.isfinite(att[m]).any():
        a = np.nan_to_num(att, nan=0.0)
        total = float(a[m].sum())
        wasted = float(a[m & ~conv].sum())
        res["sales_effort"] = {
            "attempts": int(total), "attempts_on_unconverted": int(wasted),
            "share_of_attempts": (wasted / total) if total else None,
            "unconverted": int((m & ~conv).sum()), "rejected": int((m & rej).sum()),
            "cost": None, "cost_reason": NO_COST_REASON}
    else:
        res["sales_effort"] = {"attempts": None, "attempts_on_unconverted": None,
                               "share_of_attempts": None,
                               "unconverted": int((m & ~conv).sum()),
                               "rejected": int((m & rej).sum()), "cost": None,
                               "cost_reason": "attempts are " + NOT_IN_EXPORT}
    basis, n_sql, n_won, amounts, why = deal_value(
        f, opportunities, won_measured=won_measured, period_start=period_start,
        period_end=period_end)
    if basis is None:
        res["reason"] = why
        return res
    if n_sql == 0 or n_won == 0 or amounts.size == 0:
        res["reason"] = "no won deal with an amount: deal value " + NOT_IN_EXPORT
        return res
    win, med = n_won / n_sql, float(np.median(amounts))
    res["sql_to_won"] = {"rate": float(win), "won": n_won, "sql": n_sql}
    res["median_won_amount"] = med
    short = max(0.0, low * n - k)
    res["shortfall_sqls"] = float(short)
    res["expected_won_deals"] = float(short * win)
    amount = short * win * med
    rng = np.random.default_rng(SEED + 1)
    d = (np.maximum(0.0, low - _prop_draws(k, n, rng, BOOTSTRAP)) * n
         * _prop_draws(n_won, n_sql, rng, BOOTSTRAP) * _median_draws(amounts, rng, BOOTSTRAP))
    lo, hi = np.quantile(d, [0.025, 0.975])
    res.update(amount=float(amount), ci_low=float(min(lo, amount)),
               ci_high=float(max(hi, amount)))
    return res
