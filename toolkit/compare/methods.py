"""Statistics of a change between two waves of independent samples (SPEC §12).

Respondents are not matched across waves (surveys are anonymous) and leads of two periods
are different leads, so every method here treats the waves as independent samples.

Methods and sources
-------------------
* **Means** (scale scores 1..5, pillar indexes 0..100): Welch's unequal-variance t interval
  and test with Satterthwaite degrees of freedom (Welch 1947), built from each wave's n and
  SD as stored in ``results.json``.
* **Finite-population correction with response error** (Cochran 1977, *Sampling
  Techniques*, §2.5 and §13.9; Hansen, Hurwitz & Bershad 1961): when the wave's headcount
  ``N`` is known, the part of the variance due to *who* answered shrinks by
  ``c = (N − n) / (N − 1)``, but the response variance — the same person answering a little
  differently on another day — does not: surveying everyone still leaves it. With the
  scale's reliability ``ρ`` (Cronbach's alpha of the wave) as the true-score share of the
  variance, the variance of a mean is ``s²/n · (ρ c + 1 − ρ)``. Without a known reliability
  (single questions such as the blame claims, or an older ``results.json``) no correction
  is made (``ρ = 0``, the conservative choice).
* **Shares** (blame claims, CRM rates): Wilson score interval per wave (Wilson 1927; with the
  finite-population correction through the effective sample size ``n (N − 1) / (N − n)``)
  and Newcombe's hybrid score interval for the difference (Newcombe 1998, method 10), which
  is the MOVER construction of Zou & Donner (2008) applied to Wilson intervals.
* **Medians** (hours to first touch): the Brookmeyer & Crowley (1982) interval read from the
  Kaplan–Meier curve stored in ``results.json`` (binomial variance of the survival at the
  median, exact when no lead is censored before the median — untouched leads are censored at
  the extract date, long after it), combined across waves by MOVER (Zou & Donner 2008).
  A bootstrap would need the lead rows, which ``results.json`` does not carry.
* **Kaplan–Meier shares** (conversion of well-worked leads on the attempt clock): MOVER from
  each wave's recorded 95 % interval, its half-widths scaled to other levels by ``z / 1.96``.
* **p-values** of MOVER intervals are found by inverting the interval (the smallest
  two-sided level whose interval still excludes zero), so a test and its interval always
  agree.
* **Multiplicity**: Holm's (1979) step-down procedure across the whole family of tested
  changes, controlling the *family-wise* error rate at ``α`` = 5 %: whatever the
  dependence between the figures (the two sides and everyone, a pillar and its scales are
  correlated), the chance that **any** unchanged figure is called detectable in a
  comparison is at most ``α``. Holm rejects every hypothesis Bonferroni rejects and
  usually more (Holm 1979). The interval of a figure is drawn at the level at which
  Holm's procedure judged it: ``1 − α / (m − j + 1)`` for the figure ranked ``j``-th
  (smallest p first) among the ``R`` detectable ones, and ``1 − α / (m − R)`` for every
  other figure (``m`` tested), so an interval excludes zero exactly when Holm's adjusted
  p is below ``α`` — the test and the interval never disagree. The intervals are
  test-compatible, not a simultaneous set: intervals that hold jointly with 95 %
  confidence and still match Holm's decisions cannot in general be two-sided
  (Strassburger & Bretz 2008); the Bonferroni intervals at ``1 − α / m`` are that set
  and are at most a little wider (for the ``R``-th detectable figure, ``α / (m − R + 1)``
  instead of ``α / m``).

  *Why not Benjamini–Hochberg* (the issue's first choice): Benjamini & Hochberg (1995)
  control the false-discovery **rate** — the expected share of chance findings among the
  figures called detectable — not the chance of any. With ``R`` real changes among ``m``
  figures, BH tests every unchanged figure at about ``(R + 1) q / m``: in the committed
  sample 25 · 0.05 / 58 ≈ 2 % each, so with 34 unchanged figures and exact tests a
  comparison would show at least one of them as "improved" or "worse" about half the time
  (1 − 0.978³⁴ ≈ 0.5), while the false-discovery rate stays near 3 %. Holm tests them at
  0.05 / 34 ≈ 0.15 % each, at most 5 % together. On 180 generated pairs (where the survey
  tests are conservative, as the generator has no response error) BH showed an unchanged
  figure as changed in 6 pairs and Holm in none; Holm missed a planted change in 23 of
  3,645 cases (18 of them the single-question blame share of a side of about 35 people,
  found in 90 % of pairs; every planted scale change was found in all 180 pairs and
  every CRM change in all 24 pairs with a CRM), BH in one. A client who acts on the one line that says "improved" reads a claim,
  not a rate; the report therefore controls the family-wise error. The field names of
  ``comparison.json`` (``p_adj``, ``ci_level``, ``detectable``) are unchanged; ``p_adj``
  is Holm's adjusted p.
* **Effect sizes**: Hedges' g for means (Hedges 1981; Cohen's 0.2 / 0.5 / 0.8 labels),
  Cohen's h for shares (Cohen 1988, same labels), the relative change for medians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests

from ..method import COHEN_MAGNITUDES, value

#: Family-wise error rate of Holm's adjustment across a comparison (``toolkit.method``).
FAMILY_ALPHA = value("wave_family_alpha")
#: Cohen's (1988) labels for |g| and |h| (``toolkit.method.COHEN_MAGNITUDES``).
COHEN_LABELS: tuple[tuple[float, str], ...] = COHEN_MAGNITUDES
_Z_MAX = 40.0


def variance_factor(n: int | None, headcount: int | None,
                    reliability: float | None = None) -> float:
    """Multiplier of ``s²/n`` for a finite population with response error.

    Parameters
    ----------
    n, headcount : int or None
        Answers and people surveyed (see :func:`fpc_factor`).
    reliability : float or None
        True-score share of the variance (Cronbach's alpha), clipped to [0, 1]; None = 0.

    Returns
    -------
    float
        ``ρ c + 1 − ρ`` with ``c`` = :func:`fpc_factor` (Hansen, Hurwitz & Bershad 1961).
    """
    rho = 0.0 if reliability is None or not math.isfinite(reliability) else \
        min(max(float(reliability), 0.0), 1.0)
    return rho * fpc_factor(n, headcount) + 1.0 - rho


def fpc_factor(n: int | None, headcount: int | None) -> float:
    """Variance multiplier ``(N − n) / (N − 1)`` of the finite-population correction.

    Parameters
    ----------
    n : int or None
        Respondents (answers) in the wave.
    headcount : int or None
        People in the population surveyed; ``None`` or smaller than *n* (a wrong headcount)
        means no correction.

    Returns
    -------
    float
        In [0, 1]; 1.0 when no correction applies, 0.0 for a census.
    """
    if not n or not headcount or headcount < n or headcount <= 1:
        return 1.0
    return (headcount - n) / (headcount - 1)


def effect_label(x: float | None) -> str | None:
    """Cohen's label for a standardized effect (|g| or |h|): negligible/small/medium/large."""
    if x is None or not math.isfinite(x):
        return None
    for cut, label in COHEN_LABELS:
        if abs(x) < cut:
            return label
    return "large"


@dataclass(frozen=True)
class Change:
    """The change of one figure between two waves, before the family adjustment.

    ``interval(level)`` returns the two-sided interval of the change at *level*
    (e.g. 0.95); ``None`` when no interval can be formed.
    """

    before: float
    after: float
    p: float | None
    interval: Callable[[float], tuple[float, float]] | None
    effect: float | None
    effect_kind: str | None
    method: str

    @property
    def change(self) -> float:
        """``after − before`` in the figure's own unit."""
        return self.after - self.before


# ----------------------------------------------------------------------------- means


def mean_change(before: dict, after: dict) -> Change:
    """Welch interval and test for the change of a mean between independent waves.

    Parameters
    ----------
    before, after : dict
        ``{"mean", "sd", "n", "headcount", "reliability"}`` of each wave (``headcount`` or
        ``reliability`` None: no finite-population correction).

    Returns
    -------
    Change
        ``effect`` is Hedges' g (pooled SD, small-sample corrected); ``interval`` and ``p``
        are None when a wave lacks its SD or has fewer than 2 answers.
    """
    m1, m2 = float(before["mean"]), float(after["mean"])
    n1, n2 = before.get("n"), after.get("n")
    s1, s2 = before.get("sd"), after.get("sd")
    if not n1 or not n2 or n1 < 2 or n2 < 2 or s1 is None or s2 is None:
        return Change(m1, m2, None, None, None, None, "welch")
    v1 = s1 ** 2 / n1 * variance_factor(n1, before.get("headcount"), before.get("reliability"))
    v2 = s2 ** 2 / n2 * variance_factor(n2, after.get("headcount"), after.get("reliability"))
    d = m2 - m1
    se = math.sqrt(v1 + v2)
    pooled = math.sqrt(((n1 - 1) * s1 ** 2 + (n2 - 1) * s2 ** 2) / (n1 + n2 - 2))
    j = 1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0)
    g = d / pooled * j if pooled > 0 else None
    if se == 0.0:   # both waves are censuses (or no spread): the change is known exactly
        p = 1.0 if d == 0 else 0.0
        return Change(m1, m2, p, lambda level: (d, d), g, "hedges_g", "welch")
    den = (v1 ** 2 / (n1 - 1) if v1 else 0.0) + (v2 ** 2 / (n2 - 1) if v2 else 0.0)
    df = (v1 + v2) ** 2 / den if den > 0 else float(n1 + n2 - 2)
    p = float(2 * stats.t.sf(abs(d) / se, df))

    def interval(level: float) -> tuple[float, float]:
        half = float(stats.t.ppf(0.5 + level / 2, df)) * se
        return d - half, d + half

    return Change(m1, m2, p, interval, g, "hedges_g", "welch")


