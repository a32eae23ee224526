"""Attack 8 XL1, XR1, LG2: a damaged cell of an .xlsx export is a clear exit 2 naming the file,
row and column and what the cell should hold, never "unexpected ValueError" and never its value;
a ``<row r="N">`` far down costs one step, not N; an unexpected error's message (which may
quote a cell) is kept out of batch-summary.csv and run logs (SPEC §7, §8, §8a)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main

openpyxl = pytest.importorskip("openpyxl")

SECRET = "Priya Chen"


@pytest.fixture(scope="module")
def base_xlsx(tmp_path_factory):
    """followup-gap's leads (first 60 rows) as a workbook written by openpyxl."""
    import csv

    path = tmp_path_factory.mktemp("xlsx") / "base.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    with open(SAMPLES / "followup-gap" / "crm" / "leads.csv", newline="",
              encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh)):
            ws.append(row)
            if i > 60:
                break
    wb.save(path)
    return path


def _engagement(tmp_path, base, edit) -> object:
    """followup-gap with its leads as *base* whose first sheet's XML is passed through *edit*."""
    eng = shutil.copytree(SAMPLES / "followup-gap", tmp_path / "eng")
    (eng / "crm" / "leads.csv").unlink()
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(eng / "crm" / "leads.xlsx", "w",
                                                       zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(name, data)
    toml = eng / "engagement.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'leads = "crm/leads.csv"', 'leads = "crm/leads.xlsx"'), encoding="utf-8")
    return eng


def _cell_b2(value: str, kind: str | None):
    def edit(xml: str) -> str:
        m = re.search(r'<c r="B2"[^>]*>.*?</c>', xml)
        t = f' t="{kind}"' if kind else ""
        return xml[:m.start()] + f'<c r="B2"{t}>{value}</c>' + xml[m.end():]
    return edit


@pytest.mark.parametrize("value, kind, holds", [
    (f"<v>{SECRET}</v>", None, "a number"),
    ("<v>NaN</v>", None, "a number"),
    (f"<v>{SECRET}</v>", "d", "a date (ISO 8601)"),
    ("<v>99999-01-01T00:00:00</v>", "d", "a date (ISO 8601)"),
    ("<v>999999</v>", "s", "a reference to one of the workbook's texts"),
    ("<v>-1</v>", "s", "a reference to one of the workbook's texts"),
    (f"<v>{SECRET}</v>", "s", "a reference to one of the workbook's texts"),
    ("<v>maybe</v>", "b", "true or false (1 or 0)"),
])
def test_a_damaged_cell_is_exit_2_with_row_column_and_no_value(tmp_path, base_xlsx, value,
                                                                 kind, holds):
    eng = _engagement(tmp_path, base_xlsx, _cell_b2(value, kind))
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 2, res.output
    assert (f"crm/leads.xlsx, row 2, column 'B': a damaged cell: it is stored as {holds}, "
            "but its value is not one") in res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output
    assert SECRET not in res.output


def test_a_damaged_cell_reference_is_exit_2_naming_the_row(tmp_path, base_xlsx):
    eng = _engagement(tmp_path, base_xlsx, lambda x: x.replace('r="C3"', 'r="ZZZZ3"', 1))
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 2, res.output
    assert "crm/leads.xlsx, row 3: a cell with a damaged reference" in res.output
    assert "unexpected" not in res.output


def test_rows_are_numbered_as_stored_without_walking_the_gap(tmp_path, base_xlsx):
    """XR1: one ``<row r="1000000000">`` is one step; the empty-row rule names it at once."""
    from toolkit.spreadsheet import _numbered_rows, worksheet_rows

    eng = _engagement(tmp_path, base_xlsx,
                      lambda x: x.replace('<row r="3"', '<row r="1000000000"', 1))
    wb = openpyxl.load_workbook(eng / "crm" / "leads.xlsx", read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        numbers = [i for i, _ in _numbered_rows(ws, "f")]
        # rows 4.. come after the far row in the file: openpyxl drops them too
        assert numbers == [1, 2, 1000000000]
        from toolkit.exceptions import ValidationError

        with pytest.raises(ValidationError) as info:
            worksheet_rows(ws, "crm/leads.xlsx")
    finally:
        wb.close()
    [p] = info.value.problems
    assert (p.row, p.column) == (1000000000, "A")
    assert "below 999,999,997 empty rows" in str(p)
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 2 and "row 1000000000, column 'A'" in res.output


def test_stored_rows_match_openpyxls_own_reading(tmp_path, base_xlsx):
    """The rows read without openpyxl's gap filling are openpyxl's rows: out-of-order and
    repeated row numbers dropped as openpyxl drops them, gaps as empty rows."""
    from toolkit.spreadsheet import _numbered_rows

    def edit(xml):
        xml = xml.replace('<row r="5"', '<row r="4"', 1)      # a repeated number
        xml = xml.replace('<row r="9"', '<row r="30"', 1)     # a gap, then going back
        return xml

    eng = _engagement(tmp_path, base_xlsx, edit)
    wb = openpyxl.load_workbook(eng / "crm" / "leads.xlsx", read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        theirs = list(ws.iter_rows(values_only=True))
        ws.reset_dimensions()
        mine = dict(_numbered_rows(ws, "f"))
    finally:
        wb.close()
    assert len(theirs) == max(mine)
    for n, row in enumerate(theirs, start=1):
        assert mine.get(n, ()) == tuple(row), n


def test_openpyxls_own_iterator_is_guarded_too():
    from toolkit.exceptions import ValidationError
    from toolkit.spreadsheet import _guarded

    def rows():
        yield ("a", "b")
        raise ValueError(f"Invalid datetime value {SECRET}")

    with pytest.raises(ValidationError) as info:
        list(_guarded(rows(), "crm/leads.xlsx"))
    assert str(info.value).startswith("crm/leads.xlsx, row 2: a damaged cell")
    assert SECRET not in str(info.value)


def _raise_library_error(spec):
    raise ValueError(f"Invalid datetime value {SECRET}")


def _raise_cell_failure(spec):
    from toolkit.exceptions import ReportError

    raise ReportError("diagnostic.ipynb: cell 8 failed: KeyError",
                      partial_notebook="/out/_failed/x/report.failed.ipynb",
                      detail=f"'{SECRET}'")


@pytest.mark.parametrize("target, kept", [
    ("_raise_library_error", "ValueError (an unexpected error; its message is withheld"),
    ("_raise_cell_failure", "diagnostic.ipynb: cell 8 failed: KeyError: [value withheld]\n"
                            "  partial notebook kept at: /out/_failed/x/report.failed.ipynb"),
])
def test_batch_job_keeps_no_text_of_an_unexpected_error(tmp_path, capsys, target, kept):
    """LG2: what a batch job keeps (its result for batch-summary.csv, its run log) names the
    kind of error, not a library's or a notebook cell's message."""
    from toolkit.batch import worker

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"key": "x", "folder": "x", "result": str(tmp_path / "r.json"),
                                "target": f"{__name__}:{target}"}), encoding="utf-8")
    assert worker.main([str(spec)]) == 1
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    out = capsys.readouterr()
    assert result["status"] == "failed" and kept in result["error"]
    assert SECRET not in result["error"]
    assert SECRET not in out.out and SECRET not in out.err
    if target == "_raise_library_error":
        assert "ValueError: [message withheld]" in out.err and "_raise_library_error" in out.err


def test_report_error_keeps_its_detail_across_processes():
    import pickle

    from toolkit.exceptions import ReportError

    err = ReportError("cell 3 failed: KeyError", partial_notebook="/p.ipynb", detail="'x'")
    back = pickle.loads(pickle.dumps(err))
    assert (back.message, back.partial_notebook, back.detail) == ("cell 3 failed: KeyError",
                                                                  "/p.ipynb", "'x'")
    assert str(back) == str(err) == ("cell 3 failed: KeyError: 'x'\n"
                                     "  partial notebook kept at: /p.ipynb")
