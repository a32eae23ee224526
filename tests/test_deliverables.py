"""results.json and aggregates.xlsx: strict JSON, no formulas, no hidden groups."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from tests.conftest import SAMPLES
from toolkit.deliverables import write_aggregates_xlsx, write_results_json


def _cells(path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def test_formula_like_text_is_neutralized(tmp_path):
    results = {
        "scores": {"overall": 40.0, "stage": "Defined"},
        "crm": {"handoff": {"reasons": [
            {"reason": "=HYPERLINK(\"http://x\",\"click\")", "n": 12, "share": 0.6, "fit": False},
            {"reason": "+1 call", "n": 5, "share": 0.25, "fit": False},
            {"reason": "@budget", "n": 3, "share": 0.15, "fit": True}]}},
        "incentives": {"shared_outcome_weight": {"sales": 1.0, "marketing": 0.0},
                       "variable_pay_share": [{"team": "marketing", "role": "-Director",
                                               "headcount": 1, "share": 0.2}]},
    }
    path = write_aggregates_xlsx(results, tmp_path / "a.xlsx")
    texts = [c.value for _, c in _cells(path) if isinstance(c.value, str)]
    assert all(c.data_type != "f" for _, c in _cells(path))
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    # the content is kept, only made inert
    assert any("HYPERLINK" in t for t in texts) and any("Director" in t for t in texts)


def test_no_nan_in_results_json(tmp_path):
    path = write_results_json({"a": float("nan"), "b": [1.5, float("inf")]}, tmp_path / "r.json")
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None]}


@pytest.mark.slow
def test_small_team_never_in_workbook(tmp_path):
    from toolkit.pipeline import analyse_folder

    results = analyse_folder(SAMPLES / "well-aligned")
    path = write_aggregates_xlsx(results, tmp_path / "a.xlsx")
    texts = " ".join(str(c.value) for _, c in _cells(path) if c.value is not None).lower()
    assert "revops" not in texts and "revenue operations" not in texts  # 4 respondents
    wb = load_workbook(path)
    groups = [r[0].value for r in wb["Participation"].iter_rows(min_row=5)]
    assert "Other teams" not in groups  # hidden too, so revops cannot be recovered
    assert "Sales side" in groups and "Marketing side" in groups and "Sales team" in groups
    assert {"About", "Scores", "Participation", "Survey ratings", "Funnel",
            "Funnel by source", "Rejection reasons", "Follow-up", "Incentives", "Blame game",
            "Recommendations"} <= set(wb.sheetnames)
