"""aggregates.xlsx reads as a client document: title sheet, formats, plain labels, sorting."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import SAMPLES
from toolkit.workbook import write_workbook

PLUMBING = re.compile(r"\b(FAIR|TRUST|CONF|SUPP|SHARE|RINT|RFAIR|BIDIR|QUAL|DEFN|FEED|MAT|REFF)"
                      r"\d*\b|CLAIM_|\b(survey|crm|incentives|verdict|scores)\.[a-z_]+|"
                      r"not_supported|not_assessed|_won\b|\(R\)$")


@pytest.fixture(scope="module")
def results():
    from toolkit.pipeline import analyse_folder

    return json.loads(json.dumps(analyse_folder(SAMPLES / "followup-gap")))


@pytest.fixture(scope="module")
def wb(results, tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "aggregates.xlsx"
    write_workbook(results, path, practice="Northstar Advisory")
    return load_workbook(path)


def _header(ws):
    return [c.value for c in ws[4]]


def _rows(ws):
    return [[c for c in row] for row in ws.iter_rows(min_row=5) if row[0].value is not None]


def test_title_sheet_names_client_period_and_every_sheet(wb, results):
    about = wb["About"]
    text = [c.value for row in about.iter_rows() for c in row if c.value]
    assert wb.sheetnames[0] == "About"
    assert text[0].startswith(results["client"]["name"]) and "Confidential" in text[1]
    assert "1 January 2025 to 31 December 2025" in text and "Northstar Advisory" in text
    assert "15 January 2026" in text   # the data's extract date: how old the figures are
    links = {c.value: c.hyperlink.location if c.hyperlink.location else c.hyperlink.target
             for row in about.iter_rows() for c in row if c.hyperlink}
    assert set(links) == set(wb.sheetnames[1:])
    for ws in wb.worksheets:
        assert "Confidential" in ws.oddFooter.left.text and ws.page_setup.orientation == \
            "landscape"


def test_percentages_money_and_scores_are_formatted(wb, results):
    part = {r[0].value: r for r in _rows(wb["Participation"])}
    cell = part["Sales side"][3]
    assert cell.number_format == "0%" and cell.value == pytest.approx(
        results["survey"]["participation"]["by_side"]["sales"]["rate"])
    inc = {r[0].value: r[1] for r in _rows(wb["Incentives"])}
    won = inc["Won revenue"]
    assert won.value == pytest.approx(results["incentives"]["split"]["deals"]["won_revenue"])
    assert won.number_format == '"USD" #,##0'
    assert inc["Variable pay on shared outcomes, marketing side"].number_format == "0%"
    scores = {r[0].value: r[1].value for r in _rows(wb["Scores"])}
    assert scores["Overall alignment"] == round(results["scores"]["overall"])
    assert isinstance(scores["Overall alignment"], int)


def test_funnel_by_source_sorted_with_rates(wb, results):
    ws = wb["Funnel by source"]
    head = _header(ws)
    rows = _rows(ws)
    by = results["crm"]["funnel"]["by_source"]
    leads = [r[head.index("Leads")].value for r in rows]
    assert leads == sorted(leads, reverse=True) and len(rows) == len(by)
    col = head.index("Accepted by sales → sales-qualified")
    web = next(r for r in rows if r[0].value == "Web")
    assert web[col].value == pytest.approx(by["web"]["rates"]["sal_to_sql"]["rate"])
    assert web[col].number_format == "0%"
    assert web[head.index("Marketing-sourced")].value == "Yes"
    lw = web[head.index("Lead → won")].value
    assert lw == pytest.approx(by["web"]["counts"]["won"] / by["web"]["counts"]["leads"])


def test_plain_labels_everywhere(wb):
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    bad = [t for t in texts if PLUMBING.search(t)]
    assert not bad, bad[:5]
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows()
               for c in row)


def test_rejection_reasons_most_common_first(wb, results):
    rows = _rows(wb["Rejection reasons"])
    n = [r[1].value for r in rows]
    assert n == sorted(n, reverse=True) and rows[0][2].number_format == "0%"
    assert sum(n) == results["crm"]["handoff"]["n_with_reason"]


def test_gap_statements_flag_unhealthy_agreement(wb, results):
    # the instrument's own wording decides: blame claims and conflict items are unhealthy
    # when agreed although they are not reverse-keyed; reverse-keyed items are too
    ws = wb["Perception gaps"]
    head = _header(ws)
    col = head.index("Agreeing is unhealthy")
    flags = {r[1].value: r[col].value for r in _rows(ws)}
    items = results["survey"]["items"]
    expect = {}
    for code, e in items.items():
        if e["gap"] is None:
            continue
        unhealthy = code.startswith(("CONF", "CLAIM_LEADS", "CLAIM_FOLLOW")) or e["reverse"]
        expect[re.sub(r"\s*\(R\)$", "", e["label"])] = "Yes" if unhealthy else "No"
    assert flags == expect
    assert flags["Marketing leads not worth working"] == "Yes"
    assert flags["Sales gives up too early"] == "Yes"
    assert "No" in flags.values()


def test_one_pay_term_as_in_the_report(wb):
    # marketing's reward is its share of the commission paid on won deals (report, deck);
    # "variable pay" names only the on-target pay that rides on shared outcomes or by role
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    won = [t for t in texts if re.search(r"variable pay", t, re.I) and re.search(r"\bwon\b", t)]
    assert not won, won
    inc = {r[0].value: r[1].value for r in _rows(wb["Incentives"])}
    assert inc["Share of the commission paid on won deals that marketing earns"] == 0
    assert inc["Commission paid on won deals, sales"] == pytest.approx(884510)


def test_reliability_and_recommendation_columns_in_plain_words(wb, results):
    """Partner review 16c: "Reliability (Cronbach's alpha)" becomes what it measures, and
    each action says what it fixes (an SLA is sales follow-up, not "communication")."""
    ws = wb["Survey ratings"]
    head = _header(ws)
    assert head[-1] == "How consistently the statements agree (0–1)"
    assert not [h for h in head if "Cronbach" in str(h)]
    alpha = {r[0].value: r[-1].value for r in _rows(ws)}
    assert alpha["Trust"] == pytest.approx(results["survey"]["scales"]["TRUST"]["alpha"])
    rec = wb["Recommendations"]
    assert _header(rec)[2] == "What it fixes"
    fixes = {r[1].value.split(":")[0]: r[2].value for r in _rows(rec)}
    assert fixes["Enforce the 24-hour lead-response SLA"] == "Sales follow-up"
