"""The blame-game verdict (SPEC §5): rules on hand-built evidence, synthetic and sample CRMs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import benchmarks
from toolkit.config import AnalysisSettings
from toolkit.crm import measure_crm
from toolkit.verdict import THRESHOLDS, judge

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
MKT = ["web", "webinar", "paid_search", "event", "content"]


# ------------------------------------------------------------------------------------------
# Thresholds are documented, in one place
# ------------------------------------------------------------------------------------------
def test_every_threshold_has_value_rationale_and_source():
    assert THRESHOLDS
    for name, t in THRESHOLDS.items():
        assert isinstance(t["value"], (int, float)), name
        assert len(t["rationale"]) > 30 and t["source"], name
    assert THRESHOLDS["well_worked_conversion_floor"]["value"] == pytest.approx(0.40 * 0.50)


def test_benchmarks_carry_provenance():
    kinds = {"academic", "analyst", "vendor", "practitioner", "unverified"}
    for k, r in benchmarks.REFERENCES.items():
        assert r["provenance"] in kinds, k
        assert r["source"] and r["figure"]
    assert benchmarks.REFERENCES["hbr_2011_response"]["provenance"] == "academic"
    assert benchmarks.REFERENCES["velocify_attempts"]["provenance"] == "vendor"
    assert benchmarks.REFERENCES["teams_dont_speak"]["provenance"] == "unverified"
    json.dumps(benchmarks.sources_table(), allow_nan=False)


# ------------------------------------------------------------------------------------------
# Rules on hand-built evidence dicts
# ------------------------------------------------------------------------------------------
def _w(rate, n, lo, hi, reached=None):
    return {"rate": rate, "n": n, "ci_low": lo, "ci_high": hi,
            "n_reached": n // 3 if reached is None else reached}


def _crm(*, mk=(0.55, 200, 0.48, 0.62), other=(0.50, 200, 0.43, 0.57), clearly_lower=False,
         fit=0.3, n_reason=100, untouched=0.03, sla=0.9, single=0.1, n_followup=500,
         h3=(0.005, 0.002, 0.012), leads4=200, banded=True, band_h3=None):
    hz = {"rate": h3[0], "ci_low": h3[1], "ci_high": h3[2], "n": 4 * leads4, "leads": leads4}
    bh = band_h3 or h3
    band = {"hazard_after_attempt_3": {"rate": bh[0], "ci_low": bh[1], "ci_high": bh[2],
                                       "n": 2 * leads4, "leads": leads4}}
    share = {"rate": 0.3, "ci_low": 0.25, "ci_high": 0.35, "n": 300}
    return {
        "cohort": {"leads": 1000},
        "handoff": {"fit_share": fit, "n_with_reason": n_reason, "fit": None},
        "lead_quality": {"worked_conversion": {"marketing": _w(*mk), "other": _w(*other),
                                               "all": _w(*mk), "well_worked_attempts": 6},
                         "marketing_vs_other": {"marketing_clearly_lower": clearly_lower,
                                                "intervals_overlap": not clearly_lower}},
        "speed": {"sla_hours": 24.0, "n": n_followup, "untouched_share": untouched,
                  "within_sla_share": sla, "median_hours": 3.0,
                  "by_group": {"marketing": {"n": n_followup, "untouched_share": untouched,
                                             "within_sla_share": sla, "median_hours": 3.0}}},
        "persistence": {"single_attempt_share": single, "n_touched_not_converted": n_followup,
                        "by_group": {"marketing": {"single_attempt_share": single,
                                                   "n_touched_not_converted": n_followup}}},
        "effort": {"hazard_by_attempt": [{"attempt": 1}], "hazard_after_attempt_3": hz,
                   "after_attempt_3_share": share,
                   "by_group": {"marketing": {"hazard_after_attempt_3": hz,
                                              "after_attempt_3_share": share}},
                   "by_band": ({"low": band, "mid": band, "high": band} if banded else {})},
    }


def test_rules_followup_gap():
    v = judge(_crm(untouched=0.3, sla=0.35, single=0.45, h3=(0.10, 0.08, 0.12)), None)
    assert v["follow_up"]["status"] == "supported"
    assert v["lead_quality"]["status"] == "not_supported"
    keys = {e["key"] for e in v["follow_up"]["evidence"]}
    assert "crm.speed.by_group.marketing.untouched_share" in keys
    assert "crm.effort.by_group.marketing.hazard_after_attempt_3.rate" in keys
    assert "crm.effort.by_group.marketing.after_attempt_3_share.rate" in keys
    lq_keys = {e["key"] for e in v["lead_quality"]["evidence"]}
    assert "crm.lead_quality.worked_conversion.marketing.rate" in lq_keys
    # no attempts-count evidence (survivorship-biased) anywhere in the verdict
    assert not any("dose_response" in k for k in keys | lq_keys)


def test_rules_lead_quality():
    v = judge(_crm(mk=(0.12, 150, 0.08, 0.18), other=(0.45, 150, 0.37, 0.53),
                   clearly_lower=True, fit=0.7), None)
    assert v["lead_quality"]["status"] == "supported"
    assert v["follow_up"]["status"] == "not_supported"


def test_poor_conversion_without_fit_reasons_is_inconclusive():
    v = judge(_crm(mk=(0.10, 150, 0.06, 0.16), fit=0.2), None)
    assert v["lead_quality"]["status"] == "inconclusive"


def test_benchmark_shortfall_must_be_clear():
    # point below the 20% floor but the interval reaches it → inconclusive, not supported
    v = judge(_crm(mk=(0.17, 60, 0.09, 0.28), other=(0.2, 60, 0.1, 0.3), fit=0.8), None)
    assert v["lead_quality"]["status"] == "inconclusive"


def test_too_few_leads_followed_to_the_last_attempt_is_inconclusive():
    # 200 leads touched within the SLA but only 6 still being called at attempt 6: the end of
    # the Kaplan–Meier curve rests on a handful of leads, so no verdict either way
    for mk in ((0.55, 200, 0.40, 0.70, 6), (0.05, 200, 0.01, 0.15, 6)):
        v = judge(_crm(mk=mk, fit=0.9), None)
        assert v["lead_quality"]["status"] == "inconclusive"
        assert "only 6" in v["lead_quality"]["reasons"][0]


def test_too_few_well_worked_leads_is_inconclusive():
    v = judge(_crm(mk=(0.1, 12, 0.02, 0.4), other=(0.1, 12, 0.02, 0.4),
                   fit=0.9), None)
    assert v["lead_quality"]["status"] == "inconclusive"
    assert "12" in v["lead_quality"]["reasons"][0]


def test_thin_followup_with_flat_effort_is_not_supported_and_imprecise_is_inconclusive():
    flat = judge(_crm(untouched=0.3, h3=(0.005, 0.002, 0.012)), None)
    assert flat["follow_up"]["status"] == "not_supported"
    vague = judge(_crm(untouched=0.3, h3=(0.03, 0.01, 0.06)), None)
    assert vague["follow_up"]["status"] == "inconclusive"
    few = judge(_crm(untouched=0.3, h3=(0.10, 0.05, 0.2), leads4=10), None)
    assert few["follow_up"]["status"] == "inconclusive"
    # pays overall but not within a score band (reverse causality) → inconclusive
    band = judge(_crm(untouched=0.3, h3=(0.10, 0.08, 0.12), band_h3=(0.004, 0.001, 0.01)),
                 None)
    assert band["follow_up"]["status"] == "inconclusive"
    assert any("score" in r for r in band["follow_up"]["reasons"])


def test_no_score_band_adds_caveat():
    v = judge(_crm(untouched=0.3, h3=(0.10, 0.08, 0.12), banded=False), None)
    assert v["follow_up"]["status"] == "supported"
    assert any("lead score" in c for c in v["follow_up"]["caveats"])


def test_beliefs_sentence():
    survey = {"claims": {"sales_blame_leads_share": 0.7, "marketing_blame_followup_share": 0.2}}
    v = judge(_crm(untouched=0.3, sla=0.35, h3=(0.10, 0.08, 0.12)), survey)
    assert v["beliefs"]["sentence"] == ("Sales blames lead quality; the evidence points to "
                                        "follow-up.")
    assert v["beliefs"]["sales_blame_leads_share"] == 0.7
    assert "70%" in v["beliefs"]["checks"][0] and "does not support" in v["beliefs"]["checks"][0]
    v2 = judge(_crm(), None)
    assert v2["beliefs"]["sentence"].startswith("The survey did not measure")


# ------------------------------------------------------------------------------------------
# Empty and tiny CRM
# ------------------------------------------------------------------------------------------
def test_no_crm_is_inconclusive_with_reason():
    v = judge(None, None)
    for claim in ("lead_quality", "follow_up"):
        assert v[claim]["status"] == "inconclusive"
        assert v[claim]["reasons"] == ["no CRM data"]
    assert v["headline"]
    json.dumps(v, allow_nan=False)


def test_empty_and_tiny_crm_are_inconclusive():
    empty = measure_crm(None, settings=AnalysisSettings())
    v = judge(empty, None)
    assert v["lead_quality"]["status"] == v["follow_up"]["status"] == "inconclusive"
    assert "no leads" in v["lead_quality"]["reasons"][0]
    base = pd.Timestamp("2025-01-01")
    tiny = pd.DataFrame({"lead_id": [f"L{i}" for i in range(12)],
                         "created_at": [base] * 12, "mql_at": [base] * 12,
                         "source": "web", "attempts": [1.0] * 6 + [7.0] * 6,
                         "first_touch_at": [base + pd.Timedelta(hours=1)] * 12,
                         "sql_at": [pd.NaT] * 10 + [base] * 2})
    v = judge(measure_crm(tiny, settings=AnalysisSettings(), marketing_sources=["web"]), None)
    assert v["lead_quality"]["status"] == "inconclusive"
    assert v["follow_up"]["status"] == "inconclusive"
    assert any("too few" in r or "only" in r for r in v["follow_up"]["reasons"])
    assert any("only 12 leads first touched within the SLA" in r
               for r in v["lead_quality"]["reasons"])


# ------------------------------------------------------------------------------------------
# Synthetic CRM through measure_crm → judge (planted truths, own generator)
# ------------------------------------------------------------------------------------------
def synth(kind: str, n: int = 4000, seed: int = 3):
    """A CRM of its own (not the product's generator): conversion is a per-attempt process —
    a touched lead converts at attempt K ~ Geometric(hazard) unless the rep stops first, and a
    converted lead is not called again."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 330, n), unit="D")
    src = rng.choice(["web", "event", "referral", "outbound"], n)
    mkt = np.isin(src, ["web", "event"])
    score = rng.uniform(0, 100, n)
    if kind == "followup":
        untouched = rng.random(n) < 0.3
        hours = rng.exponential(45, n)
        planned = np.where(rng.random(n) < 0.5, 1, rng.integers(1, 10, n))
    else:
        untouched = rng.random(n) < 0.02
        hours = rng.exponential(2.5, n)
        planned = rng.integers(4, 11, n)
    hazard = 0.12 * (0.5 + score / 100)
    if kind == "quality":   # worked to 6 attempts: 12% of marketing leads, 45% of others
        hazard = np.where(mkt, 1 - 0.88 ** (1 / 6), 1 - 0.55 ** (1 / 6))
    k = rng.geometric(hazard)
    conv = (k <= planned) & ~untouched
    att = np.where(untouched, 0, np.minimum(k, planned))
    fit_p = 0.8 if kind == "quality" else 0.2
    rej = ~conv & (rng.random(n) < 0.4)
    reason = np.where(rng.random(n) < fit_p, "Not a fit - company too small", "No response")
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(n)], "created_at": created, "source": src,
        "mql_at": created, "score": score, "attempts": att.astype(float),
        "first_touch_at": pd.Series(created + pd.to_timedelta(hours, unit="h")).where(~untouched),
        "sql_at": pd.Series(created + pd.Timedelta(days=5)).where(conv),
        "rejected_at": pd.Series(created + pd.Timedelta(days=2)).where(rej),
        "rejection_reason": pd.Series(reason).where(rej)})
    return leads


