"""The workshop's survey views come from results.json alone (issue 15, SPEC §6, §8).

Every view the workshop offers is computed at analysis time and stored in
``results["workshop"]["reveal"]``. Checked here:

* the served figures equal a second, independent computation from the respondent table
  (a direct pandas groupby: rows of the view's level, region and side, answers 1..5, scale
  scores by reverse keying written out again here, a scale and its items on the
  respondents who answered every item of the scale);
* the vectorised store equals :func:`perception_reveal` (the function the workshop called
  live before) on every view of a sample, suppression and warnings included;
* the workshop opens and serves every view, the guess round included, with the survey and
  CRM files deleted from the engagement folder;
* the stored set passes the anonymity audit with the report's figures; when the filter
  rule is switched off the audit itself withholds cells, stored as null with the reason;
* a results.json of an earlier version opens with a clear "regenerate" note.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from toolkit.config import load_engagement
from toolkit.instrument import LIKERT_ITEMS, REVERSE_ITEMS, SCALE_ITEMS
from toolkit.intake import load_data
from toolkit.pipeline import analyse
from toolkit.workshop import open_workshop
from toolkit.workshop.store import build_reveal_views, served_reveal, view_releases

SAMPLE = "data/samples/followup-gap"
SALES = {"sales", "sales_development"}


@pytest.fixture(scope="module")
def engagement(tmp_path_factory):
    """A copy of the sample, its results.json, then the exports deleted: (folder, results
    path, survey table as it was)."""
    root = tmp_path_factory.mktemp("store")
    folder = root / "followup-gap"
    shutil.copytree(SAMPLE, folder)
    data = load_data(load_engagement(folder))
    results = analyse(data)
    path = root / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    shutil.rmtree(folder / "survey")
    shutil.rmtree(folder / "crm")
    return folder, path, data.survey, results


@pytest.fixture(scope="module")
def session(engagement):
    folder, path, _, _ = engagement
    return open_workshop(folder, path)


def _views(session):
    """Every (level, region) the drop-downs can reach, with each side choice."""
    levels, regions = {None}, {None}
    for _ in range(3):
        for lv in list(levels):
            regions |= set(session.filter_options(level=lv)["region"])
        for rg in list(regions):
            levels |= set(session.filter_options(region=rg)["level"])
    return [(lv, rg, side) for lv in levels for rg in regions
            for side in (None, "sales", "marketing")]


def _direct(survey: pd.DataFrame, level, region, side) -> dict:
    """Code → side → n, mean and share agreeing, by a pandas groupby on the respondents."""
    df = survey
    for dim, value in (("level", level), ("region", region)):
        if value is not None:
            df = df[(df[dim].astype("string").str.strip() == value).fillna(False)]
    team = df["team"].astype(str)
    grp = pd.Series(np.where(team.isin(SALES), "sales",
                             np.where(team == "marketing", "marketing", "rest")),
                    index=df.index)
    if side is not None:
        df, grp = df[grp == side], grp[grp == side]
    items = df.reindex(columns=LIKERT_ITEMS).apply(pd.to_numeric, errors="coerce")
    items = items.where(items.isin([1, 2, 3, 4, 5]))
    # a scale and its items count only respondents who answered every item of the scale
    # (issue 13, H2: otherwise the two figures together disclose a partial answerer)
    for scale, codes in SCALE_ITEMS.items():
        items.loc[items[codes].isna().any(axis=1), codes] = np.nan
    cols = {c: items[c] for c in LIKERT_ITEMS}
    for scale, codes in SCALE_ITEMS.items():
        block = items[codes].copy()
        for c in codes:
            if c in REVERSE_ITEMS:
                block[c] = 6 - block[c]
        need = max(1, math.ceil(len(codes) / 2))
        cols[scale] = block.mean(axis=1).where(block.notna().sum(axis=1) >= need)
    x = pd.DataFrame(cols)
    agree = (x >= 4).astype(float).where(x.notna())
    by = {"n": x.groupby(grp).count(), "mean": x.groupby(grp).mean(),
          "agree_share": agree.groupby(grp).mean()}
    every = {"n": x.count(), "mean": x.mean(), "agree_share": agree.mean()}
    out = {}
    for code in x.columns:
        out[code] = {s: {f: by[f].loc[s, code] for f in by}
                     for s in ("sales", "marketing") if s in by["n"].index}
        out[code]["all"] = {f: every[f][code] for f in every}
    return out


def test_served_figures_equal_a_direct_groupby_of_the_respondents(engagement, session):
    _, _, survey, _ = engagement
    checked = hidden = 0
    for level, region, side in _views(session):
        every = _direct(survey, level, region, side)
        for code in session.views["codes"]:
            view, rev = session.reveal(code, side=side, level=level, region=region)
            if rev is None:
                assert not view.shown
                continue
            direct = every[code]
            for s, fig in rev["by_side"].items():
                if fig["n"] is None:        # withheld: null with its reason, never a number
                    assert fig["mean"] is None and fig["agree_share"] is None
                    assert fig["withheld"]
                    hidden += 1
                    continue
                assert fig["n"] == direct[s]["n"], (level, region, side, code, s)
                assert fig["mean"] == pytest.approx(direct[s]["mean"], abs=1e-12)
                assert fig["agree_share"] == pytest.approx(direct[s]["agree_share"],
                                                           abs=1e-12)
                assert fig["n"] >= session.min_group_size
                checked += 1
            if rev["gap"]["mean"] is not None:
                assert rev["gap"]["mean"] == pytest.approx(
                    direct["sales"]["mean"] - direct["marketing"]["mean"], abs=1e-12)
    assert checked > 1000 and hidden > 0


def test_store_equals_the_live_reveal_of_every_view(engagement):
    from toolkit.workshop.filters import answers_safe, filter_respondents
    from toolkit.workshop.reveal import answered_mask, perception_reveal

    _, _, survey, results = engagement
    store = results["workshop"]["reveal"]
    k = store["min_group_size"]
    codes = ["TRUST", "CONF", "MAT", "TRUST3", "CLAIM_LEADS", "CLAIM_FOLLOW", "FEED2"]
    for v in store["views"]:
        live = filter_respondents(survey, k, side=v["side"], level=v["level"],
                                  region=v["region"])
        assert (live.shown, live.message, live.label) == (v["shown"], v["message"],
                                                           v["label"])
        for code in codes:
            shown, rev = served_reveal(store, code, side=v["side"], level=v["level"],
                                       region=v["region"])
            if not live.shown:
                assert rev is None
                continue
            if (v["level"] or v["region"]) and not answers_safe(
                    survey, answered_mask(survey, code), k, level=v["level"],
                    region=v["region"]):
                assert rev is None and not shown.shown
                continue
            ref = perception_reveal(live.frame, code, min_group_size=k)
            for key in ("shown", "suppressed", "warnings", "kind", "label", "direction"):
                assert rev[key] == ref[key], (v, code, key)
            for s in ref["by_side"]:
                for f in ("n", "mean", "agree_share", "index_0_100"):
                    assert rev["by_side"][s][f] == pytest.approx(ref["by_side"][s][f])
            for f, x in ref["gap"].items():
                assert rev["gap"][f] == (pytest.approx(x) if isinstance(x, float) else x)


def test_answers_safe_all_equals_answers_safe_per_question(engagement):
    from toolkit.workshop.filters import answers_safe, answers_safe_all
    from toolkit.workshop.reveal import code_values

    _, _, survey, _ = engagement
    has = code_values(survey).notna()
    has = has[list(has.columns[::4]) + ["CLAIM_LEADS", "CLAIM_FOLLOW"]]
    for level, region in (("individual", None), (None, "North America"), (None, "EMEA"),
                          ("manager", "EMEA")):
        many = answers_safe_all(survey, has, 5, level=level, region=region)
        assert many == {c: answers_safe(survey, has[c], 5, level=level, region=region)
                        for c in has.columns}


def test_workshop_serves_every_view_without_the_exports(engagement, session, monkeypatch):
    from toolkit import intake
    from toolkit.workshop import app
    from toolkit.workshop.guess import guess_reveal, make_questions

    folder, path, survey, _ = engagement
    assert not (folder / "survey").exists() and not (folder / "crm").exists()

    def refuse(*_a, **_k):
        raise AssertionError("the workshop read a survey or CRM export")

    monkeypatch.setattr(intake, "_import_survey", refuse)
    monkeypatch.setattr(intake, "_import_crm", refuse)
    ws = open_workshop(folder, path)
    assert ws.data.survey is None and ws.data.leads is None and ws.data.plan is not None
    assert ws.has_survey and ws.views_note is None
    views = _views(ws)
    assert len(views) >= 9
    for level, region, side in views:
        for code in ws.views["codes"]:
            ws.reveal(code, side=side, level=level, region=region)
    for block in (app.reveal_section, app.guess_section, app.whatif_section,
                  app.sla_section):
        assert "Traceback" not in str(block(ws))
    # the guess round compares with the survey figures stored in results.json
    qs = make_questions()
    answers = [{"side": s, "answers": {"q1": 10.0 * i, "q2": 50.0, "q3": 20.0}}
               for s in ("sales", "marketing") for i in range(6)]
    served = guess_reveal(ws.survey_reveal, qs, answers, min_group_size=ws.min_group_size)
    direct = guess_reveal(survey, qs, answers, min_group_size=ws.min_group_size)
    assert served["questions"] == direct["questions"]
    actual = served["questions"][0]["actual"]
    ref = _direct(survey, None, None, None)["CLAIM_FOLLOW"]["marketing"]["agree_share"]
    assert actual == pytest.approx(100 * ref)


def test_filters_offer_the_stored_safe_values(engagement, session):
    from toolkit.workshop.filters import filter_options

    _, _, survey, results = engagement
    store = results["workshop"]["reveal"]
    k = store["min_group_size"]
    live = filter_options(survey, k)
    got = session.filter_options()
    for dim in ("level", "region"):
        assert got[dim] == [v for v in live[dim] if v not in session.withheld[dim]]
    # the executives (2 people) are never offered, and asking says so without a count
    assert "executive" not in got["level"]
    view, rev = session.reveal("TRUST", level="executive")
    assert rev is None and not view.shown and "2" not in view.message
    # a region offered: its view holds figures; a side filter narrows to that side
    view, rev = session.reveal("TRUST", region="North America", side="sales")
    assert view.shown and rev["by_side"]["marketing"]["n"] is None


def test_stored_views_pass_the_audit_with_the_report(engagement):
    from toolkit.privacy_audit import audit, report_releases

    _, _, survey, results = engagement
    store = results["workshop"]["reveal"]
    assert store["audit"]["ok"] and store["audit"]["violations"] == 0
    assert store["audit"]["mismatches"] == 0
    rels, _ = view_releases(store)
    rep = audit(survey, report_releases(results, survey) + rels, store["min_group_size"])
    assert rep.ok and rep.releases > 1000


def _tester_survey() -> pd.DataFrame:
    """Issue 13's layout: level and region views with the unfiltered one isolate a pair."""
    rows = []
    for team in ("sales", "marketing"):
        for (level, region), n in {("manager", "EMEA"): 6, ("manager", "APAC"): 6,
                                   ("individual", "EMEA"): 6,
                                   ("individual", "APAC"): 2}.items():
            rows += [{"team": team, "level": level, "region": region, "TRUST1": 3.0,
                      "CLAIM_LEADS": 4.0}] * n
    df = pd.DataFrame(rows)
    df.insert(0, "respondent_id", [f"r{i}" for i in range(len(df))])
    return df


