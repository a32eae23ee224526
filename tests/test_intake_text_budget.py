"""Small files whose text expands past what any table holds are refused before the text is
decoded (review 13 N1, N3): a Parquet file repeating one long dictionary entry on every row,
a workbook whose cells all show one long shared string. Exit 2 naming the file, row and
column, no traceback; the hostile files are read in a child process whose address space is
capped at 1.5 GB, so a reader that decodes first fails there (MemoryError, exit 1) instead
of being refused. Limits: ``toolkit.schemas.MAX_TEXT_BYTES`` (a table's text) and
``toolkit.spreadsheet.MAX_CELL_CHARS`` (a cell), lowered with monkeypatch where a file at
the real limit would be slow to write."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT
# the copied sample engagement and the engagement.toml edit of the size-limit tests
from tests.test_intake_size_limits import _point, engagement  # noqa: F401
from toolkit.schemas import MAX_TEXT_BYTES
from toolkit.spreadsheet import MAX_CELL_CHARS

_CAP = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (2048 << 20, 2048 << 20))\n")


def _capped(code: str) -> subprocess.CompletedProcess:
    """Run *code* in a child Python whose address space is capped at 2 GB (far below what
    the refused inputs would take: billions of cells), with at most two malloc arenas: each
    thread of Arrow's CSV reader could otherwise reserve an arena of its own (64 MB of
    address space each, created or not depending on the threads' timing), which made the
    cap of 1.5 GB fail pandas' tokenizer now and then on a busy machine."""
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    return subprocess.run([sys.executable, "-c", _CAP + code], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env=env)


def _validate_capped(engagement: Path) -> str:
    p = _capped("import sys; from toolkit.cli import main\n"
                f"sys.argv = ['aligndx', 'validate', {str(engagement)!r}]; main()")
    out = p.stdout + p.stderr
    assert p.returncode == 2, out
    assert "Traceback" not in out and "unexpected" not in out
    return out


def _read_capped(path: Path, display: str) -> str:
    """The one problem read_table raises for *path* (in the capped child)."""
    p = _capped("from toolkit.exceptions import ValidationError\n"
                "from toolkit.intake.reader import read_table\n"
                f"try:\n    read_table({str(path)!r}, display_path={display!r})\n"
                "except ValidationError as e:\n"
                "    assert len(e.problems) == 1\n    print('REFUSED', e.problems[0])\n"
                "else:\n    print('READ')\n")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("REFUSED "), p.stdout
    return p.stdout[len("REFUSED "):].strip()


