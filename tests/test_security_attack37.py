"""Attack 37 (money, units and clocks silently wrong): AC1 — amounts with a currency code
and no currency column failed as "unexpected TypeError"; MA1 — currencies written as symbols,
lower-case or glued codes were summed; CR1 — "usd"/"USD", and deals without an amount, made a
single-currency export "several currencies"; DY1 — Dynamics 365's base-currency amount was not
read; CM1 — CRM amounts in EUR were labelled with ``[client] currency`` USD; PL1 — a plan's
"95.000" became 95; TZ1 — lead times with UTC offsets were subtracted from activity times
without; DH1 — a ``date_order`` the file contradicts was overruled in silence."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES, intake_problems
from toolkit.config import CrmConfig
from toolkit.intake.amounts import amount_currencies, choose_amount
from toolkit.intake.base import FileIntake


@pytest.mark.parametrize("cells, found", [
    (["USD 15,500.00", "USD 9", "1,200"], ["USD"]),
    (["€15500.00", "$35000.00"], ["EUR", "USD"]),
    (["eur 15500.00", "usd 35000.00"], ["EUR", "USD"]),
    (["15500.00EUR", "35000.00 USD"], ["EUR", "USD"]),
    (["US$ 900", "$1,000"], ["USD"]),
    (["15,500.00", "(1,234.00)", None], [])])
def test_currencies_written_in_amount_cells(cells, found):
    assert amount_currencies(pd.Series(cells, dtype=object)) == found


def _choose(df, **kw):
    intake = FileIntake(table="opportunities", path="o.csv", format="x")
    args = dict(converted=(), converted_currency=(), currency=("currency",),
                converted_label=None)
    out, problems = choose_amount(df, intake, "o.csv", **{**args, **kw})
    return out, problems, intake


def test_one_currency_in_any_case_and_deals_without_amount_are_one_currency():
    df = pd.DataFrame({"Amount": ["10", "20", None, ""], "Currency": ["usd", "USD", "EUR", "EUR"]})
    _, problems, intake = _choose(df)
    assert problems == [] and intake.amount_currency == "USD"
    assert "amount: all amounts in USD" in intake.warnings
    _, problems, _ = _choose(pd.DataFrame({"Amount": ["€10", "$20"]}), currency=())
    assert [p.message for p in problems] == [
        "amounts carry several currency codes (EUR, USD); export a converted amount in one "
        "currency"]


def test_dynamics_base_currency_amount_is_read(tmp_path):
    from toolkit.intake import othercrm

    p = tmp_path / "opps.csv"
    p.write_text("(Do Not Modify) Opportunity,Topic,Status,Pipeline Phase,Close Date,Owner,"
                 "Created On,Currency,Est. Revenue,Est. Revenue (Base)\n"
                 "a1,A,Won,Close,2025-02-01,Ann,2025-01-02,Euro,100,110\n"
                 "a2,B,Open,Propose,2025-03-01,Bo,2025-01-03,US Dollar,200,200\n",
                 encoding="utf-8")
    r = othercrm.import_dynamics365(p, "opportunities", CrmConfig(), display_path="opps.csv")
    assert r.problems == []
    assert r.table["amount"].tolist() == [110.0, 200.0]
    assert "Est. Revenue" in r.intake.columns_unmatched


def _real_exports(tmp_path, currency: str):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", eng)
    p = eng / "crm" / "opportunities.csv"
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    ci = rows[0].index("Amount Currency")
    for r in rows[1:]:
        if len(r) == len(rows[0]):
            r[ci] = currency
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return eng


def test_crm_amounts_in_another_currency_than_the_clients_are_a_problem(tmp_path):
    eng = _real_exports(tmp_path, "EUR")
    (p,) = [p for p in intake_problems(eng) if "[client] currency" in p.message]
    assert p.file == "crm/opportunities.csv"
    assert p.message == ("the amounts are in EUR but [client] currency is USD, which the "
                         "report would label them with; set currency = \"EUR\" in "
                         "engagement.toml (or export the amounts in USD)")


def test_a_dot_grouped_plan_number_is_a_problem():
    from toolkit.exceptions import ValidationError
    from toolkit.incentives.plan import validate_plan

    raw = pd.read_csv(SAMPLES / "well-aligned/incentives/comp_plan.csv", dtype=str,
                      keep_default_na=False)
    raw.index = range(2, len(raw) + 2)
    raw.loc[2, "base_salary"] = "95.000"
    raw.loc[3, "headcount"] = "1.000"
    with pytest.raises(ValidationError) as err:
        validate_plan(raw, file="incentives/comp_plan.csv")
    got = {(p.row, p.column) for p in err.value.problems if "grouped by dots" in p.message}
    assert got == {(2, "base_salary"), (3, "headcount")}
    raw.loc[2, "base_salary"], raw.loc[3, "headcount"] = "95000", "15"
    assert validate_plan(raw).loc[2, "base_salary"] == 95000.0


def test_lead_and_activity_times_must_agree_on_utc_offsets():
    from toolkit.intake.crossfile import clock, offset_problems

    assert clock(pd.Series(["2025-03-01T10:00:00-08:00", None])) == "offset"
    assert clock(pd.Series(["2025-03-01T10:00:00Z"])) == "offset"
    assert clock(pd.Series(["3/14/2025 10:00 AM", "2025-03-01 09:30"])) == "local"
    assert clock(pd.Series(["2025-03-01", "3/14/2025"])) is None     # dates: no clock
    assert clock(pd.Series(pd.to_datetime(["2025-03-01 10:00"]))) == "local"
    assert clock(pd.Series(pd.to_datetime(["2025-03-01"]))) is None

    def rec(table, path, clocks):
        r = FileIntake(table=table, path=path, format="canonical")
        r.clocks = clocks
        return r

    leads = rec("leads", "crm/leads.csv", {"created_at": "offset"})
    acts = rec("activities", "crm/activities.csv", {"occurred_at": "local"})
    (p,) = offset_problems([leads, acts])
    assert (p.file, p.column) == ("crm/activities.csv", "occurred_at")
    assert "crm/leads.csv (created_at) gives one" in p.message
    assert offset_problems([leads, rec("activities", "a.csv", {"occurred_at": "offset"})]) == []
    assert offset_problems([rec("leads", "l.csv", {"created_at": "local"}), acts]) == []
    # date-only columns are on no clock (a Data Loader ConvertedDate beside CreatedDate "Z")
    assert offset_problems([rec("leads", "l.csv", {"created_at": "offset"}),
                            rec("opportunities", "o.csv", {})]) == []


def test_a_date_order_the_file_contradicts_is_named():
    from toolkit.intake.crmbuild import type_columns

    df = pd.DataFrame({"lead_id": ["L1", "L2"], "created_at": ["11/23/2024", "10/5/2024"],
                       "mql_at": ["10/5/2024", "3/4/2024"]}, index=[2, 3])
    intake = FileIntake(table="leads", path="leads.csv", format="x")
    out, problems = type_columns(df, "leads", intake=intake, file="leads.csv",
                                 date_order="day-first")
    assert problems == []
    assert out["mql_at"].tolist() == [pd.Timestamp("2024-10-05"), pd.Timestamp("2024-03-04")]
    assert ("[crm] date_order = 'day-first' is not how this file writes its dates: its date "
            "columns prove month-first, which is how they are read") in intake.warnings
    assert any("like the other date columns of this file" in w for w in intake.warnings)
