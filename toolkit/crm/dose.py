"""Dose–response: does more (or faster) sales effort convert better? (SPEC §4.2, §5)

Reps tend to work better-looking leads harder (reverse causality), so effort is compared
*within lead-score bands* (score tertiles) when a score exists:

* conversion by attempts bucket (1, 2–3, 4–5, 6+) and by first-touch bucket (< 1 h, 1–24 h,
  > 24 h, never), overall and per band, each with a Wilson 95% interval;
* an effort contrast — high effort (attempts ≥ ``well_worked_attempts``) against low effort
  (1–3 attempts) — as a Mantel–Haenszel odds ratio pooled over the score bands
  (``statsmodels.stats.contingency_tables.StratifiedTable``), with its 95% CI;
* a logistic regression of conversion on attempts, days to first touch and the standardized
  score (``statsmodels`` ``Logit``), reported as odds ratios with 95% CIs.

Conversion = the lead reached SQL or later (see :mod:`toolkit.crm.derive`). Benchmark (SPEC
§9, academic): contacting within 1 h ≈ 7× more likely to qualify (Oldroyd et al., HBR 2011).
"""

from __future__ import annotations

import warnings as _w

import numpy as np
import pandas as pd

from .funnel import wilson

ATTEMPT_BUCKETS = ("1", "2-3", "4-5", "6+")
TOUCH_BUCKETS = ("<1h", "1-24h", ">24h", "never")
MIN_BAND_N = 30          # leads with a score needed per band before banding is used
LOW_EFFORT_MAX = 3       # attempts 1..3 = low effort in the effort contrast


def attempts_bucket(attempts: pd.Series) -> pd.Series:
    """Label attempts as ``1``, ``2-3``, ``4-5``, ``6+`` (0 / unknown → NaN)."""
    a = attempts.astype("float64")
    out = pd.Series(pd.NA, index=a.index, dtype="string")
    out[a == 1] = "1"
    out[(a >= 2) & (a <= 3)] = "2-3"
    out[(a >= 4) & (a <= 5)] = "4-5"
    out[a >= 6] = "6+"
    return out


def touch_bucket(f: pd.DataFrame) -> pd.Series:
    """Label time to first touch as ``<1h``, ``1-24h``, ``>24h`` or ``never``."""
    h = f["hours_to_touch"].astype("float64")
    out = pd.Series(pd.NA, index=f.index, dtype="string")
    out[~f["touched"]] = "never"
    out[f["touched"] & (h < 1)] = "<1h"
    out[f["touched"] & (h >= 1) & (h <= 24)] = "1-24h"
    out[f["touched"] & (h > 24)] = ">24h"
    return out


def score_bands(score: pd.Series) -> pd.Series | None:
    """Score tertiles labelled ``low``, ``mid``, ``high`` (None when too few scores)."""
    s = score.astype("float64")
    if s.notna().sum() < 3 * MIN_BAND_N or s.nunique() < 3:
        return None
    try:
        b = pd.qcut(s, 3, labels=False, duplicates="drop")
    except ValueError:
        return None
    k = int(np.nanmax(b)) + 1 if b.notna().any() else 0
    names = {1: ["all"], 2: ["low", "high"], 3: ["low", "mid", "high"]}[max(k, 1)]
    codes = b.to_numpy(dtype="float64", na_value=np.nan)
    labels = np.array(names + [None], dtype=object)
    idx = np.where(np.isnan(codes), len(names), np.nan_to_num(codes)).astype(int)
    return pd.Series(labels[idx], index=s.index, dtype="string")


def _table(conv: pd.Series, bucket: pd.Series, order) -> list[dict]:
    df = pd.DataFrame({"b": bucket, "c": conv.astype(int)}).dropna(subset=["b"])
    g = df.groupby("b")["c"].agg(["sum", "size"])
    return [{"bucket": b, **wilson(int(g.at[b, "sum"]) if b in g.index else 0,
                                   int(g.at[b, "size"]) if b in g.index else 0)}
            for b in order]


