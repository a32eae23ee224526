"""The intake's fast paths (issue 10) give the same result as the general ones."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from toolkit.exceptions import ValidationError
from toolkit.intake import parse
from toolkit.intake.canonical import _clean_text
from toolkit.intake.reader import _read_text_arrow, read_table


def _pandas_grid(data: bytes, delim: str = ",") -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=delim, header=None, dtype=str,
                       keep_default_na=False, na_filter=False, skip_blank_lines=False)


def test_arrow_csv_reader_matches_pandas_reader():
    data = ('\ufeffid;name;note\r\n1; Ann ;"multi\nline"\r\n\r\n2;;"a;b"\r\n3;"Zoë";x"y\r\n'
            .encode("utf-8"))
    arrow = _read_text_arrow(data, ";", data.decode("utf-8-sig")[:200]).to_pandas()
    ref = _pandas_grid(data.decode("utf-8-sig").encode(), ";")
    assert arrow.astype(object).values.tolist() == ref.astype(object).values.tolist()
    assert arrow.iloc[2].tolist() == ["", "", ""]  # a blank line stays a (blank) row


def test_arrow_csv_reader_declines_ragged_rows(tmp_path):
    data = b"a,b\n1,2,\n4,5,\n"       # a trailing delimiter on the lines, not the header
    assert _read_text_arrow(data, ",", data.decode()) is None
    p = tmp_path / "ragged.csv"
    p.write_bytes(data)
    raw = read_table(p)  # falls back to the padding reader
    assert raw.df.shape == (2, 2)
    # a value beyond the header's columns is a shifted row: refused with its row
    p.write_bytes(b"a,b\n1,2,3\n4,5\n")
    with pytest.raises(ValidationError) as e:
        read_table(p)
    assert [q.row for q in e.value.problems] == [2]


def test_plain_iso_fast_path_and_general_path_agree():
    n = parse._DISTINCT_MIN_ROWS + 10
    stamps = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n) * 3607, unit="s")
    text = pd.Series(stamps.strftime("%Y-%m-%dT%H:%M:%S"), index=np.arange(2, n + 2))
    vals, fmt, probs = parse.parse_datetimes(text, column="created_at", file="f.csv")
    assert probs == [] and fmt == "ISO-8601"
    assert (vals.to_numpy() == stamps.to_numpy()).all()
    # the fast path refuses what strptime would roll over; the general path names the rows
    bad = text.copy()
    bad.iloc[5] = "2025-02-30T10:00:00"
    bad.iloc[7] = "2025-03-01T10:00:60"
    assert parse._plain_iso(parse._text(bad)) is None
    vals, fmt, probs = parse.parse_datetimes(bad, column="created_at", file="f.csv")
    assert [p.row for p in probs] == [7, 9]
    assert vals.isna().sum() == 2 and vals.iloc[6] == stamps[6]
    dates = pd.Series(["2025-03-14", "2024-02-29", None])
    vals, fmt, _ = parse.parse_datetimes(dates, column="d", file="f")
    assert vals.tolist()[:2] == [pd.Timestamp("2025-03-14"), pd.Timestamp("2024-02-29")]
    assert parse._plain_iso(parse._text(pd.Series(["2025-02-29"]))) is None


def test_distinct_value_number_parsing_matches_row_by_row():
    n = parse._DISTINCT_MIN_ROWS * 2
    rng = np.random.default_rng(3)
    raw = pd.Series(rng.choice(["1,234.50", "$7", "(12)", "40%", "", " 3 "], n), dtype="str")
    raw = raw.where(raw != "")
    fast, probs = parse.parse_numbers(raw, column="amount", file="f")
    assert probs == []
    expected = {"1,234.50": 1234.5, "$7": 7.0, "(12)": -12.0, "40%": 0.4, " 3 ": 3.0}
    want = [expected[v] if isinstance(v, str) else np.nan for v in raw.tolist()]
    np.testing.assert_allclose(fast.to_numpy(), want, equal_nan=True)
    # a bad value: the row-by-row pass names its spreadsheet row
    bad = raw.copy()
    bad.index = np.arange(2, n + 2)
    bad.iloc[100] = "abc"
    _, probs = parse.parse_numbers(bad, column="amount", file="f")
    assert [p.row for p in probs] == [102]


def test_clean_text_strips_and_folds_categories_on_distinct_values():
    s = pd.Series([" Call ", "EMAIL", "", None, "fax", "call"], dtype="str")
    out = _clean_text(s, ("call", "email", "meeting"))
    assert out.iloc[0] == "call" and out.iloc[1] == "email" and pd.isna(out.iloc[2])
    assert pd.isna(out.iloc[3]) and out.iloc[4] == "fax" and out.iloc[5] == "call"
    assert str(out.dtype) == "str"
    ids = _clean_text(pd.Series([" L1", "L2 ", "  "], dtype=object))
    assert ids.iloc[0] == "L1" and ids.iloc[1] == "L2" and pd.isna(ids.iloc[2])


def test_parquet_columns_become_text_like_the_file_says(tmp_path):
    df = pd.DataFrame({
        "t": pd.to_datetime(["2025-01-02 03:04:05", None], format="ISO8601"),
        "tz": pd.to_datetime(["2025-01-02T03:04:05+02:00"] * 2, utc=True),
        "f": [1.0, 2.5], "i": [7, 8], "b": [True, False], "s": ["x", None],
    })
    p = tmp_path / "x.parquet"
    pa_table = pa.Table.from_pandas(df, preserve_index=False)
    import pyarrow.parquet as pq
    pq.write_table(pa_table, p)
    raw = read_table(p).df
    assert raw.loc[2].tolist() == ["2025-01-02T03:04:05", "2025-01-02T01:04:05", "1", "7",
                                   "TRUE", "x"]
    assert pd.isna(raw.loc[3, "t"]) and raw.loc[3, "f"] == "2.5" and pd.isna(raw.loc[3, "s"])

