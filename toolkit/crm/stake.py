"""Revenue at stake: what the leads sales never worked would have been worth (SPEC §4.2).

``amount = Σ_groups (untouched_g × p0_g + dropped_g × p1_g) × win_rate × median_won_amount``

* *untouched*: leads handed to sales, never touched and not converted; *dropped*: leads
  touched exactly once and not converted ("called once and gave up");
* ``p0_g`` = Kaplan–Meier conversion by attempt W of the group's leads first touched within
  the SLA (what a promptly worked lead of that group converts at, :mod:`toolkit.crm.effort`);
  ``p1_g = 1 − S_g(W) / S_g(1)``, the conversion still to come after a first unanswered
  attempt; groups are marketing-sourced and other leads (each with its own curve, so poor
  leads are not valued like good ones);
* ``win_rate`` = won ÷ closed opportunities created in the period; ``median_won_amount`` =
  median amount of those won deals.

The 95% interval is a seeded bootstrap (B = 2000) that resamples each group's attempt-clock
cells (multinomial), the closed deals (binomial) and the won amounts (the exact bootstrap
distribution of the sample median, drawn through its order statistic), holding the numbers
of untouched and dropped leads fixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .definitions import NOT_IN_EXPORT
from .effort import clock, km_conversion, life_table

BOOTSTRAP = 2000
SEED = 20240601
GROUPS = ("marketing", "other")


def _survival_draws(t: np.ndarray, ev: np.ndarray, horizon: int, rng, B: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of ``S(1)`` and ``S(horizon)`` (shape ``(B,)`` each)."""
    cells = np.minimum(t, horizon + 1) * 2 + ev.astype(int)
    size = 2 * (horizon + 2)
    p = np.bincount(cells, minlength=size) / t.size
    draws = rng.multinomial(t.size, p, size=B).reshape(B, horizon + 2, 2)
    n_t = draws.sum(axis=2)                           # leads per clock time
    at_risk = n_t[:, ::-1].cumsum(axis=1)[:, ::-1][:, 1:horizon + 1]
    d = draws[:, 1:horizon + 1, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
    surv = np.cumprod(1.0 - q, axis=1)
    # a draw in which nobody reached the horizon keeps the last estimable value
    return surv[:, 0], surv[:, -1]


def _median_draws(amounts: np.ndarray, rng, B: int) -> np.ndarray:
    """Exact bootstrap distribution of the sample median, sampled through its order
    statistic: the bootstrap median is ≤ x_(j) when at least half of the resample falls at or
    below x_(j), i.e. ``P = P(Binomial(m, j/m) ≥ ⌈m/2⌉)``."""
    x = np.sort(amounts)
    m = x.size
    j = np.arange(1, m + 1)
    cdf = stats.binom.sf(np.ceil(m / 2) - 1, m, j / m)
    idx = np.searchsorted(cdf, rng.random(B), side="left")
    return x[np.minimum(idx, m - 1)]


def revenue_at_stake(f: pd.DataFrame, opportunities: pd.DataFrame | None, *,
                     sla_hours: float, well_worked_attempts: int, touch_data: bool,
                     period_start=None, period_end=None) -> dict:
    """The ``crm.revenue_at_stake`` section.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    opportunities : DataFrame or None
        Canonical opportunities (win rate and won amounts of those created in the period).
    sla_hours, well_worked_attempts : float, int
        Population and horizon of the attempt clock.
    touch_data : bool
        False when the CRM records no touches at all (then nothing is at stake that can be
        measured).

    Returns
    -------
    dict
        ``{amount, ci_low, ci_high, leads, leads_untouched, leads_single_attempt,
        expected_conversion, win_rate, median_won_amount, won_deals, assumptions, reason}``;
        ``amount`` and its interval are ``None`` with ``reason`` when an input is missing.
    """
    from .derive import _dt, select_cohort
    W = int(well_worked_attempts)
    res = {"amount": None, "ci_low": None, "ci_high": None, "leads": None,
           "leads_untouched": None, "leads_single_attempt": None, "expected_conversion": {},
           "win_rate": None, "median_won_amount": None, "won_deals": 0, "reason": None,
           "assumptions": [
               "Leads never touched, or touched once and not converted, are valued as if they "
               f"had been worked like the leads of the same group first touched within "
               f"{sla_hours:g} h, up to {W} attempts (Kaplan–Meier on the attempt clock).",
               "Each converted lead becomes one opportunity that wins at the period's win rate "
               "(won ÷ closed opportunities) and is worth the median won deal.",
               "Leads still recent at the extract date count as untouched; the figure is an "
               "order of magnitude, not a forecast.",
               "The interval is a bootstrap over the worked leads, the closed deals and the won "
               "amounts; it does not cover doubts about these assumptions."]}
    if not touch_data or f["attempts"].isna().all():
        res["reason"] = "no touch or attempt data — " + NOT_IN_EXPORT
        return res
    conv = f["converted"].astype(bool)
    untouched = (~f["touched"].astype(bool)) & ~conv
    single = (f["attempts"] == 1) & ~conv
    res["leads_untouched"] = int(untouched.sum())
    res["leads_single_attempt"] = int(single.sum())
    res["leads"] = res["leads_untouched"] + res["leads_single_attempt"]
    if res["leads"] == 0:
        res.update(amount=0.0, ci_low=0.0, ci_high=0.0)
        return res
    if opportunities is None or opportunities.empty or "is_won" not in opportunities:
        res["reason"] = "no opportunities — win rate and deal size " + NOT_IN_EXPORT
        return res
    opp = opportunities
    if "created_at" in opp.columns:
        opp, _ = select_cohort(opp.assign(created_at=_dt(opp["created_at"], opp.index)),
                               period_start, period_end)
    closed = (opp["is_closed"].fillna(False).astype(bool) if "is_closed" in opp.columns
              else pd.Series(False, index=opp.index))
    won = opp["is_won"].fillna(False).astype(bool)
    closed = closed | won
    n_closed, n_won = int(closed.sum()), int(won.sum())
    amounts = (pd.to_numeric(opp.loc[won, "amount"], errors="coerce").dropna().to_numpy(float)
               if "amount" in opp.columns else np.array([]))
    amounts = amounts[np.isfinite(amounts)]
    res["won_deals"] = int(amounts.size)
    if n_closed == 0 or n_won == 0:
        res["reason"] = "no won or closed opportunities in the period: no win rate"
        return res
    if amounts.size == 0:
        res["reason"] = "no won deal has an amount — deal size " + NOT_IN_EXPORT
        return res
    win = n_won / n_closed
    med = float(np.median(amounts))
    res["win_rate"], res["median_won_amount"] = float(win), med
    pop = (f["touched"].astype(bool) & (f["hours_to_touch"] <= sla_hours)).fillna(False)
    c = clock(f.loc[pop.to_numpy(bool)])
    rng = np.random.default_rng(SEED)
    exp_leads = 0.0
    draws_leads = np.zeros(BOOTSTRAP)
    for g in GROUPS:
        gm = f[g].astype(bool)
        nu, n1 = int((untouched & gm).sum()), int((single & gm).sum())
        if nu + n1 == 0:
            continue
        cg = c.loc[c[g].to_numpy(bool)]
        km = km_conversion(cg["t"], cg["event"], W)
        if km["rate"] is None or km["n"] < 1:
            res["reason"] = (f"no {'marketing-sourced' if g == 'marketing' else 'other'} lead "
                             f"first touched within the SLA was followed to attempt {W}: their "
                             "expected conversion is unknown")
            return res
        t, ev = cg["t"].to_numpy(), cg["event"].to_numpy()
        at_risk, d = life_table(t, ev, W)
        q = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
        s = np.cumprod(1.0 - q)
        p0 = 1.0 - s[-1]
        p1 = 1.0 - s[-1] / s[0] if s[0] > 0 else 0.0
        res["expected_conversion"][g] = {"untouched": float(p0), "after_one_attempt": float(p1),
                                         "leads_untouched": nu, "leads_single_attempt": n1,
                                         "n_clock": int(km["n"])}
        exp_leads += nu * p0 + n1 * p1
        s1, sW = _survival_draws(t, ev, W, rng, BOOTSTRAP)
        with np.errstate(divide="ignore", invalid="ignore"):
            p1d = np.where(s1 > 0, 1.0 - sW / s1, 0.0)
        draws_leads += nu * (1.0 - sW) + n1 * p1d
    win_d = rng.binomial(n_closed, win, size=BOOTSTRAP) / n_closed
    med_d = _median_draws(amounts, rng, BOOTSTRAP)
    total = draws_leads * win_d * med_d
    amount = exp_leads * win * med
    lo, hi = np.quantile(total, [0.025, 0.975])
    res.update(amount=float(amount), ci_low=float(min(lo, amount)),
               ci_high=float(max(hi, amount)), expected_opportunities=float(exp_leads))
    return res
