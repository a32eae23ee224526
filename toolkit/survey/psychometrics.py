"""Reliability of the survey scales: Cronbach's alpha (with 95% CI) and McDonald's omega.

Both are computed on the pooled sample of reportable respondents, on reversed items, with
listwise deletion (respondents who answered every item of the scale), so alpha and omega
describe the same rows.

* Alpha: :func:`pingouin.cronbach_alpha` — Cronbach (1951),
  ``α = k/(k−1) · (1 − Σ s²_item / s²_total)``; 95% CI by Feldt's F-based method
  (Feldt, Woodruff & Salih 1987) as implemented by pingouin.
* Omega (total, one factor): ``ω = (Σλ)² / ((Σλ)² + Σψ)`` from a one-factor maximum-
  likelihood factor analysis of the item correlation matrix (McDonald 1999), fitted with
  :class:`statsmodels.multivariate.factor.Factor`. Needs at least 3 items (a one-factor
  model of 2 items is not identified).

Rule of thumb: alpha below 0.6 is flagged as too low to read the scale as one construct
(the threshold SPEC §4.1 sets; cf. Nunnally 1978 for 0.7 in confirmatory use).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
from statsmodels.multivariate.factor import Factor

from .. import method

ALPHA_FLAG_BELOW = method.value("alpha_flag_below")
MIN_N_RELIABILITY = 10


def cronbach_alpha(items: pd.DataFrame, *, min_n: int = MIN_N_RELIABILITY) -> dict:
    """Cronbach's alpha with its 95% confidence interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Shape (respondents, k ≥ 2): scored (reversed) answers of one scale; NaN = missing.
    min_n : int, default 10
        Minimum number of complete rows; fewer gives ``None`` values.

    Returns
    -------
    dict
        ``{"alpha": float|None, "alpha_ci": [low, high]|None, "n": int,
        "alpha_flag": bool|None}`` — ``alpha_flag`` is True when alpha < 0.6.
    """
    complete = items.dropna()
    n = int(len(complete))
    out = {"alpha": None, "alpha_ci": None, "n": n, "alpha_flag": None}
    if items.shape[1] < 2 or n < min_n or (complete.var(ddof=1) == 0).all():
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha, ci = pg.cronbach_alpha(data=complete, nan_policy="listwise")
    if not np.isfinite(alpha):
        return out
    out["alpha"] = float(alpha)
    out["alpha_ci"] = [float(ci[0]), float(ci[1])] if np.all(np.isfinite(ci)) else None
    out["alpha_flag"] = bool(alpha < ALPHA_FLAG_BELOW)
    return out


def mcdonald_omega(items: pd.DataFrame, *, min_n: int = MIN_N_RELIABILITY) -> float | None:
    """McDonald's omega (total) from a one-factor model.

    Parameters
    ----------
    items : pandas.DataFrame
        Shape (respondents, k): scored answers of one scale; rows with a missing answer are
        dropped (listwise).
    min_n : int, default 10
        Minimum number of complete rows.

    Returns
    -------
    float or None
        ``(Σλ)² / ((Σλ)² + Σψ)`` with standardized loadings λ and uniquenesses ψ = 1 − λ²
        of a maximum-likelihood one-factor solution on the correlation matrix, rounded to
        4 decimals (the iterative fit's precision); None with
        fewer than 3 items, too few rows, a constant item or a fit that fails.
    """
    complete = items.dropna()
    k = items.shape[1]
    if k < 3 or len(complete) < max(min_n, k + 1):
        return None
    if (complete.std(ddof=1) == 0).any():
        return None
    corr = np.corrcoef(complete.to_numpy(dtype=float), rowvar=False)
    if not np.all(np.isfinite(corr)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fa = Factor(corr=corr, n_factor=1, method="ml", nobs=len(complete)).fit(rng=0)
    except Exception:  # noqa: BLE001 - a failed fit means "not estimable", not an error
        return None
    lam = np.asarray(fa.loadings, dtype=float).ravel()
    lam = np.clip(lam, -1.0, 1.0)
    psi = 1.0 - lam ** 2
    s = abs(lam.sum())
    denom = s ** 2 + psi.sum()
    if not np.isfinite(denom) or denom <= 0:
        return None
    # The ML fit starts from a random point unless seeded (rng=0 above) and is iterative
    # (converged to ~1e-6); 4 decimals keep identical data giving identical results.
    return round(float(s ** 2 / denom), 4)


def reliability(items: pd.DataFrame, *, min_n: int = MIN_N_RELIABILITY) -> dict:
    """Alpha (with CI and flag) and omega of one scale; see the two functions above."""
    out = cronbach_alpha(items, min_n=min_n)
    out["omega"] = mcdonald_omega(items, min_n=min_n)
    return out
