"""Volume-pay flag: acceptance of marketing-sourced MQLs, and the fit-rejection trigger
(tester defect: the flag read all MQLs, so accepted referral/outbound leads hid marketing's
low acceptance; values by hand)."""

from __future__ import annotations

import pytest
from test_incentives_measures import FOLLOWUP_PLAN, plan_of

from toolkit.incentives import measure_incentives
from toolkit.incentives.flags import marketing_acceptance


def _src(mql, sal, marketing):
    return {"counts": {"mql": mql, "sal": sal}, "marketing": marketing}


def _crm(fit=None, n_reason=0):
    # web 60 MQLs / 18 SAL, event 40 / 12 → marketing 30 / 100 = 30 %;
    # referral 200 / 190 → all MQLs 220 / 300 = 73 % (above the 40 % floor).
    return {"funnel": {"by_source": {"web": _src(60, 18, True), "event": _src(40, 12, True),
                                     "referral": _src(200, 190, False)}},
            "handoff": {"acceptance_rate": 220 / 300, "n_mql": 300, "fit_share": fit,
                        "n_with_reason": n_reason}}


def _flag(crm, sources=("web", "event")):
    r = measure_incentives(plan_of(FOLLOWUP_PLAN), crm=crm, marketing_sources=list(sources))
    return {f["code"]: f for f in r["flags"]}.get("volume_pay_low_acceptance"), r["warnings"]


def test_acceptance_of_marketing_sourced_mqls():
    assert marketing_acceptance(_crm(), ["web", "event"]) == pytest.approx(
        (0.30, 100, "marketing-sourced MQLs"))
    # no sources given: the funnel's own marketing marks
    assert marketing_acceptance(_crm())[0] == pytest.approx(0.30)
    # no by-source funnel: the overall rate, population "MQLs"
    crm = _crm()
    del crm["funnel"]
    assert marketing_acceptance(crm, ["web"]) == pytest.approx((220 / 300, 300, "MQLs"))


def test_low_marketing_acceptance_raises_the_flag_and_names_the_population():
    f, _ = _flag(_crm())
    assert f is not None  # before the fix: 73 % of all MQLs, no flag
    assert f["figures"]["acceptance_rate"] == pytest.approx(0.30)
    assert "accepts only 30% of the 100 marketing-sourced MQLs" in f["sentence"]
    assert "70% of marketing's variable pay" in f["sentence"]


def test_fit_rejections_raise_the_flag_when_acceptance_is_in_range():
    crm = _crm(fit=0.82, n_reason=40)
    crm["funnel"]["by_source"]["web"] = _src(60, 33, True)   # 33 + 12 = 45 / 100 = 45 %
    f, _ = _flag(crm)
    assert f["title"] == "Marketing paid on volume while most rejections are for fit"
    assert "82% of the 40 rejections that carry a reason" in f["sentence"]
    assert "accepts 45% of the 100 marketing-sourced MQLs" in f["sentence"]
    # fit share under one half, or fewer than 20 reasons (the verdict's documented
    # min_rejections_with_reason, which the flag now shares): no flag
    assert _flag(_crm(fit=0.14, n_reason=510) | {"funnel": crm["funnel"]})[0] is None
    assert _flag(_crm(fit=0.9, n_reason=19) | {"funnel": crm["funnel"]})[0] is None
    assert _flag(_crm(fit=0.5, n_reason=20) | {"funnel": crm["funnel"]})[0] is not None


def test_too_few_marketing_mqls_warn_instead():
    crm = _crm()
    crm["funnel"]["by_source"] = {"web": _src(20, 2, True), "referral": _src(200, 190, False)}
    f, warns = _flag(crm, ["web"])
    assert f is None
    assert any("only 20 marketing-sourced MQLs" in w for w in warns)
