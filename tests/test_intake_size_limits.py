"""Inputs that expand far beyond their size are refused before they are read (review 13c
P1, P2): exit 2 naming the file (and the row and column where there is one), no traceback,
no "unexpected" error, no minutes of work or gigabytes of memory. Files are small and
crafted here; limits are the documented ones (``toolkit.schemas.MAX_ROWS``/``MAX_CELLS``)
or lowered with monkeypatch where a file at the real limit would be slow to write."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main


@pytest.fixture
def engagement(tmp_path):
    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    return dst


def _point(engagement: Path, old: str, new: str) -> None:
    toml = engagement / "engagement.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


def _validate(engagement: Path) -> str:
    r = CliRunner().invoke(main, ["validate", str(engagement)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "unexpected" not in r.output
    return r.output


def _constant(n: int, value: str) -> pa.DictionaryArray:
    """*n* copies of *value*, dictionary-encoded (a few bytes on disk per million)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)),
                                          pa.array([value]))


def test_parquet_survey_declaring_too_many_rows_is_refused_from_its_footer(engagement):
    from toolkit.schemas import MAX_ROWS

    sv = pd.read_csv(engagement / "survey" / "responses.csv", dtype=str,
                     keep_default_na=False)
    n = MAX_ROWS["survey"] + 1
    first = sv.iloc[0]
    table = pa.table({c: _constant(n, first[c]) for c in sv.columns[:6]})
    path = engagement / "survey" / "responses.parquet"
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 100_000  # a small file ...
    (engagement / "survey" / "responses.csv").unlink()
    _point(engagement, "survey/responses.csv", "survey/responses.parquet")
    out = _validate(engagement)
    # ... refused for what it declares, with the limit
    assert "survey/responses.parquet" in out and f"{n:,} rows" in out
    assert f"at most {MAX_ROWS['survey']:,}" in out


