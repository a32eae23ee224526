"""measure_survey on hand-built surveys whose answers are known exactly."""

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.instrument import LIKERT_ITEMS, REVERSE_ITEMS
from toolkit.survey import measure_survey

SETTINGS = AnalysisSettings(min_group_size=5, min_comment_group_size=8)


def build(teams: dict, scored: dict, freq: dict | None = None, claims: dict | None = None):
    """Survey where every respondent of a team gives the same *scored* value to each item.

    ``scored[team]`` is the healthy-direction value (reverse-keyed raw answer = 6 − value).
    """
    rows = []
    for team, n in teams.items():
        for i in range(n):
            r = {"respondent_id": f"{team[:2]}{i:02d}", "team": team}
            for code in LIKERT_ITEMS:
                v = float(scored[team])
                r[code] = 6.0 - v if code in REVERSE_ITEMS else v
            if freq:
                r["FREQ"] = freq[team][i % len(freq[team])]
            rows.append(r)
    df = pd.DataFrame(rows)
    if claims:
        for (team, code), answers in claims.items():
            df.loc[df["team"] == team, code] = np.asarray(answers, dtype=float)
    return df


@pytest.fixture(scope="module")
def two_sides():
    df = build({"sales": 6, "sales_development": 4, "marketing": 8},
               {"sales": 2, "sales_development": 2, "marketing": 4},
               freq={"sales": ["daily", "daily", "several_weekly", "monthly", "never", "rarely"],
                     "sales_development": ["daily", "weekly", "weekly", "monthly"],
                     "marketing": ["monthly", "rarely", "never", "monthly", "weekly", "weekly",
                                   "daily", "monthly"]},
               claims={("sales", "CLAIM_LEADS"): [5, 4, 4, 2, 1, 3],
                       ("sales_development", "CLAIM_LEADS"): [4, 4, 1, np.nan],
                       ("marketing", "CLAIM_FOLLOW"): [5, 5, 4, 4, 4, 3, 2, 1]})
    return df, measure_survey(df, settings=SETTINGS,
                              headcount={"sales": 8, "sales_development": 5,
                                         "marketing": 10})


def test_is_json_safe(two_sides):
    _, r = two_sides
    json.dumps(r, allow_nan=False)


def test_respondents_and_participation(two_sides):
    _, r = two_sides
    assert r["respondents"] == {"sales": 10, "marketing": 8, "all": 18}
    p = r["participation"]
    # sales_development (4) is under 5: hidden, and sales with it (its side total is shown)
    assert set(p["by_team"]) == {"marketing"}
    assert p["by_team"]["marketing"] == {"n": 8, "headcount": 10, "rate": 0.8}
    assert p["by_side"]["sales"]["rate"] == pytest.approx(10 / 13)
    assert p["total"]["rate"] == pytest.approx(18 / 23)


def test_scale_means_gap_and_delta(two_sides):
    _, r = two_sides
    for code in ("FAIR", "TRUST", "CONF", "SHARE", "FEED", "MAT", "REFF"):
        s = r["scales"][code]
        assert s["by_side"]["sales"]["mean"] == 2.0
        assert s["by_side"]["marketing"]["mean"] == 4.0
        assert s["by_side"]["all"]["mean"] == pytest.approx((10 * 2 + 8 * 4) / 18)
        assert s["by_side"]["sales"]["index_0_100"] == 25.0
        assert s["cliffs_delta"] == -1.0 and s["cliffs_magnitude"] == "large"
        assert s["gap"] == -2.0
        assert s["mann_whitney_u"] == 0.0
        assert s["p_adj"] is not None and s["p_adj"] >= s["p"]
        # every respondent gives all items the same value: item variances sum to total/k,
        # alpha = k/(k−1)·(1 − 1/k) = 1
        assert s["alpha"] == pytest.approx(1.0)


