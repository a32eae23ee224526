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

import functools
import warnings as _w

import numpy as np
import pandas as pd

from .. import method
from .funnel import wilson

ATTEMPT_BUCKETS = ("1", "2-3", "4-5", "6+")
TOUCH_BUCKETS = ("<1h", "1-24h", ">24h", "never")
#: Why the raw conversion-by-attempts table is not evidence (shown with it in the appendix).
BY_ATTEMPTS_BIAS = ("Survivorship bias: attempts stop when a lead converts, so leads with many "
                    "attempts are the ones that had not converted yet; this table makes more "
                    "effort look worse and is not used as evidence (see the attempt clock).")
#: Leads with a score needed per band before banding is used (registry).
MIN_BAND_N = int(method.value("score_band_min_leads"))


def _attempt_codes(attempts) -> np.ndarray:
    """Position in :data:`ATTEMPT_BUCKETS` of each attempt count (0 / unknown → -1)."""
    a = np.asarray(attempts, dtype="float64")
    out = np.full(a.shape, -1, dtype=np.int8)
    out[a == 1] = 0
    out[(a >= 2) & (a <= 3)] = 1
    out[(a >= 4) & (a <= 5)] = 2
    out[a >= 6] = 3
    return out


def _touch_codes(f: pd.DataFrame) -> np.ndarray:
    """Position in :data:`TOUCH_BUCKETS` of each lead's time to first touch (-1 = touched,
    time unknown)."""
    h = f["hours_to_touch"].to_numpy(dtype="float64")
    touched = f["touched"].to_numpy(dtype=bool)
    out = np.full(h.shape, -1, dtype=np.int8)
    out[~touched] = 3
    out[touched & (h < 1)] = 0
    out[touched & (h >= 1) & (h <= 24)] = 1
    out[touched & (h > 24)] = 2
    return out


def _labels(codes: np.ndarray, names, index) -> pd.Series:
    labels = np.array(list(names) + [None], dtype=object)
    return pd.Series(labels[np.where(codes < 0, len(names), codes)], index=index,
                     dtype="string")


def attempts_bucket(attempts: pd.Series) -> pd.Series:
    """Label attempts as ``1``, ``2-3``, ``4-5``, ``6+`` (0 / unknown → NaN)."""
    return _labels(_attempt_codes(attempts), ATTEMPT_BUCKETS, attempts.index)


def touch_bucket(f: pd.DataFrame) -> pd.Series:
    """Label time to first touch as ``<1h``, ``1-24h``, ``>24h`` or ``never``."""
    return _labels(_touch_codes(f), TOUCH_BUCKETS, f.index)


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


def _table(conv: np.ndarray, codes: np.ndarray, order) -> list[dict]:
    """Conversion per bucket (*codes*: position in *order*, -1 = no bucket) with Wilson
    intervals; counted with ``bincount`` (no string group-by)."""
    k = len(order)
    valid = codes >= 0
    size = np.bincount(codes[valid], minlength=k)
    hits = np.bincount(codes[valid & conv], minlength=k)
    return [{"bucket": b, **wilson(int(hits[i]), int(size[i]))} for i, b in enumerate(order)]


def _by(f, codes, order, bands):
    conv = f["converted"].to_numpy(dtype=bool)
    out = {"overall": _table(conv, codes, order), "by_band": {}}
    if bands is not None:
        for band in ("low", "mid", "high"):
            m = (bands == band).fillna(False).to_numpy(bool)
            if m.any():
                out["by_band"][band] = _table(conv[m], codes[m], order)
    return out


