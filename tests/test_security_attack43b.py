"""Attack 43b R1: an owner id writes a surname without its apostrophe, hyphen or space
(``raj.oneill``, ``m.alfarsi``, ``kim.minjun``, ``ian.macdonald``), and a comment writes it as
people do ("O'Neill", "Al-Farsi", "Min-jun", "Mac Donald"): the surname stayed (146 comments of
the lead-quality sample kept "O'Neill"). Words joined that way are now one word when together
they are a known word."""

from __future__ import annotations

import pytest

from toolkit.privacy import NAME_MASK, make_redactor


@pytest.mark.parametrize("owner, text, expected", [
    ("raj.oneill", "Raj O'Neill never calls back", "[name removed] never calls back"),
    ("raj.oneill", "Ask O\u2019Neill about it", "Ask [name removed] about it"),
    ("luca.dangelo", "Luca D'Angelo ignores webinar leads",
     "[name removed] ignores webinar leads"),
    ("m.alfarsi", "Mohammed Al-Farsi never answers", "[name removed] never answers"),
    ("kim.minjun", "Kim Min-jun never answers", "[name removed] never answers"),
    ("ian.macdonald", "Ian Mac Donald never answers", "[name removed] never answers"),
])
def test_a_surname_an_id_joins_is_removed_as_written(owner, text, expected):
    got = make_redactor([owner])(text)
    assert got == expected.replace("[name removed]", NAME_MASK)


@pytest.mark.parametrize("text", [
    "the well-known rule", "Don't ask", "o'neill in lower case stays readable",
    "New York and Mac OS",
])
def test_ordinary_joined_words_stay(text):
    assert make_redactor(["raj.oneill", "ian.macdonald"])(text) == text


def test_a_comparison_is_written_whole_and_a_folder_in_the_way_is_exit_2(tmp_path,
                                                                         followup_results):
    """C1: the two files were moved into place one at a time from a staging folder no later
    run removed; a folder in the way gave "unexpected IsADirectoryError" (exit 1)."""
    from click.testing import CliRunner

    from toolkit.cli import main
    from toolkit.compare import compare_results, write_comparison

    comp = compare_results(followup_results, followup_results)
    out = tmp_path / "cmp"
    dead = out / ".followup-gap.abc123.partial"          # a staging folder of a dead run
    dead.mkdir(parents=True)
    (dead / "comparison.json").write_text("{}", encoding="utf-8")
    folder = write_comparison(comp, out)
    assert sorted(p.name for p in folder.iterdir()) == ["comparison.html", "comparison.json"]
    assert sorted(p.name for p in out.iterdir()) == ["followup-gap"]     # swept, none left
    (folder / "comparison.html").unlink()
    (folder / "comparison.html").mkdir()
    before = tmp_path / "before.json"
    before.write_text(__import__("json").dumps(followup_results), encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(before), str(before), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "a folder is in the way of the comparison file" in res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output
