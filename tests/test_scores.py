"""Pillar combination and stages (SPEC §4.4)."""

from toolkit.scores import WEIGHTS, combine, stage_for_score


def test_stage_cut_points():
    assert [stage_for_score(x) for x in (0, 24.9, 25, 49.9, 50, 74.9, 75, 100)] == [
        "Undefined", "Undefined", "Defined", "Defined", "Aligned", "Aligned", "Integrated",
        "Integrated"]
    assert stage_for_score(None) is None


def test_combine_by_hand():
    survey = {"pillars": {"politics": {"overall": 40.0}, "incentives": {"overall": 60.0},
                          "communication": {"overall": 30.0}}}
    crm = {"handoff": {"evidence_score": 70.0}}
    inc = {"structure_score": 20.0}
    s = combine(survey, crm, inc)
    # politics 40; incentives .5*60+.5*20 = 40; communication .5*30+.5*70 = 50
    assert (s["politics"], s["incentives"], s["communication"]) == (40.0, 40.0, 50.0)
    assert s["overall"] == round((40 + 40 + 50) / 3, 1) == 43.3
    assert s["stage"] == "Defined"
    assert WEIGHTS["incentives"] == {"survey": 0.5, "plan_structure": 0.5}


def test_missing_component_rescales_and_warns():
    survey = {"pillars": {"politics": {"overall": 80.0}, "communication": {"overall": 60.0}}}
    s = combine(survey, None, None)
    assert s["politics"] == 80.0 and s["communication"] == 60.0 and s["incentives"] is None
    # no overall score from two of three pillars (and no stage claimed)
    assert s["overall"] is None and s["stage"] is None
    assert any("incentives pillar could not be scored" in w for w in s["warnings"])
    # in the reader's words, the pillar named (attack 45, ATT45-02)
    assert "The communication pillar is scored from the survey alone: the CRM's hand-off " \
        "evidence is not available." in s["warnings"]
    assert "The incentives pillar is not scored: none of its evidence is available." in \
        s["warnings"]
    assert not any("_" in w for w in s["warnings"])
    assert s["partial"] == ["communication"]
    survey["pillars"]["incentives"] = {"overall": 40.0}
    s = combine(survey, None, None)
    assert s["incentives"] == 40.0 and s["overall"] == 60.0 and s["stage"] == "Aligned"
    assert s["partial"] == ["incentives", "communication"]
    assert combine(None, None, None)["overall"] is None
