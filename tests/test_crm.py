"""CRM evidence (SPEC §4.2): values checked by hand on tiny fixtures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.crm import measure_crm
from toolkit.crm.derive import derive_touches, lead_frame, select_cohort
from toolkit.crm.funnel import is_fit_reason, wilson

T = pd.Timestamp
Z = 1.959963984540054  # 97.5% normal quantile


def wilson_by_hand(k, n):
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def leads_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in ("created_at", "mql_at", "accepted_at", "rejected_at", "sql_at", "converted_at",
              "first_touch_at"):
        if c in df.columns:
            df[c] = pd.to_datetime(df[c])
    if "attempts" in df.columns:
        df["attempts"] = df["attempts"].astype("float64")
    return df


# ------------------------------------------------------------------------------------------
# Wilson intervals
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k,n", [(3, 10), (0, 7), (7, 7), (45, 120)])
def test_wilson_matches_formula(k, n):
    lo, hi = wilson_by_hand(k, n)
    w = wilson(k, n)
    assert w["rate"] == pytest.approx(k / n)
    assert w["ci_low"] == pytest.approx(max(lo, 0), abs=1e-9)
    assert w["ci_high"] == pytest.approx(min(hi, 1), abs=1e-9)


def test_wilson_3_of_10_known_value():
    # worked by hand: centre 0.3821, half-width 0.2471 → 0.1078 .. 0.6032
    w = wilson(3, 10)
    assert w["ci_low"] == pytest.approx(0.1078, abs=1e-4)
    assert w["ci_high"] == pytest.approx(0.6032, abs=1e-4)
    assert wilson(0, 0)["rate"] is None


# ------------------------------------------------------------------------------------------
# Touches derived from activities
# ------------------------------------------------------------------------------------------
@pytest.fixture
def touch_fixture():
    leads = leads_frame([
        # L1: MQL at 10:00; the 09:00 call precedes the MQL (real work: it counts), the 01-06
        # call follows the extract
        {"lead_id": "L1", "created_at": "2025-01-01 00:00", "mql_at": "2025-01-01 10:00",
         "converted_at": None, "source": "web"},
        # L2: converted on 01-02 00:00; the 01-05 call is after conversion
        {"lead_id": "L2", "created_at": "2025-01-01 00:00", "mql_at": None,
         "converted_at": "2025-01-02 00:00", "source": "web"},
        # L3: no activity at all
        {"lead_id": "L3", "created_at": "2025-01-02 00:00", "mql_at": "2025-01-02 00:00",
         "converted_at": None, "source": "referral"},
    ])
    acts = pd.DataFrame({
        "activity_id": [f"A{i}" for i in range(9)],
        "lead_id": ["L1", "L1", "L1", "L1", "L1", "L2", "L2", "L2", None],
        "opportunity_id": [None] * 8 + ["O9"],
        "type": "call",
        "occurred_at": pd.to_datetime([
            "2025-01-01 09:00", "2025-01-01 15:00", "2025-01-01 12:00", "2025-01-03 08:00",
            "2025-01-06 08:00",
            "2025-01-01 05:00", "2025-01-01 01:00", "2025-01-05 00:00",
            "2025-01-01 02:00"]),
    })
    return leads, acts


def test_derive_touches_hand_checked(touch_fixture):
    leads, acts = touch_fixture
    out = derive_touches(leads, acts, extract_date=T("2025-01-04"))
    assert out["attempts"].tolist() == [4.0, 2.0, 0.0]
    assert out["first_touch_at"].iloc[0] == T("2025-01-01 09:00")
    assert out["first_touch_at"].iloc[1] == T("2025-01-01 01:00")
    assert pd.isna(out["first_touch_at"].iloc[2])
    assert out["attempts"].dtype == np.float64


def test_measure_crm_derives_touches_from_activities(touch_fixture):
    leads, acts = touch_fixture
    r = measure_crm(leads, None, acts, settings=AnalysisSettings(),
                    extract_date="2025-01-04", marketing_sources=["web"])
    assert r["cohort"]["touch_source"] == "activities"
    assert r["cohort"]["attempts_source"] == "activities"
    # hand-off population: L1 (MQL), L2 (converted → MQL reached), L3 (MQL) → 3 leads
    s = r["speed"]
    assert s["n"] == 3
    assert s["untouched_share"] == pytest.approx(1 / 3)
    # L1 2 h, L2 1 h: both within 24 h
    assert s["within_sla_share"] == pytest.approx(2 / 3)


def test_leads_columns_win_over_activities(touch_fixture):
    leads, acts = touch_fixture
    leads = leads.assign(attempts=[5.0, 1.0, 0.0],
                         first_touch_at=pd.to_datetime(["2025-01-01 11:00", "2025-01-01 03:00",
                                                        None]))
    f, info = lead_frame(leads, None, acts, extract_date=T("2025-01-04"))
    assert info["touch_source"] == "leads" and info["attempts_source"] == "leads"
    assert f["attempts"].tolist() == [5.0, 1.0, 0.0]
    assert f["hours_to_touch"].iloc[0] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------
# Cohort and funnel
# ------------------------------------------------------------------------------------------
def test_cohort_dates_inclusive():
    leads = leads_frame([
        {"lead_id": "a", "created_at": "2024-12-31 23:59"},
        {"lead_id": "b", "created_at": "2025-01-01 00:00"},
        {"lead_id": "c", "created_at": "2025-12-31 23:30"},
        {"lead_id": "d", "created_at": "2026-01-01 00:00"},
    ])
    cohort, excluded = select_cohort(leads, "2025-01-01", "2025-12-31")
    assert cohort["lead_id"].tolist() == ["b", "c"] and excluded == 2


def test_cohort_sorted_or_not_same_rows():
    """A cohort that is one run of rows is taken as a slice; scattered rows by mask: the
    same rows, index and values either way."""
    stamps = ["2024-12-31", "2025-02-01", "2025-03-01", "2026-01-02", "2025-04-01"]
    leads = leads_frame([{"lead_id": f"L{i}", "created_at": t} for i, t in enumerate(stamps)])
    run, n_run = select_cohort(leads.iloc[[0, 1, 2, 4, 3]], "2025-01-01", "2025-12-31")
    scattered, n_scattered = select_cohort(leads, "2025-01-01", "2025-12-31")
    assert run["lead_id"].tolist() == ["L1", "L2", "L4"] and n_run == 2
    assert scattered["lead_id"].tolist() == ["L1", "L2", "L4"] and n_scattered == 2
    pd.testing.assert_frame_equal(run.sort_index(), scattered.sort_index())


def _funnel_leads():
    base = "2025-03-01"
    rows = []
    # 10 leads: 8 MQL; 5 accepted (one of them only via sql_at); 2 rejected; 4 SQL; 2 opps; 1 won
    spec = [
        dict(mql=1, acc=1, sql=1, conv=1, opp="O1"),
        dict(mql=1, acc=1, sql=1, conv=1, opp="O2"),
        dict(mql=1, acc=1, sql=1),
        dict(mql=1, acc=0, sql=1),          # SQL without accepted_at: still passed SAL
        dict(mql=1, acc=1),
        dict(mql=1, rej=1, reason="Too small - not our ICP"),
        dict(mql=1, rej=1, reason="No response"),
        dict(mql=1),
        dict(), dict(),
    ]
    for i, s in enumerate(spec):
        rows.append({"lead_id": f"L{i}", "created_at": base, "source": "web" if i < 6 else "event",
                     "mql_at": base if s.get("mql") else None,
                     "accepted_at": base if s.get("acc") else None,
                     "rejected_at": base if s.get("rej") else None,
                     "rejection_reason": s.get("reason"),
                     "sql_at": base if s.get("sql") else None,
                     "converted_at": base if s.get("conv") else None,
                     "opportunity_id": s.get("opp")})
    opps = pd.DataFrame({"opportunity_id": ["O1", "O2", "O3"], "lead_id": ["L0", "L1", None],
                         "created_at": pd.to_datetime([base] * 3), "stage": "x",
                         "is_closed": [True, True, True], "is_won": [True, False, True],
                         "amount": [1000.0, 3000.0, np.nan], "source": [None, None, "outbound"]})
    return leads_frame(rows), opps


def test_funnel_counts_and_rates_by_hand():
    leads, opps = _funnel_leads()
    r = measure_crm(leads, opps, settings=AnalysisSettings(),
                    marketing_sources=["web", "event"])
    c = r["funnel"]["counts"]
    assert c == {"leads": 10, "mql": 8, "sal": 5, "sql": 4, "opportunity": 2, "won": 1}
    m2s = r["funnel"]["rates"]["mql_to_sal"]
    lo, hi = wilson_by_hand(5, 8)
    assert (m2s["rate"], m2s["n"]) == (pytest.approx(5 / 8), 8)
    assert m2s["ci_low"] == pytest.approx(lo) and m2s["ci_high"] == pytest.approx(hi)
    assert r["funnel"]["rates"]["opportunity_to_won"]["rate"] == pytest.approx(0.5)
    web = r["funnel"]["by_source"]["web"]["counts"]
    assert web["leads"] == 6 and web["sql"] == 4
    h = r["handoff"]
    assert h["acceptance_rate"] == pytest.approx(5 / 8)
    assert h["rejection_rate"] == pytest.approx(2 / 8)
    assert h["reason_share"] == pytest.approx(1.0)
    assert h["fit_share"] == pytest.approx(0.5)
    assert {x["reason"]: x["fit"] for x in h["reasons"]} == {
        "Too small - not our ICP": True, "No response": False}
    # marketing-sourced: O1 (lead L0, web) 1000, O2 (L1, web) 3000, O3 outbound, no amount
    ms = r["marketing_sourced"]
    assert ms["pipeline_share"] == pytest.approx(1.0)
    assert ms["amounts_missing"] == 1
    assert ms["won_revenue_share"] == pytest.approx(1.0)
    json.dumps(r, allow_nan=False)


def test_fit_reason_classifier():
    s = pd.Series(["Not a fit", "Company too small", "No budget", "No response after 3 calls",
                   "Duplicate", "Student", "Wrong industry", None, "Timing - not now"])
    assert is_fit_reason(s).tolist() == [True, True, True, False, False, True, True, False,
                                         False]


# ------------------------------------------------------------------------------------------
# Speed: Kaplan–Meier by hand
# ------------------------------------------------------------------------------------------
def _speed_leads(touch_hours, untouched_start_offsets, extract):
    rows = []
    start = T("2025-01-01")
    for i, h in enumerate(touch_hours):
        rows.append({"lead_id": f"T{i}", "created_at": start, "mql_at": start,
                     "first_touch_at": start + pd.Timedelta(hours=h), "attempts": 1.0,
                     "source": "web"})
    for i, h in enumerate(untouched_start_offsets):
        s = extract - pd.Timedelta(hours=h)
        rows.append({"lead_id": f"U{i}", "created_at": s, "mql_at": s,
                     "first_touch_at": pd.NaT, "attempts": 0.0, "source": "web"})
    return leads_frame(rows)


def test_km_median_with_censoring_by_hand():
    # events at 0,1,2,3,5 h; untouched censored at 4,4,10 h (n=8).
    # S: t0 7/8=.875, t1 .75, t2 .625, t3 .5 → median 3 h; t5: .5·1/2=.25 → p90 not reached
    extract = T("2025-02-01")
    leads = _speed_leads([0, 1, 2, 3, 5], [4, 4, 10], extract)
    r = measure_crm(leads, None, settings=AnalysisSettings(sla_first_touch_hours=2.5),
                    extract_date=extract, marketing_sources=["web"])
    s = r["speed"]
    assert s["median_hours"] == pytest.approx(3.0)
    assert s["p90_hours"] is None
    assert s["untouched_share"] == pytest.approx(3 / 8)
    assert s["within_sla_share"] == pytest.approx(3 / 8)   # 0, 1, 2 h ≤ 2.5 h
    curve = {p["hours"]: p["survival"] for p in s["km_curve"]}
    assert curve[5.0] == pytest.approx(0.25)
    # a naive median of the touched leads only would be 2 h: censoring matters
    assert s["median_hours"] != np.median([0, 1, 2, 3, 5])


def test_km_no_censoring_p90():
    extract = T("2025-02-01")
    leads = _speed_leads(list(range(1, 11)), [], extract)
    r = measure_crm(leads, None, settings=AnalysisSettings(), extract_date=extract,
                    marketing_sources=["web"])
    assert r["speed"]["median_hours"] == pytest.approx(5.0)   # S(5) = 0.5
    assert r["speed"]["p90_hours"] == pytest.approx(9.0)      # S(9) = 0.1


def test_km_median_not_reached_when_most_untouched():
    extract = T("2025-02-01")
    leads = _speed_leads([1, 2], [5, 6, 7], extract)
    r = measure_crm(leads, None, settings=AnalysisSettings(), extract_date=extract,
                    marketing_sources=["web"])
    assert r["speed"]["median_hours"] is None
    assert any("median" in w for w in r["warnings"])


# ------------------------------------------------------------------------------------------
# Persistence and dose–response
# ------------------------------------------------------------------------------------------
def test_persistence_by_hand():
    base = "2025-01-01"
    att = [0, 1, 1, 1, 2, 6, 7, 1]
    sql = [0, 0, 0, 1, 0, 1, 0, 0]   # converted: the 4th (1 attempt) and 6th
    rows = [{"lead_id": f"L{i}", "created_at": base, "mql_at": base, "source": "web",
             "attempts": a, "first_touch_at": None if a == 0 else "2025-01-01 01:00",
             "sql_at": base if s else None} for i, (a, s) in enumerate(zip(att, sql))]
    r = measure_crm(leads_frame(rows), None, settings=AnalysisSettings(),
                    marketing_sources=["web"])
    p = r["persistence"]
    # touched & not converted: attempts 1,1,2,7,1 → 3 single of 5
    assert p["single_attempt_share"] == pytest.approx(3 / 5)
    assert p["well_worked_share"] == pytest.approx(2 / 8)
    assert p["median_attempts"] == pytest.approx(1.0)        # 1,1,1,1,2,6,7 → 1
    dist = {d["attempts"]: d["n"] for d in p["attempts_distribution"]}
    assert dist["0"] == 1 and dist["1"] == 4 and dist["6"] == 1 and dist["10+"] == 0
    by = {b["bucket"]: b for b in r["dose_response"]["by_attempts"]["overall"]}
    assert by["1"]["n"] == 4 and by["1"]["k"] == 1
    assert by["6+"]["rate"] == pytest.approx(0.5)
    # worked conversion, attempt clock over the 7 leads touched within the SLA (1 h):
    # attempts 1,1,1,2,6,7,1 with conversions at 1 (L3) and 6 (L5)
    # k=1: 1 of 7 convert; k=2..5: none of 3, 2, 2, 2; k=6: 1 of 2 → S = 6/7 · 1/2
    wc = r["lead_quality"]["worked_conversion"]["all"]
    assert wc["rate"] == pytest.approx(1 - 6 / 7 * 1 / 2)
    assert wc["n"] == 7 and wc["k"] == 2 and wc["n_reached"] == 2


# ------------------------------------------------------------------------------------------
# Empty and missing data
# ------------------------------------------------------------------------------------------
def test_empty_and_missing_inputs_are_json_safe():
    for leads in (None, leads_frame([{"lead_id": "x", "created_at": "2020-01-01"}])):
        r = measure_crm(leads, None, None, settings=AnalysisSettings(),
                        period_start="2025-01-01", period_end="2025-12-31")
        json.dumps(r, allow_nan=False)
        assert r["cohort"]["leads"] == 0
        assert r["speed"]["median_hours"] is None
        assert r["warnings"]


def test_no_touch_data_says_so():
    leads = leads_frame([{"lead_id": f"L{i}", "created_at": "2025-01-01", "source": "web",
                          "mql_at": "2025-01-01"} for i in range(5)])
    r = measure_crm(leads, None, None, settings=AnalysisSettings(), marketing_sources=["web"])
    assert r["persistence"]["single_attempt_share"] is None
    assert r["lead_quality"]["worked_conversion"] is None
    assert r["effort"]["hazard_by_attempt"] == []
    assert r["revenue_at_stake"]["amount"] is None
    assert "not in the export" in r["revenue_at_stake"]["reason"]
    assert any("attempts" in w for w in r["warnings"])


def test_derive_is_vectorized_on_large_tables():
    rng = np.random.default_rng(1)
    n, m = 50_000, 600_000
    created = T("2025-01-01") + pd.to_timedelta(rng.uniform(0, 300, n), unit="D")
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "created_at": created,
                          "source": "web"})
    li = rng.integers(0, n, m)
    acts = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()[li],
                         "occurred_at": created[li] + pd.to_timedelta(rng.uniform(-2, 30, m),
                                                                      unit="D")})
    out = derive_touches(leads, acts, extract_date=T("2026-01-01"))  # timed in bench/, not here
    # brute-force check on a few leads
    for i in (0, 17, 4242):
        a = acts.loc[(acts["lead_id"] == f"L{i}") & (acts["occurred_at"] >= created[i])
                     & (acts["occurred_at"] <= T("2026-01-01")), "occurred_at"]
        assert out["attempts"].iloc[i] == len(a)
        if len(a):
            assert out["first_touch_at"].iloc[i] == a.min()


def test_logit_with_kept_probabilities_is_statsmodels_own():
    """The dose–response logit keeps the probabilities of the last parameter vector
    (``toolkit.crm.dose._logit_class``): fewer passes over the rows, and every estimate,
    interval, p-value and iteration count equal to plain statsmodels, bit for bit."""
    from statsmodels.discrete.discrete_model import Logit

    from toolkit.crm.dose import _logit_class, logit

    rng = np.random.default_rng(20261203)
    for n, beta in ((5000, (-0.4, -0.3, 0.8)), (800, (1.5, -2.0, 0.1))):
        X = np.asfortranarray(np.column_stack([np.ones(n), rng.exponential(2.0, n),
                                               rng.normal(size=n)]))
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.array(beta))))).astype(float)
        kept_cls = _logit_class()
        calls = []
        orig = Logit.predict
        plain = Logit(y, X).fit(disp=0, maxiter=200)
        model = kept_cls(y, X)
        Logit.predict = lambda self, *a, **k: calls.append(1) or orig(self, *a, **k)
        try:
            kept = model.fit(disp=0, maxiter=200)
        finally:
            Logit.predict = orig
        assert np.array_equal(kept.params, plain.params)
        assert np.array_equal(kept.bse, plain.bse)
        assert np.array_equal(kept.pvalues, plain.pvalues)
        assert np.array_equal(np.asarray(kept.conf_int()), np.asarray(plain.conf_int()))
        assert kept.llf == plain.llf
        for key in ("converged", "iterations"):
            assert kept.mle_retvals[key] == plain.mle_retvals[key]
        iterations = plain.mle_retvals["iterations"]
        assert iterations >= 4 and len(calls) <= iterations + 3  # once per parameter vector
    # the measure itself: odds ratios of a seeded lead frame as plain statsmodels gives them
    n = 3000
    hours = rng.exponential(30.0, n)
    score = rng.integers(0, 100, n).astype(float)
    conv = rng.random(n) < 1 / (1 + np.exp(-(0.5 - hours / 40 + (score - 50) / 40)))
    f = pd.DataFrame({"touched": np.ones(n, bool), "converted": conv,
                      "hours_to_touch": hours, "score": score})
    got = logit(f)
    s = (score - score.mean()) / pd.Series(score).std()
    ref = Logit(conv.astype(float), np.asfortranarray(
        np.column_stack([np.ones(n), hours / 24.0, s]))).fit(disp=0, maxiter=200)
    assert got["n"] == n and got["converged"] is True
    assert got["terms"]["first_touch_days"]["odds_ratio"] == float(np.exp(ref.params[1]))
    assert got["terms"]["score_sd"]["odds_ratio"] == float(np.exp(ref.params[2]))
    assert got["terms"]["score_sd"]["p_value"] == float(ref.pvalues[2])
    assert got["terms"]["first_touch_days"]["ci_low"] == float(np.exp(ref.conf_int()[1, 0]))
    assert got["terms"]["first_touch_days"]["odds_ratio"] < 1 < got["terms"]["score_sd"][
        "odds_ratio"]


def test_kaplan_meier_from_counts_is_scipys():
    """toolkit.crm.speed.kaplan_meier (counts per distinct time) gives scipy.stats.ecdf's
    times and survival bit for bit — ties between events, between censorings and across
    both, with and without censoring — and evaluates the step function as SciPy does."""
    from scipy import stats

    from toolkit.crm.speed import kaplan_meier

    rng = np.random.default_rng(7)
    cases = [
        (rng.integers(0, 40, 3000) / 4.0, rng.integers(0, 60, 1200) / 4.0),   # many ties
        (rng.exponential(30.0, 5000), rng.uniform(0, 400, 2000)),           # few ties
        (rng.integers(0, 10, 500).astype(float), np.array([])),             # uncensored
        (np.array([0.0, 0.0, 1.5]), np.array([0.0, 1.5, 1.5, 9.0])),
        (np.array([2.0]), np.array([-3.0, 1.0])),                           # clipped to 0
    ]
    for ev, ce in cases:
        got = kaplan_meier(ev, ce)
        ref = stats.ecdf(stats.CensoredData(uncensored=ev, right=np.clip(ce, 0.0, None))).sf
        assert np.array_equal(got.quantiles, ref.quantiles)
        assert np.array_equal(got.probabilities, ref.probabilities)
        q = ref.quantiles
        grid = np.concatenate([q, (q[:-1] + q[1:]) / 2, [q[0] - 1, q[-1] + 1, 0.0, 24.0]])
        assert np.array_equal(got.evaluate(grid), ref.evaluate(grid))
    # a hand-worked curve: 4 at risk, an event at 1 h (3/4), a censoring at 2 h, an event
    # at 3 h among the 2 left (3/4 · 1/2)
    km = kaplan_meier([1.0, 3.0, 5.0], [2.0])
    assert list(km.quantiles) == [1.0, 2.0, 3.0, 5.0]
    assert list(km.probabilities) == [0.75, 0.75, 0.375, 0.0]
    assert list(km.evaluate([0.5, 1.0, 2.9, 3.0, 6.0])) == [1.0, 0.75, 0.75, 0.375, 0.0]
    assert kaplan_meier([], [1.0]) is None
