"""Tests of the seeded sample-data generator (toolkit.generate).

Planted properties are recomputed here from the raw tables with plain pandas (attempts and
first touch derived from activities), independently of toolkit.generate.summary.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.config import TEAMS, load_engagement
from toolkit.generate import PROFILES, generate_engagement, generate_tables
from toolkit.generate.plan import planted_shared_outcome_weight

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
MKT = ["web", "webinar", "paid_search", "event", "content"]
REVERSE = {"FAIR4", "TRUST3", "SUPP3", "SHARE3", "RINT3", "RFAIR3", "BIDIR3", "QUAL3",
           "DEFN3", "REFF3"}                                         # SPEC §3
ITEMS = ([f"FAIR{i}" for i in range(1, 5)] + [f"TRUST{i}" for i in range(1, 4)]
         + [f"CONF{i}" for i in range(1, 5)] + [f"SUPP{i}" for i in range(1, 4)]
         + [f"SHARE{i}" for i in range(1, 4)] + [f"RINT{i}" for i in range(1, 4)]
         + [f"RFAIR{i}" for i in range(1, 4)] + [f"BIDIR{i}" for i in range(1, 4)]
         + [f"QUAL{i}" for i in range(1, 4)] + [f"DEFN{i}" for i in range(1, 4)]
         + ["FEED1", "FEED2"] + [f"MAT{i}" for i in range(1, 13)]
         + [f"REFF{i}" for i in range(1, 4)] + ["CLAIM_LEADS", "CLAIM_FOLLOW"])
SIDE = {"sales": "sales", "sales_development": "sales", "marketing": "marketing"}
P0, P1 = pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def tables():
    """One mid-size generation per profile (shared by the planted-property tests)."""
    return {p: generate_tables(p, seed=11, n_respondents=600, n_leads=12000) for p in PROFILES}


def follow_up(t: dict) -> pd.DataFrame:
    """Period leads with attempts / hours to first touch derived from activities (touch
    window: creation to conversion; a touch before the MQL stamp is a response of 0 h)."""
    leads, acts = t["leads"], t["activities"]
    start = leads["mql_at"].fillna(leads["created_at"])
    a = acts[acts["lead_id"].notna()].merge(
        leads[["lead_id", "created_at", "converted_at"]], on="lead_id")
    a = a[(a["occurred_at"] >= a["created_at"])
          & (a["converted_at"].isna() | (a["occurred_at"] <= a["converted_at"]))]
    g = a.groupby("lead_id")["occurred_at"].agg(["min", "size"])
    out = leads.assign(start=start).merge(g, left_on="lead_id", right_index=True, how="left")
    out["attempts"] = out["size"].fillna(0)
    out["hours"] = ((out["min"] - out["start"]).dt.total_seconds() / 3600).clip(lower=0)
    out["sql"] = out["sql_at"].notna()
    out["mkt"] = out["source"].isin(MKT)
    return out[(out["created_at"] >= P0) & (out["created_at"] < P1)]


def mqls(t: dict) -> pd.DataFrame:
    f = follow_up(t)
    return f[f["mkt"] & f["mql_at"].notna()]


def km6(f: pd.DataFrame) -> float:
    """Kaplan–Meier conversion by attempt 6 of leads first touched within 24 h, by the
    textbook product in plain Python (converted leads are events at their attempt count)."""
    rows = [(int(a), bool(c)) for a, c, h in zip(f["attempts"], f["sql"], f["hours"])
            if a >= 1 and h <= 24]
    surv = 1.0
    for k in range(1, 7):
        at_risk = sum(1 for a, _ in rows if a >= k)
        events = sum(1 for a, c in rows if a == k and c)
        surv *= 1 - events / at_risk
    return 1 - surv


def band_hazard(f: pd.DataFrame, attempts: range) -> pd.Series:
    """Pooled per-attempt SQL hazard over *attempts*, by score band (touched leads)."""
    f = f[f["attempts"] > 0].assign(band=pd.cut(f["score"], [0, 35, 50, 65, 101], right=False))
    out = {}
    for band, g in f.groupby("band", observed=True):
        at_risk = sum(int((g["attempts"] >= k).sum()) for k in attempts)
        events = sum(int(((g["attempts"] == k) & g["sql"]).sum()) for k in attempts)
        out[band] = events / at_risk
    return pd.Series(out)


def band_rates(f: pd.DataFrame) -> pd.DataFrame:
    """Raw SQL rate by score band × attempts bucket for touched MQLs (the biased table)."""
    f = f[f["attempts"] > 0].assign(
        band=pd.cut(f["score"], [0, 35, 50, 65, 101], right=False),
        bucket=pd.cut(f["attempts"], [0, 1, 5, 100], labels=["1", "2-5", "6+"]))
    return f.pivot_table(index="band", columns="bucket", values="sql", aggfunc="mean",
                         observed=True)


def test_conversion_is_a_per_attempt_process(tables):
    """A converted lead gets no further lead touches, and some touches precede the MQL."""
    for name in ("followup-gap", "lead-quality", "well-aligned"):
        t = tables[name]
        leads, acts = t["leads"], t["activities"]
        a = acts[acts["lead_id"].notna()].merge(
            leads[["lead_id", "created_at", "mql_at", "sql_at"]], on="lead_id")
        assert not (a["occurred_at"] > a["sql_at"]).any(), name
        before = a[(a["occurred_at"] < a["mql_at"]) & (a["occurred_at"] >= a["created_at"])]
        assert before["lead_id"].nunique() > 20, name


def test_raw_attempts_table_slopes_down_while_the_hazard_does_not(tables):
    """The survivorship bias the attempt clock removes: on lead-quality (flat hazard) the raw
    SQL rate by attempts falls steeply in every score band, the per-attempt hazard does not."""
    m = mqls(tables["lead-quality"])
    raw = band_rates(m)
    assert ((raw["1"] - raw["6+"]) > 0.2).all()
    early, late = band_hazard(m, range(1, 4)), band_hazard(m, range(4, 7))
    assert (late >= early - 0.03).all()


# --- determinism, sizes, schema ---------------------------------------------------------

def test_same_seed_same_frames_and_different_seed_differs():
    a = generate_tables("lead-quality", seed=5, n_respondents=40, n_leads=400)
    b = generate_tables("lead-quality", seed=5, n_respondents=40, n_leads=400)
    c = generate_tables("lead-quality", seed=6, n_respondents=40, n_leads=400)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    assert not a["leads"]["created_at"].equals(c["leads"]["created_at"])
    assert not a["survey"]["FAIR1"].equals(c["survey"]["FAIR1"])


def test_engagement_files_byte_identical(tmp_path):
    f1 = generate_engagement(tmp_path / "a" / "demo", "well-aligned", seed=3, n_respondents=40,
                             n_leads=300)
    f2 = generate_engagement(tmp_path / "b" / "demo", "well-aligned", seed=3, n_respondents=40,
                             n_leads=300)
    files = sorted(p.relative_to(f1) for p in f1.rglob("*") if p.is_file())
    assert {str(p) for p in files} >= {"engagement.toml", "planted.json",
                                       "survey/responses.csv", "crm/leads.csv",
                                       "crm/opportunities.csv", "crm/activities.csv",
                                       "incentives/comp_plan.csv"}
    for rel in files:
        assert (f1 / rel).read_bytes() == (f2 / rel).read_bytes(), rel
    eng = load_engagement(f1)                       # the toml passes the real loader
    assert eng.client.id == "demo" and eng.survey.format == "canonical"
    assert eng.crm.extract_date == pd.Timestamp("2026-01-15").to_pydatetime()


def test_sizes_and_activity_padding():
    t = generate_tables("followup-gap", seed=2, n_respondents=55, n_leads=1000,
                        n_activities=20000)
    assert len(t["survey"]) == 55
    created = t["leads"]["created_at"]
    assert ((created >= P0) & (created < P1)).sum() == 1000
    assert 20 <= (~((created >= P0) & (created < P1))).sum() <= 80     # outside the window
    assert len(t["activities"]) == 20000
    with pytest.raises(ValueError):
        generate_tables("nope", seed=1)


def test_schema_ids_and_funnel_order(tables):
    for name, t in tables.items():
        leads, opps, acts, s = t["leads"], t["opportunities"], t["activities"], t["survey"]
        assert "first_touch_at" not in leads and "attempts" not in leads
        for frame, key in ((leads, "lead_id"), (opps, "opportunity_id"),
                           (acts, "activity_id"), (s, "respondent_id")):
            assert frame[key].is_unique and frame[key].notna().all()
        chain = ["created_at", "mql_at", "accepted_at", "sql_at", "converted_at"]
        for a, b in zip(chain, chain[1:]):
            both = leads[a].notna() & leads[b].notna()
            assert (leads.loc[both, a] <= leads.loc[both, b]).all(), (name, a, b)
        assert (leads["mql_at"].notna() <= leads["source"].isin(MKT)).all()
        assert not (leads["accepted_at"].notna() & leads["rejected_at"].notna()).any()
        assert (leads["sql_at"].notna() <= leads["accepted_at"].notna()).all()
        assert (leads["converted_at"].notna() == leads["opportunity_id"].notna()).all()
        assert set(leads["opportunity_id"].dropna()) <= set(opps["opportunity_id"])
        assert set(opps["lead_id"].dropna()) <= set(leads["lead_id"])
        assert opps["lead_id"].isna().sum() > 0                    # some without a lead
        assert set(acts["lead_id"].dropna()) <= set(leads["lead_id"])
        assert set(acts["type"]) <= {"call", "email", "meeting", "other"}
        assert (acts["occurred_at"] <= pd.Timestamp("2026-01-15")).all()
        assert (opps["is_won"] <= opps["is_closed"]).all()
        assert (opps["closed_at"].notna() == opps["is_closed"]).all()
        assert 0 < opps["amount"].isna().mean() < 0.1
        assert leads["score"].dropna().between(0, 100).all()
        assert set(s["team"]) <= set(TEAMS)
        vals = s[ITEMS].stack().dropna()
        assert set(vals.unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_lognormal_amounts_and_win_rate(tables):
    opps = tables["well-aligned"]["opportunities"]
    assert 15_000 <= opps["amount"].median() <= 25_000
    closed = opps[opps["lead_id"].notna() & opps["is_closed"]]
    assert 0.20 <= closed["is_won"].mean() <= 0.30


# --- survey -------------------------------------------------------------------------------

def test_reverse_keyed_items_are_raw(tables):
    """In the healthy sample, reverse-keyed raw answers sit low and correlate negatively."""
    s = tables["well-aligned"]["survey"]
    for code in REVERSE:
        sibling = code[:-1] + "1"
        assert s[code].mean() < 2.5 < 3.5 < s[sibling].mean(), code
        assert s[code].corr(s[sibling]) < -0.2, code
    inst = ROOT / "templates" / "instrument.csv"
    if inst.exists():
        t = pd.read_csv(inst)
        flagged = set(t.loc[t["reverse"].astype(str).str.lower().isin(["1", "true", "yes"]),
                            "code"])
        assert flagged == REVERSE


def test_survey_planted_means_claims_and_groups(tables):
    for name, t in tables.items():
        s = t["survey"].copy()
        side = s["team"].map(SIDE)
        for code in REVERSE:
            s[code] = 6 - s[code]
        prof = PROFILES[name].survey
        for scale, (ms, mm) in prof.means.items():
            cols = [c for c in ITEMS if c.rstrip("0123456789") == scale]
            score = s[cols].mean(axis=1)
            assert abs(score[side == "sales"].mean() - ms) < 0.2, (name, scale)
            assert abs(score[side == "marketing"].mean() - mm) < 0.2, (name, scale)
        leads_agree = (s.loc[side == "sales", "CLAIM_LEADS"].dropna() >= 4).mean()
        follow_agree = (s.loc[side == "marketing", "CLAIM_FOLLOW"].dropna() >= 4).mean()
        assert abs(leads_agree - prof.claim_leads[0]) < 0.08, name
        assert abs(follow_agree - prof.claim_follow[1]) < 0.08, name
        missing = s[ITEMS].isna().mean().mean()
        assert 0.02 < missing < 0.05
        half = [(s[[c for c in ITEMS if c.rstrip("0123456789") == sc]].notna().mean(axis=1)
                 < 0.5).sum() for sc in ("FAIR", "CONF", "MAT", "TRUST", "SHARE")]
        assert sum(half) >= 1
        text = " ".join(s["OPEN1"].dropna()) + " " + " ".join(s["OPEN2"].dropna())
        assert "@example.com" in text and "555 0142" in text
        assert set(s["FREQ"]) <= {"daily", "several_weekly", "weekly", "monthly", "rarely",
                                  "never"}
    wa = tables["well-aligned"]["survey"]
    assert (wa["team"] == "revops").sum() == 4
    tight = wa["FREQ"].isin(["daily", "several_weekly"]).mean()
    assert tight > 0.6


def test_reff_driven_by_trust_bidir_share_not_by_fair(tables):
    s = tables["followup-gap"]["survey"].copy()
    for code in REVERSE:
        s[code] = 6 - s[code]
    sc = pd.DataFrame({k: s[[c for c in ITEMS if c.rstrip("0123456789") == k]].mean(axis=1)
                       for k in ("REFF", "TRUST", "BIDIR", "SHARE", "CONF", "FAIR", "RINT")})
    sc = sc.dropna()
    z = (sc - sc.mean()) / sc.std()
    X = np.column_stack([np.ones(len(z)), z.drop(columns="REFF").to_numpy()])
    beta = dict(zip(z.columns.drop("REFF"), np.linalg.lstsq(X, z["REFF"], rcond=None)[0][1:]))
    assert min(beta["TRUST"], beta["BIDIR"], beta["SHARE"]) > 0.1
    assert beta["CONF"] < -0.05
    assert max(beta["TRUST"], beta["BIDIR"], beta["SHARE"]) > abs(beta["FAIR"]) + 0.1


# --- CRM planted truths ------------------------------------------------------------------

def test_followup_gap_crm(tables):
    t = tables["followup-gap"]
    m = mqls(t)
    touched = m["attempts"] > 0
    assert abs((~touched).mean() - 0.30) < 0.05
    assert abs((m["hours"] <= 24).mean() - 0.35) < 0.05
    km_median = np.quantile(m["hours"].fillna(np.inf), 0.5)      # untouched = censored late
    assert 30 <= km_median <= 50
    nonconv = m[touched & m["converted_at"].isna()]
    assert abs((nonconv["attempts"] == 1).mean() - 0.45) < 0.05
    # persistence pays in every score band: the hazard after attempt 3 is clearly positive
    assert (band_hazard(m, range(4, 7)) > 0.05).all()
    f = follow_up(t)
    for mkt in (True, False):
        assert 0.45 <= km6(f[f["mkt"] == mkt]) <= 0.65
    rej = m["rejection_reason"].dropna()
    assert m["rejected_at"].notna().mean() < 0.2
    fit = {"wrong industry", "no budget", "too small", "student / job seeker", "competitor",
           "not decision maker"}
    assert rej.isin(fit).mean() < 0.3


def test_lead_quality_crm(tables):
    t = tables["lead-quality"]
    m = mqls(t)
    touched = m["attempts"] > 0
    assert (~touched).mean() < 0.05
    assert (m["hours"] <= 24).mean() >= 0.85
    assert 6 <= m.loc[touched, "attempts"].median() <= 8
    nonconv = m[touched & m["converted_at"].isna()]
    assert (nonconv["attempts"] == 1).mean() < 0.10
    f = follow_up(t)
    assert 0.07 <= km6(f[f["mkt"]]) <= 0.18
    assert 0.35 <= km6(f[~f["mkt"]]) <= 0.55
    # flat hazard within bands: early and late attempts convert alike
    early, late = band_hazard(m, range(1, 4)), band_hazard(m, range(4, 7))
    assert ((early - late).abs() < 0.03).all()
    assert abs(m["rejected_at"].notna().mean() - 0.45) < 0.05
    rej = m[m["rejected_at"].notna()]
    assert rej["rejection_reason"].notna().mean() >= 0.85
    fit = {"wrong industry", "no budget", "too small", "student / job seeker", "competitor",
           "not decision maker"}
    assert rej["rejection_reason"].dropna().isin(fit).mean() >= 0.7


def test_well_aligned_crm_and_plan(tables):
    t = tables["well-aligned"]
    m = mqls(t)
    assert (m["attempts"] == 0).mean() < 0.06
    assert abs((m["hours"] <= 24).mean() - 0.85) < 0.05
    f = follow_up(t)
    for mkt in (True, False):
        assert 0.45 <= km6(f[f["mkt"] == mkt]) <= 0.65
    assert m["rejected_at"].notna().mean() < 0.12
    plan = t["plan"]
    assert np.allclose(plan.groupby(["team", "role"])["weight"].sum(), 1.0)
    sow = planted_shared_outcome_weight(plan)
    # by hand: marketing 0.10 + 0.25 + 0.20; AE 0.4 + 0.1 + 0.1 and SDR 0.3 + 0.3 (both 0.6)
    assert sow == {"marketing": 0.55, "sales": 0.6}
    mk = plan[plan["team"] == "marketing"]
    assert (mk["commission_rate"] == 0.02).any()
    assert (mk.loc[mk["commission_rate"] == 0.02, "applies_to"] == "marketing_sourced_won").all()
    assert set(plan["gate"].dropna()) == {0.7}


def test_plans_of_blame_profiles(tables):
    fg = tables["followup-gap"]["plan"]
    sales = fg[fg["team"] == "sales"]
    assert (sales["metric"] == "bookings").all() and (sales["applies_to"] == "own_won").all()
    assert sales["gate"].isna().all()
    mk = fg[fg["team"] == "marketing"]
    assert set(mk["metric"]) == {"mql_volume", "mbo"}
    lq = tables["lead-quality"]["plan"]
    w = lq[lq["team"] == "marketing"].groupby("metric")["weight"].first().to_dict()
    assert w == {"mbo": 0.2, "mql_volume": 0.8}


# --- committed samples -------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PROFILES))
def test_committed_sample(name):
    folder = SAMPLES / name
    if not (folder / "engagement.toml").exists():
        pytest.skip("samples not generated yet")
    eng = load_engagement(folder)
    assert eng.client.id == name
    assert eng.crm.marketing_sources == tuple(MKT)
    assert "PLANTED TRUTH" in (folder / "engagement.toml").read_text()
    doc = tomllib.loads((folder / "engagement.toml").read_text())
    assert doc["crm"]["extract_date"].isoformat() == "2026-01-15"
    planted = json.loads((folder / "planted.json").read_text())
    assert planted["expected_verdict"] == PROFILES[name].expected_verdict
    survey = pd.read_csv(folder / "survey" / "responses.csv")
    assert 80 <= len(survey) <= 160
    leads = pd.read_csv(folder / "crm" / "leads.csv", parse_dates=["created_at"])
    in_period = leads["created_at"].between(P0, P1, inclusive="left")
    assert 6000 <= in_period.sum() <= 9000 and (~in_period).sum() >= 100
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 8e6
    if name == "well-aligned":
        assert (survey["team"] == "revops").sum() == 4


def test_committed_samples_are_reproducible(tmp_path):
    """`python -m toolkit.generate` output equals the committed files byte for byte."""
    from toolkit.generate import SAMPLE_SEEDS

    name = "followup-gap"
    if not (SAMPLES / name / "engagement.toml").exists():
        pytest.skip("samples not generated yet")
    out = generate_engagement(tmp_path / name, name, seed=SAMPLE_SEEDS[name])
    for p in sorted((SAMPLES / name).rglob("*")):
        if p.is_file():
            assert (out / p.relative_to(SAMPLES / name)).read_bytes() == p.read_bytes(), p


def test_after_wave_period_follows_the_baseline_and_has_ended():
    # the committed after wave: its CRM period starts after the baseline's, ends, and is
    # extracted before today (a report on it is prepared after its data exists)
    import datetime as dt

    from toolkit.config import load_engagement
    from toolkit.generate.waves import SAMPLE_PAIR

    before = load_engagement(SAMPLES / SAMPLE_PAIR["before"])
    after = load_engagement(SAMPLES / SAMPLE_PAIR["after"])
    assert str(after.client.period_start)[:10] == "2026-01-01"
    assert str(after.client.period_end)[:10] == "2026-09-30"
    assert after.crm.extract_date.date() == dt.date(2026, 10, 15) < dt.date.today()
    assert str(before.client.period_end)[:10] < str(after.client.period_start)[:10]
    acts = pd.read_csv(SAMPLES / SAMPLE_PAIR["after"] / "crm" / "activities.csv",
                       usecols=["occurred_at"], parse_dates=["occurred_at"])
    assert acts["occurred_at"].max() <= pd.Timestamp("2026-10-15")
