"""Heatmap of scale scores by level, tenure and region: planted group differences are marked,
nothing else is, cells match an independent computation, and no group under the threshold can
be seen or worked out by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit.charts.survey_analytics import plot_group_heatmap
from toolkit.generate import PROFILES, generate_tables
from toolkit.survey.groups import assign_groups
from toolkit.survey.heatmap import NOT_GIVEN, heatmap_frame, scale_heatmap
from toolkit.survey.scoring import clean_items, reverse_items, scale_scores


def _run(survey: pd.DataFrame, k: int = 5):
    g = assign_groups(survey, k)
    df = survey.loc[g.reportable]
    raw, _ = clean_items(df)
    scores = scale_scores(reverse_items(raw))
    return scores, df, g.side[g.reportable], scale_heatmap(scores, df, g.side[g.reportable],
                                                           min_size=k)


@pytest.fixture(scope="module")
def planted():
    survey = generate_tables("followup-gap", seed=41, n_respondents=400, n_leads=100)["survey"]
    return _run(survey)


def test_planted_region_difference_is_marked_and_nothing_else(planted):
    _, _, _, (hm, _) = planted
    effects = PROFILES["followup-gap"].survey.group_effects["region"]["EMEA"]
    assert hm["status"] == "ok" and hm["n_marked"] >= len(effects)
    emea = next(g for g in hm["dimensions"]["region"]["groups"] if g["group"] == "EMEA")
    for scale in effects:                         # planted lower: marked, negative
        c = emea["cells"][scale]
        assert c["marked"] and c["diff"] < 0 and c["ci"][1] < 0
    # every marked cell is a planted scale in the region breakdown (EMEA or its complement)
    for dim, d in hm["dimensions"].items():
        for grp in d["groups"]:
            for s, c in grp["cells"].items():
                if c and c["marked"]:
                    assert dim == "region" and s in effects, (dim, grp["group"], s)


def test_cells_match_an_independent_computation(planted):
    scores, df, side, (hm, _) = planted
    emea = df["region"] == "EMEA"
    x = scores["TRUST"]
    whole = x.dropna()
    grp, rest = x[emea].dropna(), x[~emea].dropna()
    c = next(g for g in hm["dimensions"]["region"]["groups"]
             if g["group"] == "EMEA")["cells"]["TRUST"]
    assert c["n"] == len(grp)
    assert c["diff"] == pytest.approx(25 * (grp.mean() - whole.mean()), abs=1e-9)
    assert c["index"] == pytest.approx(25 * (grp.mean() - 1), abs=1e-9)
    assert c["p"] == pytest.approx(stats.ttest_ind(grp, rest, equal_var=False).pvalue,
                                   rel=1e-9)


def test_interval_excludes_zero_exactly_when_marked(planted):
    _, _, _, (hm, _) = planted
    for d in hm["dimensions"].values():
        for grp in d["groups"]:
            for c in grp["cells"].values():
                if c and c["ci"]:
                    excludes = c["ci"][0] > 0 or c["ci"][1] < 0
                    assert excludes == c["marked"]
    assert 0.95 < hm["ci_level"] < 1


def _survey_with_levels(levels: dict[str, int], seed: int = 3) -> pd.DataFrame:
    n = sum(levels.values())
    s = generate_tables("well-aligned", seed=seed, n_respondents=n, n_leads=100)["survey"]
    s = s.assign(team=np.where(np.arange(n) % 2 == 0, "sales", "marketing"))
    s["level"] = np.repeat(list(levels), list(levels.values()))
    return s


def _never_recoverable(hm: dict, survey: pd.DataFrame, dim: str, k: int):
    """Shown groups are at least k; what the total minus the shown groups leaves is 0 or at
    least k (so no hidden group, nor any union of them under k, can be worked out)."""
    total = len(survey)
    shown = hm["dimensions"][dim]["groups"]
    assert all(g["n"] >= k for g in shown)
    rest = total - sum(g["n"] for g in shown)
    assert rest == 0 or rest >= k


def test_small_group_and_its_complement_are_hidden():
    survey = _survey_with_levels({"individual": 40, "manager": 12, "executive": 3})
    _, _, _, (hm, rec) = _run(survey)
    groups = [g["group"] for g in hm["dimensions"]["level"]["groups"]]
    assert "executive" not in groups and "manager" not in groups   # 3 < 5, then complement
    assert {"executive", "manager"} <= {r["group"] for r in rec
                                        if r["where"] == "survey.heatmap.level"}
    assert all("n" not in r for r in rec)
    _never_recoverable(hm, survey, "level", 5)


def test_missing_values_count_as_a_group_in_the_rule():
    survey = _survey_with_levels({"individual": 30, "manager": 20})
    survey.loc[survey.index[:2], "level"] = None          # 2 without a level
    _, _, _, (hm, rec) = _run(survey)
    groups = {g["group"] for g in hm["dimensions"]["level"]["groups"]}
    assert NOT_GIVEN not in groups and len(groups) == 1   # manager hidden with them
    _never_recoverable(hm, survey, "level", 5)


def test_per_scale_answers_under_the_threshold_hide_the_cell():
    survey = _survey_with_levels({"individual": 30, "manager": 8})
    mgr = survey.index[survey["level"] == "manager"]
    survey.loc[mgr[:5], ["TRUST1", "TRUST2", "TRUST3"]] = np.nan   # 3 managers answer TRUST
    _, _, _, (hm, rec) = _run(survey)
    by = {g["group"]: g for g in hm["dimensions"]["level"]["groups"]}
    assert by["manager"]["cells"]["TRUST"] is None
    assert by["individual"]["cells"]["TRUST"] is None            # complement, per scale
    assert by["manager"]["cells"]["FAIR"] is not None
    assert any(r["where"] == "survey.heatmap.level.TRUST" for r in rec)


@pytest.mark.parametrize("k", [5, 8, 12])
def test_no_group_under_the_threshold_anywhere(k):
    survey = generate_tables("lead-quality", seed=7, n_respondents=90, n_leads=100)["survey"]
    _, _, _, (hm, _) = _run(survey, k)
    for dim in hm["dimensions"]:
        _never_recoverable(hm, survey.loc[assign_groups(survey, k).reportable], dim, k)
        for g in hm["dimensions"][dim]["groups"]:
            for c in g["cells"].values():
                assert c is None or c["n"] >= k


def test_not_in_export_without_demographics():
    survey = generate_tables("well-aligned", seed=1, n_respondents=40, n_leads=100)["survey"]
    _, _, _, (hm, rec) = _run(survey.drop(columns=["level", "tenure", "region"]))
    assert hm["status"] == "not_in_export" and hm["dimensions"] == {} and rec == []
    assert "not in the survey export" in hm["reason"]


def test_chart_draws_marked_hidden_and_plain_cells(planted):
    _, _, _, (hm, _) = planted
    d = heatmap_frame(hm).rename(columns={"scale_name": "column"})
    d["row"] = d["dimension"] + ": " + d["group"]
    d.loc[d.index[0], "shown"] = False
    ax = plot_group_heatmap(data=d)
    texts = [t.get_text() for t in ax.texts]
    assert "–" in texts and any(t.startswith("-") for t in texts)
    assert len(ax.patches) == len(d)
