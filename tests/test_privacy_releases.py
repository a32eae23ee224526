"""Every figure the report publishes is in the anonymity audit's release set (issue 13,
partner review A1/A2): comment lists and theme counts (threshold ``min_comment_group_size``),
respondents, participation, head counts hidden in a figure's n, and the pipeline's order
(the audit runs before findings, scores and every text written from them).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from toolkit import privacy_report as pr
from toolkit.config import AnalysisSettings
from toolkit.instrument import LIKERT_ITEMS
from toolkit.privacy_audit import RESPONDENTS
from toolkit.survey import measure_survey

K, KC = 5, 8


def survey_of(teams: dict, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    team = [t for t, n in teams.items() for _ in range(n)]
    df = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(len(team))], "team": team})
    for code in LIKERT_ITEMS:
        df[code] = rng.integers(1, 6, len(df)).astype(float)
    return df


def results_of(df: pd.DataFrame) -> dict:
    return json.loads(json.dumps({
        "survey": measure_survey(df, settings=AnalysisSettings()),
        "data": {"row_counts": {"survey": len(df)},
                 "intake": [{"table": "survey", "rows_read": len(df), "rows_kept": len(df),
                             "dropped": {}}], "warnings": [], "suppressed": []}}))


def test_total_printed_twice_is_one_figure():
    """``survey.respondents.all`` ("Survey basis. 96 respondents") and the participation total
    are one figure: withholding one withholds the other (review A2)."""
    df = survey_of({"sales": 30, "marketing": 20, "leadership": 6})
    res = results_of(df)
    rels = pr.report_releases(res, df)
    handles = {r.where: r.handle for r in rels}
    assert handles["survey.respondents.all"] == handles["survey.participation.total"] \
        == ("total",)
    assert handles["survey.respondents.sales"] == \
        handles["survey.participation.by_side.sales"]
    pr.withhold(res, ("total",))
    assert res["survey"]["respondents"]["all"] is None
    assert res["survey"]["participation"]["total"]["n"] is None


def test_a_figures_n_is_a_head_count_too():
    """Participation total withheld, but FAIR answered by everyone says n = 59: with the
    sides and the leadership count that is the 3 revops respondents. The audit sees it and
    withholds the cheapest figure that closes it (the leadership count)."""
    df = survey_of({"sales": 30, "marketing": 20, "leadership": 6, "revops": 3})
    res = results_of(df)
    sv = res["survey"]
    assert sv["respondents"]["all"] == 59 and sv["scales"]["FAIR"]["by_side"]["all"]["n"] == 59
    # as an earlier version published it: leadership shown, total withheld
    sv["participation"]["by_team"]["leadership"] = {"n": 6, "headcount": None, "rate": None}
    sv["participation"]["total"] = {"n": None, "headcount": None, "rate": None}
    sv["respondents"]["all"] = None
    ctx = pr._Ctx(df)
    rels = pr.report_releases(res, df, ctx=ctx)
    rep, _ = pr._audit_all(ctx, rels, K, KC)
    bad = [v for v in rep.violations if v["measure"] == RESPONDENTS]
    assert bad and {v["size"] for v in bad} == {3}
    assert any("(as a head count)" in w for v in bad for w in v["where"])
    pr.enforce_report(res, df, K, KC)
    assert res["data"]["privacy_audit"]["ok"] is True
    assert "leadership" not in res["survey"]["participation"]["by_team"]
    assert pr.audit_results(res, df, K, KC).ok


def _commented(df: pd.DataFrame, q: str, counts: dict) -> pd.DataFrame:
    df = df.copy()
    df[q] = None
    for team, n in counts.items():
        rows = df.index[df["team"] == team][:n]
        df.loc[rows, q] = [f"{team} comment {i} about the weekly pipeline review"
                           for i in range(len(rows))]
    return df


def test_comment_lists_count_commenters_and_join_the_audit():
    """Other teams: 12 respondents, 6 wrote on OPEN2 — their list is withheld (review A1);
    sides' lists and the theme counts are audited at the comment threshold."""
    df = survey_of({"sales": 30, "marketing": 20, "leadership": 6, "revops": 6})
    df = _commented(df, "OPEN2", {"sales": 25, "marketing": 12, "leadership": 3,
                                  "revops": 3})
    res = results_of(df)
    by = res["survey"]["comments"]["by_side"]
    assert "other_teams" not in by and set(by) == {"sales", "marketing"}
    assert "leadership comment" not in json.dumps(res)
    rels = pr.report_releases(res, df)
    com = [r for r in rels if r.measure == "comments:OPEN2"]
    assert {r.where for r in com} >= {"survey.comments.by_side.sales.OPEN2",
                                      "survey.comments.by_side.marketing.OPEN2"}
    assert pr.audit_results(res, df, K, KC).ok


