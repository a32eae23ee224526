"""Attack 29 (bad input, SPEC §8a item 6): the compensation plan's CSV reader failed as an
"unexpected" error (exit 1, no file/row/column) on a header written twice (PD1) and on
CR-only line endings, as Excel for Mac's "CSV (Macintosh)" saves them (PC1)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES

PLAN = SAMPLES / "followup-gap" / "incentives" / "comp_plan.csv"


def _lines() -> list[str]:
    return PLAN.read_text(encoding="utf-8").splitlines()


def test_cr_only_line_endings_read_as_lf(tmp_path):
    from toolkit.incentives.plan import load_plan

    cr = tmp_path / "plan.csv"
    cr.write_bytes("\r".join(_lines()).encode("utf-8") + b"\r")
    want = load_plan(PLAN)
    got = load_plan(cr)
    assert got.equals(want) and len(got) > 0


def test_a_header_written_twice_is_a_problem_of_row_1(tmp_path):
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan

    lines = _lines()
    dup = tmp_path / "plan.csv"
    dup.write_text("\n".join([lines[0] + ",role"] + [ln + ",x" for ln in lines[1:]]) + "\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_plan(dup, display_name="incentives/comp_plan.csv")
    (p,) = exc.value.problems
    assert p.row == 1 and "duplicate column names: 'role'" in p.message


def test_blank_header_cells_are_columns_of_their_own(tmp_path):
    from toolkit.incentives.plan import load_plan

    lines = _lines()
    blank = tmp_path / "plan.csv"
    blank.write_text("\n".join([lines[0] + ",,"] + [ln + ",a,b" for ln in lines[1:]]) + "\n",
                     encoding="utf-8")
    assert load_plan(blank).equals(load_plan(PLAN))


def test_an_unreadable_csv_field_is_a_problem(tmp_path):
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan

    lines = _lines()
    big = tmp_path / "plan.csv"
    big.write_text("\n".join(lines + ['"' + "x" * 200_000 + '"']) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_plan(big, display_name="incentives/comp_plan.csv")
    assert "not a readable CSV file" in exc.value.problems[0].message


@pytest.mark.parametrize("case", ["duplicate", "cr"])
def test_validate_exits_2_or_0_not_1(tmp_path, case):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    plan = eng / "incentives" / "comp_plan.csv"
    lines = plan.read_text(encoding="utf-8").splitlines()
    if case == "duplicate":
        plan.write_text("\n".join([lines[0] + ",gate"] + [ln + ",0" for ln in lines[1:]]) + "\n",
                        encoding="utf-8")
    else:
        plan.write_bytes("\r".join(lines).encode("utf-8") + b"\r")
    r = subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(eng)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in r.stderr and "unexpected" not in r.stderr + r.stdout
    if case == "duplicate":
        assert r.returncode == 2
        assert "incentives/comp_plan.csv, row 1: duplicate column names: 'gate'" in (
            r.stderr + r.stdout)
    else:
        assert r.returncode == 0
