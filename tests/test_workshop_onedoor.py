"""What-if simulator and SLA designer read results.json and the plan only (SPEC §6).

Each is checked twice: by hand on a tiny fixture, and against the same computation on the
raw CRM tables of a sample engagement (a second method: the lead-level design_sla and the
deal-level what_if)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.crm.derive import select_cohort
from toolkit.incentives import validate_plan
from toolkit.workshop import design_sla, open_workshop, simulate
from toolkit.workshop.simulator import simulate_from_results
from toolkit.workshop.sla import design_sla_from_results, handed_lead_frame, sla_grid

from test_workshop import COLS, PLAN, leads


def test_sla_grid_hand_computed_counts_and_cost():
    f = leads([(10, 6, 2, 6, "all"),        # 24 h / 6: 6 of 10 convert at attempt 6
               (10, 2, 30, 6, "all"),       # too slow (30 h), enough attempts
               (5, 2, 2, 2, "all"),         # fast, 2 attempts (2 convert, 3 given up)
               (5, 0, None, 0, "all")])     # never touched: 6 short each
    g = sla_grid(f, sla_hours=24, well_worked_attempts=6)
    t24 = g["tables"]["24h"]
    assert len(t24) == 1 and t24[0]["band"] == "all" and t24[0]["n_fast"] == 15
    # on the clock: 15 leads reach attempts 1-2, 2 convert at 2, 3 given up after 2
    assert t24[0]["at_risk"][:7] == [15, 15, 10, 10, 10, 10, 0]
    assert t24[0]["events"][:7] == [0, 2, 0, 0, 0, 6, 0]
    assert t24[0]["given_up"][:7] == [0, 3, 0, 0, 0, 4, 0]
    assert t24[0]["late_open"] == 13            # 8 slow + 5 untouched, unconverted
    cell = g["targets"]["24h|6"]
    # unconverted leads short of 6: 3 given up × 4 + 5 untouched × 6 (the slow have 6)
    assert cell["cost"] == {"extra_attempts": 3 * 4 + 5 * 6,
                            "leads_to_reach_sooner": 10 + 5}
    # in time and (worked to 6 or converted): 10 + 2
    assert cell["meets_share"] == pytest.approx(12 / 30)
    # 48 h: the 30 h leads are in time too -> nobody is slow except the untouched
    assert g["targets"]["48h|6"]["cost"]["leads_to_reach_sooner"] == 5
    r = design_sla_from_results(g, first_touch_hours=24, attempts=6)
    # S(2) = 13/15, S(6) = 13/15 × 4/10: given up after 2 -> 3 × (1 − 0.4) = 1.8;
    # late -> 13 × (1 − 26/75) = 8.4933...
    assert r["extra_conversions"] == pytest.approx(3 * 0.6 + 13 * (1 - 26 / 75))
    assert r["cost"]["extra_attempts"] == 42
    json.dumps(g, allow_nan=False)
    off = design_sla_from_results(g, first_touch_hours=5, attempts=6)
    assert off["extra_conversions"] is None and off["warnings"]
    old = design_sla_from_results(None, first_touch_hours=24, attempts=6)
    assert old["extra_conversions"] is None and "earlier version" in old["warnings"][0]


@pytest.fixture(scope="module")
def followup():
    ws = open_workshop("data/samples/followup-gap")
    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    return ws, load_data(load_engagement("data/samples/followup-gap"))


def test_sla_from_results_equals_lead_level_design(followup):
    ws, data = followup
    frame = handed_lead_frame(data)
    for hours, attempts in ((24, 6), (4, 2), (72, 10), (1, 1)):
        a = design_sla(frame, first_touch_hours=hours, attempts=attempts)
        b = ws.design_sla(first_touch_hours=hours, attempts=attempts)
        for key in ("n_leads", "meets_share", "current_conversions", "extra_conversions",
                    "ci_low", "ci_high", "projected_conversions"):
            assert b[key] == pytest.approx(a[key]), (hours, attempts, key)
        assert b["by_band"] == a["by_band"]
        # the cost by direct count on the lead frame: unconverted leads short of the target
        conv = frame["converted"].fillna(False).astype(bool)
        short = (attempts - frame["attempts"].fillna(0)).clip(lower=0)
        assert b["cost"]["extra_attempts"] == pytest.approx(float(short[~conv].sum()))


def test_whatif_from_results_equals_deal_level_whatif(followup):
    ws, data = followup
    eng = data.engagement
    opps, _ = select_cohort(data.opportunities, eng.client.period_start,
                            eng.client.period_end)
    for share, gate, bonus in ((0.0, 0.0, 0.0), (0.02, 0.7, 1000.0), (0.1, 0.95, 0.0),
                               (0.035, 0.0, 2500.0)):
        a = simulate(data.plan, marketing_share=share, gate=gate, sla_bonus_per_person=bonus,
                     leads=data.leads, opportunities=opps,
                     marketing_sources=eng.crm.marketing_sources,
                     attainment=eng.incentives.attainment)
        b = ws.simulate(marketing_share=share, gate=gate, sla_bonus_per_person=bonus)
        assert b["added_cost"] == pytest.approx(a["added_cost"])
        for side in ("before", "after"):
            for key in ("sales_payout", "marketing_payout", "total_payout"):
                assert b[side][key] == pytest.approx(a[side][key])
        assert b["marketing_reward_share"] == pytest.approx(a["marketing_reward_share"])
        assert b["deals"] == a["deals"]
    ev = b["evidence"]
    assert ev["won_deals"] == a["deals"]["won"]
    assert ev["marketing_contribution_share"] == pytest.approx(
        a["deals"]["marketing_sourced_revenue"] / a["deals"]["won_revenue"])
    assert b["added_cost_share"] == pytest.approx(b["added_cost"] / a["deals"]["won_revenue"])


def test_whatif_from_results_hand_computed():
    plan = validate_plan(pd.DataFrame(PLAN, columns=COLS))
    results = {"incentives": {
        "split": {"deals": {"won": 2, "won_amount_known": 2, "amount_missing": 0,
                            "marketing_sourced": 1, "won_revenue": 15000.0,
                            "marketing_sourced_revenue": 10000.0}},
        "gates": {"attainment": 0.9}, "marketing_contribution_share": 10000 / 15000,
        "flags": [{"title": "No shared outcome on the marketing side"}]}}
    r = simulate_from_results(plan, results, marketing_share=0.02, gate=0.0,
                              sla_bonus_per_person=1000)
    # sales 10 % of 15,000 = 1,500 before and after; marketing 2 % of 10,000 = 200;
    # SLA bonus 1,000 × 3 AEs
    assert r["before"]["sales_payout"] == pytest.approx(1500.0)
    assert r["after"]["marketing_payout"] == pytest.approx(200.0)
    assert r["added_cost"] == pytest.approx(3200.0)
    assert r["added_cost_share"] == pytest.approx(3200 / 15000)
    gap = r["evidence"]["reward_contribution_gap"]
    assert gap["before"] == pytest.approx(2 / 3)
    assert gap["after"] == pytest.approx(2 / 3 - 200 / 1700)
    assert r["evidence"]["flags"] == ["No shared outcome on the marketing side"]
    assert simulate_from_results(plan, {"incentives": None}, marketing_share=0.0, gate=0.0,
                                 sla_bonus_per_person=0.0) is None


def test_workshop_never_reads_the_crm_exports(tmp_path, monkeypatch):
    """Given a results.json, the session reads the survey and the plan, not the CRM."""
    from toolkit import intake
    from toolkit.workshop.launch import prepare_workshop

    prepare_workshop("data/samples/lead-quality", tmp_path)
    res = tmp_path / "lead-quality" / "results.json"

    def refuse(*_a, **_k):
        raise AssertionError("the workshop read a CRM export")

    monkeypatch.setattr(intake, "_import_crm", refuse)
    ws = open_workshop("data/samples/lead-quality", res)
    assert ws.data.leads is None and ws.data.opportunities is None
    assert ws.data.survey is not None and ws.data.plan is not None
    sla = ws.design_sla(first_touch_hours=24, attempts=6)
    assert sla["extra_conversions"] is not None
    assert ws.simulate(marketing_share=0.02, gate=0.0, sla_bonus_per_person=0.0) is not None
    # the app's blocks build from the same session
    from toolkit.workshop import app
    for block in (app.reveal_section, app.guess_section, app.whatif_section,
                  app.sla_section):
        w = block(ws)
        assert "Traceback" not in json.dumps(str(w))
    assert np.isfinite(sla["ci_low"])


def test_sla_value_hand_computed():
    from toolkit.workshop.sla import sla_value

    results = {"crm": {"funnel": {"counts": {"sql": 200, "won": 50}}},
               "incentives": {"split": {"deals": {"won_revenue": 90000.0,
                                                  "won_amount_known": 45}}}}
    est = {"extra_conversions": 8.0, "ci_low": 4.0, "ci_high": 12.0}
    v = sla_value(results, est)
    # 8 SQLs × 25 % = 2 won deals × 2,000 average = 4,000
    assert v["sql_to_won"] == pytest.approx(0.25) and v["avg_won_amount"] == 2000
    assert v["extra_won"] == pytest.approx(2.0) and v["revenue"] == pytest.approx(4000.0)
    assert (v["revenue_low"], v["revenue_high"]) == pytest.approx((2000.0, 6000.0))
    assert sla_value({"crm": None}, est) is None
    assert sla_value(results, {"extra_conversions": None}) is None
    no_amounts = {**results, "incentives": None}
    assert sla_value(no_amounts, est)["revenue"] is None


def test_whatif_without_lead_sources_says_not_in_the_export():
    from toolkit.workshop.views import simulation_evidence

    plan = validate_plan(pd.DataFrame(PLAN, columns=COLS))
    results = {"incentives": {
        "split": {"deals": {"won": 3, "won_amount_known": 3, "amount_missing": 0,
                            "marketing_sourced": 0, "source_unknown": 3,
                            "won_revenue": 30000.0, "marketing_sourced_revenue": 0.0}},
        "gates": {"attainment": None}, "marketing_contribution_share": None, "flags": []}}
    r = simulate_from_results(plan, results, marketing_share=0.02, gate=0.0,
                              sla_bonus_per_person=0)
    assert r["evidence"]["marketing_sourced_revenue"] is None
    text = simulation_evidence(r, "USD")
    assert "not in the export" in text and "0 USD of it" not in text and "nan" not in text
