"""The robust reader: encodings, delimiters, blank rows/columns, Excel, Parquet."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from toolkit.exceptions import ValidationError
from toolkit.intake.reader import detect_encoding, read_table, sniff_delimiter


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_utf8_bom_semicolon_blank_row_and_trailing_columns(tmp_path):
    f = _write(tmp_path / "a.csv", "\ufeffid;name;amount;;\n1;José;1.234,00 €;;\n;;;;\n"
               "2;Zoë;5,00;;\n")
    raw = read_table(f)
    assert raw.encoding == "utf-8-sig"
    assert raw.delimiter == ";"
    assert raw.columns == ["id", "name", "amount"]       # BOM not part of the first name
    assert raw.dropped_columns == ["column 4", "column 5"]
    assert raw.n_rows == 3 and raw.blank_rows == 1
    # spreadsheet row numbers: header = 1, blank row 3 dropped
    assert list(raw.df.index) == [2, 4]
    assert raw.df.loc[2, "name"] == "José" and raw.df.loc[4, "amount"] == "5,00"


def test_cp1252_with_euro_and_accent(tmp_path):
    f = tmp_path / "b.csv"
    f.write_bytes("id,name,amount\n1,Renée,€5\n".encode("cp1252"))
    assert "€".encode("cp1252") == b"\x80"               # really a cp1252-only byte
    raw = read_table(f)
    assert raw.encoding == "cp1252"
    assert raw.df.loc[2, "name"] == "Renée" and raw.df.loc[2, "amount"] == "€5"
    assert raw.warnings and "cp1252" in raw.warnings[0]


def test_utf16_tab_separated_with_and_without_bom(tmp_path):
    f = _write(tmp_path / "c.txt", "id\tname\n1\tJosé\n2\tÅsa\n", "utf-16")
    raw = read_table(f)
    assert raw.encoding == "utf-16" and raw.delimiter == "\t"
    assert raw.df["name"].tolist() == ["José", "Åsa"]
    g = _write(tmp_path / "d.txt", "id\tname\n1\tJosé\n", "utf-16-le")
    raw = read_table(g)
    assert raw.encoding == "utf-16-le" and raw.df.loc[2, "name"] == "José"


def test_quoted_delimiters_and_embedded_newline_count_as_one_record(tmp_path):
    f = _write(tmp_path / "q.csv", 'id,comment,amount\n1,"a, b",3\n2,"line1\nline2",4\n3,x,5\n')
    raw = read_table(f)
    assert raw.delimiter == ","
    assert raw.df.loc[3, "comment"] == "line1\nline2"
    assert list(raw.df.index) == [2, 3, 4]


def test_ragged_rows_are_padded(tmp_path):
    # (trailing delimiters on the rows, as an export writes them; on one row of many they
    # are what a shifted value leaves and are refused, review 13c V3)
    f = _write(tmp_path / "r.csv", "a,b\n1,2,\n3,4,,\n")
    raw = read_table(f)
    assert raw.columns == ["a", "b"] and raw.df.loc[3, "b"] == "4"


def test_empty_cells_are_missing_and_values_kept_verbatim(tmp_path):
    f = _write(tmp_path / "e.csv", "a,b\n 007 ,\nNA,x\n")
    raw = read_table(f)
    assert raw.df.loc[2, "a"] == " 007 "                 # exactly as written
    assert pd.isna(raw.df.loc[2, "b"])
    assert raw.df.loc[3, "a"] == "NA"                    # not turned into a missing value


def test_duplicate_header_names_are_renamed_and_reported(tmp_path):
    f = _write(tmp_path / "d.csv", "id,x,x\n1,2,3\n")
    raw = read_table(f)
    assert raw.columns == ["id", "x", "x (2)"] and raw.duplicate_columns == ["x"]


def test_header_rows_keep_extra_rows(tmp_path):
    f = _write(tmp_path / "h.csv", "Q1,Q2\nQuestion one,Question two\n{x},{y}\n4,5\n")
    raw = read_table(f, header_rows=3)
    assert raw.header_extra == [["Question one", "Question two"], ["{x}", "{y}"]]
    assert list(raw.df.index) == [4] and raw.df.loc[4, "Q2"] == "5"


def test_xlsx_dates_numbers_and_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["lead_id", "created_at", "amount", "flag"])
    ws.append(["L1", dt.datetime(2025, 3, 14, 9, 30), 1234.5, True])
    ws.append(["L2", dt.datetime(2025, 3, 15), 7, None])
    wb.create_sheet("Other")
    wb.save(tmp_path / "x.xlsx")
    raw = read_table(tmp_path / "x.xlsx")
    assert raw.kind == "excel" and raw.sheet == "Leads"
    assert raw.df.loc[2].tolist() == ["L1", "2025-03-14T09:30:00", "1234.5", "TRUE"]
    assert raw.df.loc[3, "created_at"] == "2025-03-15" and raw.df.loc[3, "amount"] == "7"
    assert pd.isna(raw.df.loc[3, "flag"])
    assert any("2 sheets" in w for w in raw.warnings)
    with pytest.raises(ValidationError, match="no sheet"):
        read_table(tmp_path / "x.xlsx", sheet="Missing")


def test_parquet_to_text(tmp_path):
    df = pd.DataFrame({"lead_id": ["L1", "L2"],
                       "created_at": pd.to_datetime(["2025-03-14 09:30", None]),
                       "score": [1.5, None]})
    df.to_parquet(tmp_path / "p.parquet")
    raw = read_table(tmp_path / "p.parquet")
    assert raw.df.loc[2].tolist() == ["L1", "2025-03-14T09:30:00", "1.5"]
    assert pd.isna(raw.df.loc[3, "created_at"]) and pd.isna(raw.df.loc[3, "score"])


def test_unreadable_files_are_problems(tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ValidationError, match="save as .xlsx"):
        read_table(tmp_path / "old.xls")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        read_table(tmp_path / "empty.csv")


def test_detect_encoding_and_sniff_delimiter_units():
    assert detect_encoding("é".encode("utf-8")) == "utf-8"
    assert detect_encoding(b"caf\xe9") == "cp1252"
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"
    assert sniff_delimiter("a;b\n1,5;2\n3,5;4\n") == ";"   # decimal commas do not fool it
    assert sniff_delimiter("a,b\n1,2\n", ".tsv") == "\t"
