"""Reliability of the survey scales: Cronbach's alpha (with 95% CI) and McDonald's omega.

Both are computed on the pooled sample of reportable respondents, on reversed items, with
listwise deletion (respondents who answered every item of the scale), so alpha and omega
describe the same rows.

* Alpha: Cronbach (1951), ``α = k/(k−1) · (1 − Σ s²_item / s²_total)``; 95% CI by
  Feldt's F-based method (Feldt, Woodruff & Salih 1987), rounded to three decimals — the
  computation of :func:`pingouin.cronbach_alpha`, written out here so that a report does
  not import pingouin (which imports matplotlib.pyplot, seaborn and xarray);
  ``tests/test_survey_stats.py`` checks it against pingouin.
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
from scipy.stats import f as f_dist
from statsmodels.multivariate.factor import Factor

from .. import method

ALPHA_FLAG_BELOW = method.value("alpha_flag_below")
#: Fewest complete respondents for alpha and omega (``reliability_min_n``).
MIN_N_RELIABILITY = int(method.value("reliability_min_n"))


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
        "alpha_flag": bool|None, "alpha_reason": str|None}`` — ``alpha_flag`` is True when
        alpha < 0.6; ``alpha_reason`` says why alpha is ``None``.
    """
    complete = items.dropna()
    n = int(len(complete))
    out = {"alpha": None, "alpha_ci": None, "n": n, "alpha_flag": None, "alpha_reason": None}
    if items.shape[1] < 2:
        out["alpha_reason"] = "the scale has fewer than two items"
        return out
    if n < min_n:
        out["alpha_reason"] = (f"only {n} respondent(s) answered every item of the scale "
                               f"(need {min_n})")
        return out
    if (complete.var(ddof=1) == 0).all():
        out["alpha_reason"] = "every respondent gave the same answers"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha, ci = _alpha_feldt(complete)
    if not np.isfinite(alpha):
        out["alpha_reason"] = "the answers do not vary enough to compute it"
        return out
    out["alpha"] = float(alpha)
    out["alpha_ci"] = [float(ci[0]), float(ci[1])] if np.all(np.isfinite(ci)) else None
    out["alpha_flag"] = bool(alpha < ALPHA_FLAG_BELOW)
    return out


def _alpha_feldt(complete: pd.DataFrame, ci: float = 0.95) -> tuple[float, np.ndarray]:
    """Cronbach's alpha and Feldt's CI of complete rows (as ``pingouin.cronbach_alpha``).

    Parameters
    ----------
    complete : pandas.DataFrame
        Shape (n, k), no missing values.
    ci : float
        Confidence level.

    Returns
    -------
    (float, numpy.ndarray)
        Alpha and ``[low, high]`` rounded to three decimals.
    """
    n, k = complete.shape
    cov = complete.cov(numeric_only=True)
    alpha = (k / (k - 1)) * (1 - np.trace(cov) / cov.sum().sum())
    level = 1 - ci
    df1 = n - 1
    df2 = df1 * (k - 1)
    lower = 1 - (1 - alpha) * f_dist.isf(level / 2, df1, df2)
    upper = 1 - (1 - alpha) * f_dist.isf(1 - level / 2, df1, df2)
    return alpha, np.round([lower, upper], 3)


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