# ----------------------------------------------------------------------------- shares


def wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of a share *p* from *n* (possibly an effective, non-integer n).

    ``n = inf`` (a census) gives the point ``(p, p)``.
    """
    if math.isinf(n):
        return p, p
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _effective_n(n: int, headcount: int | None, reliability: float | None = None) -> float:
    f = variance_factor(n, headcount, reliability)
    return math.inf if f == 0.0 else n / f


def _mover(d: float, est1: float, est2: float,
           b1: Callable[[float], tuple[float, float]],
           b2: Callable[[float], tuple[float, float]]) -> tuple[Callable, float | None]:
    """MOVER interval of ``est2 − est1`` from each wave's interval at any z, and its p."""
    def at_z(z: float) -> tuple[float, float]:
        l1, u1 = b1(z)
        l2, u2 = b2(z)
        lo = d - math.sqrt((est2 - l2) ** 2 + (u1 - est1) ** 2)
        hi = d + math.sqrt((u2 - est2) ** 2 + (est1 - l1) ** 2)
        return lo, hi

    def interval(level: float) -> tuple[float, float]:
        return at_z(float(stats.norm.ppf(0.5 + level / 2)))

    if d == 0:
        return interval, 1.0
    bound = (lambda z: at_z(z)[0]) if d > 0 else (lambda z: -at_z(z)[1])
    try:
        if bound(0.0) <= 0:
            return interval, 1.0
        if bound(_Z_MAX) > 0:
            return interval, float(2 * stats.norm.sf(_Z_MAX))
        z_star = optimize.brentq(bound, 0.0, _Z_MAX, xtol=1e-10)
    except (ValueError, ZeroDivisionError, OverflowError):
        return interval, None
    return interval, float(2 * stats.norm.sf(z_star))


