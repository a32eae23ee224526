"""Survey platform importers on small synthetic fixtures written here (one per format)."""

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.config import SurveyConfig
from toolkit.intake.forms import import_google_forms, import_ms_forms
from toolkit.intake.qualtrics import import_survey as import_qualtrics
from toolkit.intake.spss import import_survey as import_spss
from toolkit.intake.surveymonkey import import_survey as import_surveymonkey
from toolkit.intake.detect import detect_survey_format
from toolkit.intake.reader import read_table

FAIR1 = ("The marketing and sales budgets are divided between the two teams in a way I "
         "consider fair.")
TRUST1 = "I trust the people on the other team to know their job well."
CLAIM = "Salespeople give up on leads from marketing too early."
FREQ = "How often are you in contact with people from the other team about work?"
STEM = "How far do you agree with the following statements?"
TEAM_MAP = {"Inside Sales": "sales", "Demand Gen": "marketing"}


def _write(path: Path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _cfg(path, **kw):
    return SurveyConfig(path=path, **{"team_map": TEAM_MAP, **kw})


def _qualtrics_rows():
    tags = ["StartDate", "Status", "IPAddress", "Finished", "ResponseId", "RecipientEmail",
            "QID1_1", "QID1_2", "QID2", "QID3", "QID4_TEXT", "Department"]
    text = ["Start Date", "Response Type", "IP Address", "Finished", "Response ID",
            "Recipient Email", f"{STEM} - {FAIR1}", f"{STEM} - {TRUST1}", CLAIM, FREQ,
            "What is the biggest obstacle to sales and marketing working well together?",
            "Department"]
    imp = [json.dumps({"ImportId": t}) for t in tags]
    data = [
        # real responses
        ["2025-11-03 09:00:00", "0", "203.0.113.5", "1", "R_a", "a@x.com", "Strongly agree",
         "Disagree", "Agree", "Daily", "Slow follow-up", "Inside Sales"],
        ["2025-11-03 09:10:00", "IP Address", "203.0.113.6", "True", "R_b", "", "-99",
         "Don't know", "Strongly disagree", "About once a month", "", "Demand Gen"],
        # preview, test, spam
        ["2025-11-02 08:00:00", "Survey Preview", "", "1", "R_p", "", "Agree", "Agree",
         "Agree", "Daily", "", "Inside Sales"],
        ["2025-11-02 08:00:00", "2", "", "1", "R_t", "", "Agree", "Agree", "Agree", "Daily",
         "", "Inside Sales"],
        ["2025-11-02 08:00:00", "8", "", "1", "R_s", "", "Agree", "Agree", "Agree", "Daily",
         "", "Inside Sales"],
        # unfinished: one answered an item (kept), one answered nothing (dropped)
        ["2025-11-04 10:00:00", "0", "", "0", "R_u1", "", "Disagree", "", "", "", "",
         "Demand Gen"],
        ["2025-11-04 10:00:00", "0", "", "False", "R_u2", "", "", "", "", "", "",
         "Inside Sales"],
    ]
    return [tags, text, imp] + data


def test_qualtrics_current_choice_text(tmp_path):
    p = _write(tmp_path / "q.csv", _qualtrics_rows())
    assert detect_survey_format(read_table(p)) == "qualtrics"
    r = import_qualtrics(p, _cfg(p, team_column="Department"), display_path="q.csv")
    assert r.problems == []
    t = r.table
    assert t["respondent_id"].tolist() == ["R_a", "R_b", "R_u1"]
    assert t.index.tolist() == [4, 5, 9]           # spreadsheet rows (3 header rows)
    assert t["team"].tolist() == ["sales", "marketing", "marketing"]
    np.testing.assert_array_equal(t["FAIR1"], [5, np.nan, 2])
    np.testing.assert_array_equal(t["TRUST1"], [2, np.nan, np.nan])
    np.testing.assert_array_equal(t["CLAIM_FOLLOW"], [4, 1, np.nan])
    assert t["FREQ"].tolist()[:2] == ["daily", "monthly"]
    assert t["OPEN1"].iloc[0] == "Slow follow-up"
    # personal data never carried forward
    assert not {"IPAddress", "RecipientEmail"} & set(t.columns)
    flat = t.astype(str).to_numpy().ravel().tolist()
    assert "a@x.com" not in flat and "203.0.113.5" not in flat
    i = r.intake
    assert i.format == "qualtrics" and i.rows_read == 7 and i.rows_kept == 3
    assert i.dropped == {"survey preview": 1, "survey test": 1, "spam": 1,
                         "unfinished, no item answered": 1}
    assert any("1 unfinished response(s) kept" in w for w in i.warnings)
    assert any("N/A codes" in w for w in i.warnings)
    assert i.columns_mapped["QID1_1"] == "FAIR1" and i.columns_mapped["Department"] == "team"


def test_qualtrics_numeric_legacy(tmp_path):
    rows = [["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1_1", "Q1_2", "Q2",
             "team", ""],
            ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
             "IPAddress", "Status", "StartDate", "EndDate", "Finished", f"{STEM}-{FAIR1}",
             f"{STEM}-{TRUST1}", CLAIM, "team", ""],
            ["R_1", "Default", "Ann Lee", "", "ann@x.com", "1.2.3.4", "0", "", "", "1", "4", "5",
             "-1", "Inside Sales", ""],
            ["R_2", "Default", "", "", "", "", "0", "", "", "1", "6", "1", "2", "Demand Gen", ""],
            ["R_3", "Default", "", "", "", "", "1", "", "", "1", "1", "1", "1", "Demand Gen", ""]]
    p = _write(tmp_path / "legacy.csv", rows)
    r = import_qualtrics(p, _cfg(p), display_path="legacy.csv")
    assert r.problems == []
    assert r.intake.format == "qualtrics-legacy"
    t = r.table
    assert t["respondent_id"].tolist() == ["R_1", "R_2"]
    np.testing.assert_array_equal(t["FAIR1"], [4, np.nan])      # 6 = instrument's Don't know
    np.testing.assert_array_equal(t["CLAIM_FOLLOW"], [np.nan, 2])  # -1 = N/A recode
    assert r.intake.dropped == {"survey preview": 1}
    assert "Ann Lee" not in t.astype(str).to_numpy().ravel().tolist()


