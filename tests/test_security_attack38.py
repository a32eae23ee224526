"""Attack 38: CB1 — currencies named in amount cells were not checked where the export has
a currency column ("€ 15500.00" on rows whose currency cell is blank, or says USD); TZ2 — the
UTC-offset check compared only a lead's creation with its activities (an offset on ``mql_at``
alone moved the speed figures); PC1 — a plan's salaries in two currencies were summed,
"95,000 USD" was not a number, "0,125" was read as 125."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import SAMPLES, intake_problems
from toolkit.intake.amounts import choose_amount
from toolkit.intake.base import FileIntake


def _choose(df):
    intake = FileIntake(table="opportunities", path="o.csv", format="x")
    out, problems = choose_amount(df, intake, "o.csv", converted=(), converted_currency=(),
                                  currency=("currency",), converted_label=None)
    return problems, intake


def test_currencies_in_amount_cells_are_checked_beside_a_currency_column():
    (p,) = _choose(pd.DataFrame({"Amount": ["€ 15500.00", "35000", "900"],
                                 "Currency": ["", "USD", "USD"]}))[0]
    assert (p.column, p.message) == ("Amount", "amounts are in several currencies (EUR, USD): "
                                     "the amount cells name EUR and the currency column USD; "
                                     "export one currency per file")
    (p,) = _choose(pd.DataFrame({"Amount": ["€ 15500.00", "$35000"], "Currency": ["", ""]}))[0]
    assert p.message.startswith("amounts are in several currencies (EUR, USD)")
    problems, intake = _choose(pd.DataFrame({"Amount": ["USD 15500.00", "35000"],
                                             "Currency": ["USD", "USD"]}))
    assert problems == [] and intake.amount_currency == "USD"
    problems, intake = _choose(pd.DataFrame({"Amount": ["€ 15500.00", "35000"],
                                             "Currency": ["", ""]}))
    assert problems == [] and intake.amount_currency == "EUR"


def test_an_offset_on_any_crm_time_column_must_match_the_others(tmp_path):
    import shutil

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "well-aligned", eng)
    p = eng / "crm" / "leads.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["mql_at"] = df["mql_at"].where(df["mql_at"] == "", df["mql_at"] + "-08:00")
    df.to_csv(p, index=False)
    (prob,) = [x for x in intake_problems(eng) if "UTC offset" in x.message]
    assert prob.file == "crm/leads.csv" and prob.column == "created_at"
    assert "but crm/leads.csv (mql_at) gives one" in prob.message


def _plan(cells: dict):
    raw = pd.read_csv(SAMPLES / "well-aligned/incentives/comp_plan.csv", dtype=str,
                      keep_default_na=False)
    raw.index = range(2, len(raw) + 2)
    for (row, col), value in cells.items():
        raw.loc[row, col] = value
    return raw


def test_plan_money_in_one_currency_codes_and_decimal_commas():
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import validate_plan

    with pytest.raises(ValidationError) as err:
        validate_plan(_plan({(2, "base_salary"): "$95,000", (3, "base_salary"): "€85,000"}),
                      file="incentives/comp_plan.csv")
    (p,) = [p for p in err.value.problems if "several currencies" in p.message]
    assert (p.column, p.message) == ("base_salary", "salaries and targets are in several "
                                     "currencies (EUR, USD); write them in one currency")
    out = validate_plan(_plan({(2, "base_salary"): "95,000 USD",
                               (2, "commission_rate"): "0,08"}))
    assert out.iloc[0]["base_salary"] == 95000.0 and out.iloc[0]["commission_rate"] == 0.08
    assert out.attrs["currency"] == "USD"


def test_a_plan_in_another_currency_than_the_clients_is_a_problem(tmp_path):
    import shutil

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "well-aligned", eng)
    p = eng / "incentives" / "comp_plan.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["base_salary"] = "€" + df["base_salary"]
    df.to_csv(p, index=False)
    (prob,) = [x for x in intake_problems(eng) if "[client] currency" in x.message]
    assert prob.file == "incentives/comp_plan.csv"
    assert prob.message.startswith("the amounts are in EUR but [client] currency is USD")


def test_a_column_mixing_offsets_is_left_to_its_own_warning():
    from toolkit.intake.crossfile import clock

    assert clock(pd.Series(["2025-01-05T09:00:00", "2025-01-07T08:00:00+01:00"])) == "mixed"
