"""Revenue at stake (SPEC §4.2, toolkit/crm/stake.py): a bounded estimate.

Pinned by hand on a frame small enough to follow on paper, and by an invariant checked on
generated engagements, including one where reps drop the weaker leads (which makes the
Kaplan–Meier projection optimistic): the leads given up on are never credited with more than
the comparable leads that were kept on actually achieved, and never win at more than the
funnel's own SQL → won rate — so the figure never exceeds what the funnel can hold.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.crm import measure_crm

T = pd.Timestamp
BASE = T("2025-02-01")
EXTRACT = T("2025-06-30")


def _hand_frame():
    """20 comparable leads (marketing, first touched 1 h after MQL) on the attempt clock:

    * 2 convert at attempt 1;
    * 3 convert at attempt 2, 5 are given up after attempt 2;
    * 3 convert at attempt 3, 7 are followed to attempt 6 without converting.

    Life table: at risk 20, 18, 10, 7, 7, 7; conversions 2, 3, 3, 0, 0, 0.
    S(1) = 18/20 = 0.9; S(6) = 0.9 × 15/18 × 7/10 = 0.525.
    Projection: p0 = 1 − 0.525 = 0.475; p1 = 1 − 0.525/0.9 = 0.41667.
    Ceiling (observed among the comparable leads kept on): converted or second attempt =
    all 20, 8 converted → c0 = 0.4; second attempt = 18, 6 converted → c1 = 1/3.
    Given up on: 5 untouched + 3 dropped after one attempt (touched late, 48 h); left out:
    2 untouched leads rejected by sales, 1 untouched lead whose SLA runs out after the extract.
    Deals: the 8 converted leads have opportunities, 4 won (1,000, 3,000, 5,000, 9,000):
    SQL → won = 4/8, median won deal 4,000, won revenue 18,000.
    """
    rows = [(1, True)] * 2 + [(2, True)] * 3 + [(2, False)] * 5 + [(3, True)] * 3 \
        + [(6, False)] * 7
    recs = [{"attempts": float(a), "conv": c, "touch_h": 1.0} for a, c in rows]
    recs += [{"attempts": 0.0, "conv": False}] * 5
    recs += [{"attempts": 1.0, "conv": False, "touch_h": 48.0}] * 3
    recs += [{"attempts": 0.0, "conv": False, "rejected": True}] * 2
    recs += [{"attempts": 0.0, "conv": False, "recent": True}]
    n = len(recs)
    start = [EXTRACT - pd.Timedelta(hours=2) if r.get("recent") else BASE for r in recs]
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(n)], "created_at": start, "mql_at": start,
        "source": "web", "attempts": [r["attempts"] for r in recs],
        "first_touch_at": [s + pd.Timedelta(hours=r["touch_h"]) if "touch_h" in r else pd.NaT
                           for s, r in zip(start, recs)],
        "rejected_at": [BASE + pd.Timedelta(days=1) if r.get("rejected") else pd.NaT
                        for r in recs],
        "sql_at": [BASE + pd.Timedelta(days=3) if r["conv"] else pd.NaT for r in recs]})
    conv_ids = [f"L{i}" for i, r in enumerate(recs) if r["conv"]]
    opps = pd.DataFrame({"opportunity_id": [f"O{i}" for i in range(8)], "lead_id": conv_ids,
                         "created_at": T("2025-03-01"), "is_closed": True,
                         "is_won": [True] * 4 + [False] * 4,
                         "amount": [1000.0, 3000.0, 5000.0, 9000.0] + [50_000.0] * 4})
    return leads, opps


def test_revenue_at_stake_by_hand_ceiling_binds():
    leads, opps = _hand_frame()
    r = measure_crm(leads, opps, settings=AnalysisSettings(), marketing_sources=["web"],
                    extract_date=EXTRACT)
    st = r["revenue_at_stake"]
    assert (st["leads_untouched"], st["leads_single_attempt"], st["leads"]) == (5, 3, 8)
    assert st["excluded"] == {"rejected": 2, "within_sla_at_extract": 1}
    ec = st["expected_conversion"]["marketing"]
    assert ec["projected_untouched"] == pytest.approx(0.475)
    assert ec["projected_after_one_attempt"] == pytest.approx(1 - 0.525 / 0.9)
    assert ec["ceiling_untouched"] == {"rate": pytest.approx(0.4), "k": 8, "n": 20}
    assert ec["ceiling_after_one_attempt"] == {"rate": pytest.approx(1 / 3), "k": 6, "n": 18}
    assert ec["untouched"] == pytest.approx(0.4) and ec["after_one_attempt"] == \
        pytest.approx(1 / 3)
    assert st["capped"] is True
    assert st["revenue_basis"] == "cohort"
    assert st["sql_to_won"] == {"rate": pytest.approx(0.5), "won": 4, "sql": 8}
    assert st["median_won_amount"] == 4000.0 and st["won_revenue"] == 18_000.0
    assert st["expected_sqls"] == pytest.approx(5 * 0.4 + 3 / 3)                # 3.0
    assert st["expected_sqls_projected"] == pytest.approx(5 * 0.475 + 3 * (1 - 0.525 / 0.9))
    assert st["expected_won_deals"] == pytest.approx(1.5)
    assert st["amount"] == pytest.approx(6000.0)                                # 3 × ½ × 4,000
    assert st["projection_amount"] == pytest.approx(3.625 * 0.5 * 4000)         # 7,250
    assert st["ci_low"] <= st["amount"] <= st["ci_high"]
    assert any("up to 6 attempts" in a for a in st["assumptions"])
    json.dumps(st, allow_nan=False)


def test_unlinked_deals_fall_back_to_opportunities_created_in_the_period():
    leads, opps = _hand_frame()
    opps = opps.drop(columns="lead_id")
    r = measure_crm(leads, opps, settings=AnalysisSettings(), marketing_sources=["web"],
                    extract_date=EXTRACT, period_start="2025-01-01", period_end="2025-12-31")
    st = r["revenue_at_stake"]
    assert st["revenue_basis"] == "opportunities"
    assert st["sql_to_won"] == {"rate": pytest.approx(0.5), "won": 4, "sql": 8}
    assert st["amount"] == pytest.approx(6000.0)
    assert any("closed opportunities created in the period" in a for a in st["assumptions"])


def _observed(tables, st):
    """Independent check of the bound: the comparable leads kept on, counted in plain pandas."""
    from toolkit.crm.derive import lead_frame, select_cohort
    from toolkit.generate.crm import EXTRACT_DATE
    cohort, _ = select_cohort(tables["leads"], "2025-01-01", "2025-12-31")
    f, _ = lead_frame(cohort, tables["opportunities"], tables["activities"],
                      extract_date=pd.Timestamp(EXTRACT_DATE),
                      marketing_sources=["web", "webinar", "paid_search", "event", "content"])
    h = f[f["handed"]]
    comp = h[h["touched"] & (h["hours_to_touch"] <= 24) & (h["attempts"] >= 1)]
    best = 0.0
    for g in ("marketing", "other"):
        c = comp[comp[g]]
        kept = c[c["converted"] | (c["attempts"] >= 2)]
        best = max(best, kept["converted"].mean())
    return h, best


@pytest.mark.parametrize("profile,seed", [("followup-gap", 11), ("lead-quality", 12),
                                          ("well-aligned", 13), ("followup-gap", 14)])
def test_never_more_than_the_funnel_holds(profile, seed):
    from toolkit.generate import generate_tables
    from toolkit.generate.crm import EXTRACT_DATE
    t = generate_tables(profile, seed=seed, n_respondents=20, n_leads=3000)
    if seed == 14:
        # reps drop the weaker leads: after one unanswered attempt, low-score leads get no
        # second attempt — informative censoring, which makes the projection optimistic
        t = _drop_weak_leads(t)
    crm = measure_crm(t["leads"], t["opportunities"], t["activities"],
                      settings=AnalysisSettings(), period_start="2025-01-01",
                      period_end="2025-12-31",
                      marketing_sources=["web", "webinar", "paid_search", "event", "content"],
                      extract_date=pd.Timestamp(EXTRACT_DATE))
    st = crm["revenue_at_stake"]
    assert st["amount"] is not None, st["reason"]
    h, best = _observed(t, st)
    sql, won = int(h["sql"].sum()), int(h["won"].sum())
    # 1. a lead given up on converts at no more than comparable leads that were kept on did
    assert st["expected_sqls"] <= st["leads"] * best + 1e-9
    # 2. extra SQLs win at the funnel's own SQL → won rate, worth the median won deal
    assert st["sql_to_won"]["rate"] == pytest.approx(won / sql)
    assert st["expected_won_deals"] == pytest.approx(st["expected_sqls"] * won / sql)
    assert st["amount"] == pytest.approx(st["expected_won_deals"] * st["median_won_amount"])
    # 3. so the funnel, with these leads worked, converts no better than its kept-on leads
    assert (sql + st["expected_sqls"]) / len(h) <= best + 1e-9
    # 4. the projection is an upper scenario, never below the figure used
    assert st["expected_sqls"] <= st["expected_sqls_projected"] + 1e-9
    assert st["ci_low"] <= st["amount"] <= st["ci_high"]
    if seed == 14:
        assert st["capped"]


def _drop_weak_leads(t):
    leads, acts = t["leads"], t["activities"]
    weak = set(leads.loc[leads["score"] < leads["score"].quantile(0.5), "lead_id"])
    a = acts.sort_values("occurred_at")
    a = a.assign(k=a.groupby("lead_id").cumcount() + 1)
    keep = ~(a["lead_id"].isin(weak) & (a["k"] >= 2))
    # a weak lead that converted after its first attempt keeps its history (it converted)
    conv = set(leads.loc[leads["sql_at"].notna(), "lead_id"]) if "sql_at" in leads else set()
    keep |= a["lead_id"].isin(conv)
    return {**t, "activities": a.loc[keep, acts.columns]}


# --- where the funnel loses most: one definition (crm.funnel_drop) -------------------------
def test_funnel_drop_against_practitioner_ranges_by_hand():
    from toolkit.crm.drop import funnel_drop
    from toolkit.crm.funnel import wilson
    # MQL→SAL 78% (above 40–60%), SAL→SQL 1,449/5,520 = 26.25% (clearly below 50–70%),
    # SQL→won 283/1,449 = 19.5% (Wilson upper bound 21.6% ≥ 20%: not clearly below).
    # Opportunity→won (22%) is the lowest stage rate but has no range of its own: no drop.
    counts = {"leads": 7500, "mql": 7057, "sal": 5520, "sql": 1449, "opportunity": 1316,
              "won": 283}
    d = funnel_drop({"counts": counts}, min_leads=30)
    assert d["found"] and (d["from"], d["to"]) == ("sal", "sql")
    assert d["rate"] == pytest.approx(1449 / 5520) and d["lost"] == 4071
    assert d["benchmark"] == {"low": 0.5, "high": 0.7}
    sw = [c for c in d["checked"] if c["to"] == "won"][0]
    assert sw["rate"] == pytest.approx(283 / 1449)
    assert sw["ci_high"] == pytest.approx(wilson(283, 1449)["ci_high"]) and not sw["below"]
    # every stage within or above its range: no drop is named
    ok = {"mql": 1000, "sal": 500, "sql": 300, "won": 75}
    d = funnel_drop({"counts": ok}, min_leads=30)
    assert not d["found"] and "within" in d["reason"]
    # two stages below: the one furthest short of its range (rate ÷ lower end) is named
    two = {"mql": 1000, "sal": 300, "sql": 60, "won": 12}   # 0.30/0.40=.75, 0.20/0.50=.40
    assert funnel_drop({"counts": two}, min_leads=30)["to"] == "sql"
    # a stage the export does not record (None) is not judged
    d = funnel_drop({"counts": {"mql": 1000, "sal": None, "sql": 100, "won": 10}},
                    min_leads=30)
    assert [c["to"] for c in d["checked"]] == ["won"]


def test_report_and_deck_name_the_same_drop():
    from toolkit.crm.drop import funnel_drop
    from toolkit.deck.content import funnel
    from toolkit.report.crm import drop_sentence
    counts = {"leads": 7500, "mql": 7057, "sal": 5520, "sql": 1449, "opportunity": 1316,
              "won": 283}
    drop = funnel_drop({"counts": counts}, min_leads=30)
    text = drop_sentence(drop)
    assert text.startswith("The funnel loses most between SAL (accepted) and SQL: only 26% of "
                           "the 5,520 leads sales accepted")
    assert "Opportunity → Won" not in text and "biggest" not in text
    res = {"crm": {"funnel": {"counts": counts, "rates": {}, "stages": list(counts)},
                   "funnel_drop": drop, "cohort": {}}}
    title = funnel(res).title
    assert "acceptance by sales and sales qualification" in title and "26%" in title
    res["crm"]["funnel_drop"] = funnel_drop({"counts": {"mql": 1000, "sal": 500, "sql": 300,
                                                        "won": 75}}, min_leads=30)
    assert "loses most" not in funnel(res).title
    assert drop_sentence(res["crm"]["funnel_drop"]).startswith(
        "No stage converts clearly below its practitioner range")


# --- the headline only where follow-up is a problem; the workbook carries its inputs -------
def _stake_results(headline: bool) -> dict:
    leads, opps = _hand_frame()
    crm = json.loads(json.dumps(measure_crm(leads, opps, settings=AnalysisSettings(),
                                            marketing_sources=["web"], extract_date=EXTRACT)))
    res = {"client": {"currency": "EUR"}, "crm": crm, "scores": {"overall": 40.0},
           "findings": []}
    if headline:
        res["findings"].append({"code": "revenue_at_stake", "step": "communicate",
                                "severity": 0.95, "text": "x"})
    return res


def test_deck_shows_stake_only_as_a_headline_when_follow_up_is_a_problem():
    from toolkit.deck.content import executive_summary, follow_up
    yes, no = _stake_results(True), _stake_results(False)
    tiles = [t[0] for t in executive_summary(yes).tiles]
    assert "Revenue at stake (estimate)" in tiles
    assert ("Revenue at stake (estimate)", "EUR 6,000", "") in executive_summary(yes).tiles
    assert not any("stake" in t[0].lower() for t in executive_summary(no).tiles)
    assert not any("a year" in n for n in executive_summary(yes).notes)
    assert not any("won deals" in b for b in follow_up(no).bullets)


def test_workbook_carries_the_stake_and_its_inputs():
    from toolkit.workbook import stake_sheet
    sh = stake_sheet(_stake_results(True))
    rows = {r[0]: r[1][0] for r in sh.rows}
    assert rows["Leads sales gave up on"] == 8
    assert rows["Left out: leads sales rejected"] == 2
    assert rows["Extra SQLs expected (rounded)"] == 3   # whole leads, as a reader counts
    assert rows["SQLs from leads created in the period that were won"] == pytest.approx(0.5)
    assert rows["Median won deal"] == 4000.0
    assert rows["Revenue at stake, as computed (extra won deals × median won deal)"] == \
        pytest.approx(6000.0)
    assert rows["Uncapped attempt-clock projection"] == pytest.approx(7250.0)
    assert rows["Conversion used, never touched (marketing-sourced)"] == pytest.approx(0.4)
    assert "headline" not in sh.note   # no note on the report's own logic for the client
    assert "does not headline it" in stake_sheet(_stake_results(False)).note


def test_stake_sentence_states_the_counterfactual_and_rounds():
    from toolkit.report.crm import stake_sentence
    st = dict(_stake_results(True)["crm"]["revenue_at_stake"])
    st.update(amount=976_479.0, ci_low=850_123.0, ci_high=1_104_870.0,
              projection_amount=1_300_000.0, won_revenue=8_845_100.0)
    t = stake_sentence(st, "USD")
    assert "If they had been worked up to 6 attempts, converting at the rate of comparable " \
           "leads that were" in t
    assert "about **USD 980,000**" in t and "976,479" not in t
    assert "USD 0.85–1.1 million" in t
    assert "(50%: 4 won deals from 8 SQLs)" in t
    assert "2 leads sales rejected" in t and "uncapped attempt-clock projection would give " \
        "USD 1.3 million" in t


def test_workbook_funnel_names_the_same_drop_and_the_won_population():
    from toolkit.crm.drop import funnel_drop
    from toolkit.workbook import funnel_sheet
    counts = {"leads": 7500, "mql": 7057, "sal": 5520, "sql": 1449, "opportunity": 1316,
              "won": 283}
    res = {"crm": {"funnel": {"counts": counts, "rates": {}},
                   "funnel_drop": funnel_drop({"counts": counts}, min_leads=30),
                   "cohort": {"period_start": "2025-01-01", "period_end": "2025-12-31"}}}
    note = funnel_sheet(res).note
    assert "Won = won deals from these leads" in note
    assert "Accepted by sales (SAL) → Sales-qualified (SQL), 26% (range 50–70%)" in note
