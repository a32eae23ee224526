"""Attack 39: CQ1 — any three letters beside a digit were a "currency": the start of an
e-mail address in an amount cell ("ida1@…" → IDA) or a name in a plan cell ("Ben 95000" →
BEN, read as 95000) became the amounts' currency, and the check against [client] currency
quoted it into batch-summary.csv and run.log; only ISO 4217 codes are currencies now. PN1 —
a plan's "95.000,00 €" (the German and French way) was not a number."""

from __future__ import annotations

import pandas as pd

from toolkit.intake.amounts import amount_currencies, choose_amount, iso_codes
from toolkit.intake.base import FileIntake


def test_only_iso_codes_are_currencies():
    assert {"USD", "EUR", "JPY", "CHF"} <= iso_codes() and not {"IDA", "BEN"} & iso_codes()
    cells = pd.Series(["ida1@wingtip-supply.com", "Ben 95000", "12,000", "EUR 5"])
    assert amount_currencies(cells) == ["EUR"]
    intake = FileIntake(table="opportunities", path="o.csv", format="x")
    _, problems = choose_amount(pd.DataFrame({"Amount": ["10", "20"], "Currency": ["Ida", "Ida"]}),
                                intake, "o.csv", converted=(), converted_currency=(),
                                currency=("currency",), converted_label=None)
    assert problems == [] and intake.amount_currency is None   # no currency, none quoted
    assert any("not a currency code (rows" in w for w in intake.warnings)


def test_plan_numbers_with_codes_names_and_european_grouping():
    from toolkit.incentives.plan import _parse_number

    num, bad = _parse_number(pd.Series(["Ben 95000", "95,000 USD", "usd 1,200", "95.000,00 €",
                                        "1.234.567", "0,125"]), percent=False)
    assert bad.tolist() == [True, False, False, False, False, False]
    assert num.tolist()[1:] == [95000.0, 1200.0, 95000.0, 1234567.0, 0.125]
