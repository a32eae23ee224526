"""The file-reading part of the bad-input contract (issue 13 item 6, issue 18 item 1).

Every case ends in a :class:`ValidationError` (exit 2 from the CLI) naming file, row and
column and saying what was expected — no traceback, no "unexpected error", no hang.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.exceptions import ValidationError
from toolkit.intake import reader
from toolkit.intake.parse import parse_datetimes
from toolkit.intake.reader import read_table

HEADER = "lead_id,created_at,source,owner_id,score\n"
ROWS = [f"L{i:04d},2025-03-{1 + i % 28:02d}T09:30:00,web,ann,{i % 90}\n" for i in range(1, 41)]


def _problem(path: Path) -> "reader.Problem":
    with pytest.raises(ValidationError) as err:
        read_table(path, display_path="crm/leads.csv")
    assert len(err.value.problems) == 1
    return err.value.problems[0]


def _write(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def test_unbalanced_quote_mid_file_names_its_row_and_column(tmp_path):
    rows = list(ROWS)
    rows[9] = rows[9].replace(",web,", ',"web,')  # record 10 = spreadsheet row 11
    p = _problem(_write(tmp_path, HEADER + "".join(rows)))
    assert (p.file, p.row, p.column) == ("crm/leads.csv", 11, "source")
    assert "unbalanced quote" in p.message and "never closed" in p.message
    assert "31 lines" in p.message  # rows 11..41 would have become one value


def test_unterminated_final_quote_is_an_error_not_a_value(tmp_path):
    text = HEADER + "".join(ROWS)[:-1]
    text = text[: text.rfind(",") + 1] + '"' + text[text.rfind(",") + 1:]
    p = _problem(_write(tmp_path, text))
    assert (p.row, p.column) == (41, "score")
    assert "never closed" in p.message and "file ends inside it" in p.message


def test_runaway_quote_closed_rows_later_is_an_error(tmp_path):
    rows = list(ROWS)
    rows[4] = rows[4].replace(",web,", ',"web,')  # opened in row 6 ...
    rows[7] = rows[7].replace(",ann,", ',ann",')  # ... closed by a stray quote in row 9
    p = _problem(_write(tmp_path, HEADER + "".join(rows)))
    assert (p.row, p.column) == (6, "source")
    assert "unbalanced quote" in p.message and "whole rows" in p.message


def test_multiline_comments_and_literal_quotes_stay_accepted(tmp_path):
    text = ('id,team,OPEN1,size\n1,sales,"first line\nsecond, with a comma",5" screen\n'
            '2,marketing,"a ""quoted"" word",7\n')
    raw = read_table(_write(tmp_path, text, "survey.csv"))
    assert raw.df.loc[2, "OPEN1"] == "first line\nsecond, with a comma"
    assert raw.df.loc[2, "size"] == '5" screen' and raw.df.loc[3, "OPEN1"] == 'a "quoted" word'


@pytest.mark.parametrize("final_newline", [False, True])
def test_truncated_last_row_is_an_error(tmp_path, final_newline):
    text = HEADER + "".join(ROWS)
    text = text[:-30] + ("\n" if final_newline else "")  # cut inside the last record
    p = _problem(_write(tmp_path, text))
    assert p.row == 41 and "cut off" in p.message
    assert p.column == "created_at"  # the row is cut in or after this column
    assert "2 of the 5 columns" in p.message


def test_truncated_row_in_a_quoted_file_names_the_record(tmp_path):
    quoted = [f'"{i}","a","multi\nline"\n' for i in range(1, 4)]
    text = '"id","b","c"\n' + "".join(quoted) + '"4","a"'
    p = _problem(_write(tmp_path, text))
    assert p.row == 5 and p.column == "b" and "cut off" in p.message


def test_footer_lines_and_ragged_exports_are_not_truncation(tmp_path):
    footer = HEADER + "".join(ROWS) + "\nGrand Totals (40 records)\n"
    raw = read_table(_write(tmp_path, footer, "footer.csv"))
    assert raw.n_rows == 42
    # an export that leaves out trailing empty fields on many rows, the last one too
    ragged = "a,b,c,d\n1,2\n3,4,5,6\n7,8\n9,10,11,12\n13,14\n"
    raw = read_table(_write(tmp_path, ragged, "ragged.csv"))
    assert raw.df.shape == (5, 4) and pd.isna(raw.df.loc[6, "d"])


@pytest.mark.parametrize("value", ["9999-12-31", "9999-12-31T00:00:00", "0001-01-01",
                                   "31/12/9999"])
def test_date_out_of_range_is_a_problem_with_row(value):
    ok = [f"2025-03-{d:02d}" for d in range(13, 25)]
    s = pd.Series(ok[:5] + [value] + ok[5:], index=np.arange(2, 2 + len(ok) + 1))
    vals, _, probs = parse_datetimes(s, column="created_at", file="crm/leads.csv")
    assert [(p.row, p.column) for p in probs] == [(7, "created_at")]
    assert "implausible date" in probs[0].message and "1970 and 2100" in probs[0].message
    assert pd.isna(vals.loc[7]) and vals.drop(7).notna().all()
    assert str(vals.dtype) == "datetime64[ns]"


def test_directory_where_a_file_is_expected(tmp_path):
    (tmp_path / "leads.csv").mkdir()
    p = _problem(tmp_path / "leads.csv")
    assert "is a folder, not a file" in p.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "leads.csv"
    os.mkfifo(fifo)
    old = signal.signal(signal.SIGALRM, lambda *a: pytest.fail("reading a FIFO hung"))
    signal.alarm(10)
    try:
        p = _problem(fifo)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert "named pipe (FIFO)" in p.message and "not a regular file" in p.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_mode(tmp_path):
    p = _write(tmp_path, HEADER + "".join(ROWS))
    p.chmod(0)
    try:
        assert "permission denied" in _problem(p).message
    finally:
        p.chmod(0o644)


def test_unreadable_file_by_access_check(tmp_path, monkeypatch):
    p = _write(tmp_path, HEADER + "".join(ROWS))
    monkeypatch.setattr(reader.os, "access", lambda path, mode: False)
    assert "cannot read the file: permission denied" in _problem(p).message


def test_read_error_while_reading_is_a_problem(tmp_path, monkeypatch):
    p = _write(tmp_path, HEADER + "".join(ROWS))

    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    assert "permission denied" in _problem(p).message


def test_wide_file_goes_through_the_cell_linear_path(tmp_path):
    n = reader._WIDE_COLUMNS + 500
    cols = [f"X{i}" for i in range(n)]
    lines = ["id," + ",".join(cols)]
    lines += [f"{r}," + ",".join(str((r + i) % 5 + 1) for i in range(n)) for r in range(6)]
    lines.insert(3, "," * n)  # a blank record (row 4) is dropped and counted
    raw = read_table(_write(tmp_path, "\n".join(lines) + "\n", "wide.csv"))
    assert raw.df.shape == (6, n + 1) and raw.blank_rows == 1
    assert list(raw.df.index) == [2, 3, 5, 6, 7, 8]
    assert raw.df.loc[8, f"X{n - 1}"] == str((5 + n - 1) % 5 + 1)


@pytest.fixture
def engagement(tmp_path):
    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    return dst


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize("case", ["unbalanced", "truncated", "far-date", "folder", "fifo"])
def test_cli_exit_2_names_file_row_column(engagement, case):
    leads = engagement / "crm" / "leads.csv"
    lines = _lines(leads)
    if case == "unbalanced":
        parts = lines[100].split(",")
        parts[2] = '"' + parts[2]
        lines[100] = ",".join(parts)
        leads.write_text("\n".join(lines), encoding="utf-8")
        expect = "crm/leads.csv, row 101, column 'source': unbalanced quote"
    elif case == "truncated":
        leads.write_text("\n".join(lines).rstrip("\n")[:-60] + "\n", encoding="utf-8")
        expect = f"crm/leads.csv, row {len([ln for ln in lines if ln])}, column "
    elif case == "far-date":
        parts = lines[50].split(",")
        parts[1] = "9999-12-31"
        lines[50] = ",".join(parts)
        leads.write_text("\n".join(lines), encoding="utf-8")
        expect = "crm/leads.csv, row 51, column 'created_at': implausible date '9999-12-31'"
    elif case == "folder":
        leads.unlink()
        leads.mkdir()
        expect = "crm/leads.csv: is a folder, not a file"
    else:
        leads.unlink()
        os.mkfifo(leads)
        expect = "crm/leads.csv: is a named pipe (FIFO)"
    r = CliRunner().invoke(main, ["validate", str(engagement)])
    assert r.exit_code == 2, r.output
    assert expect in r.output
    assert "Traceback" not in r.output and "unexpected" not in r.output


def test_plan_and_spss_refuse_a_fifo_without_hanging(tmp_path):
    from toolkit.incentives.plan import load_plan
    from toolkit.intake.spss import import_survey

    fifo = tmp_path / "comp_plan.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="named pipe"):
        load_plan(fifo, display_name="incentives/comp_plan.csv")
    sav = tmp_path / "survey.sav"
    os.mkfifo(sav)
    res = import_survey(sav, None, display_path="survey/survey.sav")
    assert "named pipe" in res.problems[0].message


@pytest.mark.parametrize("where", ["plan", "leads"])
def test_workbook_with_a_stray_far_cell_is_refused_quickly(tmp_path, where):
    # a 5 KB workbook whose stated range is A1:XFD1048576 once took 15 GB of memory
    import openpyxl

    from toolkit.exceptions import ValidationError

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["team", "role"])
    ws.append(["sales", "AE"])
    ws["XFD1048576"] = "x"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    assert path.stat().st_size < 20000
    with pytest.raises(ValidationError) as e:
        if where == "plan":
            from toolkit.incentives.plan import load_plan
            load_plan(path, display_name="plan.xlsx")
        else:
            from toolkit.intake.reader import read_table
            read_table(path, display_path="leads.xlsx")
    text = str(e.value)
    assert "XFD" in text and "1048576" in text.replace(",", "")


@pytest.mark.parametrize("cell", ["A1048576", "KN1048576"])
def test_workbook_with_a_stray_cell_far_down_is_refused(tmp_path, cell):
    """One stray cell far below the table (review 13b, F9: a 22 KB file became a
    million-row table, 99 s and 1.5 GB; at column KN 4.7 GB and MemoryError): refused with
    its row and column once the run of empty rows above it passes the limit."""
    import openpyxl

    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "team"])
    for i in range(30):
        ws.append([f"r{i}", "sales"])
    ws[cell] = "x"
    path = tmp_path / "survey.xlsx"
    wb.save(path)
    with pytest.raises(ValidationError) as e:
        read_table(path, display_path="survey/survey.xlsx")
    text = str(e.value).replace(",", "")
    assert "1048576" in text and cell.rstrip("0123456789") in text and "row 31" in text


def test_workbook_with_a_short_gap_keeps_its_rows(tmp_path):
    import openpyxl

    from toolkit.spreadsheet import MAX_BLANK_ROWS, worksheet_rows

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a"])
    ws.cell(row=MAX_BLANK_ROWS + 2, column=1, value="b")     # exactly the limit of gaps
    wb.save(tmp_path / "w.xlsx")
    rows = worksheet_rows(openpyxl.load_workbook(tmp_path / "w.xlsx", read_only=True).active,
                          "w.xlsx")
    assert len(rows) == MAX_BLANK_ROWS + 2 and rows[0] == ("a",) and rows[-1] == ("b",)


def test_worksheet_rows_ignore_the_stated_range(tmp_path):
    import openpyxl

    from toolkit.spreadsheet import worksheet_rows

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b", None])
    ws.append([None, None, None])
    ws.append(["c", None, "d"])
    ws["A40"] = None                      # touched but empty: not a row
    wb.save(tmp_path / "w.xlsx")
    ro = openpyxl.load_workbook(tmp_path / "w.xlsx", read_only=True)
    assert worksheet_rows(ro.worksheets[0], "w.xlsx") == [("a", "b"), (), ("c", None, "d")]
