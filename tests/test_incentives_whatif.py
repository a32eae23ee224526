"""What-if on the compensation plan (SPEC §4.3), on a small hand-computed fixture."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from toolkit.exceptions import InputError
from toolkit.incentives import validate_plan, what_if

COLS = ["team", "role", "headcount", "base_salary", "variable_target", "component", "metric",
        "weight", "commission_rate", "applies_to", "gate"]
BASE = [
    ["sales", "AE", 10, 100000, 100000, "Own bookings", "bookings", 1, 0.10, "own_won", None],
    ["marketing", "DG", 4, 90000, 30000, "MQLs", "mql_volume", 0.7, None, None, None],
    ["marketing", "DG", 4, 90000, 30000, "MBO", "mbo", 0.3, None, None, None],
    ["marketing", "Content", 1, 80000, 5000, "MBO", "mbo", 1, None, None, None]]


def plan_of(rows):
    return validate_plan(pd.DataFrame([[("" if v is None else v) for v in r] for r in rows],
                                      columns=COLS))


@pytest.fixture
def crm():
    # won: 10,000 web + 5,000 event (marketing-sourced) + 20,000 outbound; 8,000 web lost
    o = pd.DataFrame({"opportunity_id": ["a", "b", "c", "d"],
                      "is_won": [True, True, True, False],
                      "amount": [10000.0, 5000.0, 20000.0, 8000.0],
                      "source": ["web", "event", "outbound", "web"]})
    return {"leads": None, "opportunities": o, "marketing_sources": ["web", "event"]}


def test_marketing_two_percent_of_marketing_sourced(crm):
    r = what_if(plan_of(BASE), {"marketing_commission": {"rate": 0.02}}, **crm)
    # 2 % of the 15,000 marketing-sourced won revenue
    assert r["added_cost"] == pytest.approx(300.0)
    assert r["before"]["on_marketing_sourced"]["sales_payout"] == pytest.approx(1500.0)
    assert r["after"]["marketing_payout"] == pytest.approx(300.0)
    assert r["marketing_reward_share_on_marketing_sourced"]["before"] == 0.0
    assert r["marketing_reward_share_on_marketing_sourced"]["after"] == pytest.approx(300 / 1800)
    assert r["marketing_reward_share"]["after"] == pytest.approx(300 / 3800)
    assert r["changes"]["marketing_commission"]["role"] == "DG"  # largest pay bill
    # weight 0 component: SOW unchanged; stake now earns 25 points
    assert r["shared_outcome_weight"]["after"] == r["shared_outcome_weight"]["before"]
    assert r["structure_score"]["after"] - r["structure_score"]["before"] == pytest.approx(25.0)
    json.dumps(r, allow_nan=False)


def test_replaces_existing_marketing_commission(crm):
    rows = [r[:] for r in BASE]
    rows[1][8], rows[1][9] = 0.01, "all_won"   # marketing has 1 % of all won (350)
    r = what_if(plan_of(rows), {"marketing_commission": {"rate": 0.02}}, **crm)
    assert r["before"]["marketing_payout"] == pytest.approx(350.0)
    assert r["after"]["marketing_payout"] == pytest.approx(300.0)
    assert r["added_cost"] == pytest.approx(-50.0)


def test_gate_and_sla_bonus(crm):
    ch = {"gate": 0.7, "sla_bonus": {"team": "sales", "per_person": 1200}}
    met = what_if(plan_of(BASE), ch, attainment=0.95, **crm)
    assert met["added_cost"] == pytest.approx(12000.0)      # 10 AEs × 1,200; commissions same
    assert met["added_cost_breakdown"]["commissions"] == 0.0
    missed = what_if(plan_of(BASE), ch, attainment=0.6, **crm)
    # company missed the gate: the 3,500 of sales commission and the bonus are not paid
    assert missed["after"]["total_payout"] == 0.0
    assert missed["added_cost"] == pytest.approx(-3500.0)
    assert missed["after"]["fixed_bonuses"][0]["gated_out"] is True


def test_sales_commission_change(crm):
    r = what_if(plan_of(BASE), {"sales_commission": {"rate": 0.09},
                                "marketing_commission": {"rate": 0.01,
                                                         "applies_to": "all_won"}}, **crm)
    # sales 9 % of 35,000 = 3,150; marketing 1 % of 35,000 = 350 → cost 3,500 − 3,500 = 0
    assert r["after"]["sales_payout"] == pytest.approx(3150.0)
    assert r["after"]["marketing_payout"] == pytest.approx(350.0)
    assert r["added_cost"] == pytest.approx(0.0)


def test_bad_changes_listed(crm):
    with pytest.raises(InputError) as exc:
        what_if(plan_of(BASE), {"marketing_commission": {"rate": 2, "applies_to": "own_won"},
                                "gate": -1, "bonus": 5,
                                "sla_bonus": {"team": "sales", "amount": -3}}, **crm)
    cols = {p.column for p in exc.value.problems}
    assert cols == {"bonus", "gate", "marketing_commission.rate",
                    "marketing_commission.applies_to", "sla_bonus"}
    with pytest.raises(InputError, match="no role 'CMO'"):
        what_if(plan_of(BASE), {"marketing_commission": {"rate": 0.02, "role": "CMO"}}, **crm)
