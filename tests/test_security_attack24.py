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

    from toolkit.intake.amounts import currency_named as _currency_named

    assert _currency_named("EUR", pd.Series(["EUR"], index=[2])) == "EUR"
    assert _currency_named("eur x", pd.Series(["eur x"], index=[2])) == \
        "a value that is not a currency code (row 2 of the export)"


def test_number_cells_are_withheld_as_shown():
    """WH1: a number cell was quoted as '114691234567.0' and shown as 114691234567, so the
    kept files kept it; an answer such as 48.8566 was not marked as quoted at all."""
    import pandas as pd

    from toolkit.exceptions import Problem
    from toolkit.intake.answers import map_agreement

    p = Problem("f.csv", "value 114691234567 is implausibly large; answer 7 is outside the "
                "1..5 scale; got 7.", quoted=("114691234567.0", "114691234567", "7"))
    assert p.withheld().count("[value withheld]") == 3 and "1..5" in p.withheld()
    res = map_agreement(pd.DataFrame({"FAIR1": ["3", "48.8566", "2"]}, index=[4, 5, 6]),
                        file="s.csv")
    kept = " ".join(pr.withheld() for pr in res.problems)
    assert res.problems and "48.8566" not in kept and "[value withheld]" in kept


def test_schema_number_cells_are_withheld(tmp_path):
    from toolkit.config import load_engagement
    from toolkit.exceptions import ValidationError
    from toolkit.intake import load_data

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "crm" / "leads.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    num_col = next(c for c in ("score", "lead_score", "amount") if c in rows[0])
    rows[3][rows[0].index(num_col)] = "114691234567"
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    try:
        load_data(load_engagement(dst))
    except ValidationError as exc:
        kept = " ".join(pr.withheld() for pr in exc.problems)
        shown = " ".join(str(pr) for pr in exc.problems)
    else:  # pragma: no cover
        raise AssertionError("expected a validation error")
    assert "114691234567" in shown and "114691234567" not in kept


def test_identifier_columns_the_platform_does_not_list_are_ids():
    """EI1: embedded data "EmployeeID", "Staff ID", "Custom Data 3", "Custom Variable 1"."""
    import pandas as pd

    from toolkit.intake.surveybuild import SurveyExport, identifier_values

    df = pd.DataFrame({"EmployeeID": ["E-12010"], "Staff ID": ["ST5010Q"],
                       "Custom Data 3": ["Ziggurat3son"], "Custom Variable 1": ["CV-9003-ZZ"],
                       "Q1": ["Agree"], "ResponseId": ["R_1"]})
    ex = SurveyExport(df=df, texts={}, id_column="ResponseId", personal=[])
    assert identifier_values(ex) == ["CV-9003-ZZ", "E-12010", "ST5010Q", "Ziggurat3son"]


def test_hidden_group_labels_are_redacted_as_comments_are():
    """RG1: the label of a hidden group (a free-text region typed by one person) kept a
    phone number and a name's single part."""
    from toolkit.privacy_report import redact_results

    recs = [{"where": "survey.heatmap.region", "group": g, "reason": "below_threshold"}
            for g in ("Okafor", "+44 20 7946 0958", "remote, ask Thandiwe", "APAC")]
    res = {"data": {"suppressed": recs}, "survey": {"suppressed": list(recs)}}
    out = redact_results(res, ["Thandiwe Okafor"])
    groups = [r["group"] for r in out["data"]["suppressed"]]
    assert groups == ["[name removed]", "[phone removed]", "remote, ask [name removed]", "APAC"]
