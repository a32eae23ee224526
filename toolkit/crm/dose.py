"""Dose–response: does faster sales effort convert better? (SPEC §4.2, §5)

Reps tend to work better-looking leads harder (reverse causality), so effort is compared
*within lead-score bands* (score tertiles) when a score exists:

* conversion by first-touch bucket (< 1 h, 1–24 h, > 24 h, never), overall and per band, each
  with a Wilson 95% interval;
* a logistic regression of conversion on days to first touch and the standardized score
  (``statsmodels`` ``Logit``), reported as odds ratios with 95% CIs. The attempt count is
  *not* a term: attempts stop when a lead converts, so it is a consequence of the outcome.
* the raw conversion by number of attempts (1, 2–3, 4–5, 6+) is kept only for the
  methodology appendix, labelled with its bias (``by_attempts_bias``): converted leads stop
  being called, so the table makes more effort look worse. Whether persistence pays is
  measured on the attempt clock (:mod:`toolkit.crm.effort`).

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
#: Why the raw conversion-by-attempts table is not evidence (shown with it in the appendix).
BY_ATTEMPTS_BIAS = ("Survivorship bias: attempts stop when a lead converts, so leads with many "
                    "attempts are the ones that had not converted yet; this table makes more "
                    "effort look worse and is not used as evidence (see the attempt clock).")
MIN_BAND_N = 30          # leads with a score needed per band before banding is used


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


def _f(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def logit(f: pd.DataFrame) -> dict:
    """Logistic regression of conversion on effort, speed and score (touched leads).

    Terms: ``first_touch_days`` (per 24 h to first touch) and ``score_sd`` (per standard
    deviation of the lead score, when a score exists). The attempt count is deliberately not
    a term (it is cut short by conversion: survivorship bias).

    Returns
    -------
    dict
        ``{n, converged, terms: {term: {odds_ratio, ci_low, ci_high, p_value}}, warnings}``.
    """
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant
    out = {"n": 0, "converged": None, "terms": {}, "warnings": []}
    d = pd.DataFrame({"y": f["converted"].astype(float),
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
    X = add_constant(d[terms].astype(float), has_constant="add")
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            fit = Logit(d["y"].astype(float), X).fit(disp=0, maxiter=200)
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
        ``by_first_touch`` (``{overall: [...], by_band: {band: [...]}}`` of ``{bucket, rate,
        ci_low, ci_high, n, k}``), ``logit``, ``by_attempts`` (raw table for the appendix
        only) with ``by_attempts_bias`` (the bias named) and ``warnings``.
    """
    warnings: list[str] = []
    res = {"conversion": "reached SQL or later", "score_bands": False, "band_edges": None,
           "by_first_touch": None, "logit": None, "by_attempts": None,
           "by_attempts_bias": BY_ATTEMPTS_BIAS, "warnings": warnings}
    if len(f) == 0:
        warnings.append("No leads handed to sales: dose–response not measured.")
        return res
    bands = score_bands(f["score"])
    if bands is not None:
        res["score_bands"] = True
        res["band_edges"] = [float(x) for x in
                             f["score"].quantile([0, 1 / 3, 2 / 3, 1]).to_numpy()]
    else:
        warnings.append("No usable lead score: speed is compared across all leads, so "
                        "reps working better-looking leads harder cannot be ruled out.")
    if f["attempts"].notna().any():
        res["by_attempts"] = _by(f, attempts_bucket(f["attempts"]), ATTEMPT_BUCKETS, bands)
    if f["touched"].any() and f["hours_to_touch"].notna().any():
        res["by_first_touch"] = _by(f, touch_bucket(f), TOUCH_BUCKETS, bands)
        res["logit"] = logit(f)
        warnings.extend(res["logit"]["warnings"])
    return res
