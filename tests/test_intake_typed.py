"""The typed columnar path (issue 18) gives exactly what the general text path gives."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLES
from toolkit.intake.canonical import read_canonical
from toolkit.intake.reader import read_table
from toolkit.intake.typed import read_typed
from toolkit.schemas import check_table

CRM = [(s, t) for s in ("followup-gap", "lead-quality", "well-aligned")
       for t in ("leads", "opportunities", "activities")]


def _general(path, table, display="f"):
    return read_canonical(path, table, display_path=display,
                          raw=read_table(path, display_path=display))


def _same(fast, slow):
    assert fast is not None
    pd.testing.assert_frame_equal(fast.table, slow.table, check_index_type=False)
    assert list(fast.table.index) == list(slow.table.index)
    assert fast.intake.to_dict() == slow.intake.to_dict()
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]


@pytest.mark.parametrize("sample,table", CRM)
def test_typed_csv_matches_general_path_on_samples(sample, table):
    path = SAMPLES / sample / "crm" / f"{table}.csv"
    _same(read_typed(path, table, display_path="f"), _general(path, table))


@pytest.mark.parametrize("table", ["leads", "opportunities", "activities"])
def test_typed_parquet_matches_general_path(tmp_path, table):
    df = pd.read_csv(SAMPLES / "followup-gap" / "crm" / f"{table}.csv", dtype=str)
    for c in df.columns:  # native types, as a warehouse would write them
        if c.endswith("_at"):
            df[c] = pd.to_datetime(df[c])
        elif c in ("score", "amount"):
            df[c] = pd.to_numeric(df[c])
        elif c in ("is_won", "is_closed"):
            df[c] = df[c].map({"True": True, "False": False})
    path = tmp_path / f"{table}.parquet"
    df.to_parquet(path, index=False)
    _same(read_typed(path, table, display_path="f"), _general(path, table))


@pytest.mark.parametrize("kind", ["date32", "timestamp[s]", "timestamp[ms]", "timestamp[us]"])
@pytest.mark.parametrize("far", ["9999-12-31", "1000-01-01"])
def test_far_dates_in_parquet_of_any_unit_take_the_general_path(tmp_path, kind, far):
    """Attack 8 PQ1: a warehouse's 'open-ended' 9999-12-31 in a DATE (or a seconds or
    milliseconds timestamp) column was compared with the bounds in nanoseconds, passed, and
    failed in the cast ("unexpected ArrowInvalid", exit 1). It now takes the general path,
    which names the file, row and column (exit 2)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from toolkit.intake import validate

    days = [dt.date(2025, 3, i) for i in range(1, 9)]
    days[4] = dt.date.fromisoformat(far)
    typ = pa.date32() if kind == "date32" else pa.timestamp(kind[10:-1])
    values = days if kind == "date32" else [dt.datetime.combine(d, dt.time()) for d in days]
    tbl = pa.table({"lead_id": [f"L{i}" for i in range(1, 9)],
                    "created_at": pa.array(values, typ), "source": ["web"] * 8,
                    "owner_id": ["ann"] * 8})
    eng = shutil.copytree(SAMPLES / "followup-gap", tmp_path / "eng")
    pq.write_table(tbl, eng / "crm" / "leads.parquet")
    (eng / "crm" / "leads.csv").unlink()
    toml = eng / "engagement.toml"
    toml.write_text(toml.read_text().replace('crm/leads.csv', 'crm/leads.parquet'))
    assert read_typed(eng / "crm" / "leads.parquet", "leads", display_path="f") is None
    _, problems = validate(eng)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("crm/leads.parquet", 6, "created_at")]
    assert far in str(problems[0]) and "implausible date" in str(problems[0])


def _leads(tmp_path, rows, header="lead_id,created_at,source,owner_id,score,attempts\n",
           name="leads.csv"):
    p = tmp_path / name
    p.write_text(header + "".join(rows), encoding="utf-8")
    return p