def test_items_keep_raw_direction(two_sides):
    _, r = two_sides
    # reverse-keyed FAIR4: sales raw 6-2 = 4, marketing raw 2 → gap +2
    it = r["items"]["FAIR4"]
    assert it["reverse"] is True
    assert it["by_side"]["sales"]["mean"] == 4.0 and it["gap"] == 2.0
    assert it["by_side"]["sales"]["distribution"] == {"1": 0.0, "2": 0.0, "3": 0.0,
                                                      "4": 1.0, "5": 0.0}
    assert r["items"]["FAIR1"]["gap"] == -2.0
    assert all(abs(g["gap"]) >= abs(h["gap"]) for g, h in zip(r["gaps"], r["gaps"][1:]))


def test_pillars_by_hand(two_sides):
    _, r = two_sides
    # sales: FAIR 25, TRUST 25, CONF 2 → reversed 4 → 75, SUPP 25 → (25+25+75+25)/4 = 37.5
    assert r["pillars"]["politics"]["by_side"]["sales"] == pytest.approx(37.5)
    assert r["pillars"]["politics"]["by_side"]["marketing"] == pytest.approx(62.5)
    assert r["pillars"]["incentives"]["by_side"]["sales"] == pytest.approx(25.0)
    assert r["pillars"]["communication"]["by_side"]["marketing"] == pytest.approx(75.0)
    # overall: all-respondent means 26/9 per scale → index (26/9 − 1)/4·100 = 47.22;
    # CONF reversed: 6 − 26/9 = 28/9 → 52.78; politics = (3·47.22 + 52.78)/4
    m = (26 / 9 - 1) / 4 * 100
    assert r["pillars"]["politics"]["overall"] == pytest.approx((3 * m + (100 - m)) / 4)


def test_maturity_stage_by_side(two_sides):
    _, r = two_sides
    m = r["maturity"]
    assert m["by_side"]["sales"]["stage"] == "Defined"
    assert m["by_side"]["marketing"]["stage"] == "Integrated"
    assert m["stage"] == "Defined"          # 26/9 = 2.89
    assert m["stage_gap"] == -2 and m["mean_gap"] == -2.0


def test_frequency_shares(two_sides):
    _, r = two_sides
    f = r["frequency"]
    # sales side 10: daily 3, several_weekly 1, weekly 2, monthly 2, rarely 1, never 1
    s = f["by_side"]["sales"]
    assert s["tight_knit_share"] == pytest.approx(0.4)
    assert s["not_regular_share"] == pytest.approx(0.4)
    assert s["distribution"]["weekly"] == pytest.approx(0.2)
    # marketing 8: daily 1 → 1/8; monthly 3 rarely 1 never 1 → 5/8
    assert f["by_side"]["marketing"]["tight_knit_share"] == pytest.approx(1 / 8)
    assert f["by_side"]["marketing"]["not_regular_share"] == pytest.approx(5 / 8)
    assert f["tight_knit_share"] == pytest.approx(5 / 18)
    assert f["not_regular_share"] == pytest.approx(9 / 18)


def test_claims(two_sides):
    _, r = two_sides
    c = r["claims"]
    # sales side CLAIM_LEADS: 5 4 4 2 1 3 | 4 4 1 (nan) → agree 5 of 9
    assert c["sales_blame_leads_share"] == pytest.approx(5 / 9)
    assert c["n"]["sales"] == 9
    # marketing CLAIM_FOLLOW: 5 5 4 4 4 3 2 1 → 5 of 8
    assert c["marketing_blame_followup_share"] == pytest.approx(5 / 8)
    assert c["blame_intensity"] == pytest.approx((5 / 9 + 5 / 8) / 2)


def _all_numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _all_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _all_numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj


def test_team_of_four_never_appears_even_by_subtraction():
    df = build({"sales": 12, "marketing": 9, "revops": 4}, {"sales": 3, "marketing": 4,
                                                             "revops": 1})
    r = measure_survey(df, settings=SETTINGS, headcount={"revops": 4})
    text = json.dumps(r)
    assert "revops" not in r["participation"]["by_team"]
    # the overall figures exclude the 4, so overall − sales − marketing reveals nothing
    assert r["respondents"]["all"] == r["respondents"]["sales"] + r["respondents"]["marketing"]
    assert r["scales"]["FAIR"]["by_side"]["all"]["n"] == 21
    assert r["scales"]["FAIR"]["by_side"]["all"]["mean"] == pytest.approx((12 * 3 + 9 * 4) / 21)
    assert r["participation"]["total"]["n"] == 21
    # revops answered 1 on everything: no mean anywhere is pulled towards it
    assert 4 not in [x for x in _all_numbers(r["participation"])]
    assert any(s["reason"] == "below_threshold" for s in r["suppressed"])
    assert "revops" in text     # named in the suppression note, without its size


