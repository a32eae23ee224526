"""Attack 32 (bad input, SPEC §8a item 6): an Excel table or plan whose first sheet is a
chart sheet (Excel's "Move Chart → New sheet"), or that lists no sheet at all, failed as an
"unexpected AttributeError/IndexError" (exit 1) instead of being read or named (XS1)."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from toolkit.exceptions import ValidationError


def _chart_first(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in rows:
        ws.append(r)
    cs = wb.create_chartsheet("Chart", 0)
    ch = BarChart()
    ch.add_data(Reference(ws, min_col=2, min_row=1, max_row=3))
    cs.add_chart(ch)
    wb.save(path)
    return path


def _without(src, dst, pattern: bytes, repl: bytes):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = re.sub(pattern, repl, data, flags=re.S)
            zout.writestr(info, data)
    return dst


ROWS = [["lead_id", "amount"], ["L1", 10], ["L2", 20]]


def test_a_chart_sheet_before_the_data_is_skipped(tmp_path):
    from toolkit.intake.reader import _read_xlsx

    table, name, warnings = _read_xlsx(_chart_first(tmp_path / "t.xlsx", ROWS), "crm/t.xlsx",
                                       None)
    assert name == "Data" and table.num_rows >= 2
    assert not any("sheets" in w for w in warnings)


@pytest.mark.parametrize("which", ["chart only", "no sheet"])
def test_a_workbook_without_a_worksheet_is_named(tmp_path, which):
    from toolkit.intake.reader import _read_xlsx

    src = _chart_first(tmp_path / "src.xlsx", ROWS)
    if which == "chart only":
        bad = _without(src, tmp_path / "bad.xlsx", rb'<sheet [^>]*name="Data"[^>]*/>', b"")
    else:
        bad = _without(src, tmp_path / "bad.xlsx", rb"<sheets>.*</sheets>", b"<sheets/>")
    with pytest.raises(ValidationError) as exc:
        _read_xlsx(bad, "crm/leads.xlsx", None)
    assert "no worksheet with cells" in exc.value.problems[0].message
    assert exc.value.problems[0].file == "crm/leads.xlsx"


def test_a_sheet_number_out_of_range_is_named(tmp_path):
    from toolkit.intake.reader import _read_xlsx

    with pytest.raises(ValidationError) as exc:
        _read_xlsx(_chart_first(tmp_path / "t.xlsx", ROWS), "crm/t.xlsx", 3)
    assert "no sheet number 3" in exc.value.problems[0].message


def test_a_plan_workbook_of_charts_only_is_named(tmp_path):
    from toolkit.incentives.plan import load_plan

    src = _chart_first(tmp_path / "src.xlsx", [["team", "role"], ["sales", "AE"]])
    bad = _without(src, tmp_path / "plan.xlsx", rb'<sheet [^>]*name="Data"[^>]*/>', b"")
    with pytest.raises(ValidationError) as exc:
        load_plan(bad, display_name="incentives/comp_plan.xlsx")
    assert "no worksheet with cells" in exc.value.problems[0].message
