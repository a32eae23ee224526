"""The sample engagements' planted survey differences are found (data/samples/*)."""

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.instrument import LIKERT_ITEMS
from toolkit.survey import measure_survey

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PROFILES = ("followup-gap", "lead-quality", "well-aligned")


def load(profile: str):
    folder = SAMPLES / profile
    df = pd.read_csv(folder / "survey" / "responses.csv",
                     dtype={c: "float64" for c in LIKERT_ITEMS} | {"respondent_id": str})
    planted = json.loads((folder / "planted.json").read_text(encoding="utf-8"))["survey"]
    toml = tomllib.loads((folder / "engagement.toml").read_text(encoding="utf-8"))
    return df, planted, toml["client"].get("headcount")


@pytest.fixture(scope="module", params=PROFILES)
def sample(request):
    df, planted, headcount = load(request.param)
    r = measure_survey(df, settings=AnalysisSettings(), headcount=headcount)
    return request.param, df, planted, r


def test_scale_means_match_planted(sample):
    _, _, planted, r = sample
    for scale, want in planted["scale_means"].items():
        for side in ("sales", "marketing"):
            got = r["scales"][scale]["by_side"][side]["mean"]
            assert got == pytest.approx(want[side], abs=0.25), (scale, side)


def test_planted_differences_have_right_sign_and_size(sample):
    _, _, planted, r = sample
    for scale, want in planted["scale_means"].items():
        planted_gap = want["sales"] - want["marketing"]
        s = r["scales"][scale]
        if abs(planted_gap) >= 0.3:          # a real planted difference
            assert s["gap"] * planted_gap > 0, scale
            assert s["cliffs_delta"] * planted_gap > 0, scale
            assert s["cliffs_magnitude"] in ("small", "medium", "large"), scale
        if abs(planted_gap) >= 0.8:          # a big one
            assert s["cliffs_magnitude"] in ("medium", "large"), scale
            assert s["p_adj"] < 0.05, scale
        if abs(planted_gap) <= 0.1:          # planted as equal
            assert s["cliffs_magnitude"] in ("negligible", "small"), scale


def test_claims_and_stages_match_planted(sample):
    _, _, planted, r = sample
    for key, want in planted["claims"].items():
        assert r["claims"][key] == pytest.approx(want, abs=0.12), key
    for side, stage in planted["maturity_stage"].items():
        assert r["maturity"]["by_side"][side]["stage"] == stage


def test_reliability_is_reported(sample):
    _, _, _, r = sample
    for scale in ("FAIR", "TRUST", "MAT", "REFF"):
        s = r["scales"][scale]
        assert 0.6 <= s["alpha"] <= 1 and s["alpha_ci"][0] < s["alpha"] < s["alpha_ci"][1]
        assert s["omega"] is not None and 0.5 < s["omega"] <= 1
    json.dumps(r, allow_nan=False)


def test_followup_gap_sides_disagree_as_planted():
    df, planted, hc = load("followup-gap")
    r = measure_survey(df, settings=AnalysisSettings(), headcount=hc)
    assert r["claims"]["sales_blame_leads_share"] > 0.55
    assert r["claims"]["marketing_blame_followup_share"] > 0.6
    # FEED planted 2.4 vs 2.0: sales says it gives feedback, marketing disagrees
    assert r["scales"]["FEED"]["gap"] > 0.2


def test_team_of_four_in_well_aligned_never_appears():
    df, planted, hc = load("well-aligned")
    assert (df["team"] == "revops").sum() == planted["exact_team_counts"]["revops"] == 4
    r = measure_survey(df, settings=AnalysisSettings(), headcount=hc)
    by_team = r["participation"]["by_team"]
    assert "revops" not in by_team
    hidden = [s["group"] for s in r["suppressed"] if s["where"] == "survey.participation"]
    assert "revops" in hidden and len(hidden) >= 2      # complementary cell hidden too
    # total minus every shown team never isolates the 4: it is the sum of ≥2 hidden teams
    residual = r["participation"]["total"]["n"] - sum(v["n"] for v in by_team.values())
    true = df["team"].value_counts()
    assert residual == sum(true[g] for g in hidden) and residual >= 5
    # the side totals are consistent with the shown teams and do not reveal it either
    assert r["respondents"]["all"] - r["respondents"]["sales"] - r["respondents"]["marketing"] \
        == residual + sum(v["n"] for t, v in by_team.items()
                          if t in ("leadership", "other", "revops"))