GOOD = [f"L{i},2025-03-{i:02d}T10:00:00,web,ann,{i * 10},{i % 4}\n" for i in range(1, 9)]


@pytest.mark.parametrize("change", [
    lambda r: r[:3] + ["\n"] + r[3:],                                   # blank line
    lambda r: r[:3] + [",,,,,\n"] + r[3:],                              # blank record
    lambda r: r[:3] + ["L4, 2025-03-04,web,ann,1,1\n"] + r[4:],         # spaces: not ISO
    lambda r: r[:3] + ["L4,04/03/2025,web,ann,1,1\n"] + r[4:],          # other date format
    lambda r: r[:3] + ["L4,2025-02-30T10:00:00,web,ann,1,1\n"] + r[4:],  # impossible date
    lambda r: r[:3] + ["L4,9999-12-31,web,ann,1,1\n"] + r[4:],          # far date
    lambda r: r[:3] + [" ,2025-03-04,web,ann,1,1\n"] + r[4:],           # blank id
    lambda r: r[:3] + ['L4,2025-03-04,"web,ann,1,1\n'] + r[4:],         # unbalanced quote
    lambda r: r[:-1] + ["L8,2025-03-08\n"],                              # cut-off last row
])
def test_anything_unusual_takes_the_general_path(tmp_path, change):
    p = _leads(tmp_path, change(list(GOOD)))
    assert read_typed(p, "leads", display_path="f") is None


def test_number_problems_are_the_general_paths(tmp_path):
    rows = list(GOOD)
    rows[2] = "L3,2025-03-03T10:00:00,WEB ,ann,1.234,2.5\n"
    rows[5] = "L6,2025-03-06,web,,abc,-1\n"
    p = _leads(tmp_path, rows)
    fast, slow = read_typed(p, "leads", display_path="f"), _general(p, "leads")
    _same(fast, slow)
    assert {(x.row, x.column) for x in fast.problems} == {(4, "attempts"), (7, "score")}
    assert fast.table.loc[4, "source"] == "WEB" and np.isnan(fast.table.loc[7, "score"])
    assert [str(x) for x in check_table(fast.table, "leads", "f")] == \
        [str(x) for x in check_table(slow.table, "leads", "f")]


def test_format_auto_reads_a_canonical_file_once_with_types(tmp_path, monkeypatch):
    from toolkit.config import load_engagement
    from toolkit.intake import load_data, reader

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    toml = (eng / "engagement.toml").read_text().replace('format = "canonical"',
                                                         'format = "auto"')
    (eng / "engagement.toml").write_text(toml)
    expected = load_data(load_engagement(SAMPLES / "followup-gap"))
    read = []
    orig = reader.read_table
    monkeypatch.setattr(reader, "read_table", lambda p, **k: read.append(p) or orig(p, **k))
    import toolkit.intake as intake_pkg
    monkeypatch.setattr(intake_pkg, "read_table", lambda p, **k: read.append(p) or orig(p, **k))
    got = load_data(load_engagement(eng))
    assert not [p for p in read if "crm" in str(p)]  # CRM files never took the text path
    for t in ("leads", "opportunities", "activities"):
        pd.testing.assert_frame_equal(getattr(got, t), getattr(expected, t))


