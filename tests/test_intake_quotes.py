"""A quote that closes a quoted value must be followed by the delimiter or the line's end
(review 13c V3): a stray quote inside a quoted comment split it over two columns and
validate only warned about "1 empty trailing column". Exit 2 naming the row and column."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.exceptions import ValidationError
from toolkit.intake.quotes import bad_closing_quote
from toolkit.intake.reader import read_table

GOOD = [b'a,b\n1,"x"\n', b'a,b\n1,"x""y"\n', b'a,b\n1,""\n2,""""\n', b'a,b\r\n1,"x"\r\n',
        b'a,b\n1,"x"', b'a,b\n1,5" screen "x" y\n', b'a,b\n1,"a,""b"""\n',
        b'a,b\n1,"two\nlines, ""quoted"""\n', b'\xef\xbb\xbf"a","b"\n"1","2"\n',
        b'a;b\n1;"x;y"\n']
BAD = [(b'a,b,c\n1,"never closed "Account, x.",\n', 22), (b'a,b\n1,"x"y\n', 8),
       (b'a,b\n"1"2,x\n', 6), (b'a,b\n1,"x" \n', 8)]


@pytest.mark.parametrize("block", [None, 3])
@pytest.mark.parametrize("text", GOOD)
def test_well_formed_quotes_pass(text, block, monkeypatch):
    if block:
        monkeypatch.setattr("toolkit.intake.quotes._BLOCK", block)
    delim = ";" if b";" in text else ","
    assert bad_closing_quote(text, delim) is None
    assert bad_closing_quote(text.decode("utf-8-sig"), delim) is None


@pytest.mark.parametrize("text,pos", BAD)
def test_a_quote_closing_a_value_with_text_after_it_is_found(text, pos):
    assert bad_closing_quote(text, ",") == pos
    assert bad_closing_quote(text.decode(), ",") == pos


@pytest.mark.parametrize("block", [None, 7, 16])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_reader_refuses_it_with_row_and_column(tmp_path, monkeypatch, encoding, block):
    """(Small blocks: the scan's state crosses block boundaries, inside quoted values too.)"""
    if block:
        monkeypatch.setattr("toolkit.intake.quotes._BLOCK", block)
    rows = ['id,team,OPEN1,OPEN2', '1,sales,"fine, ""really""",', '2,marketing,"a\nb",x',
            '3,sales,"never closed "Account executives call once, and give up.",',
            '4,sales,ok,']
    p = tmp_path / "survey.csv"
    p.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    with pytest.raises(ValidationError) as e:
        read_table(p, display_path="survey/responses.csv")
    (q,) = e.value.problems
    assert (q.file, q.row, q.column) == ("survey/responses.csv", 4, "OPEN1")
    assert "must be doubled" in q.message


def test_typed_crm_path_leaves_it_to_the_general_path(tmp_path):
    from toolkit.intake.typed import read_typed

    text = ("lead_id,created_at,source,owner_id\n"
            'L1,2025-01-02T09:00:00,"web" x,ann\nL2,2025-01-03T09:00:00,"event",bob\n')
    p = tmp_path / "leads.csv"
    p.write_text(text)
    assert read_typed(p, "leads", display_path="crm/leads.csv") is None
    with pytest.raises(ValidationError, match="row 2, column 'source'"):
        read_table(p, display_path="crm/leads.csv")


def test_validate_exits_2_on_the_sample_survey(tmp_path):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    path = eng / "survey" / "responses.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    k = next(i for i, ln in enumerate(lines) if i and ',"' in ln)
    col = lines[0].rstrip("\n").split(",")[lines[k].split(',"')[0].count(",") + 1]
    lines[k] = lines[k].replace(',"', ',"never closed "', 1)
    path.write_text("".join(lines), encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(eng)])
    assert r.exit_code == 2, r.output
    assert f"survey/responses.csv, row {k + 1}, column '{col}'" in r.output
    assert "must be doubled" in r.output and "Traceback" not in r.output