def test_a_comment_list_plus_pooled_theme_counts_is_caught():
    """The pooled themes count everyone's comments; with the marketing list printed, pooled −
    marketing = the sales side's 5 comments (under 8): one of them must go."""
    df = survey_of({"sales": 30, "marketing": 20})
    df = _commented(df, "OPEN1", {"sales": 5, "marketing": 20})
    res = results_of(df)
    cm = res["survey"]["comments"]
    # an earlier layout: pooled theme count and marketing's list, sales hidden
    cm["by_side"] = {"marketing": {"OPEN1": ["m"] * 20}}
    cm["themes"]["questions"]["OPEN1"].update(status="ok", n_comments=25, sides=[],
                                              n_by_side={"all": 25}, themes=[])
    ctx = pr._Ctx(df)
    rep, _ = pr._audit_all(ctx, pr.report_releases(res, df, ctx=ctx), K, KC)
    assert [(v["measure"], v["size"]) for v in rep.violations] == [("comments:OPEN1", 5)]
    pr.enforce_report(res, df, K, KC)
    assert res["data"]["privacy_audit"]["ok"] is True
    assert "marketing" not in res["survey"]["comments"]["by_side"]   # the cheaper figure
    assert res["survey"]["comments"]["themes"]["questions"]["OPEN1"]["n_comments"] == 25


def test_withheld_side_nulls_what_is_derived_from_it():
    """A withheld side mean takes its gap, effect size and the pillar/maturity/claims copies
    with it (a gap and one side's mean give the other side's)."""
    df = survey_of({"sales": 30, "marketing": 20})
    res = results_of(df)
    assert res["survey"]["scales"]["MAT"]["gap"] is not None
    for code in ("MAT", "SHARE"):
        pr.withhold(res, ("fig", "scales", code, "marketing"))
    pr.withhold(res, ("fig", "items", "CLAIM_FOLLOW", "marketing"))
    pr.rederive(res["survey"])
    sv = res["survey"]
    assert sv["scales"]["MAT"]["gap"] is None and sv["scales"]["MAT"]["cliffs_delta"] is None
    assert sv["maturity"]["by_side"]["marketing"]["mean"] is None
    assert sv["claims"]["marketing_blame_followup_share"] is None
    # the pillar is computed again from the scales left (it carries nothing withheld)
    left = [(sv["scales"][c]["by_side"]["marketing"]["mean"] - 1) / 4 * 100
            for c in ("RINT", "RFAIR")]
    assert sv["pillars"]["incentives"]["by_side"]["marketing"] == pytest.approx(np.mean(left))
    assert not any(g["item"] == "CLAIM_FOLLOW" for g in sv["gaps"])


def test_pipeline_derives_findings_from_audited_figures(monkeypatch, samples_dir):
    """The audit runs before findings, scores and recommendations: they see the survey as
    withheld (here the audit is made to withhold the marketing side of every scale)."""
    from toolkit import findings as findings_mod
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    real = pr.enforce_report
    seen = {}

    def enforce(results, survey, k, kc=None):
        real(results, survey, k, kc)
        for code in results["survey"]["scales"]:
            pr.withhold(results, ("fig", "scales", code, "marketing"))
        pr.rederive(results["survey"])
        return results

    record = findings_mod.record

    def spy(measured):
        seen["survey"] = copy.deepcopy(measured["survey"])
        return record(measured)

    monkeypatch.setattr(pr, "enforce_report", enforce)
    monkeypatch.setattr(findings_mod, "record", spy)
    data = load_data(load_engagement(samples_dir / "followup-gap"))
    res = analyse(data, strict=True)
    for sv in (seen["survey"], res["survey"]):
        assert all(e["by_side"]["marketing"]["mean"] is None for e in sv["scales"].values())
        assert sv["pillars"]["incentives"]["by_side"]["marketing"] is None
    assert res["incentives"]["survey"]["scales"]["SHARE"]["marketing"] is None


#: Counts in results.json that are copies of an audited figure (re-derived after the audit
#: by toolkit.privacy_report.rederive) or not counts of people.
NOT_COUNTS = {"min_group_size", "min_comment_group_size", "min_comments", "codebook_themes",
              "k", "seed", "min_n", "min_n_per_predictor", "n_boot", "rank", "stage_gap",
              "headcount", "n_cells", "n_marked"}
DERIVED = (r"survey\.scales\.\w+\.(n|reliability_n)$", r"survey\.frequency\.n$", r"survey\.claims\.n",
           r"survey\.maturity\.",
           r"survey\.comments\.themes\.\w+\.themes\[\d+\]\.n_comments$",
           r"survey\.comments\.themes\.\w+\.n_by_side")