@pytest.mark.parametrize("table", ["leads", "opportunities", "activities", "survey"])
def test_columnar_validation_agrees_with_pandera(table):
    """_passes says "clean" only where pandera finds nothing, for planted faults of each check."""
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.schemas import _passes, schema

    data = load_data(load_engagement(SAMPLES / "followup-gap"))
    df = getattr(data, table)
    assert _passes(df, table) and schema(table).validate(df, lazy=True) is not None
    faults = {
        "leads": [("lead_id", 5, "L000001"), ("created_at", 3, pd.Timestamp("2150-01-01")),
                  ("created_at", 4, pd.NaT), ("attempts", 2, -1.0)],
        "opportunities": [("amount", 1, -5.0), ("is_closed", 0, False),
                          ("opportunity_id", 9, np.nan)],
        "activities": [("type", 3, "fax"), ("activity_id", 2, "A0000001")],
        "survey": [("FAIR1", 0, 6.0), ("FAIR1", 1, 2.5), ("team", 2, "finance")],
    }[table]
    for col, pos, value in faults:
        if col not in df.columns:
            continue
        bad = df.copy()
        if col == "is_closed":
            pos = int(np.flatnonzero(bad["is_won"].to_numpy())[0])
        bad.loc[bad.index[pos], col] = value
        assert not _passes(bad, table), (col, value)
        assert check_table(bad, table, "f"), (col, value)
    shuffled = df.sample(frac=1, random_state=1)
    assert _passes(shuffled, table) == (check_table(shuffled, table, "f") == [])


@pytest.mark.parametrize("values", [
    ["L1", "L2", "L3"],                      # clean: returned as it is
    ["L1", " L2", "L3"],                     # leading space
    ["L1", "L2\t", None],                    # trailing tab, a missing value
    ["L1", "\u00a0L2", "L3"],                # no-break space (Unicode whitespace)
    ["L1", "", "L3"],                        # empty text → missing
    ["L1", "   ", "Call"],                   # blank → missing
    [None, None, None],
    ["Ä1", "é", "L3\u2003"],                 # multi-byte characters, em space at the end
])
def test_clean_skips_only_columns_that_trimming_would_not_change(values):
    import pyarrow as pa
    import pyarrow.compute as pc
    from toolkit.intake.typed import _clean, _clean_already

    for typ in (pa.string(), pa.large_string()):
        whole = pa.array(["x"] + values + ["y"], typ)
        # chunks that are slices (non-zero offset), as the CSV reader's blocks can be
        arr = pa.chunked_array([whole.slice(1, 2), whole.slice(3, len(values) - 2)], typ)
        trimmed = pc.utf8_trim_whitespace(arr)
        expected = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, typ), trimmed)
        assert _clean(arr).to_pylist() == expected.to_pylist()
        assert _clean_already(arr) == (expected.to_pylist() == arr.to_pylist())
        cats = _clean(arr, ("call", "l1")).to_pylist()
        assert cats == [v if v is None or v.casefold() not in ("call", "l1") else v.casefold()
                        for v in expected.to_pylist()]


@pytest.mark.parametrize("values", [
    ["web", "event", None],                  # clean: proven by the smallest byte
    ["web\tpaid", "a\r\nb", None],           # tab and line breaks: allowed
    ["web", "ev\x00ent", "x"],               # NUL
    ["é\x1b[31m", None, "ok"],               # escape after a multi-byte character
    ["", "\x7f", "\x1f"],                    # DEL is not refused, U+001F is
])
def test_control_prescan_agrees_with_the_regular_expression(values):
    import pyarrow as pa
    from toolkit.intake.controls import CONTROL_PATTERN, may_hold_controls

    for typ in (pa.string(), pa.large_string()):
        # a control character outside the chunks' slices is not a value of the column
        whole = pa.array(["\x00"] + values + ["\x1b"], typ)
        arr = pa.chunked_array([whole.slice(1, 1), whole.slice(2, len(values) - 1)], typ)
        s = pd.Series(arr.to_pandas(types_mapper=lambda t: pd.StringDtype(
            "pyarrow", na_value=np.nan)).array)
        assert str(s.dtype) == "str"
        found = bool(s.str.contains(CONTROL_PATTERN, regex=True, na=False).any())
        assert may_hold_controls(s) == found, values


def test_control_character_in_a_typed_crm_file_is_named_with_row_and_column(tmp_path):
    from toolkit.intake import validate

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    p = eng / "crm" / "leads.csv"
    lines = p.read_text().splitlines(keepends=True)
    src = lines[0].rstrip("\n").split(",").index("source")
    cells = lines[5].split(",")
    cells[src] = "we\x1bb"
    lines[5] = ",".join(cells)
    p.write_text("".join(lines))
    assert read_typed(p, "leads", display_path="f") is not None  # the typed path reads it
    data, problems = validate(eng)
    assert [(q.file, q.row, q.column) for q in problems] == [("crm/leads.csv", 6, "source")]
    assert "U+001B" in str(problems[0])