def test_qualtrics_unknown_team_and_seven_point_refused(tmp_path):
    rows = _qualtrics_rows()[:4]
    rows[3][-1] = "Finance"
    rows[3][7] = "Agree"          # TRUST1 'Agree' while FAIR1 'Somewhat disagree' elsewhere
    rows.append(list(rows[3]))
    rows[4][4], rows[4][7], rows[4][-1] = "R_z", "Somewhat agree", "Inside Sales"
    p = _write(tmp_path / "bad.csv", rows)
    r = import_qualtrics(p, _cfg(p, team_column="Department"), display_path="bad.csv")
    msgs = [str(x) for x in r.problems]
    assert any("row 4, column 'Department'" in m and "'Finance'" in m for m in msgs)
    assert any("7-point" in m for m in msgs)


def test_qualtrics_missing_team_column_is_clear(tmp_path):
    rows = [[c for c in r[:-1]] for r in _qualtrics_rows()]
    p = _write(tmp_path / "q.csv", rows)
    r = import_qualtrics(p, _cfg(p), display_path="q.csv")
    assert any("no team column" in x.message for x in r.problems)


def test_surveymonkey_two_header_rows(tmp_path):
    rows = [["Respondent ID", "Collector ID", "Start Date", "IP Address", "Email Address",
             "Which team do you work in?", STEM, "", CLAIM],
            ["", "", "", "", "", "Response", FAIR1, TRUST1, "Response"],
            ["114477885566", "4321", "11/03/2025", "1.2.3.4", "a@x.com", "Inside Sales",
             "Agree", "Strongly agree", "Disagree"],
            ["114477885567", "4321", "11/04/2025", "", "", "Demand Gen", "Neutral", "",
             "Strongly agree"]]
    p = _write(tmp_path / "sm.csv", rows)
    assert detect_survey_format(read_table(p)) == "surveymonkey"
    r = import_surveymonkey(p, _cfg(p), display_path="sm.csv")
    assert r.problems == []
    t = r.table
    assert t["respondent_id"].tolist() == ["114477885566", "114477885567"]
    assert t["team"].tolist() == ["sales", "marketing"]
    np.testing.assert_array_equal(t["FAIR1"], [4, 3])
    np.testing.assert_array_equal(t["TRUST1"], [5, np.nan])     # continuation column
    np.testing.assert_array_equal(t["CLAIM_FOLLOW"], [2, 5])
    assert t.index.tolist() == [3, 4]


