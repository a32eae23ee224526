"""Revenue at stake: what the leads sales gave up on would plausibly have been worth (SPEC §4.2).

The headline is a **base case a CRO cannot knock down**; the attempt-clock projection of
SPEC §4.2 is kept beside it as a stated **upper bound**.

* **Given up on** (``leads``): handed-to-sales leads of the cohort that did not convert, were
  not rejected by sales (a rejection is a judgement on fit, tested by the lead-quality
  verdict), and were either never touched (*untouched*; leads whose SLA had not yet run out at
  the extract date are left out: they were not given up on yet) or touched exactly once
  (*dropped*, "called once and gave up").
* **Base case — intent to treat** (``method.name = "intent_to_treat"``): a lead given up on is
  credited with the conversion that *comparable* leads — same source group
  (marketing-sourced / other) and same lead-score band — actually achieved once sales touched
  them at all, however many attempts sales then chose to give them:

  - never touched: ``r0 = converted ÷ touched`` among the comparable leads;
  - dropped after one attempt: ``r1 = converted after attempt 1 ÷ touched leads not converted
    at attempt 1`` (the dropped leads themselves are in that denominator).

  Nothing conditions on sales choosing to keep working a lead. A cell (group × band) with
  fewer than ``score_band_min_leads`` touched leads falls back to its group, then to all
  touched leads. Each rate is capped at the top of the benchmark range
  (:data:`toolkit.benchmarks.MQL_TO_SQL_RANGE`), and the extra SQLs never exceed the SQLs the
  cohort itself produced.
* **Upper bound — the attempt clock** (``upper_bound``): the Kaplan–Meier conversion by attempt
  W of comparable leads first touched within the SLA (``p0 = 1 − S(W)``, ``p1 = 1 − S(W)/S(1)``),
  capped at what comparable leads kept on achieved. It censors the leads sales gave up on as if
  they would have converted like those it kept working. Sales keeps working the leads that
  respond or look promising, so the censoring is *informative* and the projection is flattered
  (on the demo data it reaches 48–57% against a cohort converting 19%): it is only ever shown
  as an upper bound.
* **Conversion to revenue** (both): the extra SQLs win at the cohort's SQL → won rate (won
  deals from leads created in the period ÷ their SQLs, the funnel's own figures; deals still
  open count as not won, which errs low) and are worth the median of those won deals. Only when
  the export does not link deals to leads do the won ÷ closed opportunities created in the
  period and their median amount stand in (``revenue_basis`` says which).

``amount = min(Σ_cells (untouched_c × r0_c + dropped_c × r1_c), cohort SQLs)
× sql_to_won × median_won_amount`` with every ``r ≤ benchmark high``.

Invariants (tested on hand-built frames, the samples and generated engagements): extra SQLs ≤
leads given up on × the benchmark's upper end, and ≤ the cohort's own SQLs; extra won deals =
extra SQLs × the funnel's SQL → won rate; the base case never exceeds the upper bound.

The 95% intervals are seeded bootstraps (B = 2000) that resample the comparable leads' rates
(binomial; multinomial attempt-clock cells for the upper bound), the SQL → won rate (binomial)
and the won amounts (the exact bootstrap distribution of the sample median, drawn through its
order statistic), holding the numbers of given-up leads fixed. They do not cover doubts about
the counterfactual itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import benchmarks, method
from .definitions import NOT_IN_EXPORT
from .effort import clock, km_conversion, life_table, on_clock
from ..formatting import half_up

BOOTSTRAP = 2000
SEED = 20240601
GROUPS = ("marketing", "other")
GROUP_LABEL = {"marketing": "marketing-sourced", "other": "other", "unknown": "unknown source"}
#: Name of the base-case method in ``revenue_at_stake.method.name``.
BASE_METHOD = "intent_to_treat"
#: Name of the upper bound's method in ``revenue_at_stake.upper_bound.method``.
UPPER_METHOD = "attempt_clock"
#: The bias that makes the attempt clock an upper bound here (named in the report).
BIAS = ("informative censoring: sales chooses which leads to keep working, so leads it gave "
        "up on are assumed to convert like the ones it kept, which respond or look more "
        "promising")


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


def _assumptions(sla_hours: float, W: int, basis: str, cap: float,
                 rejections_measured: bool = True) -> list[str]:
    won = ("the won deals from leads created in the period ÷ their SQLs (deals still open at "
           "the extract count as not won, so this errs low)" if basis == "cohort" else
           "won ÷ closed opportunities created in the period (the export does not link deals "
           "to leads)")
    # without rejections in the export the leads sales rejected cannot be left out: said,
    # not claimed (attack 45, ATT45-05)
    rejected = ("rejected leads left out" if rejections_measured else
                "rejections are not in the export, so leads sales rejected could not be left "
                "out and the figure runs high")
    return [
        f"Base case: each lead sales gave up on (never touched, or touched once; {rejected}) "
        "reaches SQL as often as comparable leads — same kind of source, same "
        "lead-score band — did once touched at all, however many calls they then got.",
        f"Each rate is capped at {half_up(100 * cap):.0f}% (top of the practitioner MQL → SQL range); "
        "the extra SQLs never exceed the SQLs the period's leads produced.",
        f"Each extra SQL wins at the rate of {won} and is worth the median of those won deals.",
        f"Upper bound only: worked to {W} attempts like comparable leads first touched within "
        f"{sla_hours:g} h. It assumes the leads given up on would convert like those sales kept "
        "working; sales keeps working the leads that look promising, so this figure runs "
        "high.",
        "The interval covers sampling error only; an order of magnitude, not a forecast.",
    ]


def _method(cap: float) -> dict:
    return {"name": BASE_METHOD,
            "description": ("intent to treat: given-up leads at the conversion comparable "
                            "leads (same source group and lead-score band) achieved once "
                            "touched at all, capped at the benchmark's upper end and at the "
                            "cohort's own SQLs"),
            "rate_cap": float(cap), "rate_cap_source": benchmarks.MQL_TO_SQL_RANGE["label"],
            "cohort_sqls": None, "capped_by": [], "bias_avoided": BIAS}


def _empty(sla_hours: float, W: int) -> dict:
    cap = float(benchmarks.MQL_TO_SQL_RANGE["high"])
    return {"amount": None, "ci_low": None, "ci_high": None, "leads": None,
            "leads_untouched": None, "leads_single_attempt": None, "attempts": W,
            "excluded": {"rejected": 0, "within_sla_at_extract": 0},
            "expected_conversion": {}, "expected_sqls": None, "expected_won_deals": None,
            "sql_to_won": None, "win_rate": None, "median_won_amount": None, "won_deals": 0,
            "won_revenue": None, "revenue_basis": None, "reason": None,
            "method": _method(cap), "upper_bound": None,
            "assumptions": _assumptions(sla_hours, W, "cohort", cap)}


def _cell_stats(c: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Comparable-lead counts per cell: ``n`` touched, ``k0`` converted, ``m1`` not converted
    at attempt 1, ``k1`` converted after attempt 1."""
    t, ev = c["t"].to_numpy(), c["event"].to_numpy(bool)
    d = pd.DataFrame({"n": 1, "k0": ev.astype(int), "m1": (~(ev & (t == 1))).astype(int),
                      "k1": (ev & (t >= 2)).astype(int)}, index=c.index)
    for k in keys:
        d[k] = c[k].to_numpy()
    if not keys:
        return d[["n", "k0", "m1", "k1"]].sum().to_frame().T
    return d.groupby(keys, dropna=False)[["n", "k0", "m1", "k1"]].sum()


