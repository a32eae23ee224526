"""Importers on the real exports in ../shared/real (skipped when the folder is absent).

The files are read in place, never copied into the project.
"""

from pathlib import Path

import pandas as pd
import pytest

from toolkit.config import CrmConfig, SurveyConfig
from toolkit.intake import crmbuild
from toolkit.intake.detect import detect_crm_format, detect_survey_format
from toolkit.intake.qualtrics import import_survey as import_qualtrics
from toolkit.intake.reader import read_table

REAL = Path(__file__).parents[1].parent / "shared" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real is absent")

MAVEN = {"opportunity_id": "opportunity_id", "sales_agent": "owner_id",
         "deal_stage": "stage", "engage_date": "created_at", "close_date": "closed_at",
         "close_value": "amount"}


@pytest.mark.parametrize("name", ["qualtrics_current_de.csv", "qualtrics_legacy_old.csv",
                                  "qualtrics_legacy_matrix.csv",
                                  "qualtrics_legacy_na_option.csv"])
def test_qualtrics_files_are_refused_with_reasons(name):
    """None of the sample surveys asks our questions or names a team: each is recognised as
    Qualtrics and refused with messages that say why."""
    p = REAL / "qualtrics" / name
    assert detect_survey_format(read_table(p)) == "qualtrics"
    r = import_qualtrics(p, SurveyConfig(path=p), display_path=name)
    msgs = " | ".join(x.message for x in r.problems)
    assert "no team column" in msgs
    assert "no column matches an instrument item" in msgs
    tests = {"qualtrics_legacy_matrix.csv": 5, "qualtrics_legacy_na_option.csv": 15}
    if name in tests:
        # every response in these files is a Qualtrics test response (Status 2)
        assert r.intake.dropped == {"survey test": tests[name]}
        assert "no responses left" in msgs


def test_qualtrics_current_imports_with_mapping():
    """With a team column and an item mapping the genuine current export imports."""
    p = REAL / "qualtrics" / "qualtrics_current_de.csv"
    cfg = SurveyConfig(path=p, team_column="UserLanguage", team_map={"DE": "sales"},
                       items={"Q1": "FAIR1"})
    r = import_qualtrics(p, cfg, display_path="de.csv")
    assert r.problems == []
    assert r.intake.format == "qualtrics" and r.intake.rows_read == 1
    t = r.table
    assert t["respondent_id"].tolist() == ["R_2YPOQ602ER1jkf1"]
    assert t["FAIR1"].tolist() == [2.0] and t["team"].tolist() == ["sales"]
    assert t.index.tolist() == [4]
    assert "130.92.34.66" not in t.astype(str).to_numpy().ravel().tolist()


def test_qualtrics_legacy_na_codes_become_missing():
    """Negative recodes ("No basis for evaluation") are missing, not answers."""
    p = REAL / "qualtrics" / "qualtrics_legacy_na_option.csv"
    raw = pd.read_csv(p, skiprows=[1, 2], dtype=str)
    q3 = raw["Q3_1"]
    from toolkit.intake.answers import map_agreement
    vals = map_agreement(pd.DataFrame({"Q3_1": q3})).values["Q3_1"]
    negative = pd.to_numeric(q3) < 0
    assert negative.sum() > 0
    assert vals[negative].isna().all()
    assert (vals[~negative] == pd.to_numeric(q3[~negative])).all()


def _maven(name):
    cfg = CrmConfig(columns={"opportunities": MAVEN})
    p = REAL / "crm-maven" / name
    assert detect_crm_format(read_table(p), "opportunities") == "mapped"
    return crmbuild.import_crm_table(p, "opportunities", cfg, display_path=name)


def test_maven_pipeline_imports_with_won_count():
    r = _maven("sales_pipeline.csv")
    assert r.problems == []
    t = r.table
    assert len(t) == 8800
    assert int(t["is_won"].sum()) == 4238
    # Won + Lost are closed; Engaging and Prospecting are open
    assert int(t["is_closed"].sum()) == 4238 + 2473
    assert r.intake.date_formats["created_at"] == "ISO-8601"
    assert any("500 of 8,800 rows have no date" in w for w in r.intake.warnings)


