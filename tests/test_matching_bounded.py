"""Attack 6 H1: the work of matching export columns to the instrument is linear in the
header's size and bounded (toolkit.intake.matching "Bounded work"), and a survey export
wider than MAX_SURVEY_COLUMNS is refused with exit 2 before any matching."""

from __future__ import annotations

import csv
import difflib
import io
import shutil
import types

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.intake import matching
from toolkit.intake.matching import instrument_wordings, match_columns

MAX_TEXT_CHARS = matching.MAX_TEXT_CHARS
MAX_SURVEY_COLUMNS = matching.MAX_SURVEY_COLUMNS


class _Budget(Exception):
    pass


@pytest.fixture
def comparisons(monkeypatch):
    """Count the difflib comparisons made by matching, and the longest text compared; stop
    (fail fast) past 20,000 comparisons or on a text over 2 * MAX_TEXT_CHARS."""
    seen = {"n": 0, "longest": 0}

    class Counting(difflib.SequenceMatcher):
        def __init__(self, isjunk=None, a="", b="", autojunk=True):
            seen["n"] += 1
            seen["longest"] = max(seen["longest"], len(a), len(b))
            if seen["n"] > 20_000 or seen["longest"] > 2 * MAX_TEXT_CHARS:
                raise _Budget(f"{seen['n']} comparisons, longest text {seen['longest']:,}")
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(matching, "difflib", types.SimpleNamespace(SequenceMatcher=Counting))
    return seen


def _survey_columns() -> dict[str, str]:
    """Qualtrics-like matrix columns for the first 20 items, and a few metadata columns."""
    wordings = instrument_wordings()
    cols = {f"QID4_{i}": f"How much do you agree? - {w}"
            for i, w in enumerate(list(wordings.values())[:20], 1)}
    cols.update({"StartDate": "Start Date", "Status": "Response Type", "Q9": "Your team"})
    return cols


def _result(m):
    return m.codes, m.how, m.unmatched, m.warnings, [str(p) for p in m.problems]


def _wide(n: int) -> dict[str, str]:
    cols = _survey_columns()
    cols.update({f"X{j}": f"Embedded {j}" for j in range(n)})
    return cols


def test_extra_columns_add_no_comparisons_and_work_grows_linearly(comparisons, monkeypatch):
    wordings = instrument_wordings()
    base = match_columns(_survey_columns(), wordings)
    n_base = comparisons["n"]
    assert len(base.codes) == 20 and n_base > 0
    norm_calls = {"n": 0}
    real_norm = matching.normalize_text

    def counting_norm(text):
        norm_calls["n"] += 1
        return real_norm(text)

    monkeypatch.setattr(matching, "normalize_text", counting_norm)
    per_width = {}
    for n in (2500, 5000):
        comparisons["n"] = 0
        norm_calls["n"] = 0
        wide = match_columns(_wide(n), wordings)
        # the 20 items are matched as without the extra columns, which all stay unmatched
        assert wide.codes == base.codes and wide.how == base.how
        assert wide.warnings == base.warnings and not wide.problems
        assert len(wide.unmatched) == len(base.unmatched) + n
        # an "Embedded j" column shares no word with an item: never compared
        assert comparisons["n"] == n_base
        per_width[n] = norm_calls["n"]
    assert per_width[5000] <= 2.2 * per_width[2500]
    assert per_width[5000] <= 4 * (5000 + len(_survey_columns()) + len(wordings))


def test_long_question_text_compared_on_a_bounded_prefix(comparisons):
    wordings = instrument_wordings()
    base = match_columns(_survey_columns(), wordings)
    cols = _survey_columns()
    cols["QID4_1"] = "A" * 1_000_000          # a 1 MB header cell (attack 6 H1b)
    first = next(iter(wordings.values()))
    cols["QID4_99"] = first + " " + "b" * 1_000_000
    comparisons["n"] = comparisons["longest"] = 0
    got = match_columns(cols, wordings)
    assert comparisons["longest"] <= MAX_TEXT_CHARS
    # the cell of A's matches nothing; the wording followed by 1 MB still matches its item
    assert "QID4_1" in got.unmatched
    expected = {c: k for c, k in base.codes.items() if c != "QID4_1"}
    expected["QID4_99"] = base.codes["QID4_1"]
    assert got.codes == expected
    assert matching.text_similarity(first + " " + "b" * 1_000_000, first) == \
        matching.text_similarity(first + " " + "b" * (MAX_TEXT_CHARS + 10), first)


def test_matching_unchanged_on_texts_within_the_bound():
    wordings = instrument_wordings()
    texts = list(wordings.values())
    cols = {"a": texts[0], "b": f"Rate your team [{texts[1]}]", "c": texts[2][:30] + "...",
            "d": texts[3].replace("e", "a", 2), "e": "Q - " + texts[4].upper(), "f": "Team"}
    got = match_columns(cols, wordings)
    codes = list(wordings)
    assert got.codes == {"a": codes[0], "b": codes[1], "c": codes[2], "d": codes[3],
                         "e": codes[4]}
    assert got.unmatched == ["f"]
    assert matching._grid_row("Rate [a[b] x]") is None and matching._grid_row("Q [a[b]") == "a[b"
    assert matching._grid_row("Q []") is None and matching._grid_row("[x] [y]") == "y"


def _qualtrics_with_extra(folder, n: int):
    path = folder / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(open(path, encoding="utf-8-sig")))
    wide = [rows[0] + [f"X{j}" for j in range(n)], rows[1] + [f"Embedded {j}" for j in range(n)],
            rows[2] + ['{"ImportId":"X%d"}' % j for j in range(n)]] + [r + [""] * n
                                                                     for r in rows[3:]]
    s = io.StringIO()
    csv.writer(s).writerows(wide)
    path.write_text(s.getvalue(), encoding="utf-8")
    return len(rows[0]) + n


def test_survey_export_wider_than_the_bound_is_refused(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", folder)
    width = _qualtrics_with_extra(folder, MAX_SURVEY_COLUMNS)
    assert width > MAX_SURVEY_COLUMNS
    r = CliRunner().invoke(main, ["validate", str(folder)])
    assert r.exit_code == 2, r.output
    assert "survey/qualtrics_export.csv" in r.output
    assert f"has {width:,} columns" in r.output and f"at most {MAX_SURVEY_COLUMNS:,}" in r.output
    assert "Traceback" not in r.output