def _named(table: pd.DataFrame, *names: np.ndarray) -> pd.DataFrame:
    """*table* grouped by integer codes, its index levels turned into the names they code."""
    if len(names) == 1:
        table.index = pd.Index(names[0][table.index.to_numpy()], dtype=object)
    else:
        table.index = pd.MultiIndex.from_arrays(
            [n[table.index.get_level_values(i).to_numpy()] for i, n in enumerate(names)])
    return table


def _base_case(f: pd.DataFrame, untouched: np.ndarray, single: np.ndarray,
               bands: pd.Series | None, cap: float, rng, B: int) -> dict:
    """Intent-to-treat conversion of the given-up leads (see the module docstring).

    Returns ``{expected, draws (B,), by_group, reason}``; ``by_group`` is the
    ``expected_conversion`` section."""
    nmin = method.value("score_band_min_leads")
    # groups and bands as small integer codes numbered in the order of their names, so the
    # group-bys below (and the draws taken in their order) are those of the names, without
    # a text column per lead
    gi = np.where(f["marketing"].to_numpy(bool), 0,
                  np.where(f["other"].to_numpy(bool), 1, 2)).astype(np.int64)
    gnames = np.array(["marketing", "other", "unknown"], dtype=object)
    if bands is not None:
        codes, uniq = pd.factorize(bands.reindex(f.index), use_na_sentinel=True)
        labels = [str(u) for u in uniq] + ["none"]
        codes = np.where(codes < 0, len(uniq), codes)
    else:
        labels, codes = ["none"], np.zeros(len(f), dtype=np.int64)
    bnames = np.array(sorted(set(labels)), dtype=object)
    bi = np.array([int(np.searchsorted(bnames, x)) for x in labels], dtype=np.int64)[codes]
    ok = on_clock(f)
    if not ok.any():
        return {"expected": None, "draws": None, "by_group": {},
                "reason": "no lead handed to sales was touched: no comparable conversion"}
    c = clock(f, columns=()).assign(g=gi[ok], b=bi[ok])
    cells = _named(_cell_stats(c, ["g", "b"]), gnames, bnames)
    groups = _named(_cell_stats(c, ["g"]), gnames)
    pooled = _cell_stats(c, []).iloc[0]
    gave = untouched | single
    todo = pd.DataFrame({"g": gi[gave], "b": bi[gave], "u": untouched[gave],
                         "s": single[gave]})
    counts = _named(todo.groupby(["g", "b"])[["u", "s"]].sum(), gnames, bnames)
    expected, draws, out = 0.0, np.zeros(B), {}
    for (g, b), row in counts.iterrows():
        nu, n1 = int(row["u"]), int(row["s"])
        if (g, b) in cells.index and b != "none" and cells.loc[(g, b), "n"] >= nmin:
            st, level = cells.loc[(g, b)], "band"
        elif g in groups.index and groups.loc[g, "n"] >= nmin:
            st, level = groups.loc[g], "group"
        else:
            st, level = pooled, "all"
        n, k0, m1, k1 = (int(st[x]) for x in ("n", "k0", "m1", "k1"))
        r0 = min(k0 / n if n else 0.0, cap)
        r1 = min(k1 / m1 if m1 else 0.0, cap)
        expected += nu * r0 + n1 * r1
        draws += (nu * np.minimum(_prop_draws(k0, n, rng, B), cap)
                  + n1 * np.minimum(_prop_draws(k1, m1, rng, B), cap))
        e = out.setdefault(g, {"untouched": 0.0, "after_one_attempt": 0.0,
                               "leads_untouched": 0, "leads_single_attempt": 0,
                               "by_band": {}})
        e["leads_untouched"] += nu
        e["leads_single_attempt"] += n1
        e["untouched"] += nu * r0
        e["after_one_attempt"] += n1 * r1
        e["by_band"][str(b)] = {
            "leads_untouched": nu, "leads_single_attempt": n1, "compared_within": level,
            "untouched": {"rate": float(r0), "k": k0, "n": n},
            "after_one_attempt": {"rate": float(r1), "k": k1, "n": m1}}
    for e in out.values():      # lead-weighted rates of the group
        e["untouched"] = float(e["untouched"] / e["leads_untouched"]) if e["leads_untouched"] \
            else None
        e["after_one_attempt"] = (float(e["after_one_attempt"] / e["leads_single_attempt"])
                                  if e["leads_single_attempt"] else None)
    return {"expected": float(expected), "draws": draws, "by_group": out, "reason": None}


