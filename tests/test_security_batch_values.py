"""Attack 7, LG1: a validation error quoting the client's cells — an owner id, an owner's
name, a respondent's name, a Qualtrics ResponseId in a misplaced cell — is shown on the
terminal of ``aligndx validate`` (the consultant needs it), but what is kept in files
(batch-summary.csv, ``_failed/<id>/run.log``) withholds the values: file, row, column and
what was expected stay (SPEC §8; issue 13 item 4)."""

from __future__ import annotations

import csv
import shutil

from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.exceptions import InputError, Problem, ValidationError

WITHHELD = "[value withheld]"

SECRETS = ("eva.costa", "Priya Chen", "Casimir Okonkwo", "R_20051")
DATE = ("cannot read [value withheld] as a date; expected ISO-8601 such as 2025-03-14 or "
        "2025-03-14T09:30:00")


def test_problem_withholds_only_the_values_it_quotes():
    from toolkit import exceptions

    assert exceptions.WITHHELD == WITHHELD
    p = Problem("crm/leads.csv", "cannot read 'eva.costa' as a date; expected ISO-8601",
                row=4, column="mql_at", quoted=("'eva.costa'",))
    assert str(p) == ("crm/leads.csv, row 4, column 'mql_at': cannot read 'eva.costa' as a "
                      "date; expected ISO-8601")
    assert p.withheld() == ("crm/leads.csv, row 4, column 'mql_at': cannot read "
                            f"{WITHHELD} as a date; expected ISO-8601")
    assert p == Problem("crm/leads.csv", "cannot read 'eva.costa' as a date; expected "
                        "ISO-8601", row=4, column="mql_at")     # equality ignores quoted
    err = InputError([p, "engagement.toml: plain text problem"])
    assert str(err) == err.render()
    assert "'eva.costa'" in str(err)
    assert err.render(withhold=True) == (
        "2 problems found:\n"
        f"  - crm/leads.csv, row 4, column 'mql_at': cannot read {WITHHELD} as a date; "
        "expected ISO-8601\n"
        "  - engagement.toml: plain text problem")


def _engagements(root):
    """The attacker's two engagements: followup-gap with an owner id and an owner's name
    form in ``mql_at`` (a shifted CRM export), real-exports with a name and the row's
    ResponseId in a Qualtrics agreement answer."""
    own, qual = root / "ownerdate", root / "qual"
    shutil.copytree(SAMPLES / "followup-gap", own)
    shutil.copytree(SAMPLES / "real-exports", qual)
    for eng, cid in ((own, "ownerdate"), (qual, "qual")):
        toml = eng / "engagement.toml"
        lines = toml.read_text(encoding="utf-8").splitlines()
        toml.write_text("\n".join(f'id = "{cid}"' if ln.startswith("id = ") else ln
                                  for ln in lines) + "\n", encoding="utf-8")
    p = own / "crm" / "leads.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    h = rows[0]
    assert rows[3][h.index("owner_id")] == "eva.costa"
    rows[3][h.index("mql_at")] = rows[3][h.index("owner_id")]
    rows[4][h.index("mql_at")] = "Priya Chen"
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    p = qual / "survey" / "qualtrics_export.csv"
    with open(p, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    h = rows[0]
    i = h.index("QID4_1")
    assert rows[6][h.index("ResponseId")] == "R_20051"
    rows[5][i] = "Casimir Okonkwo"
    rows[6][i] = rows[6][h.index("ResponseId")]
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return own, qual


def test_terminal_of_validate_still_shows_the_value(tmp_path):
    own, _ = _engagements(tmp_path)
    res = CliRunner().invoke(main, ["validate", str(own)])
    assert res.exit_code == 2, res.output
    assert "row 4, column 'mql_at': cannot read 'eva.costa' as a date" in res.output
    assert "row 5, column 'mql_at': cannot read 'Priya Chen' as a date" in res.output


def test_intake_problems_carry_the_values_they_quote(tmp_path):
    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    _, qual = _engagements(tmp_path)
    try:
        load_data(load_engagement(qual))
    except ValidationError as exc:
        err = exc
    else:
        raise AssertionError("the tampered survey was accepted")
    [p] = [p for p in err.problems if isinstance(p, Problem) and p.column == "QID4_1"]
    assert set(p.quoted) == {"'Casimir Okonkwo'", "'R_20051'"}
    assert p.withheld() == (
        f"survey/qualtrics_export.csv, row 6, column 'QID4_1': 2 answer(s) are not agreement "
        f"labels: {WITHHELD}, {WITHHELD} (expected Strongly disagree … Strongly agree, a "
        "number 1..5, or Don't know / N/A)")


def test_batch_summary_and_run_logs_withhold_quoted_values(tmp_path):
    """A real ``aligndx batch`` of the two engagements: both fail (exit 1); the summary and
    both run logs name file, row, column and what was expected, and hold none of the owner
    id, the names or the ResponseId."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _engagements(src)
    res = CliRunner().invoke(main, ["batch", str(src), "-o", str(out), "--jobs", "2"])
    assert res.exit_code == 1, res.output
    with open(out / "batch-summary.csv", newline="", encoding="utf-8") as fh:
        rows = {r["client_id"]: r for r in csv.DictReader(fh)}
    assert rows["ownerdate"]["status"] == rows["qual"]["status"] == "failed"
    assert rows["ownerdate"]["error"] == (
        f"2 problems found: | - crm/leads.csv, row 4, column 'mql_at': {DATE} | "
        f"- crm/leads.csv, row 5, column 'mql_at': {DATE}")
    assert rows["qual"]["error"] == (
        "survey/qualtrics_export.csv, row 6, column 'QID4_1': 2 answer(s) are not agreement "
        f"labels: {WITHHELD}, {WITHHELD} (expected Strongly disagree … Strongly agree, a "
        "number 1..5, or Don't know / N/A)")
    own_log = (out / "_failed" / "ownerdate" / "run.log").read_text(encoding="utf-8")
    qual_log = (out / "_failed" / "qual" / "run.log").read_text(encoding="utf-8")
    assert f"crm/leads.csv, row 4, column 'mql_at': {DATE}" in own_log
    assert f"crm/leads.csv, row 5, column 'mql_at': {DATE}" in own_log
    assert "row 6, column 'QID4_1': 2 answer(s) are not agreement labels: " \
        f"{WITHHELD}, {WITHHELD}" in qual_log
    kept = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".csv", ".log",
                                                                       ".html", ".json")]
    assert {out / "batch-summary.csv", out / "portfolio.html"} <= set(kept)
    for p in kept:
        text = p.read_text(encoding="utf-8", errors="replace")
        for secret in SECRETS:
            assert secret not in text, (p, secret)
    for secret in SECRETS:
        assert secret not in res.output, secret