def share_change(before: dict, after: dict) -> Change:
    """Newcombe (hybrid Wilson score) interval and inverted test for a change of a share.

    Parameters
    ----------
    before, after : dict
        ``{"rate", "n", "headcount", "reliability"}`` per wave (``headcount`` or
        ``reliability`` None: no correction).

    Returns
    -------
    Change
        ``effect`` is Cohen's h = 2·asin√p₂ − 2·asin√p₁.
    """
    p1, p2 = float(before["rate"]), float(after["rate"])
    n1, n2 = before.get("n"), after.get("n")
    h = 2 * math.asin(math.sqrt(min(max(p2, 0.0), 1.0))) - \
        2 * math.asin(math.sqrt(min(max(p1, 0.0), 1.0)))
    if not n1 or not n2:
        return Change(p1, p2, None, None, h, "cohens_h", "newcombe")
    e1 = _effective_n(int(n1), before.get("headcount"), before.get("reliability"))
    e2 = _effective_n(int(n2), after.get("headcount"), after.get("reliability"))
    interval, p = _mover(p2 - p1, p1, p2, lambda z: wilson_bounds(p1, e1, z),
                         lambda z: wilson_bounds(p2, e2, z))
    return Change(p1, p2, p, interval, h, "cohens_h", "newcombe")


def interval_change(before: dict, after: dict) -> Change:
    """MOVER change of a figure known only by its estimate and 95 % interval per wave.

    Each wave's interval at another level is its 95 % half-widths scaled by ``z / 1.96``
    (normal approximation on each side). Used for figures such as a Kaplan–Meier
    conversion that ``results.json`` stores as ``{rate, ci_low, ci_high}`` without counts.
    """
    v1, v2 = float(before["rate"]), float(after["rate"])
    z95 = float(stats.norm.ppf(0.975))

    def scaled(d: dict, v: float):
        lo, hi = d.get("ci_low"), d.get("ci_high")
        if lo is None or hi is None:
            return None
        return lambda z: (v - (v - lo) * z / z95, v + (hi - v) * z / z95)

    b1, b2 = scaled(before, v1), scaled(after, v2)
    h = (2 * math.asin(math.sqrt(v2)) - 2 * math.asin(math.sqrt(v1))
         if 0 <= v1 <= 1 and 0 <= v2 <= 1 else None)
    kind = None if h is None else "cohens_h"
    if b1 is None or b2 is None:
        return Change(v1, v2, None, None, h, kind, "mover")
    interval, p = _mover(v2 - v1, v1, v2, b1, b2)
    return Change(v1, v2, p, interval, h, kind, "mover")