def test_parquet_crm_table_over_its_limit_is_refused_on_every_path(engagement, monkeypatch):
    """Canonical leads in Parquet go through the typed (prefetched) path: the limit holds
    there as on the general path."""
    from toolkit import schemas

    monkeypatch.setitem(schemas.MAX_ROWS, "leads", 5_000)  # the sample has 7,815 leads
    leads = pd.read_csv(engagement / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads.to_parquet(engagement / "crm" / "leads.parquet", index=False)
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.parquet")
    out = _validate(engagement)
    assert "crm/leads.parquet" in out and "7,815 rows" in out and "at most 5,000" in out


def test_scale_problem_counts_cells_and_leaves_other_files_to_the_reader(tmp_path,
                                                                        monkeypatch):
    from toolkit import schemas
    from toolkit.exceptions import ValidationError
    from toolkit.intake.limits import scale_problem
    from toolkit.intake.reader import read_table

    wide = pa.table({f"c{i}": _constant(1_000, "x") for i in range(30)})
    path = tmp_path / "wide.parquet"
    pq.write_table(wide, path)
    assert scale_problem(path, "survey", "wide.parquet") is None
    monkeypatch.setitem(schemas.MAX_CELLS, "survey", 20_000)
    p = scale_problem(path, "survey", "wide.parquet")
    assert p is not None and "30,000 cells" in p.message and p.file == "wide.parquet"
    # not Parquet, or damaged: the reader words it
    (tmp_path / "x.csv").write_text("a\n1\n")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really PAR1")
    assert scale_problem(tmp_path / "x.csv", "survey", "x.csv") is None
    assert scale_problem(tmp_path / "bad.parquet", "survey", "bad.parquet") is None
    # the reader's own backstop: the largest limit of any table
    monkeypatch.setattr(schemas, "MAX_ROWS", {"survey": 10})
    monkeypatch.setattr("toolkit.intake.limits.MAX_ROWS", {"survey": 10})
    with pytest.raises(ValidationError, match="1,000 rows"):
        read_table(path, display_path="wide.parquet")


# --------------------------------------------------------------------------- workbooks
_SHEET = "xl/worksheets/sheet1.xml"


def _workbook(path: Path, rows: list[list], swap: dict[bytes, bytes] | None = None,
              part: str = _SHEET, shared: bytes | None = None) -> Path:
    """Write *rows* with openpyxl (inline strings), then replace bytes in one part of the
    archive (deflated, so a repeated value costs almost nothing on disk). With *shared*,
    the cell showing ``PLACEHOLDER`` shows shared string 0 instead, whose text is *shared*
    (the way Excel and most exporters store text)."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    swaps = {part: dict(swap or {})}
    extra = {}
    if shared is not None:
        swaps.setdefault(_SHEET, {})[b't="inlineStr"><is><t>PLACEHOLDER</t></is>'] = \
            b't="s"><v>0</v>'
        swaps["[Content_Types].xml"] = {b"</Types>": (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')}
        extra["xl/sharedStrings.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
            b'schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
            b"<si><t>" + shared + b"</t></si><si><t>other</t></si></sst>")
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            for old, new in swaps.get(item.filename, {}).items():
                assert old in data, (old, item.filename)
                data = data.replace(old, new)
            zout.writestr(item.filename, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    tmp.unlink()
    return path


SURVEY = [["respondent_id", "team", "OPEN1"], ["r1", "sales", "fine"],
          ["r2", "marketing", "PLACEHOLDER"], ["r3", "sales", "ok"]]


def _refused(path: Path, display: str = "survey/responses.xlsx"):
    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    with pytest.raises(ValidationError) as e:
        read_table(path, display_path=display)
    assert len(e.value.problems) == 1
    return e.value.problems[0]


def test_workbook_shared_string_far_longer_than_a_cell_is_refused_with_its_cell(tmp_path):
    """Review 13c P2: one shared string of hundreds of MB deflated to ~1 MB ended in
    "unexpected ArrowMemoryError" (or was accepted and blew memory in report). Here 4 MB
    in a few-KB file: refused before openpyxl reads it, naming the cell."""
    path = _workbook(tmp_path / "s.xlsx", SURVEY, shared=b"a" * (4 << 20))
    assert path.stat().st_size < 50_000
    p = _refused(path)
    assert (p.file, p.row, p.column) == ("survey/responses.xlsx", 3, "C")
    assert "128 KiB" in p.message


def test_workbook_inline_string_too_long_is_refused_with_its_cell(tmp_path):
    path = _workbook(tmp_path / "i.xlsx", SURVEY, {b"PLACEHOLDER": b"b" * (3 << 20)})
    p = _refused(path)
    assert (p.row, p.column) == (3, "C")


def test_cell_longer_than_the_cap_is_refused_after_reading(tmp_path):
    """A value under the archive scan's byte bound but over MAX_CELL_CHARS characters
    (the CSV reader's 128 KiB rule) is refused by worksheet_rows, with its cell; the plan
    reader applies the same rules."""
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan
    from toolkit.spreadsheet import MAX_CELL_CHARS

    # (openpyxl cuts what it writes at 32,767 characters: the value is put in afterwards)
    path = _workbook(tmp_path / "c.xlsx", SURVEY, {b"PLACEHOLDER": b"c" * (MAX_CELL_CHARS + 1)})
    p = _refused(path)
    assert (p.row, p.column) == (3, "C") and f"{MAX_CELL_CHARS + 1:,} characters" in p.message
    big = _workbook(tmp_path / "plan.xlsx", SURVEY, shared=b"a" * (4 << 20))
    with pytest.raises(ValidationError, match="128 KiB"):
        load_plan(big, display_name="incentives/plan.xlsx")
    from toolkit.intake.reader import read_table  # a long but real comment stays

    ok = _workbook(tmp_path / "ok.xlsx", SURVEY, shared="é".encode() * 32_767)
    assert read_table(ok, display_path="ok.xlsx").df.loc[3, "OPEN1"] == "é" * 32_767


def test_workbook_part_expanding_out_of_proportion_is_refused(tmp_path, monkeypatch):
    """Many identical rows deflate ~1000×: the part is refused from its sizes (the limit
    lowered here so that the file stays small)."""
    from toolkit import spreadsheet

    monkeypatch.setattr(spreadsheet, "MAX_PART_PLAIN", 1 << 20)
    rows_xml = b"<row><c><v>1</v></c></row>" * 200_000  # 5 MB of XML
    path = _workbook(tmp_path / "b.xlsx", [["a"], [1]],
                     {b"</sheetData>": rows_xml + b"</sheetData>"})
    p = _refused(path, "crm/leads.xlsx")
    assert "xl/worksheets/sheet1.xml expands" in p.message and p.file == "crm/leads.xlsx"


def test_workbook_survey_through_validate_exit_2(engagement):
    sv = pd.read_csv(engagement / "survey" / "responses.csv", dtype=str,
                     keep_default_na=False)
    sv.loc[3, "OPEN1"] = "PLACEHOLDER"
    tmp = engagement / "survey" / "plain.xlsx"
    sv.to_excel(tmp, index=False)
    import openpyxl

    rows = [list(r) for r in openpyxl.load_workbook(tmp).active.iter_rows(values_only=True)]
    tmp.unlink()
    _workbook(engagement / "survey" / "responses.xlsx", rows, shared=b"a" * (8 << 20))
    (engagement / "survey" / "responses.csv").unlink()
    _point(engagement, "survey/responses.csv", "survey/responses.xlsx")
    out = _validate(engagement)
    col = openpyxl.utils.get_column_letter(list(sv.columns).index("OPEN1") + 1)
    assert f"survey/responses.xlsx, row 5, column '{col}'" in out, out
