"""Attack 24, CU1: the Salesforce currency checks quoted raw ``Amount Currency`` cells — the
"several currencies" problem into batch-summary.csv and run.log, the one-currency warning
into the report ("All deal amounts are in <cell>"). The problems now record the cells they
quote (withheld in kept files, as every other problem's cells are); the warning names a cell
that is not a currency code by its row."""

from __future__ import annotations

import csv
import json
import shutil

from tests.conftest import SAMPLES

PLANT = ["Vera Kowalski", "v.kowalski@wingtip.example", "198.51.100.77", "R_38746"]


def _engagement(tmp_path, values):
    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    p = dst / "crm" / "opportunities.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    ci = rows[0].index("Amount Currency")
    for r in rows[1:]:
        if len(r) > ci and len(values) == 1:
            r[ci] = values[0]
    for k, v in enumerate(values if len(values) > 1 else []):
        rows[3 + k][ci] = v
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return dst


def test_several_currencies_problem_withholds_the_cells(tmp_path):
    from toolkit.config import load_engagement
    from toolkit.exceptions import ValidationError
    from toolkit.intake import load_data

    eng = _engagement(tmp_path, PLANT)
    try:
        load_data(load_engagement(eng))
    except ValidationError as exc:
        problems = list(exc.problems)
    else:  # pragma: no cover - mixed currencies block the run
        raise AssertionError("expected a validation error")
    shown = "\n".join(str(p) for p in problems)
    kept = "\n".join(p.withheld() for p in problems)
    assert "several currencies" in kept and "[value withheld]" in kept
    for v in PLANT:
        assert v in shown            # the terminal says what is wrong
        assert v not in kept         # batch-summary.csv and run.log do not


def test_one_currency_that_is_no_code_is_named_by_its_rows(tmp_path):
    from toolkit.pipeline import analyse_folder

    eng = _engagement(tmp_path, ["Vera Kowalski"])
    res = analyse_folder(eng)
    text = json.dumps(res, ensure_ascii=False)
    assert "Kowalski" not in text
    assert any("all amounts in a value that is not a currency code (rows 2, 3, 4" in w
               for w in res["data"]["warnings"])


def test_a_currency_code_is_still_named():
    import pandas as pd

    from toolkit.intake.salesforce import _currency_named

    assert _currency_named("EUR", pd.Series(["EUR"], index=[2])) == "EUR"
    assert _currency_named("eur x", pd.Series(["eur x"], index=[2])) == \
        "a value that is not a currency code (row 2 of the export)"
