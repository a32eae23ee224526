"""Workshop filters: no group under the threshold can be recovered by differencing views.

Tester's case (followup-gap, k = 5): the unfiltered CLAIM_LEADS "all" counted 114 answers,
including the other teams, while the APAC view left out its 2 other-team respondents
(1 leadership + 1 other), so 114 − (15 + 40 + 57) = 2 and the answer distributions of those
two people followed by subtraction. The check here is independent of the code: every shown
figure is rebuilt as the set of respondents it counts, and a group is recoverable exactly
when its indicator vector lies in the linear span of the shown sets (counts and answer
distributions are linear in those sets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.config import SIDES, load_engagement
from toolkit.intake import load_data
from toolkit.workshop import filter_options, filter_respondents, open_workshop
from toolkit.workshop.filters import answers_safe

CODE = "CLAIM_LEADS"


def _group(survey: pd.DataFrame) -> pd.Series:
    return survey["team"].map(lambda t: SIDES.get(t, "rest"))


def _in_view(survey: pd.DataFrame, side=None, level=None, region=None) -> np.ndarray:
    """Respondents of a view, selected from the table by its definition (the workshop
    serves results.json and holds no respondents)."""
    keep = np.ones(len(survey), dtype=bool)
    for dim, value in (("level", level), ("region", region)):
        if value is not None:
            keep &= (survey[dim].astype("string").str.strip() == value).fillna(False).to_numpy()
    if side is not None:
        keep &= (_group(survey) == side).to_numpy()
    return keep


def _shown_sets(w, survey: pd.DataFrame) -> list[np.ndarray]:
    """0/1 vectors over respondents for every figure the workshop shows for CODE."""
    grp = _group(survey)
    answered = survey[CODE].notna()
    views = [{}]
    opts = w.filter_options()
    views += [{"region": r} for r in opts["region"]] + [{"level": lv} for lv in opts["level"]]
    for lv in opts["level"]:
        views += [{"level": lv, "region": r} for r in w.filter_options(level=lv)["region"]]
    rows = []
    for kw in views:
        for side in (None, "sales", "marketing"):
            view, res = w.reveal(CODE, side=side, **kw)
            if res is None:
                continue
            inview = _in_view(survey, side, **kw) & answered.to_numpy()
            for s, fig in res["by_side"].items():
                if fig["n"] is None:
                    continue
                with_rest = inview & (grp.to_numpy() == s if s != "all" else True)
                no_rest = with_rest & (grp.to_numpy() != "rest")
                vec = with_rest if fig["n"] == with_rest.sum() else no_rest
                assert fig["n"] == vec.sum()
                rows.append(vec.astype(float))
    return rows


def _recoverable(rows: list[np.ndarray], target: np.ndarray) -> bool:
    a = np.vstack(rows).T
    coef, *_ = np.linalg.lstsq(a, target, rcond=None)
    return bool(np.allclose(a @ coef, target, atol=1e-8))


def test_tester_subtraction_no_longer_recovers_the_group_of_two():
    w = open_workshop("data/samples/followup-gap")
    k = w.min_group_size
    survey = load_data(load_engagement("data/samples/followup-gap")).survey
    survey = survey.reset_index(drop=True)
    grp, answered = _group(survey), survey[CODE].notna()
    pair = ((survey["region"] == "APAC") & (grp == "rest") & answered).to_numpy()
    assert pair.sum() == 2                      # the group the tester recovered
    rows = _shown_sets(w, survey)
    assert not _recoverable(rows, pair.astype(float))
    # the literal subtraction: unfiltered "all" minus the "all" of every region shown
    total = w.reveal(CODE)[1]["by_side"]["all"]["n"]
    regions = [w.reveal(CODE, region=r)[1]["by_side"]["all"]["n"]
               for r in w.filter_options()["region"]]
    assert total - sum(regions) == 0 or total - sum(regions) >= k
    # no cell (level × region × sales/marketing/other teams) under k is recoverable either
    cells = pd.DataFrame({"l": survey["level"].fillna("?"), "r": survey["region"].fillna("?"),
                          "g": grp})[answered]
    for _, idx in cells.groupby(["l", "r", "g"]).groups.items():
        if 0 < len(idx) < k:
            target = survey.index.isin(idx).astype(float)
            assert not _recoverable(rows, target)


def test_region_with_small_other_teams_group_is_not_offered():
    # region A: 5 sales, 5 marketing, 2 revops; region B: 6, 6, 6 -> A not offered, and B
    # withheld too (else the other teams of A = total - B)
    spec = [("sales", "A", 5), ("marketing", "A", 5), ("revops", "A", 2),
            ("sales", "B", 6), ("marketing", "B", 6), ("revops", "B", 6),
            ("sales", "C", 7), ("marketing", "C", 7)]
    s = pd.DataFrame([{"team": t, "region": r, "level": "individual", CODE: 3}
                      for t, r, n in spec for _ in range(n)])
    assert filter_options(s, 5)["region"] == ["C"]
    assert not filter_respondents(s, 5, region="A").shown
    assert not filter_respondents(s, 5, region="B").shown
    assert filter_respondents(s, 5, region="C").shown


def test_question_hidden_when_a_region_has_too_few_answers():
    # both regions safe by respondents, but only 4 of region A's sales side answered:
    # unfiltered sales − B's sales would give those 4 answers
    s = pd.DataFrame([{"team": t, "region": r, CODE: 3}
                      for t, r, n in [("sales", "A", 6), ("marketing", "A", 6),
                                      ("sales", "B", 6), ("marketing", "B", 6)]
                      for _ in range(n)])
    s.loc[s.index[:2], CODE] = np.nan
    assert filter_options(s, 5)["region"] == ["A", "B"]
    assert not answers_safe(s, s[CODE].notna(), 5, region="B")
    assert answers_safe(s, pd.Series(True, index=s.index), 5, region="B")


def test_all_hidden_when_view_drops_other_teams():
    from toolkit.workshop import perception_reveal
    s = pd.DataFrame([{"team": t, CODE: 3} for t, n in
                      [("sales", 5), ("marketing", 5), ("revops", 2)] for _ in range(n)])
    r = perception_reveal(s, CODE, min_group_size=5)
    assert r["by_side"]["sales"]["n"] == 5 and r["by_side"]["all"]["n"] is None
    assert not r["shown"]["all"]


def test_remembered_partitions_equal_fresh_ones_and_are_not_shared():
    """Partitions are remembered by their exact inputs (issue 18): for random surveys each
    remembered answer equals a fresh computation, callers get lists of their own, and the
    store stays bounded."""
    from toolkit.workshop import filters

    rng = np.random.default_rng(11)
    teams = ["sales", "sales_development", "marketing", "revops", "leadership", None]
    for trial in range(30):
        n = int(rng.integers(5, 120))
        survey = pd.DataFrame({
            "team": pd.array(rng.choice(teams, n), dtype="string"),
            "region": pd.array(rng.choice(["EMEA", " APAC", "AMER", "", None], n),
                               dtype="string")})
        values, side = filters._dim(survey, "region"), filters._side(survey)
        k = int(rng.integers(2, 6))
        first = filters._partition(values, side, k)
        assert first == filters._partition_of(values, side, k)
        first[0].append("tampered")
        again = filters._partition(values, side, k)
        assert again == filters._partition_of(values, side, k)  # the caller's edit stayed
        # the side of each team as the vocabulary says (blank team → other teams)
        expect = [filters.SIDES.get(t if t is not None else "other", filters.REST)
                  for t in survey["team"].astype(object).where(survey["team"].notna(), None)]
        assert side.tolist() == expect
    assert 0 < len(filters._PARTITIONS) <= filters.PARTITIONS_KEPT
