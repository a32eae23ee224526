"""Conflict flags quote the verdict's population and never fire on too little data;
the what-if sentence reads naturally without figures (values by hand)."""

from __future__ import annotations

from test_incentives_measures import FOLLOWUP_PLAN, plan_of

from toolkit.incentives import measure_incentives
from toolkit.report.incentives import whatif_sentence
from toolkit.verdict import judge


def _crm(n_all=500, n_mk=300, n_mql=300):
    # all leads: 25% never touched, 38% within SLA, 47% single attempt;
    # marketing-sourced: 30%, 35%, 46% — the verdict judges the marketing-sourced leads
    return {
        "cohort": {"leads": 1000, "touch_source": "activities",
                   "attempts_source": "activities"},
        "handoff": {"acceptance_rate": 0.6, "n_mql": n_mql},
        "speed": {"sla_hours": 24.0, "n": n_all, "untouched_share": 0.25,
                  "within_sla_share": 0.38,
                  "by_group": {"marketing": {"n": n_mk, "untouched_share": 0.30,
                                             "within_sla_share": 0.35}}},
        "persistence": {"single_attempt_share": 0.47, "n_touched_not_converted": n_all,
                        "by_group": {"marketing": {"single_attempt_share": 0.46,
                                                   "n_touched_not_converted": n_mk}}},
    }


def _flags(crm):
    r = measure_incentives(plan_of(FOLLOWUP_PLAN), crm=crm)
    return {f["code"]: f for f in r["flags"]}, r["warnings"]


def test_flag_uses_the_verdicts_population_and_names_it():
    crm = _crm()
    f, _ = _flags(crm)
    s = f["sales_individual_bookings_only"]["sentence"]
    assert ("30% of marketing-sourced leads are never touched, 35% are first touched within "
            "the 24 h SLA and 46% of those touched but not converted got a single attempt") in s
    for other in ("25%", "38%", "47%"):
        assert other not in s
    assert f["sales_individual_bookings_only"]["figures"]["untouched_share"] == 0.30
    assert f["sales_individual_bookings_only"]["figures"]["population"] == \
        "marketing-sourced leads"
    # the verdict quotes the same three numbers
    v = judge({**crm, "dose_response": {}, "lead_quality": {}}, None)
    figs = {e["key"].rsplit(".", 1)[1]: e["figure"] for e in v["follow_up"]["evidence"]}
    assert figs == {"untouched_share": 0.30, "within_sla_share": 0.35,
                    "single_attempt_share": 0.46}


def test_few_marketing_leads_fall_back_to_all_leads_named_as_such():
    f, _ = _flags(_crm(n_mk=12))
    s = f["sales_individual_bookings_only"]["sentence"]
    assert "25% of leads handed to sales are never touched" in s and "30%" not in s


def test_no_flag_from_tiny_data():
    # 7 leads, 7 MQLs: the shares are thin, but too few to flag (verdict minimum 30)
    f, warns = _flags(_crm(n_all=7, n_mk=7, n_mql=7))
    assert "sales_individual_bookings_only" not in f
    assert any("too few leads" in w for w in warns)
    crm = _crm(n_mql=7)
    crm["handoff"]["acceptance_rate"] = 0.2
    f, warns = _flags(crm)
    assert "volume_pay_low_acceptance" not in f
    assert any("only 7 MQLs" in w for w in warns)
    crm["handoff"]["n_mql"] = 30
    f, _ = _flags(crm)
    assert "accepts only 20% of the 30 MQLs" in f["volume_pay_low_acceptance"]["sentence"]


def test_no_flag_without_touch_data():
    crm = _crm()
    crm["cohort"].update(touch_source=None, attempts_source=None)
    f, warns = _flags(crm)
    assert "sales_individual_bookings_only" not in f
    assert any("no activities or first-touch data" in w for w in warns)


def test_what_if_sentence_without_won_deals():
    inc = {"what_if": {"changes": {"marketing_commission": {"rate": 0.02,
                                                            "applies_to": "marketing_sourced_won"},
                                   "gate": 0.7},
                       "marketing_reward_share_on_marketing_sourced": {"before": None,
                                                                       "after": None},
                       "added_cost": 0.0, "deals": {"won": 0, "won_revenue": 0.0,
                                                    "marketing_sourced_revenue": 0.0}}}
    s = whatif_sentence(inc, "USD")
    assert s.endswith("The effect cannot be computed: no won deals with amounts.")
    assert "—" not in s and "USD 0" not in s
