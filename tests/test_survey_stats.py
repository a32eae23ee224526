"""Statistics of the survey pinned against independent calculations."""

import itertools

import numpy as np
import pandas as pd
import pytest

from toolkit.survey.compare import (bh_adjust, cliffs_delta, cliffs_magnitude, compare_sides,
                                    mean_ci)
from toolkit.survey.psychometrics import cronbach_alpha, mcdonald_omega
from toolkit.survey.scoring import (clean_items, has_scale_score, items_needed, reverse_items,
                                    scale_scores, stage_of, to_index)

# A hand-made 8 × 3 table of answers.
HAND = pd.DataFrame({"a": [1, 2, 3, 4, 5, 4, 3, 2], "b": [2, 2, 3, 5, 4, 4, 2, 1],
                     "c": [1, 3, 3, 4, 5, 5, 3, 3]}, dtype=float)


def test_alpha_equals_textbook_formula():
    # alpha = k/(k-1) * (1 - sum of item variances / variance of the total), ddof=1
    k = 3
    item_var = HAND.var(ddof=1).sum()
    total_var = HAND.sum(axis=1).var(ddof=1)
    expected = k / (k - 1) * (1 - item_var / total_var)
    res = cronbach_alpha(HAND, min_n=3)
    assert res["alpha"] == pytest.approx(expected, abs=1e-9)
    # by hand: item sums of squares 12, 12.875, 11.875 → variances sum 36.75/7 = 5.25;
    # row totals 4 7 9 13 14 13 8 6 → variance 95.5/7; alpha = 1.5·(1 − 36.75/95.5) = 0.92277
    assert res["alpha"] == pytest.approx(0.92277, abs=1e-5)
    lo, hi = res["alpha_ci"]
    assert lo < res["alpha"] < hi
    assert res["alpha_flag"] is False and res["n"] == 8


def test_alpha_flag_and_too_few_rows():
    noisy = pd.DataFrame({"a": [1, 5, 2, 4, 3, 1, 5, 2, 4, 3, 2, 4],
                          "b": [5, 1, 4, 2, 3, 3, 1, 5, 2, 4, 4, 2],
                          "c": [3, 3, 1, 5, 2, 4, 2, 4, 5, 1, 3, 3]}, dtype=float)
    res = cronbach_alpha(noisy, min_n=3)
    assert res["alpha"] < 0.6 and res["alpha_flag"] is True
    assert cronbach_alpha(HAND.head(4))["alpha"] is None     # fewer than 10 rows


def test_omega_recovers_population_value():
    rng = np.random.default_rng(7)
    n = 20000
    lam = np.array([0.7, 0.6, 0.5])
    f = rng.normal(size=n)
    x = f[:, None] * lam + rng.normal(size=(n, 3)) * np.sqrt(1 - lam ** 2)
    # population omega = (Σλ)² / ((Σλ)² + Σ(1-λ²)) = 3.24 / (3.24 + 1.90) = 0.6304
    assert mcdonald_omega(pd.DataFrame(x)) == pytest.approx(0.6304, abs=0.01)
    assert mcdonald_omega(pd.DataFrame(x[:, :2])) is None     # 2 items: not identified


def _brute_cliff(x, y):
    gt = sum(1 for a, b in itertools.product(x, y) if a > b)
    lt = sum(1 for a, b in itertools.product(x, y) if a < b)
    return (gt - lt) / (len(x) * len(y))


def test_cliffs_delta_equals_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.integers(1, 6, size=rng.integers(2, 25)).astype(float)
        y = rng.integers(1, 6, size=rng.integers(2, 25)).astype(float)
        assert cliffs_delta(x, y) == pytest.approx(_brute_cliff(x, y), abs=1e-12)
    # by hand: x=[1,2,3], y=[2,2]: pairs > : (3,2)x2 = 2; < : (1,2)x2 = 2 → 0
    assert cliffs_delta([1, 2, 3], [2, 2]) == 0.0
    assert cliffs_delta([5, 5], [1, 2, np.nan]) == 1.0


@pytest.mark.parametrize("d,label", [(0.0, "negligible"), (-0.146, "negligible"),
                                     (0.147, "small"), (0.329, "small"), (-0.33, "medium"),
                                     (0.4739, "medium"), (0.474, "large"), (-1.0, "large")])
def test_cliffs_magnitude_thresholds(d, label):
    assert cliffs_magnitude(d) == label


def test_compare_sides_u_consistent_with_delta():
    x, y = [1, 2, 2, 3, 5], [3, 4, 4, 5, 5, 5]
    r = compare_sides(x, y)
    assert r["cliffs_delta"] == pytest.approx(_brute_cliff(x, y))
    assert r["mann_whitney_u"] == pytest.approx((1 + r["cliffs_delta"]) * 30 / 2)
    assert 0 < r["p"] < 1
    assert compare_sides([1], [2, 3])["p"] is None


def test_bh_against_hand_calculation():
    # p sorted: .005(1) .01(2) .03(3) .04(4), m=4 → p·m/rank = .02 .02 .04 .04,
    # cumulative minimum from the top keeps them → original order .02 .04 .04 .02
    assert bh_adjust([0.01, 0.04, None, 0.03, 0.005]) == pytest.approx(
        [0.02, 0.04, None, 0.04, 0.02])
    # monotonicity step: p = .01 .02 .03 (m=3) → .03 .03 .03
    assert bh_adjust([0.03, 0.01, 0.02]) == pytest.approx([0.03, 0.03, 0.03])
    assert bh_adjust([None]) == [None]


