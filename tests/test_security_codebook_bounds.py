"""Attack 7, CB1: a comment codebook is bounded (themes, keywords, keyword length, file
size), so a huge one is refused by ``validate`` with exit 2 naming the file instead of
stretching ``report`` to minutes (cost = themes × keywords × comments; SPEC §8a)."""

from __future__ import annotations

import csv
import shutil

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.exceptions import InputError
from toolkit.survey.themes import load_codebook


def _book(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["theme", "keywords"]] + rows)
    return path


def test_bounds():
    from toolkit.survey.themes import (MAX_CODEBOOK_BYTES, MAX_CODEBOOK_KEYWORDS,
                                       MAX_CODEBOOK_THEMES)

    assert (MAX_CODEBOOK_THEMES, MAX_CODEBOOK_KEYWORDS, MAX_CODEBOOK_BYTES) == \
        (100, 1000, 256 * 1024)


def test_a_codebook_at_the_bounds_reads(tmp_path):
    rows = [[f"Theme {i}", ";".join(f"w{i}x{j}" for j in range(10))] for i in range(100)]
    book = load_codebook(_book(tmp_path / "b.csv", rows))
    assert len(book) == 100 and sum(len(k) for _, k in book) == 1000


@pytest.mark.parametrize("rows, message", [
    ([[f"T{i}", f"w{i}"] for i in range(101)],
     "101 themes with 101 keywords; a comment codebook may hold at most 100 themes and "
     "1,000 keywords in all"),
    ([["Lead quality", ";".join(f"w{j}" for j in range(1001))]],
     "1 themes with 1,001 keywords; a comment codebook may hold at most 100 themes and "
     "1,000 keywords in all"),
])
def test_too_many_themes_or_keywords_are_refused(tmp_path, rows, message):
    with pytest.raises(InputError) as exc:
        load_codebook(_book(tmp_path / "b.csv", rows), display="survey/codebook.csv")
    assert str(exc.value).startswith(f"survey/codebook.csv: {message}")


def test_a_long_keyword_is_refused_naming_row_and_column(tmp_path):
    with pytest.raises(InputError) as exc:
        load_codebook(_book(tmp_path / "b.csv", [["A", "lead"], ["B", "x" * 101]]),
                      display="survey/codebook.csv")
    assert str(exc.value) == ("survey/codebook.csv, row 3, column 'keywords': 1 keyword(s) "
                              "longer than 100 characters; a keyword is a word or a short "
                              "phrase")


def test_validate_refuses_the_attackers_codebook_quickly(tmp_path):
    """The attacker's 100,000 one-keyword themes (2.6 MB): exit 2 naming the file and the
    size, before any row is parsed."""
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    _book(eng / "survey" / "codebook.csv",
          [[f"T{i} abcdefgh", "lead" if i == 0 else f"kw{i:07d}abcdefgh"]
           for i in range(100_000)])
    size = (eng / "survey" / "codebook.csv").stat().st_size
    toml = eng / "engagement.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[survey]\n", '[survey]\ncomment_codebook = "survey/codebook.csv"\n', 1),
        encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 2, res.output
    assert (f"survey/codebook.csv: the comment codebook is {size:,} bytes; a codebook may be "
            "at most 256 KB") in res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output
