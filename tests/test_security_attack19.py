"""Attack 19, LG3: a name or a respondent id in a category cell (survey team, level, tenure,
FREQ) or in a compensation-plan cell was quoted into batch-summary.csv and run.log; kept
files now withhold it (the terminal still quotes it, as for number and date cells)."""

from __future__ import annotations

import csv
import shutil

from tests.conftest import SAMPLES

NAMES = ("Dubois, Jane", "R_11757 ingrid.halvorsen", "Marek Dvorak", "Theo Khan",
         "Ingrid Halvorsen")


def _engagement(dst):
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "survey" / "responses.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    h = rows[0]
    rows[1][h.index("team")] = "Dubois, Jane"
    rows[2][h.index("level")] = "R_11757 ingrid.halvorsen"
    rows[3][h.index("tenure")] = "Marek Dvorak"
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


def test_category_cells_are_withheld_from_kept_files(tmp_path):
    from toolkit.config import load_engagement
    from toolkit.exceptions import ValidationError
    from toolkit.intake import load_data

    eng = _engagement(tmp_path / "eng")
    try:
        load_data(load_engagement(eng))
    except ValidationError as exc:
        problems = list(exc.problems)
    else:  # pragma: no cover - the cells are invalid
        raise AssertionError("expected a validation error")
    shown = "\n".join(str(p) for p in problems)
    kept = "\n".join(p.withheld() for p in problems)
    for name in NAMES[:3]:
        assert name in shown          # the terminal says which value is wrong
        assert name not in kept       # the summary and the log do not
    assert "[value withheld]" in kept


def test_plan_cells_are_withheld(tmp_path):
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import load_plan

    src = next((SAMPLES / "followup-gap").rglob("*plan*.csv"))
    rows = list(csv.reader(src.open(newline="", encoding="utf-8")))
    h = rows[0]
    rows[1][h.index("team")] = "Theo Khan"
    rows[2][h.index("role")] = "Demand Gen Manager (Ingrid Halvorsen)"
    rows[2][h.index("weight")] = "0.9"
    p = tmp_path / "plan.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    try:
        load_plan(p)
    except ValidationError as exc:
        problems = list(exc.problems)
    else:  # pragma: no cover
        raise AssertionError("expected a validation error")
    kept = "\n".join(pr.withheld() for pr in problems)
    assert "Theo Khan" not in kept and "Ingrid Halvorsen" not in kept, kept
    assert "Theo Khan" in "\n".join(str(pr) for pr in problems)
