"""Attack 44 (a new user's run, then the CRM clocks and links): A44-1 — a conversion date
without a time (Salesforce's ConvertedDate) ended a converted lead's touch window at
midnight, dropping the day's calls (never touched 0 % → 50 %); A44-2 — lead creation dates
without a time beside timed activities counted hours from midnight (within the SLA 100 % →
0 %) without a word (now a warning says so); A44-3 — local times written as Excel serial numbers passed the UTC-offset check; A44-4 —
an activity naming only an opportunity two leads converted into went to the first lead,
outside its window, and the second read as never touched."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from toolkit.crm.definitions import touch_window
from toolkit.crm.derive import derive_touches
from toolkit.intake.crossfile import clock, day_clock_problems, day_clock_warnings

T = pd.Timestamp


def _leads(created, converted, opps=None):
    return pd.DataFrame({"lead_id": [f"L{i}" for i in range(len(created))],
                         "created_at": pd.to_datetime(created),
                         "converted_at": pd.to_datetime(converted),
                         "opportunity_id": opps or [None] * len(created)})


def test_a_conversion_date_without_a_time_ends_the_window_at_the_end_of_its_day():
    leads = _leads(["2025-03-02 09:00", "2025-03-03 10:00"], ["2025-03-02", None])
    start, end = touch_window(leads, T("2025-12-31"))
    assert end.iloc[0] == T("2025-03-02 23:59:59.999999")
    assert end.iloc[1] == T("2025-12-31")
    acts = pd.DataFrame({"lead_id": ["L0"], "occurred_at": pd.to_datetime(["2025-03-02 11:00"])})
    got = derive_touches(leads, acts, extract_date=T("2025-12-31"))
    assert got["attempts"].tolist() == [1.0, 0.0]
    # timed conversions keep their time
    timed = _leads(["2025-03-02 09:00"], ["2025-03-02 10:00"])
    assert touch_window(timed, None)[1].iloc[0] == T("2025-03-02 10:00")


def test_date_only_lead_creations_beside_timed_activities_are_said():
    data = SimpleNamespace(
        leads=_leads(["2025-03-02", "2025-03-03"], [None, None]),
        activities=pd.DataFrame({"lead_id": ["L0"],
                                 "occurred_at": pd.to_datetime(["2025-03-02 11:00"])}))
    paths = {"leads": "crm/leads.csv", "activities": "crm/activities.csv"}
    assert day_clock_problems(data, paths) == []
    (w,) = day_clock_warnings(data, paths)
    assert w.startswith("crm/leads.csv: lead creation dates carry no time of day, but "
                        "crm/activities.csv gives the activities' times: hours to the first "
                        "touch are counted from the start of the creation day")


def test_excel_serial_times_are_on_a_local_clock():
    assert clock(pd.Series(["45718.583333", "45719.25"])) == "local"
    assert clock(pd.Series(["45718", "45719.0"])) is None


def test_an_activity_of_a_shared_opportunity_goes_to_the_lead_whose_window_holds_it():
    leads = _leads(["2025-03-01 09:00", "2025-03-05 09:00"],
                   ["2025-03-02 09:00", "2025-03-06 09:00"], ["OP1", "OP1"])
    acts = pd.DataFrame({"lead_id": [None, None], "opportunity_id": ["OP1", "OP1"],
                         "occurred_at": pd.to_datetime(["2025-03-01 12:00",
                                                        "2025-03-05 12:00"])})
    got = derive_touches(leads, acts, extract_date=T("2025-12-31"))
    assert got["attempts"].tolist() == [1.0, 1.0]
    assert got["first_touch_at"].tolist() == [T("2025-03-01 12:00"), T("2025-03-05 12:00")]


def test_enough_leads_none_followed_far_enough_is_said_without_contradiction():
    """A44-7: "only 120 marketing-sourced leads … could be followed to attempt 6 (need 30)"."""
    from toolkit.verdict import _lead_quality

    crm = {"lead_quality": {"worked_conversion": {
        "well_worked_attempts": 6, "marketing": {"n": 120, "rate": None},
        "all": {"n": 120, "rate": None}}}}
    res = _lead_quality(crm)
    text = " ".join(str(v) for v in res.values())
    assert ("none of the 120 marketing-sourced leads first touched within the SLA could be "
            "followed to attempt 6") in text
    assert "only 120" not in text


def test_the_hand_off_shares_as_shown_add_to_100():
    """ATT45-10: "accepted 78% … rejected 10%; the other 11%" (99%)."""
    import re

    from toolkit.report.crm import handoff_sentence

    a, r = 0.7849, 0.1049            # shown 78% and 10%; the rest 11.02% would show 11%
    h = {"n_mql": 1000, "acceptance_rate": a, "rejection_rate": r,
         "acceptance": {"rate": a, "ci_low": a - 0.02, "ci_high": a + 0.02, "n": 1000},
         "rejection": {"rate": r, "ci_low": r - 0.02, "ci_high": r + 0.02, "n": 1000}}
    text = handoff_sentence(h)
    shown = [int(x) for x in re.findall(r"accepted (\d+)%|rejected (\d+)%|other (\d+)%", text)
             for x in x if x]
    assert shown == [78, 10, 12] and sum(shown) == 100, text


def test_a_crm_only_deck_keeps_its_communication_score(followup_results):
    """ATT45-04: slides 2-3 scored communication 64, slide 12 said it could not be measured."""
    import copy

    from toolkit.deck.content import communication

    res = copy.deepcopy(followup_results)
    res["survey"] = None
    res["scores"]["communication"] = 64.0
    slide = communication(res)
    assert slide.title == "Communication: 64 of 100, from the hand-off alone"
    assert "could not be measured" not in " ".join([slide.title, *slide.bullets])
    assert slide.bullets[0].startswith("Scored from the CRM's hand-off evidence alone")


def test_a_missing_hand_off_field_is_named_in_plain_words():
    """ATT45-03: "acceptance rate no accepted_at column — not in the export", and "(no
    rejected leads)" when the rejection field was simply absent."""
    from toolkit.config import AnalysisSettings
    from toolkit.crm import measure_crm

    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "source": ["web"] * 3,
                          "created_at": pd.to_datetime(["2025-01-02 09:00"] * 3),
                          "mql_at": pd.to_datetime(["2025-01-02 10:00"] * 3)})
    crm = measure_crm(leads, settings=AnalysisSettings(), marketing_sources=["web"],
                      extract_date="2025-04-01")
    h = crm["handoff"]
    text = " ".join(h["evidence_score_missing"] + h["warnings"])
    assert "_at" not in text and "no rejected leads" not in text
    assert "the acceptance rate is not measured (no acceptance date — not in the export)" \
        in text
    assert "no rejection date in the export" in text


def test_a_side_not_reported_is_said_in_words_not_a_dash(followup_results):
    """ATT45-09: "— of the marketing side agree that sales gives up on leads too early"."""
    import copy

    from toolkit.report.survey import render_claims

    res = copy.deepcopy(followup_results)
    res["survey"]["claims"]["marketing_blame_followup_share"] = None
    res["survey"]["claims"]["blame_intensity"] = None
    html = render_claims(res).html()
    assert "the marketing side&#x27;s view that sales gives up on leads too early is not " \
        "reported (too few answered)" in html or "the marketing side's view that sales " \
        "gives up on leads too early is not reported (too few answered)" in html
    assert "— of" not in html and "mean of the two: —" not in html