@pytest.mark.parametrize("kind,lq,fu", [("followup", "not_supported", "supported"),
                                        ("quality", "supported", "not_supported"),
                                        ("aligned", "not_supported", "not_supported")])
def test_synthetic_engagements(kind, lq, fu):
    crm = measure_crm(synth(kind), None, settings=AnalysisSettings(),
                      marketing_sources=["web", "event"])
    v = judge(crm, None)
    assert (v["lead_quality"]["status"], v["follow_up"]["status"]) == (lq, fu)
    json.dumps(v, allow_nan=False)


# ------------------------------------------------------------------------------------------
# The sample engagements (data/samples, planted truths)
# ------------------------------------------------------------------------------------------
DATES = ("created_at", "mql_at", "accepted_at", "rejected_at", "sql_at", "converted_at",
         "first_touch_at", "closed_at", "occurred_at")


def _read(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype={"lead_id": str, "opportunity_id": str, "owner_id": str,
                                  "activity_id": str})
    for c in DATES:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c], format="ISO8601")
    if "attempts" in df.columns:
        df["attempts"] = df["attempts"].astype("float64")
    for c in ("is_won", "is_closed"):
        if c in df.columns and df[c].dtype != bool:
            df[c] = df[c].astype(str).str.lower().isin(["true", "1", "yes"])
    return df