def _repeated(n: int, value: str) -> pa.DictionaryArray:
    """*n* cells showing *value*, dictionary-encoded (a few bytes on disk per thousand)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)),
                                          pa.array([value]))


# --------------------------------------------------------------------------- Parquet (N1)
def test_parquet_lead_source_of_5_mb_on_every_row_is_refused_with_its_cell(engagement):
    """Review 13 N1: ~25 KB of Parquet holding one 5 MB lead source on every row made
    validate die with MemoryError (exit 1). The cell is refused from the dictionary,
    before anything is expanded, naming its row (header = row 1) and column."""
    leads = pd.read_csv(engagement / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads = leads.iloc[:2_000]
    cols = {c: pa.array(leads[c].tolist()) for c in leads.columns}
    cols["source"] = _repeated(len(leads), "x" * (5 << 20))
    path = engagement / "crm" / "leads.parquet"
    pq.write_table(pa.table(cols), path, compression="zstd")
    assert path.stat().st_size < 100_000  # 10 GB of text when decoded
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.parquet")
    out = _validate_capped(engagement)
    assert "crm/leads.parquet, row 2, column 'source'" in out
    assert f"a text value of {5 << 20:,} characters" in out and f"{MAX_CELL_CHARS:,}" in out


def test_parquet_text_over_the_table_budget_is_refused_before_decoding(tmp_path):
    """Each value under the cell cap (100,000 characters), but 50,000 rows of it: 5 GB of
    text from a small file, more than MAX_TEXT_BYTES; refused naming the column."""
    n = 50_000
    table = pa.table({"team": _repeated(n, "sales"), "OPEN1": _repeated(n, "y" * 100_000)})
    path = tmp_path / "responses.parquet"
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 100_000
    assert n * 100_000 > MAX_TEXT_BYTES
    msg = _read_capped(path, "survey/responses.parquet")
    assert msg.startswith("survey/responses.parquet, column 'OPEN1': ")
    assert f"expands to {n * 100_000 + n * 5:,} bytes" in msg
    assert f"at most {MAX_TEXT_BYTES:,} bytes" in msg


def test_parquet_long_values_within_the_limits_are_read_exactly(tmp_path, monkeypatch):
    """A cell of exactly MAX_CELL_CHARS characters (two bytes each) is read; with the
    budget lowered so that the file's bound (rows × longest entry) passes it, the text is
    measured exactly (the long value is on one row only) and read, values intact; one
    character more on one row is refused with that row."""
    from toolkit import schemas
    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    long = "é" * MAX_CELL_CHARS
    ids = [f"R{i}" for i in range(1_000)]
    comments = ["fine"] * 1_000
    comments[3] = long
    path = tmp_path / "ok.parquet"
    pq.write_table(pa.table({"respondent_id": ids, "OPEN1": comments}), path)
    raw = read_table(path, display_path="ok.parquet")
    assert raw.df.loc[5, "OPEN1"] == long and raw.df.loc[6, "OPEN1"] == "fine"
    assert raw.df.shape == (1_000, 2)
    # bound: 1,000 rows × 262,144 bytes > 1 MB; exact: 262,144 + 999 × 4 + ids < 1 MB
    monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", 1 << 20)
    raw = read_table(path, display_path="ok.parquet")
    assert raw.df.loc[5, "OPEN1"] == long and list(raw.df["respondent_id"][:2]) == ["R0", "R1"]
    comments[3] = long + "é"
    pq.write_table(pa.table({"respondent_id": ids, "OPEN1": comments}), path)
    for budget in (1 << 20, MAX_TEXT_BYTES):  # exact path, then the plain read
        monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", budget)
        with pytest.raises(ValidationError) as e:
            read_table(path, display_path="ok.parquet")
        p = e.value.problems[0]
        assert (p.file, p.row, p.column) == ("ok.parquet", 5, "OPEN1")
        assert f"{MAX_CELL_CHARS + 1:,} characters" in p.message


def test_canonical_parquet_over_the_budget_is_refused_on_the_typed_path(engagement,
                                                                       monkeypatch):
    """Canonical leads in Parquet are read by the typed (prefetched) path, which hands a
    file over the budget to the general path: the same refusal, exit 2. The figures are
    the pages' decompressed bytes (each value with its 4-byte length, and the dictionary
    written before the writer fell back to plain pages), bounding the text."""
    from click.testing import CliRunner

    from toolkit import schemas
    from toolkit.cli import main

    monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", 100_000)
    leads = pd.read_csv(engagement / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads.to_parquet(engagement / "crm" / "leads.parquet", index=False)
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.parquet")
    r = CliRunner().invoke(main, ["validate", str(engagement)])
    assert r.exit_code == 2, r.output
    total = int(leads.apply(lambda c: c.str.len()).to_numpy().sum())  # ASCII: bytes
    created = int(leads["created_at"].str.len().sum())
    assert created == 7_815 * 19  # the column holding the most text is named
    head = "crm/leads.parquet, column 'created_at': the Parquet file's text would take "
    assert head in r.output  # (from the page headers: the pages hold the text plain)
    said = r.output.split(head)[1].split(" bytes when decoded (column 'created_at': ")
    figure, part = int(said[0].replace(",", "")), int(said[1].split(")")[0].replace(",", ""))
    assert total <= figure < 1.5 * total and created <= part < 1.5 * created


# --------------------------------------------------------------------------- workbooks (N3)
_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
       'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
       'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
       'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml"'
       ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
       'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
       'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
       '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.sharedStrings+xml"/></Types>')
_NS = "http://schemas.openxmlformats.org/"
_RELS = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_NS}package/2006/'
         f'relationships"><Relationship Id="rId1" Type="{_NS}officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = (f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{_NS}spreadsheetml/2006/'
       f'main" xmlns:r="{_NS}officeDocument/2006/relationships"><sheets><sheet name="Sheet1" '
       'sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_NS}package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{_NS}officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{_NS}officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>')


def _shared_workbook(path: Path, header: list[str], strings: list[str],
                     rows: list[list[int]], refs: bool = False, entity: bool = False) -> Path:
    """Write an .xlsx by hand: the header as shared strings after *strings*, then *rows*
    of cells each showing the shared string of that index (``<c t="s"><v>k</v></c>``,
    with ``r="B7"`` references when *refs*, the index's digits as character references
    ``&#48;`` when *entity*)."""
    from openpyxl.utils import get_column_letter

    sst = strings + header
    first = len(strings)

    def row(r: int, ids: list[int]) -> str:
        cells = "".join(
            (f'<c r="{get_column_letter(j)}{r}" t="s">' if refs else '<c t="s">')
            + "<v>" + ("".join(f"&#{ord(d)};" for d in str(k)) if entity else str(k))
            + "</v></c>" for j, k in enumerate(ids, start=1))
        return f'<row r="{r}">{cells}</row>'

    body = row(1, list(range(first, first + len(header)))) + "".join(
        row(r, ids) for r, ids in enumerate(rows, start=2))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/sharedStrings.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{_NS}spreadsheetml/2006/'
            f'main">' + "".join(f"<si><t>{s}</t></si>" for s in sst) + "</sst>"))
        z.writestr("xl/worksheets/sheet1.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}spreadsheetml/'
            f'2006/main"><sheetData>{body}</sheetData></worksheet>'))
    return path