def test_google_forms_grid(tmp_path):
    rows = [["Timestamp", "Email Address", "Which team do you work in?",
             f"How much do you agree? [{FAIR1}]", f"How much do you agree? [{TRUST1}]"],
            ["2026/06/14 10:10:09 AM GMT+1", "a@example.com", "Marketing", "Agree",
             "Strongly agree"],
            ["2026/06/14 11:00:00 AM GMT+1", "b@example.com", "Sales", "Strongly disagree",
             "Disagree"]]
    p = tmp_path / "gf.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert detect_survey_format(read_table(p)) == "google-forms"
    r = import_google_forms(p, _cfg(p), display_path="gf.csv")
    assert r.problems == []
    assert r.table["team"].tolist() == ["marketing", "sales"]
    np.testing.assert_array_equal(r.table["FAIR1"], [4, 1])
    np.testing.assert_array_equal(r.table["TRUST1"], [5, 2])
    assert r.table["respondent_id"].tolist() == ["row2", "row3"]
    assert "Email Address" in r.intake.columns_unmatched


def test_ms_forms_excel(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Department", FAIR1,
               CLAIM])
    ws.append([1, "9/2/26 9:01:12", "9/2/26 9:05:40", "anonymous", None, "Inside Sales",
               "Agree", "Strongly disagree"])
    ws.append([2, "9/2/26 9:11:12", "9/2/26 9:15:40", "anonymous", None, "Demand Gen",
               "Disagree", "Agree"])
    p = tmp_path / "ms.xlsx"
    wb.save(p)
    assert detect_survey_format(read_table(p)) == "ms-forms"
    r = import_ms_forms(p, _cfg(p, team_column="Department"), display_path="ms.xlsx")
    assert r.problems == []
    assert r.table["respondent_id"].tolist() == ["1", "2"]
    np.testing.assert_array_equal(r.table["FAIR1"], [4, 2])
    np.testing.assert_array_equal(r.table["CLAIM_FOLLOW"], [1, 4])


def test_spss_value_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame({"ResponseId": ["R1", "R2", "R3"], "dept": [1.0, 2.0, 1.0],
                       "q1": [5.0, 9.0, 2.0], "q2": [1.0, 3.0, np.nan]})
    p = tmp_path / "s.sav"
    agree = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Neither agree nor disagree",
             4.0: "Agree", 5.0: "Strongly agree", 9.0: "Don't know"}
    pyreadstat.write_sav(df, str(p), column_labels=["Response ID", "Team", FAIR1, TRUST1],
                         variable_value_labels={"dept": {1.0: "Inside Sales",
                                                         2.0: "Demand Gen"},
                                                "q1": agree, "q2": agree})
    r = import_spss(p, _cfg(p, team_column="dept"), display_path="s.sav")
    assert r.problems == []
    t = r.table
    assert t["team"].tolist() == ["sales", "marketing", "sales"]
    np.testing.assert_array_equal(t["FAIR1"], [5, np.nan, 2])   # 9 labelled Don't know
    np.testing.assert_array_equal(t["TRUST1"], [1, 3, np.nan])
