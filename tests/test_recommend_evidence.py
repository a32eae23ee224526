"""Recommendations cite only what the evidence shows (partner review 16b M10 c, d).

* A survey scale is a problem only when it is clearly on the wrong side of neutral (its 95%
  interval wholly below 3, above 3 for conflict) and did not improve detectably since the
  last assessment: "2.99 of 5" or "3.12 of 5" are neutral, not findings.
* The evidence matches the action: "make rejection reasons mandatory" cites the rejection
  figure; "reported by both sides" cites both sides' figures.
"""

from __future__ import annotations

import pytest

from toolkit.findings import find
from toolkit.recommend import recommend


def _scale(mean, lo=None, hi=None):
    return {"mean": mean, "ci_low": lo, "ci_high": hi}


def _survey(**scales):
    return {"scales": {code: {"by_side": sides} for code, sides in scales.items()}}


def _codes(results):
    return {f.code for f in find(results)}


def test_neutral_scales_are_not_problems():
    survey = _survey(
        BIDIR={"sales": _scale(2.99, 2.80, 3.18), "marketing": _scale(2.52, 2.33, 2.71)},
        CONF={"sales": _scale(3.12, 2.91, 3.33), "marketing": _scale(3.60, 3.41, 3.79)},
        FEED={"sales": _scale(2.90), "marketing": _scale(2.70)})      # no interval: margin
    codes = _codes({"survey": survey})
    assert "bidir_low_marketing" in codes and "bidir_low_sales" not in codes
    assert "conflict_marketing" in codes and "conflict_sales" not in codes
    assert "feed_low_marketing" in codes and "feed_low_sales" not in codes   # 3 − 0.25


def test_a_scale_that_improved_detectably_is_not_a_problem():
    survey = _survey(FEED={"sales": _scale(2.40, 2.2, 2.6), "marketing": _scale(2.60, 2.4, 2.8)},
                     CONF={"sales": _scale(3.5, 3.3, 3.7), "marketing": _scale(3.5, 3.3, 3.7)})
    comparison = {"summary": {"improved": [
        {"key": "survey.scales.FEED.by_side.marketing"},
        {"key": "survey.scales.CONF.by_side.sales"}]}}
    before = _codes({"survey": survey})
    after = _codes({"survey": survey, "comparison": comparison})
    assert before - after == {"feed_low_marketing", "conflict_sales"}


def _close_the_loop(survey, crm=None):
    recs = recommend(survey=survey, crm=crm)
    return next(r for r in recs if r["code"] == "close_the_loop")


def test_rejection_reason_action_cites_the_rejection_evidence():
    survey = _survey(BIDIR={"sales": _scale(2.54, 2.35, 2.73),
                            "marketing": _scale(2.52, 2.30, 2.74)})
    crm = {"handoff": {"reason_share": 563 / 723, "n_with_reason": 563, "n_rejected": 723}}
    r = _close_the_loop(survey, crm)
    assert r["title"].startswith("Make rejection reasons mandatory")
    assert "crm.handoff.reason_share" in r["evidence"]
    assert "Sales gives a reason for only 78% of the leads it rejects (563 of 723)." in \
        r["findings"]
    assert r["strength"] == 1.0                      # the CRM shows reasons missing
    # the CRM figure alone calls for it, and it is a stored finding
    r = _close_the_loop(_survey(), crm)
    assert r["findings"] == ["Sales gives a reason for only 78% of the leads it rejects "
                             "(563 of 723)."]
    # reasons already given: the action is the review, resting on the figure it quotes
    crm["handoff"].update(reason_share=0.9, n_with_reason=900, n_rejected=1000)
    r = _close_the_loop(survey, crm)
    assert r["title"] == "Review the rejection reasons with marketing every week"
    assert "crm.handoff.reason_share" in r["evidence"]
    assert "reason for 90% of rejections" in r["rationale"]
    # no rejection data: no action about rejection reasons at all
    r = _close_the_loop(survey, {"handoff": {}})
    assert "rejection reasons" not in r["title"].lower()
    assert "crm.handoff.reason_share" not in r["evidence"]


def test_both_sides_strength_only_when_both_sides_are_cited():
    both = _survey(BIDIR={"sales": _scale(2.54, 2.35, 2.73),
                          "marketing": _scale(2.52, 2.30, 2.74)})
    r = _close_the_loop(both, {"handoff": {}})
    assert r["strength"] == pytest.approx(0.8)
    assert r["findings"] == [
        "The sales side rates two-way information flow below neutral (2.54 of 5, where 3 is "
        "neutral).",
        "The marketing side rates two-way information flow below neutral (2.52 of 5, where 3 "
        "is neutral)."]
    one = _survey(BIDIR={"sales": _scale(2.99, 2.80, 3.18),
                         "marketing": _scale(2.52, 2.30, 2.74)})
    r = _close_the_loop(one, {"handoff": {}})
    assert r["strength"] == pytest.approx(0.6)
    assert r["findings"] == ["The marketing side rates two-way information flow below "
                             "neutral (2.52 of 5, where 3 is neutral)."]
