"""Every number read from a client's file is finite and plausible (attack 5, V1).

``1e309`` overflows to infinity after conversion (``inf``/``NaN`` as text were already
refused); a Parquet float or a spreadsheet cell can hold infinity or 1e300 directly; a plan
headcount of 10^20 people. Each is refused naming file, row and column, on every path:
the typed (Arrow) and general CSV paths, xlsx, Parquet, the plan and survey answers —
while values at the documented maxima (:data:`toolkit.schemas.MAX_AMOUNT`,
:data:`toolkit.config.MAX_HEADCOUNT`) are still accepted.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main
from toolkit.config import MAX_HEADCOUNT
from toolkit.exceptions import ValidationError
from toolkit.intake.parse import parse_ints, parse_numbers
from toolkit.schemas import MAX_AMOUNT, MAX_COUNT, MAX_SCORE, check_table

TOML = """
[client]
id = "bounds"
name = "Bounds Ltd"
currency = "USD"
period_start = 2025-01-01
period_end = 2025-12-31

[crm]
opportunities = "crm/{opps}"
marketing_sources = ["web"]

[incentives]
path = "incentives/comp_plan.csv"
attainment = 0.9
"""


def _engagement(tmp_path, amounts=None, *, fmt="csv", plan_edit=None):
    """A small engagement: the followup-gap sample's first 12 opportunities (amounts
    replaced by *amounts*, row 2 first) and its plan (edited by *plan_edit*)."""
    eng = tmp_path / "eng"
    (eng / "crm").mkdir(parents=True)
    shutil.copytree(SAMPLES / "followup-gap" / "incentives", eng / "incentives")
    opps = pd.read_csv(SAMPLES / "followup-gap" / "crm" / "opportunities.csv",
                       dtype=str, nrows=12)
    name = f"opportunities.{fmt}"
    if fmt == "csv":
        if amounts is not None:
            opps.loc[:len(amounts) - 1, "amount"] = amounts
        opps.to_csv(eng / "crm" / name, index=False)
    else:
        opps["amount"] = opps["amount"].astype(float)
        opps["is_closed"] = opps["is_closed"] == "True"
        opps["is_won"] = opps["is_won"] == "True"
        if amounts is not None:
            opps.loc[:len(amounts) - 1, "amount"] = amounts
        if fmt == "parquet":
            opps.to_parquet(eng / "crm" / name, index=False)
        else:
            opps.to_excel(eng / "crm" / name, index=False)
    if plan_edit is not None:
        plan = eng / "incentives" / "comp_plan.csv"
        plan.write_text(plan_edit(plan.read_text()))
    (eng / "engagement.toml").write_text(TOML.format(opps=name))
    return eng


def _problems(eng):
    from toolkit.intake import validate

    _, problems = validate(eng)
    return problems


def _where(problems):
    return {(p.file, p.row, p.column) for p in problems}


# --------------------------------------------------------------------------- the parser
@pytest.mark.parametrize("text", ["1e309", "-1e309", "1" + "0" * 400, "USD 1e309"])
def test_overflowing_text_is_refused_after_conversion(text):
    vals, probs = parse_numbers(pd.Series(["12", text, "7.5"], index=[2, 3, 4]),
                                column="amount", file="opps.csv")
    assert [(p.row, p.column) for p in probs] == [(3, "amount")]
    assert "not a finite number" in probs[0].message and repr(text) in probs[0].message
    assert vals.tolist()[0] == 12 and np.isnan(vals[3]) and vals[4] == 7.5
    assert np.isfinite(vals.dropna()).all()


def test_infinite_numeric_cells_are_refused():
    # a Parquet float column or a numeric frame reaches the parser as numbers
    vals, probs = parse_numbers(pd.Series([1.0, np.inf, -np.inf, np.nan], index=[2, 3, 4, 5]),
                                column="score", file="leads.parquet")
    assert [(p.row, p.column) for p in probs] == [(3, "score"), (4, "score")]
    assert vals[2] == 1.0 and vals[3:].isna().all()
    # whole-number columns (attempts, survey answers) share the check
    vals, probs = parse_ints(pd.Series(["3", "1e309"], index=[2, 3]), column="attempts",
                             file="leads.csv")
    assert [(p.row, p.column) for p in probs] == [(3, "attempts")] and vals[2] == 3


def test_overflow_in_a_long_repetitive_column_is_found():
    # more than 20,000 rows with few distinct values take the parse-each-value-once path
    s = pd.Series(["100", "250"] * 15_000, index=range(2, 30_002))
    s[17] = "1e309"
    vals, probs = parse_numbers(s, column="amount", file="opps.csv")
    assert [(p.row, p.column) for p in probs] == [(17, "amount")]
    assert np.isnan(vals[17]) and vals[2] == 100


# --------------------------------------------------------------------------- the schema
def _opps(amount):
    return pd.DataFrame({"opportunity_id": ["O1", "O2"], "created_at": pd.to_datetime(
        ["2025-01-01", "2025-01-02"]), "stage": ["Won", "Open"], "is_closed": [True, False],
        "is_won": [True, False], "amount": [1000.0, amount], "owner_id": ["a", "b"]},
        index=pd.RangeIndex(2, 4))


def test_amount_bounds_in_the_schema():
    assert check_table(_opps(MAX_AMOUNT), "opportunities", "o.csv") == []
    for bad in (MAX_AMOUNT * 10, np.inf, 1e300):
        probs = check_table(_opps(bad), "opportunities", "o.csv")
        assert [(p.row, p.column) for p in probs] == [(3, "amount")], probs
        assert "implausibly large" in probs[0].message and "1e+15" in probs[0].message
    probs = check_table(_opps(-1.0), "opportunities", "o.csv")
    assert [(p.row, p.column, p.message) for p in probs] == [(3, "amount", "negative value -1")]


def test_score_and_attempts_bounds_in_the_schema():
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3"],
                          "created_at": pd.to_datetime(["2025-01-01"] * 3),
                          "source": ["web"] * 3, "score": [-40.0, MAX_SCORE, 5.0],
                          "attempts": [0.0, 3.0, float(MAX_COUNT)]},
                         index=pd.RangeIndex(2, 5))
    assert check_table(leads, "leads", "l.csv") == []   # negative scores exist (HubSpot)
    leads.loc[3, "score"] = -MAX_SCORE * 2
    leads.loc[4, "attempts"] = MAX_COUNT + 1.0
    probs = check_table(leads, "leads", "l.csv")
    assert _where(probs) == {("l.csv", 3, "score"), ("l.csv", 4, "attempts")}
    assert all("implausibly" in p.message for p in probs)


# --------------------------------------------------------------------------- whole engagements
@pytest.mark.parametrize("amount", ["1e309", "-1e309", "1e16", "1" + "0" * 400])
def test_validate_refuses_huge_or_overflowing_csv_amounts(tmp_path, amount):
    eng = _engagement(tmp_path, ["17200", amount])
    r = CliRunner().invoke(main, ["validate", str(eng)])
    assert r.exit_code == 2, r.output
    assert "crm/opportunities.csv, row 3, column 'amount'" in r.output, r.output
    assert "Traceback" not in r.output
    assert not any(p.row == 2 for p in _problems(eng))


def test_amount_at_the_maximum_is_accepted(tmp_path):
    eng = _engagement(tmp_path, ["1000000000000000", "1e15", "999999999999999.99"])
    assert _problems(eng) == []


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
@pytest.mark.parametrize("amount", [np.inf, 1e300, MAX_AMOUNT * 1.5])
def test_parquet_and_xlsx_amounts_are_bounded(tmp_path, fmt, amount):
    eng = _engagement(tmp_path, [17200.0, amount], fmt=fmt)
    assert _where(_problems(eng)) == {(f"crm/opportunities.{fmt}", 3, "amount")}


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_parquet_and_xlsx_amounts_at_the_maximum_are_accepted(tmp_path, fmt):
    eng = _engagement(tmp_path, [17200.0, MAX_AMOUNT], fmt=fmt)
    assert _problems(eng) == []


# --------------------------------------------------------------------------- plan and survey
def _plan(tmp_path, old, new):
    from toolkit.incentives.plan import load_plan

    path = tmp_path / "plan.csv"
    text = (SAMPLES / "followup-gap" / "incentives" / "comp_plan.csv").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return lambda: load_plan(path, display_name="incentives/comp_plan.csv")


@pytest.mark.parametrize("new, column", [
    ("sales,Account Executive,99999999999999999999,", "headcount"),
    (f"sales,Account Executive,{MAX_HEADCOUNT + 1},", "headcount"),
    ("sales,Account Executive,14,1e309,", "base_salary"),
    ("sales,Account Executive,14,2e15,", "base_salary"),
    ("sales,Account Executive,14,95000.0,1e16,", "variable_target"),
])
def test_plan_refuses_absurd_headcount_and_money(tmp_path, new, column):
    old = {"headcount": "sales,Account Executive,14,", "base_salary":
           "sales,Account Executive,14,95000.0,", "variable_target":
           "sales,Account Executive,14,95000.0,95000.0,"}[column]
    with pytest.raises(ValidationError) as exc:
        _plan(tmp_path, old, new)()
    assert (("incentives/comp_plan.csv", 2, column) in _where(exc.value.problems)), \
        exc.value.problems


def test_plan_accepts_values_at_the_maxima(tmp_path):
    plan = _plan(tmp_path, "sales,Account Executive,14,95000.0,95000.0,",
                 f"sales,Account Executive,{MAX_HEADCOUNT},1e15,1e15,")()
    row = plan[plan["role"] == "Account Executive"].iloc[0]
    assert row["headcount"] == MAX_HEADCOUNT and row["base_salary"] == 1e15


def test_validate_refuses_a_plan_headcount_of_1e20_people(tmp_path):
    eng = _engagement(tmp_path, plan_edit=lambda t: t.replace(
        "sales,Account Executive,14,", "sales,Account Executive,99999999999999999999,", 1))
    r = CliRunner().invoke(main, ["validate", str(eng)])
    assert r.exit_code == 2, r.output
    assert "incentives/comp_plan.csv, row 2, column 'headcount'" in r.output, r.output
    assert "1,000,000 people" in r.output


def test_survey_answers_that_overflow_are_refused():
    from toolkit.intake.answers import map_agreement, map_frequency

    frame = pd.DataFrame({"FAIR1": ["4", "-1e309", "-99"], "FAIR2": ["1e309", "2", "3"]},
                         index=[2, 3, 4])
    res = map_agreement(frame, file="survey.csv")
    assert {(p.row, p.column) for p in res.problems} == {(3, "FAIR1"), (2, "FAIR2")}
    assert res.n_missing_codes == 1      # -99 only: -1e309 is not read as "not answered"
    _, _, probs = map_frequency(pd.Series(["daily", "-inf"], index=[2, 3]), file="s.csv")
    assert [(p.row, p.column) for p in probs] == [(3, "FREQ")]


def test_canonical_survey_item_1e309_is_refused(tmp_path):
    from toolkit.intake.canonical import type_canonical

    df = pd.DataFrame({"respondent_id": ["a", "b"], "team": ["sales", "marketing"],
                       "FAIR1": ["4", "1e309"]}, index=[2, 3])
    typed, _, probs, _ = type_canonical(df, "survey", file="survey.csv")
    assert [(p.row, p.column) for p in probs] == [(3, "FAIR1")]
    assert typed["FAIR1"].isna()[3]


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e309"])
def test_a_results_json_with_a_non_finite_number_is_refused(tmp_path, number):
    from toolkit.exceptions import InputError
    from toolkit.jsonio import load_results

    path = tmp_path / "results.json"
    path.write_text('{"client": {"id": "a"}, "toolkit_version": "0.1", '
                    f'"crm": {{"funnel": {{"won_amount": {number}}}}}}}')
    with pytest.raises(InputError, match=r"crm\.funnel\.won_amount is not finite"):
        load_results(path)
    path.write_text('{"client": {"id": "a"}, "toolkit_version": "0.1", '
                    '"crm": {"funnel": {"won_amount": 1e15}}}')
    assert load_results(path)["crm"]["funnel"]["won_amount"] == 1e15
