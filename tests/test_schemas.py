"""Pandera schemas of the canonical tables: every failure translated to file/row/column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.schemas import COLUMNS, ITEM_CODES, MAX_PROBLEMS_PER_CHECK, check_table


def frame(data, first_row=2):
    n = len(next(iter(data.values())))
    return pd.DataFrame(data, index=pd.Index(range(first_row, first_row + n)))


def keyed(problems):
    return sorted((p.row or 0, p.column or "", p.message) for p in problems)


def test_item_codes_follow_the_instrument():
    assert len(ITEM_CODES) == 51                       # SPEC §3: 49 scale items + 2 claims
    assert ITEM_CODES[:4] == ("FAIR1", "FAIR2", "FAIR3", "FAIR4")
    assert "MAT12" in ITEM_CODES and "CLAIM_FOLLOW" in ITEM_CODES


def test_survey_values_out_of_range_not_whole_and_unknown_team():
    df = frame({"respondent_id": ["a", "b", "c", "b"],
                "team": ["sales", "finance", "marketing", "other"],
                "FAIR1": [1.0, 7.0, np.nan, 2.5],
                "FREQ": ["daily", "hourly", np.nan, "never"]})
    got = keyed(check_table(df, "survey", "s.csv"))
    rows_cols = [(r, c) for r, c, _ in got]
    assert rows_cols == [(3, "FAIR1"), (3, "FREQ"), (3, "team"), (5, "FAIR1"),
                         (5, "respondent_id")]
    msgs = {(r, c): m for r, c, m in got}
    # a respondent id is never quoted (it may be an e-mail address; SPEC §8)
    assert msgs[(5, "respondent_id")] == "duplicate respondent_id (first on row 3)"
    assert "7 is outside the 1..5" in msgs[(3, "FAIR1")]
    assert "not a whole number" in msgs[(5, "FAIR1")]


def test_survey_without_items_and_missing_required_columns():
    df = frame({"team": ["sales"]})
    problems = check_table(df, "survey", "s.csv")
    assert {(p.row, p.column) for p in problems} == {(None, None), (None, "respondent_id")}


def test_leads_required_columns_dates_and_counts():
    df = frame({"lead_id": ["L1", "L2", None],
                "created_at": pd.to_datetime(["2025-01-01", "1900-01-01", "2025-01-02"]),
                "source": ["web", "web", "event"],
                "attempts": [1.0, -1.0, np.nan]})
    got = {(p.row, p.column) for p in check_table(df, "leads", "l.csv")}
    assert got == {(3, "created_at"), (3, "attempts"), (4, "lead_id")}


def test_opportunities_won_must_be_closed_and_activities_need_a_target():
    opps = frame({"opportunity_id": ["O1", "O2"],
                  "created_at": pd.to_datetime(["2025-01-01", "2025-01-02"]),
                  "stage": ["Won", "Open"], "is_closed": [False, False],
                  "is_won": [True, False], "amount": [10.0, np.nan], "owner_id": ["u", "v"]})
    assert [(p.row, p.column) for p in check_table(opps, "opportunities", "o.csv")] == [
        (2, "is_won")]
    acts = frame({"activity_id": ["A1", "A2"], "lead_id": ["L1", np.nan],
                  "opportunity_id": [np.nan, np.nan], "owner_id": ["u", "u"],
                  "type": ["call", "fax"],
                  "occurred_at": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    got = {(p.row, p.column) for p in check_table(acts, "activities", "a.csv")}
    assert got == {(3, "lead_id"), (3, "type")}


def test_many_failures_are_capped_per_check():
    n = MAX_PROBLEMS_PER_CHECK + 7
    df = frame({"lead_id": [f"L{i}" for i in range(n)],
                "created_at": pd.to_datetime(["2025-01-01"] * n),
                "source": ["web"] * n, "score": [1.0] * n, "attempts": [-1.0] * n})
    problems = check_table(df, "leads", "l.csv")
    assert len(problems) == MAX_PROBLEMS_PER_CHECK + 1
    assert "7 more rows" in problems[-1].message


def test_required_flags_match_the_spec():
    req = {t: {c for c, col in cols.items() if col.required} for t, cols in COLUMNS.items()}
    assert req["leads"] == {"lead_id", "created_at", "source"}
    assert req["activities"] == {"activity_id", "owner_id", "type", "occurred_at"}
    assert req["survey"] == {"respondent_id", "team"}
