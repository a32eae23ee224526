"""Statistics of wave comparisons against independent reference values (SPEC §12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from toolkit.compare import methods as M


def test_welch_without_correction_matches_scipy():
    b = {"mean": 2.40, "sd": 0.75, "n": 65}
    a = {"mean": 2.71, "sd": 0.81, "n": 58}
    ch = M.mean_change(b, a)
    ref = stats.ttest_ind_from_stats(2.71, 0.81, 58, 2.40, 0.75, 65, equal_var=False)
    assert ch.p == pytest.approx(ref.pvalue, rel=1e-9)
    # interval by hand: Welch–Satterthwaite df
    v1, v2 = 0.75 ** 2 / 65, 0.81 ** 2 / 58
    df = (v1 + v2) ** 2 / (v1 ** 2 / 64 + v2 ** 2 / 57)
    half = stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    lo, hi = ch.interval(0.95)
    assert (lo, hi) == pytest.approx((0.31 - half, 0.31 + half), rel=1e-9)
    # Hedges' g by hand
    sp = math.sqrt((64 * 0.75 ** 2 + 57 * 0.81 ** 2) / 121)
    assert ch.effect == pytest.approx(0.31 / sp * (1 - 3 / (4 * 123 - 9)), rel=1e-9)


def test_finite_population_correction_keeps_response_variance():
    # 80 of 100 people, reliability 0.8: variance s²/n · (0.8 · 20/99 + 0.2)
    factor = 0.8 * 20 / 99 + 0.2
    assert M.variance_factor(80, 100, 0.8) == pytest.approx(factor)
    assert M.variance_factor(80, 100, None) == 1.0          # no reliability: no correction
    assert M.variance_factor(80, None, 0.8) == 1.0          # no headcount: no correction
    assert M.variance_factor(120, 100, 0.8) == 1.0          # wrong headcount: no correction
    assert M.variance_factor(100, 100, 1.0) == 0.0          # perfect census
    b = {"mean": 3.0, "sd": 1.0, "n": 80, "headcount": 100, "reliability": 0.8}
    a = {"mean": 3.3, "sd": 1.0, "n": 80, "headcount": 100, "reliability": 0.8}
    se = math.sqrt(2 * factor / 80)
    ch = M.mean_change(b, a)
    lo, hi = ch.interval(0.95)
    assert (hi - lo) / 2 == pytest.approx(stats.t.ppf(0.975, 158) * se, rel=1e-6)
    narrower = (hi - lo) < (M.mean_change({**b, "headcount": None},
                                          {**a, "headcount": None}).interval(0.95)[1]
                            - M.mean_change({**b, "headcount": None},
                                            {**a, "headcount": None}).interval(0.95)[0])
    assert narrower


def test_newcombe_matches_published_example_and_statsmodels():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80,
    # method 10 (hybrid score): 0.0524 to 0.3339.
    ch = M.share_change({"rate": 48 / 80, "n": 80}, {"rate": 56 / 70, "n": 70})
    lo, hi = ch.interval(0.95)
    assert ch.change == pytest.approx(0.2)
    assert lo == pytest.approx(0.0524, abs=5e-5) and hi == pytest.approx(0.3339, abs=5e-5)
    ref = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert (lo, hi) == pytest.approx(ref, abs=1e-9)
    # the p-value inverts the interval: at level 1 - p the interval touches zero
    assert ch.interval(1 - ch.p)[0] == pytest.approx(0.0, abs=1e-7)
    # Cohen's h by hand
    assert ch.effect == pytest.approx(2 * math.asin(math.sqrt(0.8))
                                      - 2 * math.asin(math.sqrt(0.6)))


def test_share_no_change_and_census():
    same = M.share_change({"rate": 0.3, "n": 50}, {"rate": 0.3, "n": 60})
    assert same.p == 1.0 and same.interval(0.95)[0] < 0 < same.interval(0.95)[1]
    census = M.share_change({"rate": 0.3, "n": 40, "headcount": 40, "reliability": 1.0},
                            {"rate": 0.35, "n": 40, "headcount": 40, "reliability": 1.0})
    assert census.interval(0.95) == pytest.approx((0.05, 0.05))


def test_km_median_interval_matches_order_statistics_without_censoring():
    rng = np.random.default_rng(7)
    x = np.sort(rng.exponential(30.0, 2000))
    n = x.size
    curve = [{"hours": 0.0, "survival": 1.0}] + \
        [{"hours": float(t), "survival": 1 - (i + 1) / n} for i, t in enumerate(x)]
    z = stats.norm.ppf(0.975)
    lo, hi = M.km_median_bounds(curve, n, z)
    # distribution-free median interval: order statistics at n/2 ∓ z·√n/2
    k = z * math.sqrt(n) / 2
    assert lo == pytest.approx(x[int(math.floor(n / 2 - k)) - 1], rel=0.01)
    assert hi == pytest.approx(x[int(math.ceil(n / 2 + k)) - 1], rel=0.01)
    # a curve that never reaches the lower band has an open upper bound
    flat = [{"hours": 0.0, "survival": 1.0}, {"hours": 5.0, "survival": 0.49}]
    assert math.isinf(M.km_median_bounds(flat, 100, z)[1])


def test_median_change_detects_a_real_shift_and_not_noise():
    rng = np.random.default_rng(11)

    def wave(scale):
        x = np.sort(rng.exponential(scale, 3000))
        curve = [{"hours": 0.0, "survival": 1.0}] + \
            [{"hours": float(t), "survival": 1 - (i + 1) / x.size} for i, t in enumerate(x)]
        return {"median": float(np.median(x)), "n": x.size, "curve": curve}

    moved = M.median_change(wave(40.0), wave(20.0))
    assert moved.p < 1e-6 and moved.interval(0.95)[1] < 0
    assert moved.effect == pytest.approx(-0.5, abs=0.08)
    same = M.median_change(wave(40.0), wave(40.0))
    lo, hi = same.interval(0.95)
    assert lo < 0 < hi or same.p > 0.001


def test_adjust_family_matches_statsmodels_and_fcr_level():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, None, 0.5]
    adj, level = M.adjust_family(p, q=0.05)
    ref = multipletests([x for x in p if x is not None], method="fdr_bh")
    assert [a for a in adj if a is not None] == pytest.approx(list(ref[1]))
    assert adj[8] is None
    r = int(ref[0].sum())
    assert level == pytest.approx(1 - r * 0.05 / 9)
    # selected ⇔ p ≤ R q / m: the FCR-level interval excludes zero exactly for them
    for x, a in zip(p, adj):
        if x is not None:
            assert (a <= 0.05) == (x <= 1 - level)


def test_effect_labels():
    assert [M.effect_label(v) for v in (0.1, -0.3, 0.6, -1.2, None)] == [
        "negligible", "small", "medium", "large", None]


def test_interval_change_reproduces_newcombe_from_wilson_bounds():
    # With the two waves' own 95% Wilson intervals, MOVER at 95% is Newcombe's interval.
    w1 = M.wilson_bounds(48 / 80, 80, stats.norm.ppf(0.975))
    w2 = M.wilson_bounds(56 / 70, 70, stats.norm.ppf(0.975))
    ch = M.interval_change({"rate": 48 / 80, "ci_low": w1[0], "ci_high": w1[1]},
                           {"rate": 56 / 70, "ci_low": w2[0], "ci_high": w2[1]})
    assert ch.interval(0.95) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert ch.effect_kind == "cohens_h" and ch.p < 0.01
