"""Attack 42 (WV1 of round 41): two waves whose scales were built from different items were
compared as the same scale. A baseline that did not ask FAIR1 and SUPP1, against a wave that
asked them and rated them low, read "7 worse" on identical answers to every shared item, with
no warning, and the baseline's results still listed FAIR1 among FAIR's items. Each wave now
records the items it asked; a scale whose items differ is not compared (nor the pillar and
scores built on it), and the comparison says why in plain words."""

from __future__ import annotations

import copy

import pytest

from toolkit.compare import compare_results
from toolkit.config import AnalysisSettings
from toolkit.generate.waves import WavePlant, survey_wave_pair
from toolkit.lookup import get
from toolkit.survey import measure_survey

from tests.conftest import comparison_entries

SIDES = ("sales", "marketing", "all")


def _results(df, hc) -> dict:
    return {"client": {"id": "acme", "name": "Acme"},
            "survey": measure_survey(df, settings=AnalysisSettings(), headcount=hc)}


@pytest.fixture(scope="module")
def waves():
    """The same answers in both waves, except that the earlier wave did not ask FAIR1 and
    SUPP1 and the later one asked them and everyone rated them 2."""
    before, after, hc = survey_wave_pair("well-aligned", seed=7411,
                                         plant=WavePlant(scale_shifts={}))
    after = before.copy()
    after["FAIR1"] = 2.0
    after["SUPP1"] = 2.0
    before = before.drop(columns=["FAIR1", "SUPP1"])
    return _results(before, hc), _results(after, hc)


def test_each_wave_records_the_items_it_asked(waves):
    rb, ra = waves
    fair_b, fair_a = rb["survey"]["scales"]["FAIR"], ra["survey"]["scales"]["FAIR"]
    assert (fair_b["items"], fair_b["items_not_asked"]) == (["FAIR2", "FAIR3", "FAIR4"],
                                                            ["FAIR1"])
    assert (fair_a["items"], fair_a["items_not_asked"]) == (
        ["FAIR1", "FAIR2", "FAIR3", "FAIR4"], [])
    # reliability over the items asked (an item nobody was asked is no evidence)
    assert fair_b["alpha"] is not None and fair_b["reliability_n"] == fair_b["n"]


def _check(comp):
    for scale in ("FAIR", "SUPP"):
        for side in SIDES:
            e = get(comp, f"survey.scales.{scale}.by_side.{side}")
            assert e["status"] == "not_comparable"
            assert e["before"] is None and e["after"] is None and e["change"] is None
            assert e["detectable"] is None and e["p_adj"] is None
    for side in SIDES:
        assert get(comp, f"survey.pillars.politics.by_side.{side}")["status"] == \
            "not_comparable"
    # nothing else moved: the shared items were answered identically
    tested = [e for e in _entries(comp.get("survey")) if e["status"] not in
              ("not_comparable", "hidden")]
    assert tested and {e["status"] for e in tested} == {"no_detectable_change"}
    assert comp["summary"]["counts"]["worsened"] == 0
    assert comp["summary"]["counts"]["not_comparable"] == 9
    assert comp["warnings"] == [
        "Not compared: the two assessments asked different questions for Fair distribution "
        "('Budget split is fair' asked in the later assessment only).",
        "Not compared: the two assessments asked different questions for Leadership support "
        "('Leaders push cooperation' asked in the later assessment only)."]


_entries = comparison_entries


def test_a_scale_asked_with_different_items_is_not_compared(waves):
    rb, ra = waves
    _check(compare_results(rb, ra))


def test_an_older_baseline_is_read_through_its_survey_warning(waves):
    """A results.json written before ``items_not_asked`` listed every item of the scale;
    the items it did not ask are those its survey warning names."""
    rb, ra = waves
    old = copy.deepcopy(rb)
    for sc in old["survey"]["scales"].values():
        sc["items"] = sc["items"] + sc.pop("items_not_asked")
    assert "Items not in the survey data: FAIR1, SUPP1." in old["survey"]["warnings"]
    _check(compare_results(old, ra))


def test_the_pages_say_not_compared_and_why(waves, tmp_path):
    from toolkit.deck.waves import since_last
    from toolkit.report.waves import fragment
    from toolkit.workbook import comparison_sheet

    rb, ra = waves
    comp = compare_results(rb, ra)
    page = fragment(comp)
    assert ("2 survey scales were not compared (with the pillars and scores built on them): "
            "the two assessments asked different questions.") in page
    assert ("Not compared: the two assessments asked different questions for Fair "
            "distribution (&#x27;Budget split is fair&#x27; asked in the later assessment "
            "only).") in page
    assert page.count("not compared (different questions)") == 9
    assert "What got worse" not in page and "0 got worse" in page
    slide = since_last({**ra, "comparison": comp})
    assert any(b.startswith("Not compared: the two assessments asked different questions "
                            "for Leadership support") for b in slide.bullets)
    sheet = comparison_sheet({**ra, "comparison": comp})
    rows = [r for r in sheet.rows if r[0] == "Fair distribution"]
    assert len(rows) == 3 and all(r[4] == (None, r[4][1]) for r in rows)
    assert {r[-1] for r in rows} == {"not compared (different questions)"}


def test_the_same_items_in_both_waves_are_compared(waves):
    rb, _ = waves
    comp = compare_results(rb, copy.deepcopy(rb))
    assert "not_comparable" not in {e["status"] for e in _entries(comp)}
    assert comp["warnings"] == []


def test_a_column_nobody_answered_was_not_asked():
    """WV2: an item column present but blank for everyone is not asked (the scale is
    computed without it), so it must not be recorded as asked."""
    before, _, hc = survey_wave_pair("well-aligned", seed=7411,
                                     plant=WavePlant(scale_shifts={}))
    after = before.copy()
    after["FAIR4"] = 1.0                        # reverse-keyed: scores 5 for everyone
    before["FAIR4"] = float("nan")
    rb, ra = _results(before, hc), _results(after, hc)
    assert rb["survey"]["scales"]["FAIR"]["items_not_asked"] == ["FAIR4"]
    assert "Items nobody answered (left out of their scales): FAIR4." in \
        rb["survey"]["warnings"]
    comp = compare_results(rb, ra)
    assert get(comp, "survey.scales.FAIR.by_side.all")["status"] == "not_comparable"
    assert comp["summary"]["counts"]["improved"] == 0


def test_items_not_asked_alone_is_enough_and_a_malformed_list_is_refused(waves, tmp_path):
    """WV3: a baseline whose ``items`` was deleted still says what it did not ask; one whose
    ``items`` is not a list of item codes is refused naming the key."""
    import json

    from toolkit.exceptions import ValidationError
    from toolkit.jsonio import load_results

    rb, ra = waves
    gone = copy.deepcopy(rb)
    del gone["survey"]["scales"]["FAIR"]["items"]
    assert get(compare_results(gone, ra), "survey.scales.FAIR.by_side.all")["status"] == \
        "not_comparable"
    for bad in ("FAIR2, FAIR3, FAIR4", [1, None], ["<b>FAIR1</b>"]):
        edited = {**copy.deepcopy(rb), "toolkit_version": "0.9.0"}
        edited["survey"]["scales"]["FAIR"]["items"] = bad
        path = tmp_path / "edited.json"
        path.write_text(json.dumps(edited), encoding="utf-8")
        with pytest.raises(ValidationError) as err:
            load_results(path)
        assert "survey.scales.FAIR.items" in str(err.value)