def sample_crm(name: str) -> dict:
    import tomllib
    folder = SAMPLES / name
    if not (folder / "crm" / "leads.csv").is_file():
        pytest.skip(f"sample engagement {name} not generated yet")
    conf = tomllib.loads((folder / "engagement.toml").read_text()) if (
        folder / "engagement.toml").is_file() else {}
    c, a = conf.get("crm", {}), conf.get("analysis", {})
    cl = conf.get("client", {})
    settings = AnalysisSettings(
        sla_first_touch_hours=float(a.get("sla_first_touch_hours", 24)),
        well_worked_attempts=int(a.get("well_worked_attempts", 6)))
    return measure_crm(_read(folder / "crm" / "leads.csv"),
                       _read(folder / "crm" / "opportunities.csv"),
                       _read(folder / "crm" / "activities.csv"), settings=settings,
                       period_start=cl.get("period_start"), period_end=cl.get("period_end"),
                       marketing_sources=c.get("marketing_sources", MKT),
                       extract_date=c.get("extract_date"))


@pytest.fixture(scope="module")
def samples_crm():
    cache: dict[str, dict] = {}

    def get(name):
        if name not in cache:
            cache[name] = sample_crm(name)
        return cache[name]
    return get


@pytest.mark.parametrize("name,lq,fu", [("followup-gap", "not_supported", "supported"),
                                        ("lead-quality", "supported", "not_supported"),
                                        ("well-aligned", "not_supported", "not_supported")])