def test_small_team_with_larger_neighbour_hides_both():
    df = build({"sales": 12, "marketing": 9, "revops": 4, "leadership": 6},
               {"sales": 3, "marketing": 4, "revops": 1, "leadership": 5})
    r = measure_survey(df, settings=SETTINGS)
    by_team = r["participation"]["by_team"]
    assert "revops" not in by_team and "leadership" not in by_team
    # total − shown teams = 10 (4 + 6 together), never 4
    assert r["participation"]["total"]["n"] - sum(v["n"] for v in by_team.values()) == 10
    reasons = {s["group"]: s["reason"] for s in r["suppressed"]
               if s["where"] == "survey.participation"}
    assert reasons == {"revops": "below_threshold", "leadership": "complementary"}


def test_small_team_within_a_side_takes_its_sibling():
    df = build({"sales": 12, "sales_development": 3, "marketing": 9},
               {"sales": 3, "sales_development": 3, "marketing": 4})
    r = measure_survey(df, settings=SETTINGS)
    assert set(r["participation"]["by_team"]) == {"marketing"}
    assert r["respondents"]["sales"] == 15


def test_tiny_side_nulls_every_comparison():
    df = build({"sales": 3, "marketing": 10}, {"sales": 2, "marketing": 4})
    r = measure_survey(df, settings=SETTINGS)
    assert r["respondents"] == {"sales": None, "marketing": None, "all": 13}
    for s in r["scales"].values():
        assert s["cliffs_delta"] is None and s["p_adj"] is None
        assert s["by_side"]["sales"]["mean"] is None
        assert s["by_side"]["marketing"]["n"] is None
    assert r["gaps"] == []
    assert r["claims"]["sales_blame_leads_share"] is None
    assert r["maturity"]["by_side"]["sales"]["stage"] is None
    assert r["maturity"]["stage"] == "Aligned"       # (3·2 + 10·4)/13 = 3.54
    assert any("cannot be compared" in w for w in r["warnings"])
    groups = {(s["group"], s["reason"]) for s in r["suppressed"]}
    assert ("sales side", "below_threshold") in groups
    assert ("marketing side", "complementary") in groups


def test_everything_hidden_under_threshold():
    df = build({"sales": 2, "marketing": 2}, {"sales": 2, "marketing": 4})
    r = measure_survey(df, settings=SETTINGS)
    assert r["respondents"] == {"sales": None, "marketing": None, "all": None}
    assert r["scales"] == {} and r["participation"]["by_team"] == {}
    json.dumps(r, allow_nan=False)


def test_item_answered_by_few_on_a_side_is_hidden_for_both_sides():
    df = build({"sales": 10, "marketing": 10}, {"sales": 2, "marketing": 4})
    df.loc[df["team"] == "sales", "FEED1"] = [3, 4, 5] + [np.nan] * 7
    r = measure_survey(df, settings=SETTINGS)
    it = r["items"]["FEED1"]
    assert it["by_side"]["sales"]["mean"] is None and it["by_side"]["marketing"]["n"] is None
    assert it["cliffs_delta"] is None
    assert {"where": "survey.items.FEED1", "group": "sales side", "reason": "few_answers"} \
        in r["suppressed"]


def test_empty_and_missing_inputs():
    assert measure_survey(None, settings=SETTINGS)["warnings"]
    df = build({"sales": 10, "marketing": 10}, {"sales": 2, "marketing": 4})
    df = df.drop(columns=[c for c in df if c.startswith("MAT")])
    r = measure_survey(df, settings=SETTINGS)
    assert r["maturity"]["mean"] is None and r["maturity"]["stage"] is None
    assert any("MAT" in w for w in r["warnings"])
    json.dumps(r, allow_nan=False)


