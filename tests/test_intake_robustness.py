"""Intake defects found by a new-user tester: empty columns and files, binary input,
real-export friction (stage-only opportunities, column synonyms, opportunities-only
engagements, files left out of engagement.toml) and message wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.config import load_engagement
from toolkit.exceptions import ConfigError, Problem
from toolkit.intake import validate
from toolkit.intake.canonical import type_canonical
from toolkit.intake.parse import (infer_date_order, parse_bools, parse_datetimes, parse_ints,
                                  parse_numbers)
from toolkit.intake.reader import read_table
from toolkit.exceptions import ValidationError

LEADS = ("lead_id,created_at,source,owner_id,mql_at,rejected_at,rejection_reason,score\n"
         "L1,2025-01-05T09:00:00,web,u1,2025-01-05T10:00:00,,,55\n"
         "L2,2025-01-06T09:00:00,event,u2,,,,\n"
         "L3,2025-01-07T09:00:00,referral,u1,,,,12.5\n")
OPPS = ("opportunity_id,lead_id,created_at,closed_at,stage,is_closed,is_won,amount,owner_id\n"
        "O1,L1,2025-02-01,2025-03-01,Closed Won,TRUE,TRUE,12000,u1\n"
        "O2,L2,2025-02-03,,Proposal,FALSE,FALSE,,u2\n")
ACTS = ("activity_id,lead_id,owner_id,type,occurred_at\n"
        "A1,L1,u1,call,2025-01-05T11:00:00\n")


def make(tmp_path, *, leads=LEADS, opps=OPPS, acts=ACTS, crm_keys=None, files=None):
    """A CRM-only engagement; *crm_keys* replaces the [crm] path keys."""
    root = tmp_path / "eng"
    texts = {"crm/leads.csv": leads, "crm/opportunities.csv": opps,
             "crm/activities.csv": acts, **(files or {})}
    for rel, body in texts.items():
        if body is None:
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    if crm_keys is None:
        crm_keys = ('leads = "crm/leads.csv"\nopportunities = "crm/opportunities.csv"\n'
                    'activities = "crm/activities.csv"\n')
    (root / "engagement.toml").write_text(
        '[client]\nid = "acme"\nname = "Acme"\n\n[crm]\n' + crm_keys, encoding="utf-8")
    return root


def _msgs(problems):
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- H1
@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("cells", [[], [None, None], ["", "  "]])
def test_parsers_accept_empty_and_all_missing_columns(dtype, cells):
    s = pd.Series(cells, dtype=dtype, index=range(2, 2 + len(cells)))
    dates, fmt, probs = parse_datetimes(s, column="c", file="f")
    assert fmt is None and probs == [] and dates.isna().all() and len(dates) == len(cells)
    assert infer_date_order(s) is None
    nums, probs = parse_numbers(s, column="c", file="f")
    assert probs == [] and nums.isna().all() and nums.dtype == "float64"
    ints, probs = parse_ints(s, column="c", file="f")
    assert probs == [] and ints.isna().all()
    flags, probs = parse_bools(s, column="c", file="f")
    assert probs == [] and flags.isna().all()


def test_type_canonical_on_header_only_and_all_empty_tables():
    from toolkit.schemas import COLUMNS

    for table in ("leads", "opportunities", "activities"):
        cols = list(COLUMNS[table])
        empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in cols})
        typed, _, probs, _ = type_canonical(empty, table, file="f")
        assert len(typed) == 0 and probs == []
        blank = pd.DataFrame({c: pd.Series([np.nan] * 2, dtype="str") for c in cols},
                             index=[2, 3])
        typed, _, probs, _ = type_canonical(blank, table, file="f")
        # only the two required true/false flags of opportunities complain, per row
        assert {(p.row, p.column) for p in probs} == (
            {(r, c) for r in (2, 3) for c in ("is_closed", "is_won")}
            if table == "opportunities" else set())


def test_all_empty_optional_date_and_amount_columns_are_accepted(tmp_path):
    opps = ("opportunity_id,lead_id,created_at,closed_at,stage,is_closed,is_won,amount,"
            "owner_id\nO1,L1,2025-02-01,,Closed Won,TRUE,TRUE,,u1\n"
            "O2,L2,2025-02-03,,Proposal,FALSE,FALSE,,u2\n")
    data, problems = validate(make(tmp_path, opps=opps))  # rejected_at is all empty too
    assert problems == []
    assert data.leads["rejected_at"].isna().all()
    assert str(data.leads["rejected_at"].dtype) == "datetime64[ns]"
    assert data.opportunities["closed_at"].isna().all()
    assert data.opportunities["amount"].isna().all()


@pytest.mark.parametrize("table,unit", [("leads", "lead"), ("opportunities", "opportunity")])
def test_header_only_leads_or_opportunities_is_a_problem(tmp_path, table, unit):
    kw = {"leads": LEADS.splitlines()[0] + "\n"} if table == "leads" else \
        {"opps": OPPS.splitlines()[0] + "\n"}
    data, problems = validate(make(tmp_path, **kw))
    assert _msgs(problems) == [f"crm/{table}.csv: no data rows; expected one row per {unit} "
                               "below the header"]


def test_header_only_activities_is_accepted_with_a_warning(tmp_path):
    data, problems = validate(make(tmp_path, acts=ACTS.splitlines()[0] + "\n"))
    assert problems == []
    assert data.activities is not None and len(data.activities) == 0
    assert any(w.startswith("crm/activities.csv: no data rows") for w in data.warnings)


def test_blank_rows_only_name_what_was_dropped(tmp_path):
    leads = LEADS.splitlines()[0] + "\n,,,,,,,\n,,,,,,,\n"
    _, problems = validate(make(tmp_path, leads=leads))
    assert _msgs(problems) == ["crm/leads.csv: no data rows (2 row(s) below the header: "
                               "2 blank row); expected one row per lead below the header"]


# --------------------------------------------------------------------------- H6
ELF = (b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00>\x00\x01\x00\x00\x00"
       + bytes(range(256)) * 12)


def test_binary_csv_is_a_problem_not_a_crash(tmp_path):
    _, problems = validate(make(tmp_path, leads=ELF))
    assert _msgs(problems) == ["crm/leads.csv: not a text/CSV or Excel file (binary "
                               "content); export the table as CSV or .xlsx"]


def test_binary_detection_keeps_real_text():
    from toolkit.intake.reader import is_binary

    # NULs of UTF-16 text and accented cp1252 text are text; stray control bytes are not
    assert not is_binary("id\tname\n1\tJosé\n".encode("utf-16"), "utf-16")
    assert not is_binary("id;name\n1;Renée €5\n".encode("cp1252"), "cp1252")
    # one stray NUL in UTF-8 text is a bad cell (named with its row and column by
    # toolkit.intake.controls), not a binary file; many NULs are binary
    assert not is_binary(b"id,name\n1,a\x00b\n", "utf-8")
    assert is_binary(b"id,name\n1,a" + b"\x00" * 10 + b"b\n", "utf-8")
    assert is_binary(b"id,name\n1,a\x00b\n", "cp1252")
    assert is_binary(b"id,name\n" + b"\x01\x02\x03\x04" * 10 + b"\n", "utf-8")
    # odd bytes interpreted as UTF-16 that hold an unpaired surrogate
    assert is_binary(b"a\x00\x00\xdcb\x00", "utf-16-le")


@pytest.mark.parametrize("suffix,content,expected", [
    (".xlsx", ELF, "not an Excel workbook (.xlsx files are zip archives) and not text "
                   "either (binary content)"),
    (".xlsx", LEADS.encode(), "not an Excel workbook (.xlsx files are zip archives): the "
                              "file holds text; if it is a CSV export, rename it to .csv"),
    (".parquet", LEADS.encode(), "not a Parquet file (no PAR1 signature): the file holds "
                                 "text"),
    (".parquet", b"", "file is empty; expected a Parquet file"),
])
def test_wrong_content_for_the_suffix_is_a_clear_problem(tmp_path, suffix, content,
                                                         expected):
    f = tmp_path / f"leads{suffix}"
    f.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        read_table(f, display_path=f"crm/leads{suffix}")
    (p,) = err.value.problems
    assert p.file == f"crm/leads{suffix}" and expected in p.message
    assert str(tmp_path) not in p.message


# --------------------------------------------------------------------------- M6
MAVEN = ("opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
         "close_value\n"
         "1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n"
         "EC4QE1BX,Darcel Schlecht,MG Special,Cancity,Lost,2016-10-25,2017-03-07,0\n"
         "MV1LWRNH,Moses Frase,GTX Basic,Codehow,Engaging,2016-10-25,2017-04-01,\n"
         "Z063OYW0,Zane Levy,GTXPro,Isdom,Closed Won,2016-10-25,2017-03-11,4514\n")


def test_opportunities_only_engagement_with_synonyms_and_stage_flags(tmp_path):
    root = make(tmp_path, leads=None, opps=None, acts=None,
                files={"crm/sales_pipeline.csv": MAVEN},
                crm_keys='opportunities = "crm/sales_pipeline.csv"\n')
    data, problems = validate(root)
    assert problems == []
    assert data.leads is None and data.engagement.crm.leads is None
    o = data.opportunities
    # Won/Closed Won -> closed and won; Lost -> closed, not won; Engaging -> open
    assert o["is_won"].tolist() == [True, False, False, True]
    assert o["is_closed"].tolist() == [True, True, False, True]
    assert o["amount"].tolist()[:2] == [1054.0, 0.0] and np.isnan(o["amount"].iloc[2])
    assert o["owner_id"].tolist()[0] == "Moses Frase"
    assert o["created_at"].iloc[0] == pd.Timestamp("2016-10-20")
    # the open deal's close date is only expected: cleared
    assert o["closed_at"].isna().tolist() == [False, False, True, False]
    rec = data.intake[0]
    assert rec.columns_mapped == {"opportunity_id": "opportunity_id",
                                  "sales_agent": "owner_id", "deal_stage": "stage",
                                  "engage_date": "created_at", "close_date": "closed_at",
                                  "close_value": "amount"}
    assert rec.columns_unmatched == ["product", "account"]
    assert any("won/closed derived from the stage name: won = 'Closed Won', 'Won'; lost = "
               "'Lost'" in w for w in data.warnings)
    assert any("columns mapped by name: sales_agent → owner_id, deal_stage → stage" in w
               for w in data.warnings)


def test_canonical_name_beats_a_synonym(tmp_path):
    # 'source' present: 'Lead Source' is not a second claimant (no conflict problem)
    opps = OPPS.replace("owner_id\n", "owner_id,source,Lead Source\n") \
        .replace(",u1\n", ",u1,web,Web\n").replace(",u2\n", ",u2,event,Event\n")
    data, problems = validate(make(tmp_path, opps=opps))
    assert problems == []
    assert data.opportunities["source"].tolist() == ["web", "event"]
    assert "Lead Source" in data.intake[1].columns_unmatched


@pytest.mark.parametrize("header,fmt", [
    ("Prospect ID,Lead Source,Lead Date,Sales Agent", "mapped"),
    # three Salesforce labels: the Salesforce importer, with the synonyms as fallback
    ("Prospect ID,Lead Source,Created Date,Lead Owner", "salesforce-report"),
])
def test_crm_importers_fall_back_on_synonyms(tmp_path, header, fmt):
    leads = (header + "\n7927b2df,Google,2025-01-05,u1\n2a272436,Olark Chat,2025-01-06,u2\n")
    data, problems = validate(make(tmp_path, leads=leads))
    assert problems == []
    assert data.intake[0].format == fmt
    assert data.intake[0].columns_mapped["Prospect ID"] == "lead_id"
    assert data.leads["lead_id"].tolist() == ["7927b2df", "2a272436"]
    assert data.leads["source"].tolist() == ["google", "olark_chat"]
    assert data.leads["owner_id"].tolist() == ["u1", "u2"]
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2025-01-05"),
                                                 pd.Timestamp("2025-01-06")]


def test_crm_needs_leads_or_opportunities(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_engagement(make(tmp_path, crm_keys='activities = "crm/activities.csv"\n'))
    (p,) = err.value.problems
    assert p.column == "crm.leads" and "[crm] leads and/or [crm] opportunities" in p.message
    eng = load_engagement(make(tmp_path, crm_keys='opportunities = "crm/opportunities.csv"\n'))
    assert eng.crm.leads is None and eng.crm.opportunities.name == "opportunities.csv"


def test_files_not_named_in_the_toml_are_mentioned(tmp_path):
    root = make(tmp_path, files={"crm/notes.xlsx": b"PK\x03\x04", "crm/README.txt": "hi",
                                 "incentives/plan_2025.csv": "team\n"},
                crm_keys='leads = "crm/leads.csv"\nopportunities = "crm/opportunities.csv"\n')
    data, problems = validate(root)
    assert problems == []
    unnamed = [w for w in data.warnings if " exists but " in w]
    assert unnamed == [
        "crm/activities.csv exists but [crm] activities is not set — first touch and "
        "attempts cannot be measured without it",
        "crm/notes.xlsx exists but is not named in engagement.toml; it is not read",
        "incentives/plan_2025.csv exists but [incentives] path is not set — the incentives "
        "pillar cannot be assessed without it"]


# --------------------------------------------------------------------------- polish
def test_ambiguous_dates_name_the_toml_fix():
    s = pd.Series(["03/04/2025", "05/06/2025"], dtype="str", index=[2, 3])
    _, _, probs = parse_datetimes(s, column="created_at", file="crm/leads.csv")
    (p,) = probs
    assert 'date_order = "day-first" or date_order = "month-first" under [crm]' in p.message
    assert "[survey]" in p.message and "engagement.toml" in p.message


def test_problem_renders_toml_keys_as_keys(tmp_path):
    assert str(Problem("engagement.toml", "bad", column="survey.path", kind="key")) == \
        "engagement.toml, key 'survey.path': bad"
    assert str(Problem("a.csv", "bad", row=3, column="lead_id")) == \
        "a.csv, row 3, column 'lead_id': bad"
    assert Problem("a.csv", "bad", column="x").to_dict() == {
        "file": "a.csv", "row": None, "column": "x", "message": "bad"}
    root = make(tmp_path, crm_keys='leads = "crm/nope.csv"\n')
    with pytest.raises(ConfigError) as err:
        load_engagement(root)
    assert "engagement.toml, key 'crm.leads': file not found" in str(err.value)


def test_canonical_opportunities_without_flags_derive_them_from_the_stage(tmp_path):
    opps = ("opportunity_id,lead_id,created_at,closed_at,stage,amount,owner_id\n"
            "O1,L1,2025-02-01,2025-03-01,Closed Won,100,u1\n"
            "O2,L2,2025-02-03,2025-03-02,Closed Lost,,u2\n"
            "O3,L3,2025-02-04,2025-05-01,Negotiation,,u2\n")
    data, problems = validate(make(tmp_path, opps=opps))
    assert problems == []
    o = data.opportunities
    assert o["is_won"].tolist() == [True, False, False]
    assert o["is_closed"].tolist() == [True, True, False]
    assert o["closed_at"].isna().tolist() == [False, False, True]
    assert ("crm/opportunities.csv: won/closed derived from the stage name: won = "
            "'Closed Won'; lost = 'Closed Lost'; open = the other 1 stage(s)") in data.warnings


def test_parquet_with_all_empty_columns_of_every_type(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"lead_id": pa.array(["L1", "L2"]),
                      "created_at": pa.array([pd.Timestamp("2025-01-01"),
                                              pd.Timestamp("2025-01-02")], pa.timestamp("us")),
                      "rejected_at": pa.nulls(2, pa.timestamp("ns")),
                      "rejection_reason": pa.nulls(2),          # Arrow's typeless null
                      "score": pa.array([np.nan, None], pa.float64()),
                      "attempts": pa.nulls(2, pa.int64())})
    f = tmp_path / "leads.parquet"
    pq.write_table(table, f)
    raw = read_table(f)
    assert raw.df["created_at"].tolist() == ["2025-01-01T00:00:00", "2025-01-02T00:00:00"]
    for c in ("rejected_at", "rejection_reason", "attempts"):
        assert raw.df[c].isna().all()
    typed, _, probs, _ = type_canonical(raw.df, "leads", file="leads.parquet")
    assert probs == [] and typed["rejected_at"].isna().all()
    assert typed["attempts"].isna().all() and typed["rejection_reason"].isna().all()


def test_unmapped_team_hint_suggests_each_teams_likely_side():
    # a hurried consultant copies the example: it must not put marketing on the sales side
    import pandas as pd

    from toolkit.intake.answers import map_teams

    vals = pd.Series(["Demand Generation", "SDR Team", "Demand Generation", "Zebra unit"])
    out, problems = map_teams(vals, {}, file="survey.csv", column="team")
    assert out.isna().all() and len(problems) == 1
    msg = str(problems[0])
    assert "'Demand Generation' = \"marketing\"" in msg
    assert "'SDR Team' = \"sales_development\"" in msg
    assert "'Zebra unit' = \"other\"" in msg
    assert "= \"sales\"" not in msg