def test_workbook_every_cell_showing_one_100_kb_string_is_refused_with_its_cell(engagement):
    """Review 13 N3: every cell of a sheet pointing at one 100 KB shared string (under the
    cell cap) made validate die with ArrowMemoryError (exit 1). The references are counted
    while the sheet streams past, before openpyxl reads it; refused at the cell where the
    text passes the budget: the string counts as its ``<si>`` element less its own tags
    (100,007 bytes), so the 42,947th cell, the 7th of row 4,296 (10 cells a row)."""
    header = ["lead_id", "created_at", "source", "owner_id", "mql_at", "accepted_at",
              "rejected_at", "rejection_reason", "sql_at", "converted_at"]
    path = _shared_workbook(engagement / "crm" / "leads.xlsx", header, ["w" * 100_000],
                            [[0] * 10] * 5_000)
    assert path.stat().st_size < 100_000  # 5 GB of text in its cells
    k = -(-(MAX_TEXT_BYTES + 1) // 100_007)
    assert (k, 2 + (k - 1) // 10, (k - 1) % 10 + 1) == (42_947, 4_296, 7)
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.xlsx")
    out = _validate_capped(engagement)
    assert "crm/leads.xlsx, row 4296, column 'G': the cells of the sheet show shared" in out
    assert "100,007 bytes of one text shown in 42,947 cells" in out


def test_workbook_shared_text_the_scan_cannot_see_is_counted_from_the_rows(engagement):
    """The same sheet with each index written as a character reference (``&#48;``, which
    openpyxl reads as 0 but the scan of the XML does not count): the rows openpyxl yields
    hold one string object per shared string, and their text is summed before the table is
    built from them, so the file is still refused, at the cell where it passes the budget."""
    header = ["lead_id", "created_at", "source", "owner_id", "mql_at", "accepted_at",
              "rejected_at", "rejection_reason", "sql_at", "converted_at"]
    path = _shared_workbook(engagement / "crm" / "leads.xlsx", header, ["w" * 100_000],
                            [[0] * 10] * 5_000, entity=True)
    assert path.stat().st_size < 100_000
    head = sum(map(len, header))
    k = -(-(MAX_TEXT_BYTES + 1 - head) // 100_000)  # the k-th cell below the header
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.xlsx")
    out = _validate_capped(engagement)
    col = "ABCDEFGHIJ"[(k - 1) % 10]
    assert (f"crm/leads.xlsx, row {2 + (k - 1) // 10}, column '{col}': the cells of the sheet "
            f"hold more than {MAX_TEXT_BYTES:,} bytes of text up to here") in out


def test_workbook_shared_text_is_counted_per_cell_and_long_text_within_it_is_read(
        tmp_path, monkeypatch):
    """With the budget lowered to 200,000 bytes: a 32,767-character comment (Excel's most)
    shown in 3 cells among short answers is read, values intact; shown in 7 cells it is
    refused at the 7th (its r="C8" reference named); the compensation plan reader applies
    the same check."""
    from toolkit import schemas
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan
    from toolkit.intake.reader import read_table

    monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", 200_000)
    long = "c" * 32_767
    strings = [long, "sales", "fine"]
    rows = [[1, 1, 0 if r < 3 else 2] for r in range(400)]
    ok = _shared_workbook(tmp_path / "ok.xlsx", ["respondent_id", "team", "OPEN1"],
                          strings, rows, refs=True)
    raw = read_table(ok, display_path="ok.xlsx")
    assert list(raw.df["OPEN1"][:4]) == [long, long, long, "fine"]
    assert raw.df.shape == (400, 3)
    rows = [[1, 1, 0 if r < 7 else 2] for r in range(400)]
    bad = _shared_workbook(tmp_path / "bad.xlsx", ["respondent_id", "team", "OPEN1"],
                           strings, rows, refs=True)
    with pytest.raises(ValidationError) as e:
        read_table(bad, display_path="survey/responses.xlsx")
    p = e.value.problems[0]
    assert (p.file, p.row, p.column) == ("survey/responses.xlsx", 8, "C")
    assert "32,774 bytes of one text shown in 7 cells" in p.message
    with pytest.raises(ValidationError, match="shared text adding up to more than 200,000"):
        load_plan(bad, display_name="incentives/plan.xlsx")


# --------------------------------------------------------------------------- SPSS
def _sav(path: Path, df: pd.DataFrame, cases: int | None = None) -> Path:
    """Write *df* as SPSS (``.zsav``: zlib-compressed data); *cases* overwrites the case
    count of the header (-1 = unknown, as some writers leave it)."""
    import struct

    pyreadstat = pytest.importorskip("pyreadstat")
    pyreadstat.write_sav(df, str(path), compress=path.suffix == ".zsav")
    if cases is not None:
        data = bytearray(path.read_bytes())
        data[80:84] = struct.pack("<i", cases)  # ncases, after the 80-byte file header
        path.write_bytes(bytes(data))
    return path


def test_spss_survey_declaring_more_cases_than_a_survey_holds_is_refused(engagement):
    """A compressed .zsav of 100,001 cases in a few KB: refused from its header (as Parquet
    files are, review 13c P1), before its cases are read cell by cell."""
    from toolkit.schemas import MAX_ROWS

    n = MAX_ROWS["survey"] + 1
    path = _sav(engagement / "survey" / "responses.zsav",
                pd.DataFrame({"ResponseId": np.ones(n),
                              "q1": np.full(n, 3.0)}))
    assert path.stat().st_size < 100_000
    (engagement / "survey" / "responses.csv").unlink()
    _point(engagement, 'path = "survey/responses.csv"', 'path = "survey/responses.zsav"')
    _point(engagement, 'format = "canonical"\nteam_column', 'format = "auto"\nteam_column')
    out = _validate_capped(engagement)
    assert f"survey/responses.zsav: the SPSS file declares {n:,} cases × 2 variables" in out
    assert f"at most {MAX_ROWS['survey']:,} cases" in out


def test_spss_text_over_the_budget_is_refused_before_reading_and_unknown_counts_are_capped(
        tmp_path, monkeypatch):
    """Text: cases × the declared width of each string variable, from the header (budget
    lowered to 1 MiB: 50 cases of a 30,000-byte comment). A header that does not state the
    case count (-1): at most as many cases as the limits allow are read, and a file holding
    more is refused; within them it is read."""
    from toolkit import schemas
    from toolkit.config import SurveyConfig
    from toolkit.intake.spss import import_survey

    def imported(path):
        cfg = SurveyConfig(path=path, team_column="dept")
        return import_survey(path, cfg, display_path=f"survey/{path.name}")

    df = pd.DataFrame({"ResponseId": [f"R{i}" for i in range(50)], "dept": ["Sales"] * 50,
                       "OPEN1": ["x" * 30_000] * 50})
    path = _sav(tmp_path / "wide.zsav", df)
    monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", 1 << 20)
    r = imported(path)
    assert len(r.problems) == 1 and r.table.empty
    p = r.problems[0]
    assert (p.file, p.column) == ("survey/wide.zsav", "OPEN1")
    assert "declares 50 cases × 3 variables, each case up to 30,008 bytes" in p.message  # + 3 + 5
    monkeypatch.setattr(schemas, "MAX_TEXT_BYTES", MAX_TEXT_BYTES)

    df = pd.DataFrame({"ResponseId": [f"R{i}" for i in range(1_000)],
                       "dept": ["Sales"] * 1_000, "q1": [3.0] * 1_000})
    path = _sav(tmp_path / "unknown.sav", df, cases=-1)
    monkeypatch.setitem(schemas.MAX_ROWS, "survey", 999)
    r = imported(path)
    assert [p.message.split(",")[0] for p in r.problems] == [
        "the SPSS file holds more than 999 cases"]
    monkeypatch.setitem(schemas.MAX_ROWS, "survey", 1_000)
    r = imported(path)
    assert r.intake.rows_read == 1_000 and not any("SPSS" in p.message for p in r.problems)


def _understate_footer(path: Path, column: int = 0) -> int:
    """Make the footer of *path* state 1,000 uncompressed bytes for its first row group's
    column chunk *column* (each of the value's occurrences rewritten as a varint of the same
    length), as a hand-made file may; pyarrow still reads it. Returns the true figure."""
    import struct

    true = pq.read_metadata(path).row_group(0).column(column).total_uncompressed_size

    def varint(v: int, width: int | None = None) -> bytes:
        out = bytearray()
        while True:
            out.append(v & 0x7F)
            v >>= 7
            if not v and (width is None or len(out) >= width):
                break
        return bytes(b | 0x80 for b in out[:-1]) + out[-1:]

    data = bytearray(path.read_bytes())
    n = struct.unpack("<i", data[-8:-4])[0]
    footer = bytes(data[-8 - n:-8])
    old = varint(true << 1)  # zigzag of a positive i64
    assert old in footer
    footer = footer.replace(old, varint(1_000 << 1, len(old)))
    path.write_bytes(bytes(data[:-8 - n]) + footer + bytes(data[-8:]))
    assert pq.read_metadata(path).row_group(0).column(column).total_uncompressed_size == 1_000
    return true


def test_parquet_pages_are_measured_by_their_own_headers_not_the_footer(tmp_path):
    """200 values of 100,000 characters stored plain (zstd: a few KB), the footer rewritten
    to say 1,000 bytes: the page headers still say 20 MB, so with the budget at 1 MiB the
    file is refused from them before any page is decompressed (pyarrow's allocations peak
    far below the 20 MB any read of it takes)."""
    from toolkit.intake.pages import chunk_pages

    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"OPEN1": ["z" * 100_000] * 200}), path, compression="zstd",
                   use_dictionary=False)
    assert path.stat().st_size < 20_000
    true = _understate_footer(path)
    assert pq.read_table(path).num_rows == 200  # pyarrow reads it all the same
    cc = pq.read_metadata(path).row_group(0).column(0)
    with open(path, "rb") as fh:
        pages = chunk_pages(fh, cc, "plain.parquet")
    assert 200 * 100_000 < pages.uncompressed <= true and pages.values == 200
    p = _capped("import pyarrow as pa\nfrom toolkit import schemas\n"
                "from toolkit.exceptions import ValidationError\n"
                "from toolkit.intake.reader import read_table\n"
                "schemas.MAX_TEXT_BYTES = 1 << 20\n"
                f"try:\n    read_table({str(path)!r}, display_path='plain.parquet')\n"
                "except ValidationError as e:\n    print(e.problems[0])\n"
                "print('PEAK', pa.default_memory_pool().max_memory())\n")
    assert p.returncode == 0, p.stderr
    assert ("plain.parquet, column 'OPEN1': the Parquet file's text would take "
            f"{pages.uncompressed:,} bytes when decoded") in p.stdout
    assert int(p.stdout.split("PEAK")[1]) < 10_000_000