def test_comments_redacted_and_only_for_large_groups():
    """The threshold counts the people who wrote on the question (issue 13 / review A1: six
    comments of a 19-person group were printed), not the group's respondents."""
    df = build({"sales": 12, "marketing": 6}, {"sales": 3, "marketing": 3})
    df["OPEN1"] = None
    df["OPEN2"] = None
    sales = df.index[df["team"] == "sales"]
    df.loc[sales[0], "OPEN1"] = "Ask jane.doe@acme.com or Jane Doe, +1 415 555 0100"
    df.loc[sales[1:8], "OPEN1"] = "Leads are weak"
    df.loc[sales[:2], "OPEN2"] = "Only two of us wrote this"       # 2 of 12: hidden
    df.loc[df["team"] == "marketing", "OPEN1"] = "Sales never calls back"
    r = measure_survey(df, settings=SETTINGS, known_names=["Jane Doe"])
    c = r["comments"]
    assert set(c["by_side"]) == {"sales"}
    assert set(c["by_side"]["sales"]) == {"OPEN1"}
    texts = c["by_side"]["sales"]["OPEN1"]
    assert texts == sorted(texts) and len(texts) == 8
    blob = json.dumps(c)
    assert "jane.doe@acme.com" not in blob and "Jane" not in blob and "555" not in blob
    assert "Only two" not in json.dumps(r)
    assert c["hidden_sides"] == ["marketing"]
    assert {"where": "survey.comments.OPEN2", "group": "sales side",
            "reason": "few_for_comments"} in r["suppressed"]


def test_driver_analysis_finds_planted_driver():
    rng = np.random.default_rng(11)
    n = 240
    latent = rng.normal(size=(n, 11))
    scales = ["FAIR", "TRUST", "CONF", "SUPP", "SHARE", "RINT", "RFAIR", "BIDIR", "QUAL",
              "DEFN", "FEED"]
    from toolkit.instrument import SCALE_ITEMS
    rows = {"respondent_id": [f"r{i}" for i in range(n)],
            "team": ["sales"] * 120 + ["marketing"] * 120}
    for j, s in enumerate(scales):
        for code in SCALE_ITEMS[s]:
            v = np.clip(np.round(3 + latent[:, j] + rng.normal(scale=0.3, size=n)), 1, 5)
            rows[code] = 6 - v if code in REVERSE_ITEMS else v
    reff = 3 + 0.9 * latent[:, scales.index("DEFN")] + rng.normal(scale=0.5, size=n)
    for code in SCALE_ITEMS["REFF"]:
        v = np.clip(np.round(reff + rng.normal(scale=0.3, size=n)), 1, 5)
        rows[code] = 6 - v if code in REVERSE_ITEMS else v
    r = measure_survey(pd.DataFrame(rows), settings=SETTINGS)
    dr = r["drivers"]
    assert dr["method"] == "dominance" and dr["status"] == "ok" and dr["level"] == "scale"
    top = dr["predictors"][0]
    # the only planted driver takes almost all of the explained variance
    assert top["scale"] == "DEFN" and top["share"] > 0.85 and top["share_ci"][0] > 0.6
    assert dr["n"] == n and 0 < dr["r2"] <= 1
    assert all(p["share"] < 0.05 for p in dr["predictors"][1:])
    assert abs(sum(p["weight"] for p in dr["predictors"]) - dr["r2"]) < 1e-9


def test_more_respondents_than_headcount_is_warned():
    import numpy as np
    import pandas as pd

    from toolkit.config import AnalysisSettings
    from toolkit.survey import measure_survey

    rng = np.random.default_rng(1)
    n = 12
    df = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(n)],
                       "team": ["sales"] * 6 + ["marketing"] * 6})
    for code in ("FAIR1", "FAIR2", "FAIR3", "FAIR4"):
        df[code] = rng.integers(1, 6, n).astype(float)
    out = measure_survey(df, settings=AnalysisSettings(), headcount={"sales": 5, "marketing": 10})
    assert out["participation"]["by_team"]["sales"]["rate"] == 6 / 5
    over = [w for w in out["warnings"] if w.startswith("More respondents than headcount")]
    assert len(over) == 1 and "for sales:" in over[0] and "for marketing" not in over[0]