def test_non_ascii_text_read_without_arrows_utf8_check_matches_general_path(tmp_path):
    """The typed reader skips Arrow's UTF-8 check and proves it itself (ASCII by the
    largest byte, else Arrow's full validation): valid accented text is read as before."""
    rows = list(GOOD)
    rows[1] = "L2,2025-03-02T10:00:00,wéb,Zoë Müller,20,2\n"
    rows[6] = "L7,2025-03-07T10:00:00,événement,ann,70,3\n"
    p = _leads(tmp_path, rows)
    fast = read_typed(p, "leads", display_path="f")
    _same(fast, _general(p, "leads"))
    assert fast.table.loc[3, "owner_id"] == "Zoë Müller"
    assert fast.table.loc[8, "source"] == "événement"


def test_invalid_utf8_past_the_sample_takes_the_general_path(tmp_path):
    """A byte that is not UTF-8 after the sniffed first 256 KiB: the typed path refuses
    the file (as Arrow's own check did) and the general path reads it as cp1252."""
    from toolkit.intake.typed import valid_utf8
    import pyarrow as pa

    rows = [f"L{i},2025-03-01T10:00:00,web,ann,{i % 90}\n" for i in range(1, 20001)]
    data = ("lead_id,created_at,source,owner_id,score\n" + "".join(rows)).encode()
    data = data.replace(b"L19999,2025-03-01T10:00:00,web", b"L19999,2025-03-01T10:00:00,w\xe9b")
    assert data.index(b"\xe9") > 256 * 1024
    p = tmp_path / "leads.csv"
    p.write_bytes(data)
    assert read_typed(p, "leads", display_path="f") is None
    got = read_canonical(p, "leads", display_path="f")
    assert got.intake.encoding == "cp1252" and not got.problems
    assert got.table.loc[20000, "source"] == "wéb" and got.table.loc[20001, "source"] == "web"
    bad = pa.array([b"ok", b"w\xe9b"], pa.large_binary()).view(pa.large_string())
    assert not valid_utf8(pa.chunked_array([bad]))
    assert valid_utf8(pa.chunked_array([bad.slice(0, 1)]))   # the bad value sliced off
    assert valid_utf8(pa.chunked_array([pa.array(["é", None], pa.large_string())]))


def test_prefetch_after_earlier_reads_the_files_one_after_the_other(monkeypatch):
    """The activities' read starts once the leads and opportunities are read (so those are
    built while it is parsed), and read_typed takes the same tables as a direct read."""
    import threading
    import time

    from toolkit.intake import typed

    log = []
    lock = threading.Lock()
    orig = typed._read_arrays

    def read(path, table, columns):
        with lock:
            log.append(("start", table))
        time.sleep(0.05 if table == "leads" else 0.0)
        got = orig(path, table, columns)
        with lock:
            log.append(("end", table))
        return got

    monkeypatch.setattr(typed, "_read_arrays", read)
    crm = SAMPLES / "followup-gap" / "crm"
    try:
        for t in ("leads", "opportunities", "activities"):
            typed.prefetch(crm / f"{t}.csv", t, after_earlier=t == "activities")
        got = {t: read_typed(crm / f"{t}.csv", t, display_path="f")
               for t in ("leads", "opportunities", "activities")}
    finally:
        typed.discard_prefetched()
    first_acts = log.index(("start", "activities"))
    assert log.index(("end", "leads")) < first_acts
    assert log.index(("end", "opportunities")) < first_acts
    assert len(log) == 6  # each file read once, by the prefetch
    for t, res in got.items():
        _same(res, _general(crm / f"{t}.csv", t))
