"""Revenue at stake: what the leads sales gave up on would plausibly have been worth (SPEC §4.2).

The counterfactual, stated plainly
----------------------------------
*If the leads sales gave up on had been worked up to W attempts, at the rate at which
comparable leads that were worked converted, about this many more would have reached SQL, and
at the cohort's own SQL → won rate and median won deal they would have been worth this much.*

* **Given up on** (``leads``): handed-to-sales leads of the cohort that did not convert, were
  not rejected by sales (a rejection is a judgement on fit, tested by the lead-quality
  verdict), and were either never touched (*untouched*; leads whose SLA had not yet run out at
  the extract date are left out: they were not given up on yet) or touched exactly once
  (*dropped*, "called once and gave up").
* **Comparable leads**: leads of the same group (marketing-sourced / other) first touched
  within the SLA.
* **Projection** (the attempt clock, :mod:`toolkit.crm.effort`): ``p0_g`` = Kaplan–Meier
  conversion by attempt W of the comparable leads; ``p1_g = 1 − S_g(W) / S_g(1)`` — the
  conversion still to come after an unanswered first attempt. It is an *estimate*: leads given
  up on are censored, assumed to convert like those kept on.
* **Funnel ceiling** (never more than the funnel holds): a lead given up on is never credited
  with more than the comparable leads that were kept on actually achieved — observed, not
  projected: ``c0_g`` = share converted among comparable leads that converted or got a second
  attempt; ``c1_g`` = share converted among comparable leads that got a second attempt
  (conversions after an unanswered first attempt). The rate used is
  ``min(projection, ceiling)`` per group, so reps dropping the weaker leads (which makes the
  projection optimistic) cannot inflate the figure beyond what the worked leads delivered.
* **Conversion to revenue**: the extra SQLs win at the cohort's SQL → won rate (won deals from
  leads created in the period ÷ their SQLs, the funnel's own figures; deals still open count
  as not won, which errs low) and are worth the median of those won deals. Only when the
  export does not link deals to leads do the won ÷ closed opportunities created in the period
  and their median amount stand in (``revenue_basis`` says which).

``amount = Σ_g (untouched_g × min(p0_g, c0_g) + dropped_g × min(p1_g, c1_g))
× sql_to_won × median_won_amount``

Invariants (tested): the extra SQLs never exceed what the given-up leads would yield at the
comparable worked leads' observed conversion; the extra won deals never exceed the extra SQLs
× the funnel's SQL → won rate; so the cohort's funnel, with these leads worked, never converts
better than its worked leads did.

The 95% interval is a seeded bootstrap (B = 2000) that resamples each group's attempt-clock
cells (multinomial) and the ceiling's proportions (binomial), the SQL → won rate (binomial) and
the won amounts (the exact bootstrap distribution of the sample median, drawn through its order
statistic), holding the numbers of given-up leads fixed. It does not cover doubts about the
counterfactual itself.
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
GROUP_LABEL = {"marketing": "marketing-sourced", "other": "other"}


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


def _prop_draws(k: int, n: int, rng, B: int) -> np.ndarray:
    """Bootstrap draws of the proportion ``k / n`` (binomial); zeros when ``n == 0``."""
    if n <= 0:
        return np.zeros(B)
    return rng.binomial(n, k / n, size=B) / n


def _assumptions(sla_hours: float, W: int, basis: str) -> list[str]:
    won = ("the won deals from leads created in the period ÷ their SQLs (deals still open at "
           "the extract count as not won, so this errs low)" if basis == "cohort" else
           "won ÷ closed opportunities created in the period (the export does not link deals "
           "to leads)")
    return [
        f"Counterfactual: the leads sales gave up on (never touched, or touched once and not "
        f"converted; leads sales rejected are left out) had been worked up to {W} attempts, "
        f"converting at the rate of comparable leads of the same group (marketing-sourced or "
        f"other) first touched within {sla_hours:g} h.",
        "That rate is an estimate (Kaplan–Meier on the attempt clock), capped so that a lead "
        "given up on is never credited with more than the comparable leads that were kept on "
        "actually achieved.",
        f"Each extra SQL wins at the rate of {won} and is worth the median of those won deals.",
        "The interval covers sampling error in these rates and the deal size, not doubts about "
        "the counterfactual; the figure is an order of magnitude, not a forecast.",
    ]


def _empty(sla_hours: float, W: int) -> dict:
    return {"amount": None, "ci_low": None, "ci_high": None, "leads": None,
            "leads_untouched": None, "leads_single_attempt": None, "attempts": W,
            "excluded": {"rejected": 0, "within_sla_at_extract": 0},
            "expected_conversion": {}, "expected_sqls": None, "expected_sqls_projected": None,
            "expected_won_deals": None, "projection_amount": None, "capped": False,
            "sql_to_won": None, "win_rate": None, "median_won_amount": None, "won_deals": 0,
            "won_revenue": None, "revenue_basis": None, "reason": None,
            "assumptions": _assumptions(sla_hours, W, "cohort")}


def revenue_at_stake(f: pd.DataFrame, opportunities: pd.DataFrame | None, *,
                     sla_hours: float, well_worked_attempts: int, touch_data: bool,
                     period_start=None, period_end=None, extract_date=None,
                     won_measured: bool | None = None) -> dict:
    """The ``crm.revenue_at_stake`` section (see the module docstring for the method).

    Parameters
    ----------
    f : DataFrame
        Lead frame (:func:`toolkit.crm.derive.lead_frame`) over the leads handed to sales.
    opportunities : DataFrame or None
        Canonical opportunities: the amounts of the cohort's won deals (linked by
        ``lead_id``), else the won and closed opportunities created in the period.
    sla_hours, well_worked_attempts : float, int
        Comparable population (first touched within *sla_hours*) and horizon W.
    touch_data : bool
        False when the CRM records no touches at all (nothing measurable is at stake).
    period_start, period_end : date-like, optional
        Period of the fallback opportunities (created in the period).
    extract_date : datetime-like, optional
        Untouched leads whose SLA had not run out by this date are not counted as given up.
    won_measured : bool, optional
        Whether the export links won deals to leads (the funnel's ``won`` stage is measured);
        default: any lead of *f* is won.

    Returns
    -------
    dict
        ``amount``, ``ci_low``, ``ci_high`` (currency units, 95% bootstrap interval);
        ``leads`` (given up on) = ``leads_untouched`` + ``leads_single_attempt``;
        ``excluded`` (rejected, still within the SLA at the extract); ``expected_conversion``
        per group (projected, ceiling and used rates with their populations);
        ``expected_sqls`` (used), ``expected_sqls_projected`` (uncapped),
        ``expected_won_deals``, ``projection_amount`` (uncapped), ``capped``;
        ``sql_to_won`` ``{rate, won, sql}`` (``win_rate`` repeats its rate);
        ``median_won_amount``, ``won_deals``, ``won_revenue`` (of the deals the median is
        taken over), ``revenue_basis`` (``"cohort"`` or ``"opportunities"``), ``attempts``
        (W), ``assumptions`` (plain sentences) and ``reason`` — ``amount`` and its interval
        are ``None`` with ``reason`` when an input is missing. Never raises for too little
        data.
    """
    from .derive import _dt, select_cohort
    W = int(well_worked_attempts)
    res = _empty(sla_hours, W)
    if not touch_data or len(f) == 0 or f["attempts"].isna().all():
        res["reason"] = "no touch or attempt data — " + NOT_IN_EXPORT
        return res
    conv = f["converted"].astype(bool).to_numpy()
    rejected = (f["rejected"].astype(bool).to_numpy() if "rejected" in f.columns
                else np.zeros(len(f), bool))
    touched = f["touched"].astype(bool).to_numpy()
    attempts = f["attempts"].to_numpy(float)
    untouched = ~touched & ~conv & ~rejected
    if extract_date is not None and "start_at" in f.columns:
        due = (f["start_at"] + pd.Timedelta(hours=float(sla_hours))).to_numpy()
        recent = untouched & (due > np.datetime64(pd.Timestamp(extract_date)))
        res["excluded"]["within_sla_at_extract"] = int(recent.sum())
        untouched &= ~recent
    single = (attempts == 1) & ~conv & ~rejected
    res["excluded"]["rejected"] = int((rejected & ~conv & (~touched | (attempts == 1))).sum())
    res["leads_untouched"] = int(untouched.sum())
    res["leads_single_attempt"] = int(single.sum())
    res["leads"] = res["leads_untouched"] + res["leads_single_attempt"]
    if res["leads"] == 0:
        res.update(amount=0.0, ci_low=0.0, ci_high=0.0, expected_sqls=0.0,
                   expected_sqls_projected=0.0, expected_won_deals=0.0,
                   projection_amount=0.0)
        return res

    # --- SQL → won and deal size: the funnel's own population when deals link to leads -----
    won_lead = f["won"].astype(bool).to_numpy() if "won" in f.columns else np.zeros(len(f), bool)
    sql_lead = f["sql"].astype(bool).to_numpy() if "sql" in f.columns else conv
    if won_measured is None:
        won_measured = bool(won_lead.any())
    opp = opportunities
    have_opp = opp is not None and not opp.empty and "is_won" in opp.columns
    amounts = np.array([])
    basis = None
    if won_measured and have_opp and "lead_id" in opp.columns and "amount" in opp.columns:
        w = opp.loc[opp["is_won"].fillna(False).astype(bool) & opp["lead_id"].notna()]
        from .engine import member  # ids compared as text, in Arrow (no Python set)
        w = w.loc[member(w["lead_id"], f["lead_id"][won_lead])]
        amounts = pd.to_numeric(w["amount"], errors="coerce").to_numpy(float)
        basis = "cohort"
        n_sql, n_won = int(sql_lead.sum()), int(won_lead.sum())
    elif have_opp:
        if "created_at" in opp.columns:
            opp, _ = select_cohort(opp.assign(created_at=_dt(opp["created_at"], opp.index)),
                                   period_start, period_end)
        won = opp["is_won"].fillna(False).astype(bool)
        closed = (opp["is_closed"].fillna(False).astype(bool) if "is_closed" in opp.columns
                  else pd.Series(False, index=opp.index)) | won
        n_sql, n_won = int(closed.sum()), int(won.sum())
        if "amount" in opp.columns:
            amounts = pd.to_numeric(opp.loc[won, "amount"], errors="coerce").to_numpy(float)
        basis = "opportunities"
    else:
        res["reason"] = "no opportunities — win rate and deal size " + NOT_IN_EXPORT
        return res
    res["revenue_basis"] = basis
    res["assumptions"] = _assumptions(sla_hours, W, basis)
    amounts = amounts[np.isfinite(amounts)]
    res["won_deals"] = int(amounts.size)
    if n_sql == 0 or n_won == 0:
        res["reason"] = ("no won deal from the period's SQLs: no SQL → won rate" if basis ==
                         "cohort" else "no won or closed opportunities in the period: no win "
                         "rate")
        return res
    if amounts.size == 0:
        res["reason"] = "no won deal has an amount — deal size " + NOT_IN_EXPORT
        return res
    win = n_won / n_sql
    med = float(np.median(amounts))
    res["sql_to_won"] = {"rate": float(win), "won": n_won, "sql": n_sql}
    res["win_rate"], res["median_won_amount"] = float(win), med
    res["won_revenue"] = float(amounts.sum())

    # --- conversion of the given-up leads: projection, funnel ceiling, the lower of both ------
    pop = (f["touched"].astype(bool) & (f["hours_to_touch"] <= sla_hours)).fillna(False)
    comp = f.loc[pop.to_numpy(bool)]
    c = clock(comp)
    rng = np.random.default_rng(SEED)
    exp_used = exp_proj = 0.0
    draws = np.zeros(BOOTSTRAP)
    for g in GROUPS:
        gm = f[g].astype(bool).to_numpy()
        nu, n1 = int((untouched & gm).sum()), int((single & gm).sum())
        if nu + n1 == 0:
            continue
        cg = c.loc[c[g].to_numpy(bool)]
        km = km_conversion(cg["t"], cg["event"], W)
        if km["rate"] is None or km["n"] < 1:
            res["reason"] = (f"no {GROUP_LABEL[g]} lead first touched within the SLA was "
                             f"followed to attempt {W}: their expected conversion is unknown")
            return res
        t, ev = cg["t"].to_numpy(), cg["event"].to_numpy()
        at_risk, d = life_table(t, ev, W)
        q = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
        s = np.cumprod(1.0 - q)
        p0 = 1.0 - s[-1]
        p1 = 1.0 - s[-1] / s[0] if s[0] > 0 else 0.0
        # ceiling: what the comparable leads that were kept on actually achieved
        kept = ev | (t >= 2)
        k0, n0 = int(ev[kept].sum()), int(kept.sum())
        second = t >= 2
        k1, n1c = int(ev[second].sum()), int(second.sum())
        c0 = k0 / n0 if n0 else 0.0
        c1 = k1 / n1c if n1c else 0.0
        u0, u1 = min(p0, c0), min(p1, c1)
        res["expected_conversion"][g] = {
            "untouched": float(u0), "after_one_attempt": float(u1),
            "projected_untouched": float(p0), "projected_after_one_attempt": float(p1),
            "ceiling_untouched": {"rate": float(c0), "k": k0, "n": n0},
            "ceiling_after_one_attempt": {"rate": float(c1), "k": k1, "n": n1c},
            "leads_untouched": nu, "leads_single_attempt": n1, "n_clock": int(km["n"])}
        exp_used += nu * u0 + n1 * u1
        exp_proj += nu * p0 + n1 * p1
        s1, sW = _survival_draws(t, ev, W, rng, BOOTSTRAP)
        with np.errstate(divide="ignore", invalid="ignore"):
            p1d = np.where(s1 > 0, 1.0 - sW / s1, 0.0)
        c0d = _prop_draws(k0, n0, rng, BOOTSTRAP)
        c1d = _prop_draws(k1, n1c, rng, BOOTSTRAP)
        draws += nu * np.minimum(1.0 - sW, c0d) + n1 * np.minimum(p1d, c1d)
    win_d = _prop_draws(n_won, n_sql, rng, BOOTSTRAP)
    med_d = _median_draws(amounts, rng, BOOTSTRAP)
    total = draws * win_d * med_d
    amount = exp_used * win * med
    lo, hi = np.quantile(total, [0.025, 0.975])
    res.update(amount=float(amount), ci_low=float(min(lo, amount)),
               ci_high=float(max(hi, amount)), expected_sqls=float(exp_used),
               expected_sqls_projected=float(exp_proj), expected_won_deals=float(exp_used * win),
               projection_amount=float(exp_proj * win * med),
               capped=bool(exp_used < exp_proj - 1e-9))
    return res