def _upper_bound(f: pd.DataFrame, untouched: np.ndarray, single: np.ndarray, *,
                 sla_hours: float, W: int, rng, B: int) -> dict:
    """The attempt-clock projection of SPEC §4.2, capped at what comparable leads kept on
    achieved: ``{expected, expected_projected, draws, by_group, reason}``."""
    pop = (f["touched"].astype(bool) & (f["hours_to_touch"] <= sla_hours)).fillna(False)
    c = clock(f.loc[pop.to_numpy(bool), ["attempts", "converted", *GROUPS]], columns=GROUPS)
    exp_used = exp_proj = 0.0
    draws = np.zeros(B)
    out = {}
    for g in GROUPS:
        gm = f[g].astype(bool).to_numpy()
        nu, n1 = int((untouched & gm).sum()), int((single & gm).sum())
        if nu + n1 == 0:
            continue
        cg = c.loc[c[g].to_numpy(bool)]
        km = km_conversion(cg["t"], cg["event"], W)
        if km["rate"] is None or km["n"] < 1:
            return {"expected": None, "reason": (
                f"no {GROUP_LABEL[g]} lead first touched within the SLA was followed to "
                f"attempt {W}: the attempt-clock upper bound is unknown")}
        t, ev = cg["t"].to_numpy(), cg["event"].to_numpy()
        at_risk, d = life_table(t, ev, W)
        q = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
        s = np.cumprod(1.0 - q)
        p0 = 1.0 - s[-1]
        p1 = 1.0 - s[-1] / s[0] if s[0] > 0 else 0.0
        kept = ev | (t >= 2)
        k0, n0 = int(ev[kept].sum()), int(kept.sum())
        second = t >= 2
        k1, n1c = int(ev[second].sum()), int(second.sum())
        c0 = k0 / n0 if n0 else 0.0
        c1 = k1 / n1c if n1c else 0.0
        u0, u1 = min(p0, c0), min(p1, c1)
        out[g] = {"untouched": float(u0), "after_one_attempt": float(u1),
                  "projected_untouched": float(p0), "projected_after_one_attempt": float(p1),
                  "ceiling_untouched": {"rate": float(c0), "k": k0, "n": n0},
                  "ceiling_after_one_attempt": {"rate": float(c1), "k": k1, "n": n1c},
                  "leads_untouched": nu, "leads_single_attempt": n1, "n_clock": int(km["n"])}
        exp_used += nu * u0 + n1 * u1
        exp_proj += nu * p0 + n1 * p1
        s1, sW = _survival_draws(t, ev, W, rng, B)
        with np.errstate(divide="ignore", invalid="ignore"):
            p1d = np.where(s1 > 0, 1.0 - sW / s1, 0.0)
        draws += (nu * np.minimum(1.0 - sW, _prop_draws(k0, n0, rng, B))
                  + n1 * np.minimum(p1d, _prop_draws(k1, n1c, rng, B)))
    return {"expected": float(exp_used), "expected_projected": float(exp_proj),
            "draws": draws, "by_group": out, "reason": None}