def test_parquet_page_headers_that_cannot_be_read_are_refused(tmp_path):
    """A page header cut short (its bytes overwritten) is a damaged file: exit 2 naming it."""
    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"a": ["x", "y"] * 10}), path)
    cc = pq.read_metadata(path).row_group(0).column(0)
    start = cc.dictionary_page_offset if cc.has_dictionary_page else cc.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + 8] = b"\xff" * 8  # no Thrift struct starts like this
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError) as e:
        read_table(path, display_path="cut.parquet")
    assert e.value.problems[0].file == "cut.parquet"
    assert "cannot read the Parquet file (damaged?)" in e.value.problems[0].message


# --------------------------------------------------------------------------- padded rows
def test_csv_row_of_delimiters_that_would_pad_every_row_is_refused(tmp_path):
    """One line of 60,000 delimiters among 3,000 two-field rows (an 87 KB file): padding
    every row to its width would make 180 million cells (MemoryError before); refused
    naming that row (header = row 1)."""
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,source\n" + "L1,web\n" * 1_500 + "," * 60_000 + "\n"
                    + "L2,web\n" * 1_500, encoding="utf-8")
    assert path.stat().st_size < 100_000
    msg = _read_capped(path, "crm/leads.csv")
    assert msg.startswith("crm/leads.csv, row 1502: this row has 60,001 fields (the header 2)")
    assert f"the file's 3,002 rows would be {3_002 * 60_001:,} cells" in msg