def _by(f, bucket, order, bands):
    out = {"overall": _table(f["converted"], bucket, order), "by_band": {}}
    if bands is not None:
        for band in ("low", "mid", "high"):
            m = (bands == band).fillna(False).to_numpy(bool)
            if m.any():
                out["by_band"][band] = _table(f["converted"][m], bucket[m], order)
    return out


def effort_contrast(f: pd.DataFrame, bands: pd.Series | None, *, well_worked_attempts: int
                    ) -> dict:
    """Mantel–Haenszel odds ratio of conversion, high vs low effort, pooled over bands.

    Returns
    -------
    dict
        ``{odds_ratio, ci_low, ci_high, p_value, n_high, n_low, rate_high, rate_low,
        stratified, strata}``; ``None`` values when either arm is empty in every stratum.
    """
    a = f["attempts"].astype("float64")
    high = a >= well_worked_attempts
    low = (a >= 1) & (a <= min(LOW_EFFORT_MAX, well_worked_attempts - 1))
    keep = (high | low).to_numpy(bool)
    strata = bands if bands is not None else pd.Series("all", index=f.index, dtype="string")
    d = pd.DataFrame({"s": strata, "h": high, "c": f["converted"].astype(bool)})[keep]
    d = d.dropna(subset=["s"])
    res = {"odds_ratio": None, "ci_low": None, "ci_high": None, "p_value": None,
           "n_high": int(d["h"].sum()), "n_low": int((~d["h"]).sum()),
           "rate_high": None, "rate_low": None, "stratified": bands is not None,
           "low_effort": f"1-{min(LOW_EFFORT_MAX, well_worked_attempts - 1)} attempts",
           "high_effort": f"{well_worked_attempts}+ attempts", "strata": []}
    if res["n_high"]:
        res["rate_high"] = float(d.loc[d["h"], "c"].mean())
    if res["n_low"]:
        res["rate_low"] = float(d.loc[~d["h"], "c"].mean())
    tables = []
    order = {"low": 0, "mid": 1, "high": 2}
    for s, g in sorted(d.groupby("s"), key=lambda kv: order.get(str(kv[0]), 9)):
        t = np.array([[((g["h"]) & g["c"]).sum(), ((g["h"]) & ~g["c"]).sum()],
                      [((~g["h"]) & g["c"]).sum(), ((~g["h"]) & ~g["c"]).sum()]], dtype=float)
        res["strata"].append({"band": str(s), "n_high": int(t[0].sum()), "n_low": int(t[1].sum()),
                              "rate_high": float(t[0, 0] / t[0].sum()) if t[0].sum() else None,
                              "rate_low": float(t[1, 0] / t[1].sum()) if t[1].sum() else None})
        if t[0].sum() and t[1].sum():
            tables.append(t)
    if not tables:
        return res
    from statsmodels.stats.contingency_tables import StratifiedTable
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        # 0.5 continuity correction only when a cell is empty (keeps the OR finite)
        tables = [t + 0.5 if (t == 0).any() else t for t in tables]
        st = StratifiedTable(tables)
        lo, hi = st.oddsratio_pooled_confint()
        res.update(odds_ratio=_f(st.oddsratio_pooled), ci_low=_f(lo), ci_high=_f(hi),
                   p_value=_f(st.test_null_odds().pvalue))
    return res