# ----------------------------------------------------------------------------- medians


def km_median_bounds(curve: Sequence[dict], n: int, z: float) -> tuple[float, float]:
    """Brookmeyer–Crowley interval of the Kaplan–Meier median from a stored curve.

    Parameters
    ----------
    curve : sequence of dict
        ``[{"hours", "survival"}, ...]`` (``crm.speed.km_curve``), survival non-increasing.
    n : int
        Leads in the population of the curve.
    z : float
        Normal quantile of the wanted level.

    Returns
    -------
    (float, float)
        The times at which the survival curve crosses ``0.5 ± z·0.5/√n`` (linear
        interpolation between stored points); ``inf`` when the curve never gets that low.
    """
    t = np.array([float(p["hours"]) for p in curve])
    s = np.array([float(p["survival"]) for p in curve])
    half = z * 0.5 / math.sqrt(n)

    def cross(level: float) -> float:
        if level >= s[0]:
            return float(t[0])
        below = np.flatnonzero(s <= level)
        if below.size == 0:
            return math.inf
        i = int(below[0])
        t0, t1, s0, s1 = t[i - 1], t[i], s[i - 1], s[i]
        return float(t1 if s0 == s1 else t0 + (s0 - level) / (s0 - s1) * (t1 - t0))

    return cross(0.5 + half), cross(0.5 - half)


def median_change(before: dict, after: dict) -> Change:
    """MOVER change of a Kaplan–Meier median between waves (Brookmeyer–Crowley per wave).

    Parameters
    ----------
    before, after : dict
        ``{"median", "n", "curve"}`` per wave.

    Returns
    -------
    Change
        ``effect`` is the relative change ``after / before − 1``.
    """
    m1, m2 = float(before["median"]), float(after["median"])
    rel = m2 / m1 - 1.0 if m1 > 0 else None
    c1, c2 = before.get("curve"), after.get("curve")
    if not c1 or not c2 or not before.get("n") or not after.get("n"):
        return Change(m1, m2, None, None, rel, "relative_change", "brookmeyer_crowley_mover")
    n1, n2 = int(before["n"]), int(after["n"])
    interval, p = _mover(m2 - m1, m1, m2, lambda z: km_median_bounds(c1, n1, z),
                         lambda z: km_median_bounds(c2, n2, z))
    return Change(m1, m2, p, interval, rel, "relative_change", "brookmeyer_crowley_mover")


# ----------------------------------------------------------------------------- family


def adjust_family(pvalues: Sequence[float | None],
                  alpha: float = FAMILY_ALPHA) -> tuple[list, list]:
    """Holm's step-down adjusted p-values and each figure's interval level.

    Parameters
    ----------
    pvalues : sequence of float or None
        The family's unadjusted p-values; None (or non-finite) entries are not tested and
        not counted in the family size ``m``.
    alpha : float
        Family-wise error rate.

    Returns
    -------
    p_adj : list
        Holm-adjusted p-values (Holm 1979; ``statsmodels`` ``method="holm"``), same order,
        None where untested. A figure is detectable when its adjusted p is below *alpha*.
    levels : list
        Two-sided interval level per figure, None where untested: ``1 − α / (m − j + 1)``
        for the ``j``-th smallest p among the ``R`` figures Holm rejects (the level at which
        its step tested it), ``1 − α / (m − R)`` for the others. A p-value obtained by
        inverting the interval is below ``1 − level`` exactly when the interval at *level*
        excludes zero, so interval and adjusted p always agree.

    Raises
    ------
    ValueError
        When *alpha* is not in (0, 1).

    Notes
    -----
    Source: Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics* 6, 65–70. Holm's adjusted p of the ``j``-th
    smallest is ``max_{i ≤ j} min(1, (m − i + 1) p_(i))``; step-down stops at the first
    ``p_(j) ≥ α / (m − j + 1)``, so every figure not rejected has
    ``p ≥ p_(R+1) ≥ α / (m − R)``.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    idx = [i for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    p_adj: list = [None] * len(pvalues)
    levels: list = [None] * len(pvalues)
    if not idx:
        return p_adj, levels
    ps = np.array([float(pvalues[i]) for i in idx])
    adj = multipletests(ps, alpha=alpha, method="holm")[1]
    m = len(idx)
    order = np.argsort(ps, kind="stable")
    rank = np.empty(m, dtype=int)
    rank[order] = np.arange(1, m + 1)
    rejected = adj < alpha
    r = int(rejected.sum())
    for k, i in enumerate(idx):
        p_adj[i] = float(adj[k])
        levels[i] = 1.0 - alpha / ((m - rank[k] + 1) if rejected[k] else (m - r))
    return p_adj, levels
