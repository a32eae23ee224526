"""Sales side vs marketing side: means with CIs, Mann–Whitney U, Cliff's delta, BH.

* Mann–Whitney U: :func:`scipy.stats.mannwhitneyu`, two-sided, asymptotic with tie and
  continuity correction (Likert answers are heavily tied).
* Cliff's delta (Cliff 1993): ``d = (#{x > y} − #{x < y}) / (n_x · n_y)`` over all pairs,
  computed from the U statistic as ``d = 2·U_x / (n_x n_y) − 1`` (U counts ties as ½).
  Positive = the sales side answers higher. Magnitude labels of Romano et al. (2006):
  |d| < 0.147 negligible, < 0.33 small, < 0.474 medium, else large.
* Benjamini–Hochberg (1995) false-discovery-rate adjustment:
  :func:`statsmodels.stats.multitest.multipletests` with ``method="fdr_bh"``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .. import method
from ..method import CLIFF_MAGNITUDES

#: Romano et al. (2006) thresholds for |Cliff's delta| (:data:`toolkit.method.CLIFF_MAGNITUDES`).
CLIFF_THRESHOLDS: tuple[tuple[float, str], ...] = CLIFF_MAGNITUDES
#: Fewest answers per side for the test and Cliff's delta (``min_n_side_test``).
MIN_N_TEST = int(method.value("min_n_side_test"))


def _clean(x) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a[~np.isnan(a)]


def mean_ci(values, confidence: float = 0.95) -> dict:
    """Mean and its t-based confidence interval.

    Parameters
    ----------
    values : array-like of float
        One group's scores; NaN ignored.
    confidence : float, default 0.95

    Returns
    -------
    dict
        ``{"n", "mean", "sd", "ci_low", "ci_high"}``; CI bounds None when n < 2.
    """
    a = _clean(values)
    n = int(a.size)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci_low": None, "ci_high": None}
    m = float(a.mean())
    if n < 2:
        return {"n": n, "mean": m, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(a.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n))
    return {"n": n, "mean": m, "sd": sd, "ci_low": m - half, "ci_high": m + half}


def cliffs_delta(x, y) -> float | None:
    """Cliff's delta of *x* over *y* (positive when *x* tends to be larger).

    Parameters
    ----------
    x, y : array-like of float
        The two groups; NaN ignored.

    Returns
    -------
    float or None
        In [−1, 1]; None if a group is empty.
    """
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        return None
    u = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic
    return float(2.0 * u / (a.size * b.size) - 1.0)


def cliffs_magnitude(d: float | None) -> str | None:
    """Label |d| as negligible / small / medium / large (Romano et al. 2006)."""
    if d is None:
        return None
    for cut, label in CLIFF_THRESHOLDS:
        if abs(d) < cut:
            return label
    return "large"


def compare_sides(x, y) -> dict:
    """Mann–Whitney U test and Cliff's delta of the sales side (*x*) vs marketing side (*y*).

    Returns
    -------
    dict
        ``{"mann_whitney_u", "p", "cliffs_delta", "cliffs_magnitude"}``; None values when
        either group has fewer than 2 answers or all answers are identical.
    """
    a, b = _clean(x), _clean(y)
    out = {"mann_whitney_u": None, "p": None, "cliffs_delta": None, "cliffs_magnitude": None}
    if a.size < MIN_N_TEST or b.size < MIN_N_TEST:
        return out
    res = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
    d = float(2.0 * res.statistic / (a.size * b.size) - 1.0)
    out["cliffs_delta"] = d
    out["cliffs_magnitude"] = cliffs_magnitude(d)
    out["mann_whitney_u"] = float(res.statistic)
    out["p"] = 1.0 if np.ptp(np.concatenate([a, b])) == 0 else float(res.pvalue)
    return out


def bh_adjust(pvalues) -> list:
    """Benjamini–Hochberg adjusted p-values; None entries stay None and are not counted.

    Parameters
    ----------
    pvalues : sequence of float or None
        One family of tests (e.g. all scales, or all items).

    Returns
    -------
    list of float or None
        Same length and order.
    """
    p = list(pvalues)
    idx = [i for i, v in enumerate(p) if v is not None and np.isfinite(v)]
    out: list = [None] * len(p)
    if not idx:
        return out
    adj = multipletests([p[i] for i in idx], method="fdr_bh")[1]
    for i, v in zip(idx, adj):
        out[i] = float(v)
    return out