def test_workbook_stray_cell_far_right_that_would_pad_every_row_is_refused(tmp_path,
                                                                          monkeypatch):
    """A workbook of 2,000 one-cell rows and one cell in column BXX (2,000, the widest a
    row may be): the table would be 2,000 × 2,000 cells; refused at that cell (the floor
    lowered so that the file stays small)."""
    import openpyxl

    from toolkit.exceptions import ValidationError
    from toolkit.intake import reader
    from toolkit.intake.reader import read_table

    monkeypatch.setattr(reader, "_PAD_FLOOR", 1_000_000)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    for i in range(2_000):
        ws.append([f"r{i}"] + ([None] * 1_998 + ["stray"] if i == 700 else []))
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(ValidationError) as e:
        read_table(tmp_path / "w.xlsx", display_path="survey/responses.xlsx")
    p = e.value.problems[0]
    assert (p.file, p.row, p.column) == ("survey/responses.xlsx", 701, "BXX")
    assert "this row has 2,000 cells (the header 1)" in p.message


def test_plan_header_of_delimiters_that_would_pad_every_row_is_refused(tmp_path):
    """A plan CSV whose header is 100,000 empty names over 200 short rows: each row would be
    padded to 100,000 cells (20 million, over MAX_CELLS['plan']); refused at the header."""
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan
    from toolkit.schemas import MAX_CELLS

    path = tmp_path / "plan.csv"
    path.write_text("team,role" + "," * 99_998 + "\n" + "sales,rep\n" * 200, encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        load_plan(path, display_name="incentives/plan.csv")
    p = e.value.problems[0]
    assert (p.file, p.row) == ("incentives/plan.csv", 1)
    assert p.message.startswith("the plan has 200 rows × 100,000 columns")
    assert f"{MAX_CELLS['plan']:,} cells" in p.message


def test_parquet_nested_columns_are_refused_from_the_schema(tmp_path):
    """A column of lists, records or maps is refused from the file's schema, naming the file
    and column, before any value is read: a list column whose 20,000 lists each hold one
    500,000-character dictionary entry (10 GB of text in a tiny file; it was refused from the
    page headers), and a list<int8> lead source of 1.2 million values per cell (attack 33, PQ1:
    the cell cap never saw the text made of it; 12.7 KB took 16 s and 1.5 GB to validate and
    reached the report). Short lists are refused alike: an export holds one value per cell."""
    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    n = 20_000
    inner = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                           pa.array(["q" * 500_000]))
    lists = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32)), inner)
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"tags": lists}), path, compression="zstd")
    assert path.stat().st_size < 100_000
    msg = _read_capped(path, "crm/leads.parquet")
    assert msg == ("crm/leads.parquet, column 'tags': holds lists, not one value per cell; "
                   "export the table flat (one text, number or date per cell), or without "
                   "this column")
    rows, k = 100, 1_200_000
    zeros = pa.array(np.zeros(rows * k, dtype=np.int8))
    source = pa.ListArray.from_arrays(pa.array(np.arange(0, (rows + 1) * k, k, np.int32)), zeros)
    big = tmp_path / "pq1.parquet"
    pq.write_table(pa.table({"lead_id": [f"L{i}" for i in range(rows)], "source": source}),
                   big, compression="zstd")
    assert "column 'source': holds lists, not one value per cell" in _read_capped(big, "x")
    for label, column in (("lists", [["x", "y"], ["z"]]),
                          ("records", [{"a": 1}, {"a": 2}]),
                          ("key-value maps", pa.array([[("k", 1)], [("k", 2)]],
                                                      pa.map_(pa.string(), pa.int64())))):
        small = tmp_path / f"{label}.parquet"
        pq.write_table(pa.table({"id": ["a", "b"], "tags": column}), small)
        with pytest.raises(ValidationError) as err:
            read_table(small, display_path="crm/leads.parquet")
        (p,) = err.value.problems
        assert (p.file, p.column, p.row) == ("crm/leads.parquet", "tags", None)
        assert p.message.startswith(f"holds {label}, not one value per cell")