def test_sample_engagement_verdicts(samples_crm, name, lq, fu):
    crm = samples_crm(name)
    v = judge(crm, None)
    assert v["lead_quality"]["status"] == lq, v["lead_quality"]
    assert v["follow_up"]["status"] == fu, v["follow_up"]
    json.dumps(crm, allow_nan=False)
    json.dumps(v, allow_nan=False)


@pytest.mark.parametrize("name", ["followup-gap", "lead-quality", "well-aligned"])
def test_sample_planted_figures_read_back(samples_crm, name):
    """The measures recover the generator's planted figures (planted.json, marketing MQLs)."""
    planted = json.loads((SAMPLES / name / "planted.json").read_text())["crm"]
    crm = samples_crm(name)
    mk = crm["speed"]["by_group"]["marketing"]
    assert mk["untouched_share"] == pytest.approx(planted["untouched_share"], abs=0.05)
    assert mk["within_sla_share"] == pytest.approx(planted["within_sla_share"], abs=0.07)
    assert mk["median_hours"] == pytest.approx(planted["median_first_touch_hours"], rel=0.3)
    wc = crm["lead_quality"]["worked_conversion"]
    for group, key in (("marketing", "marketing"), ("other", "sales")):
        w = wc[group]
        # the planted rate lies inside the Kaplan–Meier interval (widened by 2 points for
        # the generator's finite-sample calibration)
        assert w["ci_low"] - 0.02 <= planted["well_worked_sql_rate"][key] <= w["ci_high"] + 0.02
    assert crm["handoff"]["fit_share"] == pytest.approx(planted["fit_reason_share"], abs=0.1)
    h3 = crm["effort"]["hazard_after_attempt_3"]
    if planted["persistence_pays"]:
        assert h3["ci_low"] > THRESHOLDS["effort_hazard_floor"]["value"]
    else:
        assert h3["ci_high"] < THRESHOLDS["effort_hazard_floor"]["value"]


def test_headline_does_not_claim_a_blame_game_nobody_plays():
    from toolkit.verdict import _headline

    ns = {"status": "not_supported", "summary": "x"}
    low = {"sales_blame_leads_share": 0.2, "marketing_blame_followup_share": 0.11}
    high = {"sales_blame_leads_share": 0.7, "marketing_blame_followup_share": 0.11}
    assert "perception" not in _headline(ns, ns, low)
    assert "few on either side make it" in _headline(ns, ns, low)
    assert "about perception, not performance" in _headline(ns, ns, high)
    assert "perception" not in _headline(ns, ns, None)
