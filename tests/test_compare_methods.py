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


def test_adjust_family_is_holm_with_test_compatible_levels():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, None, 0.5, 0.0001]
    adj, levels = M.adjust_family(p, alpha=0.05)
    # by hand (m = 10): 0.0001 × 10 = 0.001, 0.001 × 9 = 0.009, then 0.008 × 8 = 0.064 ≥ 0.05
    # stops the step-down: R = 2
    assert adj[10] == pytest.approx(0.001) and adj[0] == pytest.approx(0.009)
    assert adj[1] == pytest.approx(0.064) and adj[2] == pytest.approx(0.273)
    assert adj[8] is None and levels[8] is None
    ref = multipletests([x for x in p if x is not None], method="holm")
    assert [a for a in adj if a is not None] == pytest.approx(list(ref[1]))
    assert levels[10] == pytest.approx(1 - 0.05 / 10)      # first step
    assert levels[0] == pytest.approx(1 - 0.05 / 9)        # second step
    assert all(levels[i] == pytest.approx(1 - 0.05 / 8) for i in (1, 2, 3, 4, 5, 6, 7, 9))
    # the interval at its level excludes zero (p < 1 − level) exactly when Holm rejects
    for x, a, lv in zip(p, adj, levels):
        if x is not None:
            assert (a < 0.05) == (x < 1 - lv)
    # stricter than Benjamini–Hochberg on the same p-values (BH selects 0.0001, 0.001, 0.008)
    assert int(multipletests([x for x in p if x is not None], method="fdr_bh")[0].sum()) == 3
    with pytest.raises(ValueError):
        M.adjust_family(p, alpha=0)
    assert M.adjust_family([None, float("nan")]) == ([None, None], [None, None])


def test_adjust_family_with_a_real_interval_agrees_at_the_boundary():
    """A Welch change whose p sits just either side of its Holm threshold."""
    b = {"mean": 3.0, "sd": 0.8, "n": 40}
    for after_mean in np.linspace(3.3, 3.8, 11):
        ch = M.mean_change(b, {"mean": float(after_mean), "sd": 0.8, "n": 40})
        adj, levels = M.adjust_family([ch.p, 0.5, 0.7], alpha=0.05)
        lo, hi = ch.interval(levels[0])
        assert (lo > 0 or hi < 0) == (adj[0] < 0.05), after_mean


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
