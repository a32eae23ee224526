"""An optional leads column with no value at all is treated exactly like an absent column
(tester defect: blank mql_at/accepted_at/rejected_at reversed the follow-up verdict)."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.crm import measure_crm
from toolkit.crm.derive import drop_empty_columns
from toolkit.verdict import judge

from test_verdict import SAMPLES, _read, sample_crm

BASE = pd.Timestamp("2025-03-03 09:00")
H = pd.Timedelta(hours=1)


def _fixture(blank: bool) -> pd.DataFrame:
    # 4 web (marketing) leads: L0 reached SQL; L0 and L1 touched after 2 h; L2, L3 never.
    d = {"lead_id": ["L0", "L1", "L2", "L3"], "created_at": [BASE] * 4, "source": ["web"] * 4,
         "sql_at": [BASE + 5 * H, None, None, None],
         "first_touch_at": [BASE + 2 * H, BASE + 2 * H, None, None]}
    if blank:  # the export carries the lifecycle columns, every cell empty
        d.update(mql_at=[None] * 4, accepted_at=[""] * 4, rejected_at=[pd.NaT] * 4)
    return pd.DataFrame(d)


def _crm(leads):
    return measure_crm(leads, settings=AnalysisSettings(), marketing_sources=["web"],
                       extract_date="2025-04-01")


def test_blank_lifecycle_columns_equal_absent_columns_on_a_hand_fixture():
    blank, absent = _crm(_fixture(True)), _crm(_fixture(False))
    # by hand: no MQL information → every lead is handed to sales (4), 2 of 4 untouched.
    # Before the fix the blank mql_at made only the SQL lead L0 "handed": 1 lead, 0% untouched.
    for crm in (blank, absent):
        assert crm["cohort"]["handed_to_sales"] == 4
        assert crm["speed"]["untouched_share"] == pytest.approx(2 / 4)
        # acceptance is not decided by any accepted_at/rejected_at value
        assert any("no acceptance date in the export" in m
                   for m in crm["handoff"]["evidence_score_missing"])
    for key in ("funnel", "handoff", "speed", "persistence", "lead_quality"):
        b = {k: v for k, v in blank[key].items() if k != "warnings"}
        a = {k: v for k, v in absent[key].items() if k != "warnings"}
        assert b == a, key
    assert judge(blank, None)["follow_up"] == judge(absent, None)["follow_up"]
    for col in ("mql_at", "accepted_at", "rejected_at"):
        assert f"crm: leads column '{col}' is empty — treated as absent" in blank["warnings"]
    assert not any("treated as absent" in w for w in absent["warnings"])


def test_column_empty_only_in_the_cohort_is_absent_too():
    leads = _fixture(False)
    # an MQL timestamp only on a lead created before the period
    old = pd.DataFrame({"lead_id": ["X"], "created_at": [BASE - 60 * 24 * H], "source": ["web"],
                        "mql_at": [BASE - 60 * 24 * H]})
    leads = pd.concat([leads.assign(mql_at=pd.NaT), old], ignore_index=True)
    crm = measure_crm(leads, settings=AnalysisSettings(), marketing_sources=["web"],
                      extract_date="2025-04-01", period_start=BASE.date())
    assert crm["cohort"]["leads"] == 4 and crm["cohort"]["handed_to_sales"] == 4
    assert "crm: leads column 'mql_at' has no value in the cohort — treated as absent" in \
        crm["warnings"]


def test_drop_empty_columns_keeps_filled_and_required_columns():
    df = pd.DataFrame({"lead_id": ["a", "b"], "created_at": [None, None],
                       "mql_at": [" ", None], "score": [None, 3.0], "rejection_reason": [None] * 2})
    out, warn = drop_empty_columns(df)
    # created_at is required (never dropped here), rejection_reason's emptiness is evidence
    assert list(out.columns) == ["lead_id", "created_at", "score", "rejection_reason"]
    assert warn == ["leads column 'mql_at' is empty — treated as absent"]


def test_followup_gap_sample_with_blank_lifecycle_columns_keeps_its_verdict():
    folder = SAMPLES / "followup-gap"
    if not (folder / "crm" / "leads.csv").is_file():
        pytest.skip("sample not generated")
    import tomllib
    conf = tomllib.loads((folder / "engagement.toml").read_text())
    leads = _read(folder / "crm" / "leads.csv")
    opps, acts = _read(folder / "crm" / "opportunities.csv"), _read(folder / "crm" / "activities.csv")
    cols = ["mql_at", "accepted_at", "rejected_at"]
    kw = dict(settings=AnalysisSettings(), marketing_sources=conf["crm"]["marketing_sources"],
              period_start=conf["client"].get("period_start"),
              period_end=conf["client"].get("period_end"),
              extract_date=conf["crm"].get("extract_date"))
    blank = measure_crm(leads.assign(**{c: pd.NaT for c in cols}), opps, acts, **kw)
    absent = measure_crm(leads.drop(columns=cols), opps, acts, **kw)
    vb, va = judge(blank, None), judge(absent, None)
    assert vb["follow_up"]["status"] == va["follow_up"]["status"] == "supported"
    assert vb["lead_quality"]["status"] == va["lead_quality"]["status"]
    assert blank["speed"] == {**absent["speed"], "warnings": blank["speed"]["warnings"]}
    # the real sample (columns filled) is supported as well
    assert judge(sample_crm("followup-gap"), None)["follow_up"]["status"] == "supported"