def test_every_count_in_results_is_a_release():
    """Guard for the class behind review A2: a count added to results.json (as
    ``survey.respondents`` once was) without a release would escape the audit."""
    import re

    df = survey_of({"sales": 30, "marketing": 20, "leadership": 6, "revops": 6}, seed=1)
    rng = np.random.default_rng(1)
    df["level"] = rng.choice(["individual", "manager"], len(df))
    df["region"] = rng.choice(["EMEA", "North America"], len(df))
    df["FREQ"] = "weekly"
    words = ["pipeline review weekly", "shared revenue targets", "lead definitions agreed",
             "faster follow up calls"]
    for q in ("OPEN1", "OPEN2"):
        df[q] = [f"{words[i % 4]} {i}" for i in range(len(df))]
    res = results_of(df)
    sv = res["survey"]
    assert sv["heatmap"]["status"] == "ok" and sv["drivers"]["n"]
    assert sv["comments"]["themes"]["questions"]["OPEN1"]["status"] == "ok"
    wheres = {r.where for r in pr.report_releases(res, df)}
    counts = []

    def walk(o, path):
        if isinstance(o, dict):
            groups = o.get("groups") if isinstance(o.get("groups"), list) else None
            for k, v in o.items():
                if groups is not None and k == "groups":
                    for g in v:
                        walk(g, f"{path}.{g.get('group')}")
                    continue
                p = path if k in ("questions", "dimensions") else f"{path}.{k}"
                if isinstance(v, int) and not isinstance(v, bool) and k not in NOT_COUNTS:
                    counts.append(p)
                walk(v, p)
        elif isinstance(o, list):
            for i, v in enumerate(o):
                walk(v, f"{path}[{i}]")

    walk(sv, "survey")
    walk(res["data"], "data")
    uncovered = [p for p in counts
                 if not any(p == w or p.startswith(w + ".") for w in wheres)
                 and not any(re.match(d, p) for d in DERIVED)]
    assert len(counts) > 200 and uncovered == []
    # and every published comment list
    for side, texts in sv["comments"]["by_side"].items():
        for q in texts:
            assert f"survey.comments.by_side.{side}.{q}" in wheres


def test_count_in_the_driver_warning_is_audited():
    """"Too few respondents answered every scale (3)" is a count in prose: a release like
    any other; under the threshold its number is taken out of the sentence."""
    from toolkit.instrument import SCALE_ITEMS

    df = survey_of({"sales": 40, "marketing": 30}, seed=2)
    for code in SCALE_ITEMS["FAIR"]:
        df.loc[df.index[3:], code] = np.nan            # only 3 answered every scale
    res = results_of(df)
    dr = res["survey"]["drivers"]
    assert dr["level"] == "pillar" and dr["n_every_scale"] == 3
    assert any("answered every scale (3)" in w for w in res["survey"]["warnings"])
    rels = pr.report_releases(res, df)
    assert any(r.where == "survey.drivers.n_every_scale" and r.n == 3 for r in rels)
    pr.enforce_report(res, df, K, KC)
    assert res["data"]["privacy_audit"]["ok"] is True
    assert res["survey"]["drivers"]["n_every_scale"] is None
    text = " ".join(res["survey"]["warnings"])
    assert "answered every scale" in text and "(3)" not in text
    assert res["survey"]["drivers"]["n"] == 70                  # the pillar-level figure stays


def test_names_leave_labels_and_theme_words(tmp_path):
    """Review 13 notes F-RED-LABELS/THEMES: owner names in lead source labels ("Referral -
    Aisha Nguyen"), plan roles ("Account Executive (Theo Khan)") and theme words built from
    lower-case mentions ("kwame") reach no output; accents and run-together forms too."""
    from toolkit.generate import generate_engagement
    from toolkit.pipeline import analyse_folder

    eng = generate_engagement(tmp_path / "eng", "followup-gap", seed=7, n_respondents=80,
                              n_leads=900, client_id="names")
    leads = pd.read_csv(eng / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[leads.index[:200], "owner_id"] = "aisha.nguyen"
    leads.loc[leads.index[200:400], "owner_id"] = "theo.khan"
    leads.loc[leads.index[400:600], "owner_id"] = "kwame.mensah"
    leads.loc[leads.index[600:700], "owner_id"] = "raj.muller"
    leads.loc[leads.index[700:800], "owner_id"] = "jane.dubois"
    leads.loc[leads["source"] == "referral", "source"] = "Referral - Aisha Nguyen"
    leads.to_csv(eng / "crm" / "leads.csv", index=False)
    plan = pd.read_csv(eng / "incentives" / "comp_plan.csv", dtype=str,
                       keep_default_na=False)
    plan.loc[0, "role"] = "Account Executive (Theo Khan)"
    plan.to_csv(eng / "incentives" / "comp_plan.csv", index=False)
    sv = pd.read_csv(eng / "survey" / "responses.csv", dtype=str, keep_default_na=False)
    sv["OPEN1"] = [("ask kwame about the ops queue, kwame knows" if i % 2 else
                    "Raj Müller and jdubois never call back") for i in range(len(sv))]
    sv.to_csv(eng / "survey" / "responses.csv", index=False)
    res = analyse_folder(eng)
    blob = json.dumps(res, ensure_ascii=False).lower()
    for gone in ("aisha", "nguyen", "theo khan", "müller", "muller", "jdubois", "mensah"):
        assert gone not in blob, gone
    srcs = json.dumps(res["crm"])
    assert "[name removed]" in srcs and res["crm"]["cohort"]["period_start"][:2] == "20"
    # a lone lower-case first name stays in a verbatim (as "the felix cat" does), but a
    # theme is not named after it
    th = res["survey"]["comments"]["themes"]["questions"]["OPEN1"]
    assert th["status"] == "ok" and th["themes"]
    for t in th["themes"]:
        assert "kwame" not in t["terms"] and "kwame" not in t["label"]
