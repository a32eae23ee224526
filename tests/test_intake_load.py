"""load_data / validate on small engagement folders written in the test."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from toolkit.config import load_engagement
from toolkit.exceptions import ValidationError
from toolkit.intake import load_data, validate
from toolkit.schemas import ITEM_CODES

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

TOML = """
[client]
id = "acme"
name = "Acme"
period_start = 2025-01-01
period_end = 2025-12-31

[survey]
path = "survey/responses.csv"
format = "{sfmt}"
team_column = "Team"
team_map = {{ "Inside Sales" = "sales", "Demand Gen" = "marketing" }}

[crm]
format = "{cfmt}"
leads = "crm/leads.csv"
opportunities = "crm/opportunities.csv"
columns = {{ leads = {{ "Lead Src" = "source" }} }}
"""

ITEMS = ["FAIR1", "FAIR2", "TRUST1"]


def _survey(rows):
    head = "respondent_id,Team," + ",".join(ITEMS) + ",FREQ,Department\n"
    return head + "".join(",".join(r) + "\n" for r in rows)


GOOD_SURVEY = _survey([["r1", "Inside Sales", "4", "5", "", "daily", "x"],
                       ["r2", "Demand Gen", "2", "1", "3", "weekly", "y"],
                       ["r3", "sales development", "3", "3", "3", "Never", "z"]])
GOOD_LEADS = ("lead_id,created_at,Lead Src,mql_at,attempts,score\n"
              "L1,2025-01-05T09:00:00,web,2025-01-05T10:00:00,3,55\n"
              "L2,2025-01-06,event,,0,\n"
              "L3,2025-01-07T08:00:00+01:00,referral,,1,12.5\n")
GOOD_OPPS = ("opportunity_id,lead_id,created_at,closed_at,stage,is_closed,is_won,amount,"
             "owner_id\n"
             "O1,L1,2025-02-01,2025-03-01,Closed Won,TRUE,TRUE,\"USD 12,000.00\",u1\n"
             "O2,,2025-02-03,,Proposal,FALSE,FALSE,,u2\n")


def make(tmp_path, survey=GOOD_SURVEY, leads=GOOD_LEADS, opps=GOOD_OPPS, sfmt="auto",
         cfmt="auto", enc="utf-8"):
    root = tmp_path / "acme"
    for rel, text in [("survey/responses.csv", survey), ("crm/leads.csv", leads),
                      ("crm/opportunities.csv", opps)]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode(enc))
    (root / "engagement.toml").write_text(TOML.format(sfmt=sfmt, cfmt=cfmt), encoding="utf-8")
    return root


def test_good_engagement_loads_typed_tables(tmp_path):
    data = load_data(load_engagement(make(tmp_path)))
    assert data.row_counts() == {"survey": 3, "leads": 3, "opportunities": 2}
    s = data.survey
    assert s["team"].tolist() == ["sales", "marketing", "sales_development"]
    assert s["FAIR1"].dtype == "float64" and s["FAIR1"].tolist() == [4.0, 2.0, 3.0]
    assert math.isnan(s.loc[0, "TRUST1"])
    assert s["FREQ"].tolist() == ["daily", "weekly", "never"]
    assert "Department" not in s.columns
    leads = data.leads
    assert str(leads["created_at"].dtype) == "datetime64[ns]"
    assert leads.loc[2, "created_at"] == pd.Timestamp("2025-01-07 07:00")   # +01:00 -> UTC
    assert leads["source"].tolist() == ["web", "event", "referral"]
    assert leads["attempts"].dtype == "float64" and leads["score"].isna().tolist() == [
        False, True, False]
    o = data.opportunities
    assert o["is_won"].dtype == bool and o["is_won"].tolist() == [True, False]
    assert o.loc[0, "amount"] == 12000.0 and math.isnan(o.loc[1, "amount"])
    intake = {r.table: r for r in data.intake}
    assert intake["survey"].format == "canonical"
    assert intake["survey"].columns_mapped["Team"] == "team"
    assert intake["survey"].columns_unmatched == ["Department"]
    assert intake["leads"].columns_mapped["Lead Src"] == "source"
    assert intake["leads"].date_formats["created_at"] == "ISO-8601 with UTC offset"
    assert intake["leads"].rows_read == 3 and intake["leads"].rows_kept == 3
    assert intake["leads"].to_dict()["path"] == "crm/leads.csv"


def test_all_problems_of_all_files_at_once(tmp_path):
    survey = _survey([["r1", "Inside Sales", "4", "7", "", "daily", ""],      # row 2: FAIR2=7
                      ["r2", "Finance", "2", "1", "3", "weekly", ""],         # row 3: team
                      ["r1", "Demand Gen", "2", "x", "3", "sometimes", ""]])  # row 4: dup, x, FREQ
    leads = ("lead_id,Lead Src,mql_at\n"                                     # created_at missing
             "L1,web,2025-01-05\nL1,web,2025-01-06\n")
    opps = GOOD_OPPS.replace("TRUE,TRUE", "FALSE,TRUE")                      # won but open
    root = make(tmp_path, survey=survey, leads=leads, opps=opps)
    with pytest.raises(ValidationError) as ei:
        load_data(load_engagement(root))
    got = {(p.file, p.row, p.column) for p in ei.value.problems}
    expected = {
        ("survey/responses.csv", 2, "FAIR2"),          # 7 outside 1..5
        ("survey/responses.csv", 3, "team"),           # unknown team Finance
        ("survey/responses.csv", 4, "respondent_id"),  # duplicate r1
        ("survey/responses.csv", 4, "FAIR2"),          # 'x' not a number
        ("survey/responses.csv", 4, "FREQ"),           # unknown category
        ("crm/leads.csv", None, "created_at"),         # required column missing
        ("crm/leads.csv", 3, "lead_id"),               # duplicate L1
        ("crm/opportunities.csv", 2, "is_won"),        # won but not closed
    }
    assert got == expected
    msgs = {(p.row, p.column): p.message for p in ei.value.problems}
    assert "outside the 1..5" in msgs[(2, "FAIR2")]
    assert "unknown team 'Finance'" in msgs[(3, "team")]
    assert "first on row 2" in msgs[(4, "respondent_id")]
    # validate() gives the same list without raising, plus the intake summary
    data, problems = validate(root)
    assert {(p.file, p.row, p.column) for p in problems} == expected
    assert [r.table for r in data.intake] == ["survey", "leads", "opportunities"]


def test_cp1252_semicolon_day_first_crm(tmp_path):
    leads = ("lead_id;created_at;Lead Src;accepted_at;score\n"
             "L1;14/03/2025;événement;01/04/2025;1,5\n"
             "L2;02/03/2025;web;;2\n")
    opps = ("opportunity_id;created_at;stage;is_closed;is_won;amount;owner_id\n"
            "O1;05/04/2025;Won;yes;yes;1.234,50 €;u1\n")
    root = make(tmp_path, leads=leads, opps=opps, enc="cp1252")
    data, problems = validate(root)
    assert problems == []
    intake = {r.table: r for r in data.intake}
    assert intake["leads"].encoding == "cp1252" and intake["leads"].delimiter == ";"
    assert intake["leads"].date_formats["created_at"] == "day-first (DD/MM/YYYY)"
    # accepted_at alone is ambiguous (01/04): it follows created_at of the same file
    assert data.leads.loc[0, "accepted_at"] == pd.Timestamp("2025-04-01")
    assert any("accepted_at" in w for w in data.warnings)
    assert data.leads["source"].tolist() == ["événement", "web"]
    assert data.leads["score"].tolist() == [1.5, 2.0]
    # the opportunities file alone has only ambiguous dates: it follows the order the
    # leads file of the same CRM export proved, visibly
    assert data.opportunities.loc[0, "created_at"] == pd.Timestamp("2025-04-05")
    assert intake["opportunities"].date_formats["created_at"] == (
        "day-first (DD/MM/YYYY), assumed")
    assert data.opportunities.loc[0, "amount"] == 1234.5
    assert data.opportunities.loc[0, "is_won"]


def test_ambiguous_dates_without_any_evidence_are_blocking(tmp_path):
    opps = ("opportunity_id,created_at,stage,is_closed,is_won,amount,owner_id\n"
            "O1,05/04/2025,Won,1,1,100,u1\nO2,06/04/2025,Open,0,0,,u2\n")
    data, problems = validate(make(tmp_path, opps=opps))
    assert [(p.file, p.column) for p in problems] == [("crm/opportunities.csv", "created_at")]
    assert "day-first or month-first" in problems[0].message


def test_utf16_tab_survey_and_explicit_canonical_format(tmp_path):
    survey = GOOD_SURVEY.replace(",", "\t")
    data, problems = validate(make(tmp_path, survey=survey, sfmt="canonical",
                                   cfmt="canonical", enc="utf-16"))
    assert problems == []
    assert data.survey["respondent_id"].tolist() == ["r1", "r2", "r3"]
    assert data.intake[0].encoding == "utf-16" and data.intake[0].delimiter == "\t"


def test_unrecognised_crm_file_is_a_problem(tmp_path):
    leads = "Foo,Bar\n1,2\n"
    data, problems = validate(make(tmp_path, leads=leads))
    # handed to the generic column-mapping importer, which names what is missing
    assert problems and {p.file for p in problems} == {"crm/leads.csv"}
    assert any("lead_id" in p.message for p in problems)
    assert data.opportunities is not None


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return sum(1 for row in csv.reader(fh) if any(c.strip() for c in row)) - 1


@pytest.mark.parametrize("name", ["followup-gap", "lead-quality", "well-aligned"])
def test_sample_engagements_load_with_expected_row_counts(name):
    root = SAMPLES / name
    if not (root / "engagement.toml").is_file():
        pytest.skip(f"sample {name} not generated yet")
    eng = load_engagement(root)
    data = load_data(eng)
    expected = {"survey": _csv_rows(eng.survey.path)}
    for table in ("leads", "opportunities", "activities"):
        path = getattr(eng.crm, table)
        if path is not None:
            expected[table] = _csv_rows(path)
    if eng.incentives is not None:
        expected["plan"] = _csv_rows(eng.incentives.path)
    assert data.row_counts() == expected
    assert set(data.survey.columns) >= {"respondent_id", "team", *ITEM_CODES[:5]}
