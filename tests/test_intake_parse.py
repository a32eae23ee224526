"""Value parsers: dates (ISO, day/month order, Excel serials), currency numbers, booleans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.intake.parse import (MAX_ROW_PROBLEMS, infer_date_order, parse_bools,
                                  parse_datetimes, parse_ints, parse_numbers)

T = pd.Timestamp


def S(values):
    """Text cells indexed like a sheet: first data row is row 2."""
    return pd.Series(values, index=range(2, 2 + len(values)), dtype=object)


def dates(values, **kw):
    w = []
    out, fmt, probs = parse_datetimes(S(values), column="created_at", file="f.csv",
                                      warnings=w, **kw)
    return out, fmt, probs, w


def test_iso_with_offsets_is_utc_and_naive():
    out, fmt, probs, w = dates(["2025-03-14", "2025-03-14T09:30:00",
                                "2025-03-14T09:30:00+02:00", "2025-03-14T23:30:00-05:00",
                                "2025-03-14T09:30:00Z", None, " "])
    assert probs == [] and fmt == "ISO-8601 with UTC offset"
    assert out.dt.tz is None and str(out.dtype) == "datetime64[ns]"
    assert list(out.iloc[:5]) == [T("2025-03-14"), T("2025-03-14 09:30"),
                                  T("2025-03-14 07:30"), T("2025-03-15 04:30"),
                                  T("2025-03-14 09:30")]
    assert out.iloc[5:].isna().all()
    assert any("without a UTC offset" in x for x in w)   # the naive 09:30 next to offsets


def test_day_first_inferred_from_a_day_above_12():
    out, fmt, probs, _ = dates(["14/03/2025", "01/02/2025 08:05"])
    assert probs == []
    assert fmt == "day-first (DD/MM/YYYY hh:mm)"
    assert list(out) == [T("2025-03-14"), T("2025-02-01 08:05")]


def test_month_first_with_am_pm_and_two_digit_year():
    out, fmt, probs, _ = dates(["3/14/2025, 9:30 PM", "1/2/25", "12/31/24 12:15 AM"])
    assert probs == [] and fmt.startswith("month-first")
    assert list(out) == [T("2025-03-14 21:30"), T("2025-01-02"), T("2024-12-31 00:15")]


def test_ambiguous_column_is_an_error_without_hint_and_a_warning_with_it():
    out, fmt, probs, w = dates(["01/02/2025", "03/04/2025"])
    assert len(probs) == 1 and probs[0].column == "created_at" and probs[0].row is None
    assert "day-first or month-first" in probs[0].message
    assert out.isna().all() and fmt is None
    out, fmt, probs, w = dates(["01/02/2025", "03/04/2025"], date_order="day-first")
    assert probs == [] and list(out) == [T("2025-02-01"), T("2025-04-03")]
    assert len(w) == 1 and "ambiguous" in w[0]


def test_conflicting_orders_name_the_minority_rows():
    out, fmt, probs, _ = dates(["13/01/2025", "20/01/2025", "01/13/2025"])
    assert [(p.row, p.column) for p in probs] == [(4, "created_at")]
    assert "contradicts the day-first" in probs[0].message
    assert out.iloc[0] == T("2025-01-13") and pd.isna(out.iloc[2])


def test_excel_serial_dates():
    # 45730 = 2025-03-14 in Excel's 1900 system (DATE(2025,3,14) in Excel gives 45730)
    out, fmt, probs, _ = dates(["45730", "45730.5", "12"])
    assert fmt == "Excel serial"
    assert list(out.iloc[:2]) == [T("2025-03-14"), T("2025-03-14 12:00")]
    assert [p.row for p in probs] == [4]                  # "12" is not a date


def test_unreadable_and_impossible_dates_are_row_problems():
    out, fmt, probs, _ = dates(["2025-03-14", "soon", "31/02/2025", "14/03/2025"])
    rows = {p.row: p.message for p in probs}
    assert set(rows) == {3, 4}
    assert "cannot read 'soon'" in rows[3] and "not a valid date" in rows[4]


@pytest.mark.parametrize("value", ["0000-01-01T00:00:00", "0000-01-01", "0001-01-01 00:00:00"])
def test_year_zero_is_a_row_problem(value):
    """Review 13b F7a: the plain-ISO fast path compared Python datetimes, which cannot
    hold year 0 (OverflowError → "unexpected", exit 1)."""
    out, fmt, probs, _ = dates(["2025-03-14T08:00:00"[:len(value)], value])
    assert [p.row for p in probs] == [3] and "implausible date" in probs[0].message


def test_problem_count_is_capped_with_a_summary():
    out, fmt, probs, _ = dates(["x"] * (MAX_ROW_PROBLEMS + 5))
    assert len(probs) == MAX_ROW_PROBLEMS + 1
    assert "5 more rows" in probs[-1].message and probs[-1].row is None


def test_month_names():
    out, fmt, probs, _ = dates(["14 Mar 2025", "March 15, 2025"])
    assert probs == [] and list(out) == [T("2025-03-14"), T("2025-03-15")]


def test_infer_date_order():
    assert infer_date_order(S(["25.12.2024", "01.01.2025"])) == "day-first"
    assert infer_date_order(S(["12/25/2024"])) == "month-first"
    assert infer_date_order(S(["01/02/2025", "2025-01-01"])) is None


@pytest.mark.parametrize("text, value", [
    ("USD 1,234.00", 1234.0), ("$1,234.00", 1234.0), ("(1,234.00)", -1234.0),
    ("-5", -5.0), ("12%", 0.12), ("1.5E+03", 1500.0), ("EUR 10", 10.0), ("£0.99", 0.99),
])
def test_numbers_dot_decimal(text, value):
    out, probs = parse_numbers(S([text, "1.5"]), column="amount", file="f.csv")
    assert probs == [] and out.iloc[0] == pytest.approx(value)


def test_numbers_comma_decimal_column():
    out, probs = parse_numbers(S(["1.234,00 €", "1 234,56", "1\u00a0234,5", "CHF 7", "0,5"]),
                               column="amount", file="f.csv")
    assert probs == []
    assert out.tolist() == pytest.approx([1234.0, 1234.56, 1234.5, 7.0, 0.5])


def test_numbers_grouping_only_column_and_ambiguous_dot():
    out, probs = parse_numbers(S(["1,234", "2,000,000"]), column="amount", file="f.csv")
    assert out.tolist() == [1234.0, 2000000.0] and probs == []
    w = []
    out, probs = parse_numbers(S(["1.234"]), column="amount", file="f.csv", warnings=w)
    assert out.iloc[0] == pytest.approx(1.234) and len(w) == 1


def test_number_problems_name_rows():
    out, probs = parse_numbers(S(["1.5", "abc", "2,5", None]), column="amount", file="f.csv")
    assert [(p.row, p.column) for p in probs] == [(4, "amount"), (3, "amount")]
    assert "decimal separator" in probs[0].message and "cannot read 'abc'" in probs[1].message
    assert out.iloc[0] == 1.5 and np.isnan(out.iloc[1]) and np.isnan(out.iloc[3])


def test_ints_and_bools():
    out, probs = parse_ints(S(["5", "5.0", "2.5", ""]), column="FAIR1", file="f.csv")
    assert out.iloc[:2].tolist() == [5.0, 5.0] and out.iloc[2:].isna().all()
    assert [p.row for p in probs] == [4]
    b, probs = parse_bools(S(["TRUE", "false", "Yes", "n", "1", "0", "won", None]),
                           column="is_won", file="f.csv")
    assert b.iloc[:6].tolist() == [True, False, True, False, True, False]
    assert b.iloc[6:].isna().all()
    assert [(p.row, p.column) for p in probs] == [(8, "is_won")]   # "won" is not a boolean