def test_mean_ci_by_hand():
    r = mean_ci([1, 2, 3, 4, 5, np.nan])
    # sd = sqrt(2.5) = 1.58114; t(0.975, 4) = 2.776445; half = 2.776445*1.58114/sqrt(5)
    assert r["n"] == 5 and r["mean"] == 3.0
    assert r["ci_low"] == pytest.approx(3 - 1.963243, abs=1e-5)
    assert r["ci_high"] == pytest.approx(3 + 1.963243, abs=1e-5)
    assert mean_ci([4.0])["ci_low"] is None


def test_reverse_and_half_answered_rule():
    raw = pd.DataFrame({"FAIR1": [5, 5, np.nan], "FAIR2": [4, np.nan, np.nan],
                        "FAIR3": [3, np.nan, np.nan], "FAIR4": [1, 2, np.nan],
                        "TRUST1": [2, 2, 2], "TRUST2": [4, np.nan, np.nan],
                        "TRUST3": [6, 1, np.nan],            # 6 = don't know → missing
                        "FEED1": [np.nan, 3, np.nan], "FEED2": [np.nan, np.nan, np.nan]},
                       dtype=float)
    items, n_invalid = clean_items(raw)
    assert n_invalid == 1
    scored = reverse_items(items)
    assert scored.loc[0, "FAIR4"] == 5.0 and scored.loc[1, "TRUST3"] == 5.0
    assert scored.loc[0, "FAIR1"] == 5.0          # not reverse-keyed: unchanged
    sc = scale_scores(scored)
    # FAIR: row0 (5+4+3+5)/4 = 4.25; row1 two of four answered (5, 6-2=4) → 4.5; row2 none
    assert sc.loc[0, "FAIR"] == 4.25 and sc.loc[1, "FAIR"] == 4.5
    assert np.isnan(sc.loc[2, "FAIR"])
    # TRUST (3 items): row0 answered 2 (TRUST3 = 6 is missing) → (2+4)/2; row1 2 of 3 → (2+5)/2;
    # row2 only 1 of 3 → missing
    assert sc.loc[0, "TRUST"] == 3.0 and sc.loc[1, "TRUST"] == 3.5
    assert np.isnan(sc.loc[2, "TRUST"])
    # FEED (2 items): one answered is half → scored
    assert sc.loc[1, "FEED"] == 3.0 and np.isnan(sc.loc[0, "FEED"])


def test_has_scale_score_is_who_scale_scores_scores():
    # the hand-made table above: FAIR rows 0 and 1 scored, TRUST rows 0 and 1, FEED row 1
    raw = pd.DataFrame({"FAIR1": [5, 5, np.nan], "FAIR2": [4, np.nan, np.nan],
                        "FAIR3": [3, np.nan, np.nan], "FAIR4": [1, 2, np.nan],
                        "TRUST1": [2, 2, 2], "TRUST2": [4, np.nan, np.nan],
                        "TRUST3": [6, 1, np.nan],
                        "FEED1": [np.nan, 3, np.nan], "FEED2": [np.nan, np.nan, np.nan]},
                       dtype=float)
    items = clean_items(raw)[0]
    assert has_scale_score(items, "FAIR").tolist() == [True, True, False]
    assert has_scale_score(items, "TRUST").tolist() == [True, True, False]
    assert has_scale_score(items, "FEED").tolist() == [False, True, False]
    assert (items_needed(2), items_needed(3), items_needed(4), items_needed(12)) == (1, 2, 2, 6)
    # and on random answer patterns, every scale, the same respondents as the scores
    rng = np.random.default_rng(7)
    cols = list(items.columns)
    for _ in range(20):
        a = pd.DataFrame(rng.integers(1, 6, size=(30, len(cols))).astype(float), columns=cols)
        a = a.mask(rng.random(a.shape) < rng.random())
        a = a.drop(columns=list(rng.choice(cols, 8, replace=False)))  # absent items
        items = clean_items(a)[0]
        scores = scale_scores(reverse_items(items))
        for scale in scores.columns:
            assert has_scale_score(items, scale).tolist() == scores[scale].notna().tolist()


@pytest.mark.parametrize("m,stage", [(1.0, "Undefined"), (1.99, "Undefined"),
                                     (2.0, "Defined"), (2.99, "Defined"), (3.0, "Aligned"),
                                     (3.999, "Aligned"), (4.0, "Integrated"),
                                     (5.0, "Integrated"), (None, None)])
def test_stage_cuts(m, stage):
    assert stage_of(m) == stage


def test_index_mapping():
    assert to_index(1) == 0 and to_index(3) == 50 and to_index(5) == 100
    assert to_index(None) is None


def test_alpha_and_feldt_ci_equal_pingouin():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    for n, k in ((12, 2), (40, 4), (300, 6)):
        common = rng.normal(size=(n, 1))
        data = pd.DataFrame(np.clip(np.round(3 + common + rng.normal(size=(n, k))), 1, 5),
                            columns=[f"i{j}" for j in range(k)])
        ref_alpha, ref_ci = pg.cronbach_alpha(data=data, nan_policy="listwise")
        res = cronbach_alpha(data, min_n=3)
        assert res["alpha"] == ref_alpha  # same arithmetic, bit for bit
        assert res["alpha_ci"] == [float(ref_ci[0]), float(ref_ci[1])]