def deal_value(f: pd.DataFrame, opportunities: pd.DataFrame | None, *,
               won_measured: bool | None = None, period_start=None, period_end=None
               ) -> tuple[str | None, int, int, np.ndarray, str | None]:
    """What an extra SQL is worth: the SQL → won rate and the won deals' amounts.

    The funnel's own population when the export links deals to leads (``"cohort"``: won
    deals from the leads of *f* ÷ their SQLs), else the won ÷ closed opportunities created in
    the period (``"opportunities"``).

    Returns
    -------
    (basis, n_sql, n_won, amounts, reason)
        ``basis`` ``"cohort"``/``"opportunities"`` (``None`` with ``reason`` when there are no
        opportunities), the rate's denominator and numerator, the won amounts (float array,
        finite values only).
    """
    from .derive import _dt, select_cohort
    conv = f["converted"].astype(bool).to_numpy()
    won_lead = f["won"].astype(bool).to_numpy() if "won" in f.columns else np.zeros(len(f), bool)
    sql_lead = f["sql"].astype(bool).to_numpy() if "sql" in f.columns else conv
    if won_measured is None:
        won_measured = bool(won_lead.any())
    opp = opportunities
    have_opp = opp is not None and not opp.empty and "is_won" in opp.columns
    amounts = np.array([])
    if won_measured and have_opp and "lead_id" in opp.columns and "amount" in opp.columns:
        w = opp.loc[opp["is_won"].fillna(False).astype(bool) & opp["lead_id"].notna()]
        from .engine import member  # ids compared as text, in Arrow (no Python set)
        w = w.loc[member(w["lead_id"], f["lead_id"][won_lead])]
        amounts = pd.to_numeric(w["amount"], errors="coerce").to_numpy(float)
        return ("cohort", int(sql_lead.sum()), int(won_lead.sum()),
                amounts[np.isfinite(amounts)], None)
    if have_opp:
        if "created_at" in opp.columns:
            opp, _ = select_cohort(opp.assign(created_at=_dt(opp["created_at"], opp.index)),
                                   period_start, period_end)
        won = opp["is_won"].fillna(False).astype(bool)
        closed = (opp["is_closed"].fillna(False).astype(bool) if "is_closed" in opp.columns
                  else pd.Series(False, index=opp.index)) | won
        if "amount" in opp.columns:
            amounts = pd.to_numeric(opp.loc[won, "amount"], errors="coerce").to_numpy(float)
        return ("opportunities", int(closed.sum()), int(won.sum()),
                amounts[np.isfinite(amounts)], None)
    return None, 0, 0, amounts, "no opportunities — win rate and deal size " + NOT_IN_EXPORT