def test_the_audit_withholds_cells_when_the_filter_rule_lets_a_group_through(monkeypatch):
    """With the filter values' own withholding switched off, the stored views would let
    the pair be worked out; the audit over the stored cells withholds figures (null, reason
    'audit') until it passes."""
    from toolkit import privacy_audit as pa
    from toolkit.privacy_audit import audit

    df = _tester_survey()
    honest = build_reveal_views(df, 5)
    assert honest["audit"]["ok"] and honest["audit"]["withheld"] == 0
    monkeypatch.setattr(pa, "safe_workshop_values",
                        lambda *a, **k: ({"level": set(), "region": set()}, pa.AuditReport()))
    monkeypatch.setattr("toolkit.workshop.filters._partition",
                        lambda values, side, k: (sorted(values.dropna().unique()), [], []))
    store = build_reveal_views(df, 5)
    assert store["audit"]["ok"] and store["audit"]["withheld"] > 0
    rels, _ = view_releases(store)
    assert audit(df, rels, 5).ok
    withheld = [fig for v in store["views"] for cell in v["reveals"].values()
                for fig in (cell.get("by_side") or {}).values() if fig.get("withheld") == "audit"]
    assert withheld and all(f["n"] is None and f["mean"] is None for f in withheld)
    json.dumps(store, allow_nan=False)


def test_results_of_an_earlier_version_say_to_regenerate(engagement, tmp_path):
    from toolkit.workshop import app, render_html, views

    folder, path, _, _ = engagement
    old = json.loads(path.read_text())
    old["toolkit_version"] = "0.1.0"
    del old["workshop"]
    p = tmp_path / "old.json"
    p.write_text(json.dumps(old))
    ws = open_workshop(folder, p)
    assert "aligndx report" in ws.views_note and "0.1.0" in ws.views_note
    view, rev = ws.reveal("TRUST")
    assert rev is None and "aligndx report" in view.message
    assert ws.filter_options() == {"level": [], "region": []}
    assert "aligndx report" in render_html(views.show_intro, session=ws)
    for block in (app.reveal_section, app.guess_section):
        assert "aligndx report" in block(ws).value
    # the what-if still works from the file's measures
    assert ws.simulate(marketing_share=0.02, gate=0.0, sla_bonus_per_person=0.0)