def _f(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


@functools.cache
def _logit_class():
    """statsmodels ``Logit`` whose fitted probabilities are computed once per parameter
    vector (built on first use: statsmodels' model classes take ~0.2 s to import).

    Each Newton step of ``Logit.fit`` asks for the probabilities at the same parameters
    three times (``score``, ``hessian`` and the perfect-prediction check each call
    ``predict``), as do the results' statistics afterwards: ~22 passes over the rows for
    ~8 parameter vectors. The probabilities at a parameter vector are kept (the last one
    only) and handed back as they are: the same array, so every estimate, standard error,
    p-value and convergence flag is bit for bit statsmodels' own
    (``tests/test_crm.py::test_logit_with_kept_probabilities_is_statsmodels_own``).
    """
    from statsmodels.discrete.discrete_model import Logit

    class KeptLogit(Logit):
        _kept = None

        def predict(self, params, exog=None, which="mean", offset=None):
            if exog is not None or offset is not None or which != "mean":
                return super().predict(params, exog=exog, which=which, offset=offset)
            p = np.asarray(params)
            key = (p.dtype.str, p.shape, p.tobytes())
            if self._kept is None or self._kept[0] != key:
                self._kept = (key, super().predict(params))
            return self._kept[1]

    return KeptLogit


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
    Logit = _logit_class()
    out = {"n": 0, "converged": None, "terms": {}, "warnings": []}
    # plain float arrays (no DataFrame per step): rows of touched leads
    touched = f["touched"].to_numpy(bool)
    cols = {"y": f["converted"].to_numpy(dtype="float64")[touched],
            "first_touch_days": f["hours_to_touch"].to_numpy(dtype="float64")[touched] / 24.0}
    if f["score"].notna().sum() >= 3 * MIN_BAND_N:
        s = f["score"].astype(float)
        sd = s.std()
        cols["score_sd"] = (((s - s.mean()) / sd).to_numpy(dtype="float64")[touched]
                            if sd > 0 else np.full(int(touched.sum()), np.nan))
    # columns with at least one value, then rows complete in all of them
    cols = {k: v for k, v in cols.items() if not np.isnan(v).all()}
    if "y" not in cols:
        cols = {}
    complete = np.logical_and.reduce([~np.isnan(v) for v in cols.values()]) if cols else \
        np.zeros(0, dtype=bool)
    cols = {k: v[complete] for k, v in cols.items()}
    n = len(cols["y"]) if cols else 0
    terms = [c for c, v in cols.items() if c != "y" and len(np.unique(v)) > 1]
    out["n"] = int(n)
    if n < 50 or len(np.unique(cols["y"])) < 2 or not terms:
        out["warnings"].append("Too few touched leads with conversion variation for a "
                               "logistic regression (need at least 50).")
        return out
    # column-major, as a DataFrame hands it over: the same BLAS sums, bit for bit
    X = np.asfortranarray(np.column_stack([np.ones(n)] + [cols[t] for t in terms]))
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            fit = Logit(cols["y"], X).fit(disp=0, maxiter=200)
    except Exception as exc:  # perfect separation, singular matrix
        out["converged"] = False
        out["warnings"].append(f"Logistic regression failed ({type(exc).__name__}); odds "
                               "ratios not reported.")
        return out
    out["converged"] = bool(fit.mle_retvals.get("converged", False))
    params, ci, pvalues = np.asarray(fit.params), np.asarray(fit.conf_int()), \
        np.asarray(fit.pvalues)
    for j, t in enumerate(terms, start=1):  # column 0 is the constant
        out["terms"][t] = {"odds_ratio": _f(np.exp(params[j])),
                           "ci_low": _f(np.exp(ci[j, 0])),
                           "ci_high": _f(np.exp(ci[j, 1])),
                           "p_value": _f(pvalues[j])}
    if not out["converged"]:
        out["warnings"].append("The logistic regression did not converge; treat the odds "
                               "ratios with caution.")
    return out


_UNSET = object()


def dose_response(f: pd.DataFrame, *, well_worked_attempts: int, bands=_UNSET) -> dict:
    """Conversion by effort and speed, within score bands (see module docstring).

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    well_worked_attempts : int
        High-effort threshold of the effort contrast.
    bands : Series or None, optional
        :func:`score_bands` of ``f["score"]`` when the caller has it already (computed here
        otherwise).

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
    if bands is _UNSET:
        bands = score_bands(f["score"])
    if bands is not None:
        res["score_bands"] = True
        res["band_edges"] = [float(x) for x in
                             f["score"].quantile([0, 1 / 3, 2 / 3, 1]).to_numpy()]
    else:
        warnings.append("No usable lead score: speed is compared across all leads, so "
                        "reps working better-looking leads harder cannot be ruled out.")
    if f["attempts"].notna().any():
        res["by_attempts"] = _by(f, _attempt_codes(f["attempts"]), ATTEMPT_BUCKETS, bands)
    if f["touched"].any() and f["hours_to_touch"].notna().any():
        res["by_first_touch"] = _by(f, _touch_codes(f), TOUCH_BUCKETS, bands)
        res["logit"] = logit(f)
        warnings.extend(res["logit"]["warnings"])
    return res