def revenue_at_stake(f: pd.DataFrame, opportunities: pd.DataFrame | None, *,
                     sla_hours: float, well_worked_attempts: int, touch_data: bool,
                     period_start=None, period_end=None, extract_date=None,
                     won_measured: bool | None = None, bands: pd.Series | None = None,
                     rejections_measured: bool = True) -> dict:
    """The ``crm.revenue_at_stake`` section (see the module docstring for the method).

    Parameters
    ----------
    f : DataFrame
        Lead frame (:func:`toolkit.crm.derive.lead_frame`) over the leads handed to sales.
    opportunities : DataFrame or None
        Canonical opportunities: the amounts of the cohort's won deals (linked by
        ``lead_id``), else the won and closed opportunities created in the period.
    sla_hours, well_worked_attempts : float, int
        The upper bound's comparable population (first touched within *sla_hours*) and
        horizon W.
    touch_data : bool
        False when the CRM records no touches at all (nothing measurable is at stake).
    period_start, period_end : date-like, optional
        Period of the fallback opportunities (created in the period).
    extract_date : datetime-like, optional
        Untouched leads whose SLA had not run out by this date are not counted as given up.
    won_measured : bool, optional
        Whether the export links won deals to leads (the funnel's ``won`` stage is measured);
        default: any lead of *f* is won.
    bands : Series, optional
        Lead-score band per lead (``low``/``mid``/``high``, index of *f*); default: score
        tertiles (:func:`toolkit.crm.dose.score_bands`), none without a usable score.

    Returns
    -------
    dict
        The base case: ``amount``, ``ci_low``, ``ci_high`` (currency units, 95% bootstrap
        interval), ``leads`` (given up on) = ``leads_untouched`` + ``leads_single_attempt``,
        ``excluded`` (rejected, still within the SLA at the extract), ``expected_conversion``
        (per group ``marketing``/``other``/``unknown``: lead-weighted ``untouched`` and
        ``after_one_attempt`` rates, leads, and ``by_band`` cells ``{untouched: {rate, k, n},
        after_one_attempt: {rate, k, n}, compared_within}``), ``expected_sqls``,
        ``expected_won_deals``; ``method`` (``name``, ``description``, ``rate_cap``,
        ``cohort_sqls``, ``capped_by``, ``bias_avoided``); ``upper_bound`` (``method``
        ``"attempt_clock"``, ``amount``, ``ci_low``, ``ci_high``, ``expected_sqls``,
        ``expected_sqls_projected``, ``expected_won_deals``, ``projection_amount``,
        ``expected_conversion``, ``bias``, ``reason``; ``None`` before any lead is given
        up on); ``sql_to_won`` ``{rate, won, sql}`` (``win_rate`` repeats its rate);
        ``median_won_amount``, ``won_deals``, ``won_revenue`` (of the deals the median is
        taken over), ``revenue_basis`` (``"cohort"`` or ``"opportunities"``), ``attempts``
        (W), ``assumptions`` (plain sentences) and ``reason`` — ``amount`` and its interval
        are ``None`` with ``reason`` when an input is missing. Never raises for too little
        data.
    """
    W = int(well_worked_attempts)
    cap = float(benchmarks.MQL_TO_SQL_RANGE["high"])
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
    res["method"]["cohort_sqls"] = n_cohort_sql = int(conv.sum())
    if res["leads"] == 0:
        res.update(amount=0.0, ci_low=0.0, ci_high=0.0, expected_sqls=0.0,
                   expected_won_deals=0.0)
        return res

    basis, n_sql, n_won, amounts, why = deal_value(
        f, opportunities, won_measured=won_measured, period_start=period_start,
        period_end=period_end)
    if basis is None:
        res["reason"] = why
        return res
    res["revenue_basis"] = basis
    res["assumptions"] = _assumptions(sla_hours, W, basis, cap, rejections_measured)
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

    rng = np.random.default_rng(SEED)
    if bands is None and "score" in f.columns:
        from .dose import score_bands
        bands = score_bands(f["score"])
    base = _base_case(f, untouched, single, bands, cap, rng, BOOTSTRAP)
    if base["expected"] is None:
        res["reason"] = base["reason"]
        return res
    win_d = _prop_draws(n_won, n_sql, rng, BOOTSTRAP)
    med_d = _median_draws(amounts, rng, BOOTSTRAP)
    expected = base["expected"]
    if expected > n_cohort_sql:
        res["method"]["capped_by"].append("cohort_sqls")
    if any(cell[k]["k"] / max(cell[k]["n"], 1) > cap for e in base["by_group"].values() for cell in e["by_band"].values()
           for k in ("untouched", "after_one_attempt")):
        res["method"]["capped_by"].append("benchmark")
    expected = min(expected, float(n_cohort_sql))
    draws = np.minimum(base["draws"], float(n_cohort_sql))
    amount = expected * win * med
    lo, hi = np.quantile(draws * win_d * med_d, [0.025, 0.975])
    res.update(amount=float(amount), ci_low=float(min(lo, amount)),
               ci_high=float(max(hi, amount)), expected_sqls=float(expected),
               expected_won_deals=float(expected * win),
               expected_conversion=base["by_group"])

    ub = _upper_bound(f, untouched, single, sla_hours=sla_hours, W=W, rng=rng, B=BOOTSTRAP)
    up = {"method": UPPER_METHOD, "bias": BIAS,
          "description": (f"Kaplan–Meier conversion by attempt {W} of comparable leads first "
                          f"touched within {sla_hours:g} h, capped at what comparable leads "
                          "kept on achieved; leads given up on are censored as if they would "
                          "convert like those kept on"),
          "amount": None, "ci_low": None, "ci_high": None, "expected_sqls": None,
          "expected_sqls_projected": None, "expected_won_deals": None,
          "projection_amount": None, "expected_conversion": {}, "reason": ub["reason"]}
    if ub["expected"] is not None:
        # an upper bound is never below the base case
        e_up = max(ub["expected"], expected)
        d_up = np.maximum(ub["draws"], draws) * win_d * med_d
        a_up = e_up * win * med
        ulo, uhi = np.quantile(d_up, [0.025, 0.975])
        up.update(amount=float(a_up), ci_low=float(min(ulo, a_up)),
                  ci_high=float(max(uhi, a_up)), expected_sqls=float(e_up),
                  expected_sqls_projected=float(ub["expected_projected"]),
                  expected_won_deals=float(e_up * win),
                  projection_amount=float(ub["expected_projected"] * win * med),
                  expected_conversion=ub["by_group"])
    res["upper_bound"] = up
    return res
