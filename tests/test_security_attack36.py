"""Attack 36 (columns the importers read, and amounts): HC1 — a HubSpot deals export with
``Amount`` in each deal's currency (JPY and USD) and ``Amount in company currency`` summed yen
and dollars without a word; CV1 / CC1 — a Salesforce ``Amount (Converted)`` or ``Amount
Currency`` written twice was read from its first copy (the currency check never saw the
second); TL1 — two columns an importer reads as one field ("Original Source" and "Lead
Source") were decided by column order in silence; PQ1 — a Parquet field written twice was
"a damaged file"."""

from __future__ import annotations

import csv

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from toolkit.config import CrmConfig
from toolkit.intake import hubspot, salesforce


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


DEAL_HEAD = ["Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner",
             "Deal currency code", "Amount", "Create Date"]
DEALS = [["9", "A", "Closed Won", "2025-04-01", "Jo Rep", "JPY", "2325000", "2025-03-01"],
         ["10", "B", "Closed Won", "2025-04-02", "Jo Rep", "USD", "35000", "2025-03-02"],
         ["11", "C", "Closed Lost", "2025-04-03", "Jo Rep", "JPY", "13080000", "2025-03-03"]]


def test_hubspot_reads_the_company_currency_amount(tmp_path):
    usd = ["15500", "35000", "87200"]
    p = _csv(tmp_path / "deals.csv", [DEAL_HEAD + ["Amount in company currency"]]
             + [r + [u] for r, u in zip(DEALS, usd)])
    r = hubspot.import_crm_table(p, "opportunities", CrmConfig(), display_path="deals.csv")
    assert r.problems == []
    assert r.table["amount"].tolist() == [15500.0, 35000.0, 87200.0]
    assert r.intake.columns_mapped["Amount in company currency"] == "amount"
    assert "Amount" in r.intake.columns_unmatched
    assert "amount: 'Amount in company currency' used (corporate currency)" in r.intake.warnings


def test_hubspot_deals_in_several_currencies_without_a_converted_amount_are_refused(tmp_path):
    p = _csv(tmp_path / "deals.csv", [DEAL_HEAD] + DEALS)
    r = hubspot.import_crm_table(p, "opportunities", CrmConfig(), display_path="deals.csv")
    (prob,) = r.problems
    assert (prob.file, prob.column) == ("deals.csv", "Deal currency code")
    assert prob.message == ("amounts are in several currencies (JPY 2, USD 1); add 'Amount in "
                            "company currency' to the export so that one currency is used, or "
                            "export one currency per file")
    one = _csv(tmp_path / "one.csv", [DEAL_HEAD] + [r[:5] + ["USD"] + r[6:] for r in DEALS])
    r = hubspot.import_crm_table(one, "opportunities", CrmConfig(), display_path="one.csv")
    assert r.problems == [] and "amount: all amounts in USD" in r.intake.warnings


SF_HEAD = ["Opportunity ID", "Opportunity Name", "Stage", "Amount Currency", "Amount",
           "Amount (Converted) Currency", "Amount (Converted)", "Created Date", "Close Date",
           "Opportunity Owner"]
SF = [["0061", "JPY TEST", "Closed Won", "JPY", "10,000", "USD", "83.86", "3/14/2025",
       "3/20/2025", "Ann"],
      ["0062", "USD TEST", "Negotiation", "USD", "10,000.00", "USD", "10,000.00", "3/15/2025",
       "6/30/2025", "Bo"]]


def test_salesforce_amount_columns_written_twice_are_refused(tmp_path):
    for col, copy in (("Amount (Converted)", ["838.60", "100,000.00"]),
                      ("Amount (Converted) Currency", ["USD", "EUR"]),
                      ("Amount Currency", ["USD", "EUR"])):
        p = _csv(tmp_path / "o.csv", [SF_HEAD + [col]] + [r + [v] for r, v in zip(SF, copy)])
        r = salesforce.import_crm_table(p, "opportunities", CrmConfig(), display_path="o.csv")
        probs = [x for x in r.problems if "more than once" in x.message]
        assert [(x.file, x.column) for x in probs] == [("o.csv", col)], r.problems
        assert probs[0].message == ("column name appears more than once (it decides which "
                                    "amounts and currency are read); keep one")
    # the original amount written twice is not read once a converted amount is there
    p = _csv(tmp_path / "o.csv", [SF_HEAD + ["Amount"]] + [r + ["1"] for r in SF])
    r = salesforce.import_crm_table(p, "opportunities", CrmConfig(), display_path="o.csv")
    assert r.problems == [] and r.table["amount"].tolist() == [83.86, 10000.0]


def test_two_columns_read_as_one_field_that_differ_are_named(tmp_path):
    head = ["Record ID", "Create Date", "Lifecycle Stage", "Contact owner", "Original Source",
            "Lead Source"]
    rows = [["101", "2025-03-01 10:00", "lead", "Jo Rep", "Organic Search", "Referral"],
            ["102", "2025-03-03 11:00", "lead", "Jo Rep", "PAID_SEARCH", "PAID_SEARCH"],
            ["103", "2025-03-04 11:00", "lead", "Jo Rep", "", "Referral"]]
    p = _csv(tmp_path / "contacts.csv", [head] + rows)
    r = hubspot.import_crm_table(p, "leads", CrmConfig(), display_path="contacts.csv")
    assert r.table["source"].tolist()[:2] == ["organic_search", "paid_search"]
    assert ("columns 'Original Source' and 'Lead Source' could both be read as 'source' and "
            "differ on 2 row(s); 'Original Source' is used — set [crm] columns.leads to use "
            "the other") in r.intake.warnings
    same = _csv(tmp_path / "same.csv", [head] + [x[:5] + [x[4]] for x in rows])
    r = hubspot.import_crm_table(same, "leads", CrmConfig(), display_path="same.csv")
    assert not any("could both be read" in w for w in r.intake.warnings)


def test_a_parquet_field_written_twice_is_named(tmp_path):
    from toolkit.exceptions import ValidationError
    from toolkit.intake.reader import read_table

    t = pa.table([pa.array(["L1", "L2"]), pa.array(["web", "event"]), pa.array(["a", "b"])],
                 names=["lead_id", "source", "source"])
    p = tmp_path / "leads.parquet"
    pq.write_table(t, p)
    try:
        read_table(p, display_path="crm/leads.parquet")
    except ValidationError as err:
        (prob,) = err.problems
    else:
        raise AssertionError("a duplicated Parquet field was read")
    assert (prob.file, prob.column, prob.row) == ("crm/leads.parquet", "source", None)
    assert prob.message == "column name appears more than once; keep one"
    assert pd.isna(prob.row)


def test_pipedrive_deals_in_several_currencies_are_refused(tmp_path):
    from toolkit.intake import othercrm

    p = tmp_path / "deals.csv"
    p.write_text("Deal - ID,Deal - Title,Deal - Value,Deal - Currency of value,Deal - Stage,"
                 "Deal - Status,Deal - Owner,Deal - Deal created,Deal - Expected close date\n"
                 "1,A,100,EUR,Negotiation,won,Ann,2025-01-02 10:00:00,2025-02-01\n"
                 "2,B,20000,JPY,Proposal,open,Bo,2025-01-03 10:00:00,2025-03-01\n",
                 encoding="utf-8")
    r = othercrm.import_pipedrive(p, "opportunities", CrmConfig(), display_path="deals.csv")
    (prob,) = r.problems
    assert (prob.column, prob.message) == (
        "Deal - Currency of value",
        "amounts are in several currencies (EUR 1, JPY 1); export one currency per file")
