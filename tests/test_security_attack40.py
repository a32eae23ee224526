"""Attack 40 (unusual but valid plans): IN1 — a gate of 0 (it stops no payout) scored as a
real gate; IN2 — the gate sentence named the lowest gate only ("no payout below 70%; the
company reached 95%") while the 100% gates paid nothing; RC1 — the what-if's internal
location ("what-if, column 'marketing_commission'") reached the report and the deck."""

from __future__ import annotations

import copy

import pandas as pd

from tests.conftest import SAMPLES


def _plan():
    raw = pd.read_csv(SAMPLES / "well-aligned/incentives/comp_plan.csv", dtype=str,
                      keep_default_na=False)
    raw.index = range(2, len(raw) + 2)
    return raw


def test_a_gate_of_zero_is_no_gate():
    from toolkit.incentives.plan import validate_plan
    from toolkit.incentives.structure import gates

    raw = _plan()
    raw["gate"] = "0"
    plan = validate_plan(raw)
    assert plan["gate"].isna().all()
    assert gates(plan, 0.95)["any_gate"] is False
    raw.loc[2, "gate"] = "0.7"
    assert gates(validate_plan(raw), 0.95)["any_gate"] is True


def test_the_gate_sentence_names_every_gate_and_what_the_year_opened(followup_results):
    from toolkit.report import sections

    res = copy.deepcopy(followup_results)
    comps = [{"team": "sales", "side": "sales", "role": "AE", "component": "Bookings",
              "metric": "bookings", "gate": g, "met": 0.95 >= g} for g in (1.0, 0.7, 1.0)]
    res["incentives"]["gates"] = {"attainment": 0.95, "evaluable": True, "components": comps,
                                  "sides_gated": {"sales": True, "marketing": False},
                                  "any_gate": True}
    html = sections.render("incentives", res).html()
    assert ("no payout below 70% or 100% of the company goal (by component); the company "
            "reached 95% of its goal, so 2 of the 3 gated components pay nothing this year."
            ) in html


def test_a_what_if_the_plan_cannot_take_is_said_in_plain_words():
    from toolkit.incentives.measures import measure_incentives
    from toolkit.incentives.plan import validate_plan

    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    eng = load_engagement(SAMPLES / "well-aligned")
    data = load_data(eng)
    raw = _plan()
    plan = validate_plan(raw[raw["team"] == "sales"])
    res = measure_incentives(plan, leads=data.leads, opportunities=data.opportunities,
                             marketing_sources=eng.crm.marketing_sources)
    text = " ".join(res.get("warnings") or [])
    assert "the standard what-if could not be run: the plan has no role in team(s) marketing" \
        in text
    assert "column" not in text and "what-if, " not in text