def _f(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def logit(f: pd.DataFrame) -> dict:
    """Logistic regression of conversion on effort, speed and score (touched leads).

    Terms: ``attempts`` (per attempt), ``first_touch_days`` (per 24 h to first touch),
    ``score_sd`` (per standard deviation of the lead score, when a score exists).

    Returns
    -------
    dict
        ``{n, converged, terms: {term: {odds_ratio, ci_low, ci_high, p_value}}, warnings}``.
    """
    import statsmodels.api as sm
    out = {"n": 0, "converged": None, "terms": {}, "warnings": []}
    d = pd.DataFrame({"y": f["converted"].astype(float), "attempts": f["attempts"],
                      "first_touch_days": f["hours_to_touch"] / 24.0})
    has_score = f["score"].notna().sum() >= 3 * MIN_BAND_N
    if has_score:
        s = f["score"].astype(float)
        d["score_sd"] = (s - s.mean()) / s.std() if s.std() > 0 else np.nan
    d = d[f["touched"].to_numpy(bool)]
    d = d.loc[:, d.notna().any()].dropna()
    terms = [c for c in d.columns if c != "y" and d[c].nunique() > 1]
    out["n"] = int(len(d))
    if len(d) < 50 or d["y"].nunique() < 2 or not terms:
        out["warnings"].append("Too few touched leads with conversion variation for a "
                               "logistic regression (need at least 50).")
        return out
    X = sm.add_constant(d[terms].astype(float), has_constant="add")
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            fit = sm.Logit(d["y"].astype(float), X).fit(disp=0, maxiter=200)
    except Exception as exc:  # perfect separation, singular matrix
        out["converged"] = False
        out["warnings"].append(f"Logistic regression failed ({type(exc).__name__}); odds "
                               "ratios not reported.")
        return out
    out["converged"] = bool(fit.mle_retvals.get("converged", False))
    ci = fit.conf_int()
    for t in terms:
        out["terms"][t] = {"odds_ratio": _f(np.exp(fit.params[t])),
                           "ci_low": _f(np.exp(ci.loc[t, 0])),
                           "ci_high": _f(np.exp(ci.loc[t, 1])),
                           "p_value": _f(fit.pvalues[t])}
    if not out["converged"]:
        out["warnings"].append("The logistic regression did not converge; treat the odds "
                               "ratios with caution.")
    return out


def dose_response(f: pd.DataFrame, *, well_worked_attempts: int) -> dict:
    """Conversion by effort and speed, within score bands (see module docstring).

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    well_worked_attempts : int
        High-effort threshold of the effort contrast.

    Returns
    -------
    dict
        ``conversion`` (definition), ``score_bands`` (bool), ``band_edges``,
        ``by_attempts`` and ``by_first_touch`` (each ``{overall: [...], by_band: {band:
        [...]}}`` of ``{bucket, rate, ci_low, ci_high, n, k}``), ``effort_contrast``,
        ``logit`` and ``warnings``.
    """
    warnings: list[str] = []
    res = {"conversion": "reached SQL or later", "score_bands": False, "band_edges": None,
           "by_attempts": None, "by_first_touch": None, "effort_contrast": None,
           "logit": None, "warnings": warnings}
    if len(f) == 0:
        warnings.append("No leads handed to sales: dose–response not measured.")
        return res
    bands = score_bands(f["score"])
    if bands is not None:
        res["score_bands"] = True
        res["band_edges"] = [float(x) for x in
                             f["score"].quantile([0, 1 / 3, 2 / 3, 1]).to_numpy()]
    else:
        warnings.append("No usable lead score: effort is compared across all leads, so "
                        "reps working better-looking leads harder cannot be ruled out.")
    if f["attempts"].notna().any():
        res["by_attempts"] = _by(f, attempts_bucket(f["attempts"]), ATTEMPT_BUCKETS, bands)
        res["effort_contrast"] = effort_contrast(f, bands,
                                                 well_worked_attempts=well_worked_attempts)
    else:
        warnings.append("No attempt counts: conversion by attempts not measured.")
    if f["touched"].any() and f["hours_to_touch"].notna().any():
        res["by_first_touch"] = _by(f, touch_bucket(f), TOUCH_BUCKETS, bands)
    if f["attempts"].notna().any():
        res["logit"] = logit(f)
        warnings.extend(res["logit"]["warnings"])
    return res
