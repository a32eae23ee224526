"""The anonymity audit (toolkit.privacy_audit): differencing over every published figure.

The audit's verdict is checked against an independent brute force (every subset of people,
span membership by least squares), against the tester's attack of issue 13 (unfiltered +
level + region + level∩region views recover a 2-person cell), and on the pipeline's row
counts (rows read 54 vs respondents 50 revealed an excluded group).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from toolkit import privacy_audit as pa
from toolkit.privacy_audit import RESPONDENTS, Release, audit

K = 5


def _survey(cells: dict[tuple, int], *, teams=("sales",)) -> pd.DataFrame:
    """Respondents per (team, level, region) cell, all answering TRUST1 with 3."""
    rows = []
    for (team, level, region), n in cells.items():
        rows += [{"team": team, "level": level, "region": region, "TRUST1": 3.0}] * n
    df = pd.DataFrame(rows)
    df.insert(0, "respondent_id", [f"r{i}" for i in range(len(df))])
    return df


def _rel(where, measure="TRUST1", **conds):
    return Release(where, measure, tuple((c, frozenset(v if isinstance(v, (list, tuple))
                                                       else [v])) for c, v in conds.items()))


def test_difference_of_nested_sets_is_caught():
    df = _survey({("sales", "manager", "EMEA"): 10, ("sales", "individual", "EMEA"): 2})
    rel = [_rel("all"), _rel("managers", level="manager")]
    rep = audit(df, rel, K)
    assert not rep.ok and [v["size"] for v in rep.violations] == [2]
    # with 5 individuals the difference is a group of 5: allowed
    df = _survey({("sales", "manager", "EMEA"): 10, ("sales", "individual", "EMEA"): 5})
    assert audit(df, rel, K).ok


def test_tester_attack_level_region_intersection_recovers_two_people():
    """all − managers − EMEA + managers∩EMEA = the 2 non-manager non-EMEA respondents."""
    df = _survey({("sales", "manager", "EMEA"): 6, ("sales", "manager", "APAC"): 6,
                  ("sales", "individual", "EMEA"): 6, ("sales", "individual", "APAC"): 2})
    views = [_rel("all"), _rel("manager", level="manager"), _rel("EMEA", region="EMEA"),
             _rel("manager∩EMEA", level="manager", region="EMEA")]
    rep = audit(df, views, K)
    assert not rep.ok
    assert {v["size"] for v in rep.violations} == {2}
    # without the intersection view the 2-person cell is still an atom of its own, but no
    # combination of all / managers / EMEA isolates it (the brute force agrees, below)
    rep3 = audit(df, views[:3], K)
    assert rep3.ok, rep3.violations


def _bruteforce_ok(df: pd.DataFrame, rels: list[Release]) -> bool:
    cache: dict = {}
    vecs = [pa._mask(df, r.conditions, cache).astype(float) for r in rels]
    a = np.vstack(vecs).T
    n = len(df)
    for size in range(1, K):
        for group in combinations(range(n), size):
            t = np.zeros(n)
            t[list(group)] = 1
            coef, *_ = np.linalg.lstsq(a, t, rcond=None)
            if np.allclose(a @ coef, t, atol=1e-8):
                return False
    return True


@pytest.mark.parametrize("seed", range(12))
def test_audit_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 11
    df = pd.DataFrame({"team": "sales", "TRUST1": 3.0,
                       "level": rng.choice(["a", "b", "c"], n),
                       "region": rng.choice(["x", "y"], n)})
    options = [{}, {"level": "a"}, {"level": "b"}, {"region": "x"}, {"level": "a", "region": "x"},
               {"level": "c", "region": "y"}, {"level": ["a", "b"]}]
    pick = rng.choice(len(options), size=rng.integers(1, 5), replace=False)
    rels = [_rel(f"v{i}", **options[i]) for i in pick]
    assert audit(df, rels, K).ok == _bruteforce_ok(df, rels)


def test_published_n_that_the_model_cannot_reproduce_is_a_mismatch():
    df = _survey({("sales", "manager", "EMEA"): 10})
    rep = audit(df, [Release("all", "TRUST1", (), 11)], K)
    assert not rep.ok and rep.mismatches == [{"where": "all", "published": 11,
                                              "modelled": 10}]


def _results_for(df: pd.DataFrame, rows_read: int) -> dict:
    from toolkit.config import AnalysisSettings
    from toolkit.survey import measure_survey

    survey = measure_survey(df, settings=AnalysisSettings())
    return {"survey": survey,
            "data": {"row_counts": {"survey": len(df)},
                     "intake": [{"table": "survey", "rows_read": rows_read,
                                 "rows_kept": len(df), "dropped": {}}],
                     "warnings": [], "suppressed": []}}


def _full_survey(n_sales=30, n_marketing=20, n_rest=3, seed=0) -> pd.DataFrame:
    from toolkit.instrument import LIKERT_ITEMS

    rng = np.random.default_rng(seed)
    teams = ["sales"] * n_sales + ["marketing"] * n_marketing + ["revops"] * n_rest
    df = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(len(teams))], "team": teams})
    for code in LIKERT_ITEMS:
        df[code] = rng.integers(1, 6, len(df)).astype(float)
    return df


def test_row_counts_no_longer_reveal_the_excluded_group():
    """3 revops respondents are left out of "all"; rows kept − all would reveal them."""
    df = _full_survey(n_rest=3)
    results = _results_for(df, rows_read=len(df))
    assert results["survey"]["participation"]["total"]["n"] == len(df) - 3
    before = audit(df, pa.report_releases(results, df), K)
    assert not before.ok and any(v["measure"] == RESPONDENTS and v["size"] == 3
                                 for v in before.violations)
    pa.enforce_report(results, df, K)
    assert results["data"]["row_counts"]["survey"] is None
    assert results["data"]["intake"][0]["rows_kept"] is None
    assert results["data"]["privacy_audit"]["ok"] is True
    assert audit(df, pa.report_releases(results, df), K).ok
    assert not any("3" in str(r) for r in results["data"]["suppressed"])


def test_row_counts_kept_when_nobody_is_excluded():
    df = _full_survey(n_rest=6)
    results = _results_for(df, rows_read=len(df))
    pa.enforce_report(results, df, K)
    assert results["data"]["row_counts"]["survey"] == len(df)
    audit_summary = results["data"]["privacy_audit"]
    assert audit_summary["ok"] and audit_summary["withheld"] == 0
    assert audit_summary["violations"] == audit_summary["mismatches"] == 0


def test_workshop_withholds_values_until_every_view_passes():
    """The tester's layout as a survey: the filters alone would offer level and region
    values whose views, with the unfiltered one, isolate a small cell; the audit-driven
    withholding leaves a set of views that passes."""
    cells = {}
    for team in ("sales", "marketing"):
        cells[(team, "manager", "EMEA")] = 6
        cells[(team, "manager", "APAC")] = 6
        cells[(team, "individual", "EMEA")] = 6
        cells[(team, "individual", "APAC")] = 2
    df = _survey(cells)
    codes = ["TRUST1"]
    withheld, rep = pa.safe_workshop_values(df, K, codes=codes)
    assert rep.ok
    assert audit(df, pa.workshop_releases(df, K, codes=codes, exclude=withheld), K).ok


def test_report_and_workshop_of_a_sample_pass_together(samples_dir):
    from toolkit.workshop import open_workshop

    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    w = open_workshop(samples_dir / "lead-quality")
    survey = load_data(load_engagement(samples_dir / "lead-quality")).survey
    results = {"survey": __import__("toolkit.survey", fromlist=["measure_survey"])
               .measure_survey(survey, settings=w.settings)}
    rels = pa.report_releases(results, survey) + pa.workshop_releases(
        survey, w.min_group_size, exclude=w.withheld)
    rep = audit(survey, rels, w.min_group_size)
    assert rep.ok and rep.releases > 500 and rep.measures > 60
    # the session offers nothing the audit withheld
    opts = w.filter_options()
    assert not set(opts["level"]) & w.withheld["level"]
    assert not set(opts["region"]) & w.withheld["region"]


def test_pipeline_records_the_audit(samples_dir):
    """The report's figures, heatmap cells included, pass the audit after enforcement; the
    well-aligned sample's team counts let differencing isolate a group (one is withheld, and
    only what the audit needs: the total and the sides stay)."""
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    data = load_data(load_engagement(samples_dir / "well-aligned"))
    results = analyse(data)
    audit_summary = results["data"]["privacy_audit"]
    assert audit_summary["ok"] is True and audit_summary["releases"] > 100
    rels = pa.report_releases(results, data.survey)
    assert any(r.where.startswith("survey.heatmap.") for r in rels)
    assert audit(data.survey, rels, K).ok
    assert audit_summary["withheld"] >= 1
    assert any(s["reason"] == "complementary" for s in results["data"]["suppressed"])
    sv = results["survey"]
    assert sv["participation"]["total"]["n"] == sv["respondents"]["all"] is not None
