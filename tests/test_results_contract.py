"""results.json is the one door from analysis to rendering (SPEC §6, issue #15).

* the results carry the findings (with the figures they quote), the recommendations and the
  method (every threshold, weight and reference the analysis used);
* the thresholds have one home (:mod:`toolkit.method`): changing a value there changes the
  verdict, the flags, the findings and what the results record;
* ``aligndx render`` renders a results.json written by an earlier version (committed fixture
  from toolkit 0.1.0) with the thresholds it was judged with, not today's.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from toolkit import method
from toolkit.lookup import get

FIXTURE = Path(__file__).parent / "fixtures" / "results-0.1.0-well-aligned.json"


@pytest.fixture(scope="module")
def followup() -> dict:
    from toolkit.pipeline import analyse_folder

    return analyse_folder(SAMPLES / "followup-gap", strict=True)


# --- what the results carry -------------------------------------------------------------------

def test_findings_are_stored_with_the_figures_they_quote(followup):
    found = followup["findings"]
    assert found, "the follow-up sample triggers findings"
    for f in found:
        assert set(f) >= {"code", "step", "pillar", "severity", "level", "text", "evidence",
                          "figures", "headline"}
        assert f["pillar"] in ("politics", "incentives", "communication")
        assert f["level"] == ("high" if f["severity"] >= 0.75 else
                              "medium" if f["severity"] >= 0.5 else "low")
        if not f["code"].startswith("flag_"):
            # the figures are the values at the evidence keys, read back independently
            assert f["figures"] == {k: get(followup, k) for k in f["evidence"]}
    # the planted truth of this sample: follow-up is thin and is the top finding
    assert found[0]["code"] == "verdict_follow_up" and found[0]["headline"]
    heads = [f for f in found if f["headline"]]
    assert len(heads) == 3 and len({f["family"] for f in heads}) == 3
    # a quoted share appears in its sentence as a rounded percentage
    rg = next(f for f in found if f["code"] == "reward_gap")
    share = rg["figures"]["incentives.marketing_contribution_share"]
    assert f"{100 * share:.0f}%" in rg["text"]


def test_recommendations_rest_on_the_stored_findings(followup):
    texts = {f["text"] for f in followup["findings"]}
    for rec in followup["recommendations"]:
        if not rec["code"].startswith("stage_"):
            assert set(rec["findings"]) <= texts, rec["code"]


def test_method_records_every_threshold_weight_and_reference(followup):
    m = followup["method"]
    rows = {r["name"]: r for r in m["thresholds"]}
    assert set(rows) == set(method.THRESHOLDS)
    for name, r in rows.items():
        assert r["value"] == method.THRESHOLDS[name]["value"]
        assert r["rationale"] and r["source"] and r["used_by"], name
    assert m["weights"] == {"politics": {"survey": 1.0},
                            "incentives": {"survey": 0.5, "plan_structure": 0.5},
                            "communication": {"survey": 0.5, "handoff_evidence": 0.5}}
    assert [b["from"] for b in m["score_stages"]] == [None, 25.0, 50.0, 75.0]
    assert [b["to"] for b in m["maturity_stages"]] == [2.0, 3.0, 4.0, None]
    assert {r["key"] for r in m["references"]} >= {"hbr_2011_response", "velocify_attempts",
                                                   "demand_waterfall"}
    assert m["settings"]["well_worked_attempts"] == 6
    assert followup["schema"] == 2
    json.dumps(followup, allow_nan=False)


def test_one_pillar_score(followup):
    assert "pillar" not in followup["incentives"]
    comp = followup["scores"]["components"]["incentives"]
    expected = (0.5 * comp["inputs"]["survey"] + 0.5 * comp["inputs"]["plan_structure"])
    assert followup["scores"]["incentives"] == pytest.approx(round(expected, 1))


# --- one home for thresholds ------------------------------------------------------------------

def test_verdict_flags_and_findings_read_the_one_home(monkeypatch):
    from toolkit import findings, verdict

    crm = {"cohort": {"leads": 500}, "speed": {"n": 400, "untouched_share": 0.15,
                                               "within_sla_share": 0.8, "sla_hours": 24},
           "persistence": {"n_touched_not_converted": 200, "single_attempt_share": 0.1}}
    fe = verdict.followup_evidence(crm)
    assert fe["thin"]["untouched"] is True          # 15% ≥ 10%
    monkeypatch.setitem(method.THRESHOLDS, "untouched_share_max",
                        {**method.THRESHOLDS["untouched_share_max"], "value": 0.2})
    assert verdict.followup_evidence(crm)["thin"]["untouched"] is False
    assert {r["name"]: r["value"] for r in method.record()["thresholds"]}[
        "untouched_share_max"] == 0.2

    res = {"survey": {"scales": {"CONF": {"by_side": {"sales": {"mean": 3.4}}}}}}
    assert [f.code for f in findings.find(res)] == ["conflict_sales"]
    monkeypatch.setitem(method.THRESHOLDS, "conflict_high",
                        {**method.THRESHOLDS["conflict_high"], "value": 3.5})
    assert findings.find(res) == []


def test_flags_and_verdict_share_the_fit_cut_offs():
    from toolkit.incentives.flags import THRESHOLDS as FLAGS

    # formerly 30 in the flags and 20 in the verdict; the documented verdict value holds
    assert FLAGS["min_fit_reasons"] == method.THRESHOLDS["min_rejections_with_reason"]["value"]
    assert FLAGS["min_fit_reasons"] == 20
    assert FLAGS["fit_share_high"] == method.value("fit_majority")
    assert FLAGS["untouched_share_high"] == method.value("untouched_share_max")


# --- an old results.json renders as it was judged -------------------------------------------

def test_upgrade_keeps_the_recorded_thresholds():
    from toolkit.upgrade import upgrade_results

    old = json.loads(FIXTURE.read_text())
    assert "method" not in old and "findings" not in old
    new, notes = upgrade_results(old)
    rows = {r["name"]: r["value"] for r in new["method"]["thresholds"]}
    # the flags of 0.1.0 needed 30 rejections with a reason, the verdict 20: both kept
    assert rows["flag_min_fit_reasons"] == 30
    assert rows["min_rejections_with_reason"] == 20
    src = {r["name"]: r["source"] for r in new["method"]["thresholds"]}
    assert "not recorded" not in src["min_rejections_with_reason"]
    assert "not recorded by aligndx 0.1.0" in src["scale_low"]  # finding thresholds: filled
    assert new["method"]["weights"]["incentives"] == \
        old["scores"]["components"]["incentives"]["weights"]
    assert new["schema"] == 2 and isinstance(new["findings"], list)
    assert notes and "0.1.0" in notes[0]
    assert old == json.loads(FIXTURE.read_text())  # input not modified


@pytest.mark.slow
def test_render_an_old_results_json(tmp_path):
    old = json.loads(FIXTURE.read_text())
    # a value no version of the code holds, to prove the appendix reads the file
    tampered = copy.deepcopy(old)
    for t in tampered["verdict"]["thresholds"]:
        if t["name"] == "untouched_share_max":
            t["value"] = 0.137
    src = tmp_path / "results.json"
    src.write_text(json.dumps(tampered))
    exe = Path(sys.executable).parent / "aligndx"
    p = subprocess.run([str(exe), "render", str(src), "-o", str(tmp_path / "out"), "-q"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr + p.stdout
    folder = tmp_path / "out" / "well-aligned"
    assert sorted(x.name for x in folder.iterdir()) == [
        "aggregates.xlsx", "report.html", "report.ipynb", "report.pptx", "results.json"]
    html = (folder / "report.html").read_text()
    text = re.sub(r"<[^>]+>", " ", html)
    assert "13.7%" in text  # the appendix states the threshold the file holds
    assert "(threshold 30;" in text or "(threshold 30)" in text
    assert "written by aligndx 0.1.0" in text
    # the body shows the stored figures: overall score and the verdict headline of the file
    assert f"{old['scores']['overall']:.0f}" in text
    assert old["verdict"]["headline"].split(":")[0] in text
    written = json.loads((folder / "results.json").read_text())
    assert written["schema"] == 2 and written["scores"] == old["scores"]


def test_render_refuses_what_is_not_a_results_json(tmp_path):
    exe = Path(sys.executable).parent / "aligndx"
    bad = tmp_path / "x.json"
    bad.write_text("{\"a\": 1}")
    p = subprocess.run([str(exe), "render", str(bad), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "not a results.json" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()
    p = subprocess.run([str(exe), "render", str(tmp_path / "missing.json"), "-o",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "no such file" in p.stderr