def test_maven_us_dates_variant_gives_same_dates():
    iso = _maven("sales_pipeline.csv").table
    us = _maven("sales_pipeline_usdates_variant.csv").table
    assert us["created_at"].dtype == "datetime64[ns]"
    pd.testing.assert_series_equal(iso["created_at"], us["created_at"])
    pd.testing.assert_series_equal(iso["closed_at"], us["closed_at"])
    assert _maven("sales_pipeline_usdates_variant.csv").intake.date_formats[
        "created_at"].startswith("month-first")


def test_xeducation_leads_import_through_mapping():
    p = REAL / "leads-xeducation" / "leads.csv"
    assert detect_crm_format(read_table(p), "leads") == "mapped"
    cfg = CrmConfig(columns={"leads": {"Prospect ID": "lead_id", "Lead Source": "source",
                                       "Converted": "is_converted"}})
    r = crmbuild.import_crm_table(p, "leads", cfg, display_path="leads.csv")
    assert r.problems == []
    t = r.table
    raw = pd.read_csv(p, dtype=str)
    assert len(t) == len(raw) == 4000
    assert t["lead_id"].is_unique
    assert int(t["is_converted"].sum()) == int((raw["Converted"] == "1").sum())
    # mixed case merged: 'Google' and 'google' are one source
    assert int((t["source"] == "google").sum()) == int(
        raw["Lead Source"].str.lower().eq("google").sum())
    assert any("merged" in w for w in r.intake.warnings)
    assert any("no conversion date" in w for w in r.intake.warnings)
    assert any("created_at" in w for w in r.intake.warnings)   # required column not found


@pytest.mark.parametrize("name,table,fmt", [
    ("dynamics365_opportunity_excel_export_header.csv", "opportunities", "dynamics365"),
    ("hubspot_contacts_all_properties_2023_header.csv", "leads", "hubspot"),
    ("hubspot_deals_export_2024_header.csv", "opportunities", "hubspot"),
    ("pipedrive_deals_export_header.csv", "opportunities", "pipedrive"),
    ("salesforce_activity_report_header.csv", "activities", "salesforce"),
    ("salesforce_report_multicurrency_opportunities_header.csv", "opportunities",
     "salesforce"),
])
def test_crm_headers_recognised(name, table, fmt):
    assert detect_crm_format(read_table(REAL / "headers" / name), table) == fmt


@pytest.mark.parametrize("name,fmt", [
    ("googleforms_csv_download_example.csv", "google-forms"),
    ("msforms_excel_export_header.csv", "ms-forms"),
    ("surveymonkey_two_header_rows_ggwash2022.csv", "surveymonkey"),
])
def test_survey_headers_recognised(name, fmt):
    assert detect_survey_format(read_table(REAL / "headers" / name)) == fmt


def test_every_header_file_is_covered():
    names = {p.name for p in (REAL / "headers").glob("*.csv")}
    covered = {"dynamics365_opportunity_excel_export_header.csv",
               "hubspot_contacts_all_properties_2023_header.csv",
               "hubspot_deals_export_2024_header.csv", "pipedrive_deals_export_header.csv",
               "salesforce_activity_report_header.csv",
               "salesforce_report_multicurrency_opportunities_header.csv",
               "googleforms_csv_download_example.csv", "msforms_excel_export_header.csv",
               "surveymonkey_two_header_rows_ggwash2022.csv"}
    assert names <= covered, names - covered


def test_salesforce_multicurrency_header_rows_convert():
    """The two illustrative rows: JPY 10,000 → USD 83.86 (converted column used)."""
    p = REAL / "headers" / "salesforce_report_multicurrency_opportunities_header.csv"
    from toolkit.intake.salesforce import import_crm_table
    r = import_crm_table(p, "opportunities", CrmConfig(), display_path=p.name)
    assert r.table["amount"].tolist() == [83.86, 10000.0]
