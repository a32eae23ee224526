"""A scale's figures and its items' figures, checked together (issue 13, review finding H2).

A scale score is the mean of the items a respondent answered, so for one group
``n·mean(scale) − Σ ±n_j·mean_j / k`` is a weighted sum of the answers of the respondents who
skipped some items but still got a score (the *partial answerers*): with one of them in a
group, his own answers. Checked here:

* the leak itself, on the shipped sample followup-gap (BIDIR, marketing side: one partial
  answerer) with the figures as they were published before the fix, is detected by the
  audit (``link:BIDIR``, a group of 1) — and the algebra of the review's repro recovers
  his answers from exactly those figures;
* the linkage audit agrees with a brute force (every subset of respondents, rank of the
  respondent-level answers × figures matrix) on random small surveys;
* the remedy by hand: a scale and its items are published on the respondents who
  answered every item of the scale;
* the repro's algebra over every published scale/item pair of ``results.json`` and of
  every workshop view recovers nothing, on every committed sample and on a generated
  engagement with planted partial answerers of 1..k−1 and exactly k in a group; and the
  audits pass there.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from toolkit.config import AnalysisSettings
from toolkit.instrument import REVERSE_ITEMS, SCALE_ITEMS
from toolkit.privacy_audit import Release, audit

K = 5
SALES = ("sales", "sales_development")


def _side(team: pd.Series) -> pd.Series:
    t = team.astype(str)
    return pd.Series(np.where(t.isin(SALES), "sales",
                              np.where(t == "marketing", "marketing", "rest")), index=team.index)


def _as_answered(survey: pd.DataFrame) -> dict:
    """Items as answered and scale scores by the half rule, written out again (the figures
    as published before the fix)."""
    items = survey.reindex(columns=[j for s in SCALE_ITEMS.values() for j in s]).apply(
        pd.to_numeric, errors="coerce")
    items = items.where(items.isin([1, 2, 3, 4, 5]))
    cols = {c: items[c] for c in items}
    for scale, codes in SCALE_ITEMS.items():
        block = items[codes].copy()
        for c in codes:
            if c in REVERSE_ITEMS:
                block[c] = 6 - block[c]
        need = max(1, math.ceil(len(codes) / 2))
        cols[scale] = block.mean(axis=1).where(block.notna().sum(axis=1) >= need)
    return cols


def _load(samples_dir, name):
    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    return load_data(load_engagement(samples_dir / name)).survey


def _recovered(n, mean, items):
    """``n·mean(scale) − Σ ±n_j·mean_j / k`` (the review's algebra); items: (code, n, mean)."""
    k = len(items)
    sums = [(6 * nj - nj * mj) if j in REVERSE_ITEMS else nj * mj for j, nj, mj in items]
    return n * mean - sum(sums) / k


# ---------------------------------------------------------------------------------------
# The leak, as published before the fix
# ---------------------------------------------------------------------------------------

def test_followup_gap_bidir_marketing_leak_is_detected(samples_dir):
    survey = _load(samples_dir, "followup-gap")
    vals = _as_answered(survey)
    mkt = (_side(survey["team"]) == "marketing").to_numpy()
    codes = SCALE_ITEMS["BIDIR"]
    scale = vals["BIDIR"][mkt].dropna()
    items = [(j, int(vals[j][mkt].notna().sum()), float(vals[j][mkt].mean())) for j in codes]
    # the review's numbers: BIDIR1 n 35, BIDIR2/3 n 36, scale n 36
    assert [n for _, n, _ in items] == [35, 36, 36] and len(scale) == 36
    # the algebra recovers the one partial answerer's answers from these figures
    got = survey.loc[mkt, codes].apply(pd.to_numeric, errors="coerce")
    partial = got.notna().sum(axis=1).between(1, len(codes) - 1)
    assert int(partial.sum()) == 1
    row = got[partial].iloc[0]
    truth = sum((6 - v) if j in REVERSE_ITEMS else v for j, v in row.items() if pd.notna(v))
    d = _recovered(len(scale), float(scale.mean()), items)
    assert d / (1 / 2 - 1 / 3) == pytest.approx(truth, abs=1e-9)
    assert truth == 2.0                                        # BIDIR2 = 1, BIDIR3 = 5

    # the audit, told who the figures counted, finds exactly that group of one
    has = {c: vals[c].notna().to_numpy() for c in ["BIDIR", *codes]}
    team = (("team", frozenset(["marketing"])),)
    rels = [Release("survey.scales.BIDIR.by_side.marketing", "BIDIR", team, len(scale))]
    rels += [Release(f"survey.items.{j}.by_side.marketing", j, team, n) for j, n, _ in items]
    per_measure = [audit(survey, [r], K, has=has) for r in rels]
    assert all(r.ok for r in per_measure)                     # each figure alone is fine
    rep = audit(survey, rels, K, has=has)
    assert not rep.ok
    assert [(v["measure"], v["size"]) for v in rep.violations] == [("link:BIDIR", 1)]
    assert "survey.scales.BIDIR.by_side.marketing" in rep.violations[0]["where"]


# ---------------------------------------------------------------------------------------
# The linkage audit against a brute force
# ---------------------------------------------------------------------------------------

def _brute(answers: np.ndarray, scored: np.ndarray, members: np.ndarray, measure_of: list,
           k: int) -> bool:
    """Whether some combination of the figures is zero on every answer outside a set of
    fewer than *k* respondents and not on it (respondent-level, every subset)."""
    n, m = answers.shape
    sign = np.array([-1.0 if j in REVERSE_ITEMS else 1.0 for j in SCALE_ITEMS["TRUST"]])
    rows, owner = [], []
    for i in range(n):
        for j in range(m):
            if not answers[i, j]:
                continue
            row = []
            for c, meas in enumerate(measure_of):
                if not members[i, c]:
                    row.append(0.0)
                elif meas == "TRUST":
                    row.append(sign[j] / answers[i].sum() if scored[i] else 0.0)
                else:
                    row.append(1.0 if meas == SCALE_ITEMS["TRUST"][j] else 0.0)
            rows.append(row)
            owner.append(i)
    mat, owner = np.array(rows), np.array(owner)
    full = np.linalg.matrix_rank(mat)
    for size in range(1, k):
        for group in combinations(range(n), size):
            keep = ~np.isin(owner, group)
            if np.linalg.matrix_rank(mat[keep]) < full:
                return True
    return False


@pytest.mark.parametrize("seed", range(12))
def test_linkage_audit_agrees_with_brute_force(seed):
    from toolkit.privacy_linkage import family_violations

    rng = np.random.default_rng(seed)
    n, k = 11, 3
    codes = SCALE_ITEMS["TRUST"]
    answers = rng.random((n, 3)) < 0.8
    answers[rng.random(n) < 0.5] = True                     # mostly complete answerers
    survey = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(n)],
                           "team": rng.choice(["sales", "marketing"], n),
                           "level": rng.choice(["individual", "manager"], n)})
    for j, c in enumerate(codes):
        survey[c] = np.where(answers[:, j], rng.integers(1, 6, n), np.nan)
    scored = answers.sum(axis=1) >= 2
    has = {"TRUST": scored, **{c: answers[:, j] for j, c in enumerate(codes)}}
    groups = [(), (("team", frozenset(["sales"])),), (("level", frozenset(["manager"])),)]
    rels = []
    for meas in ["TRUST", *codes]:
        for g in groups:
            if rng.random() < 0.7:
                rels.append(Release(f"{meas} {g}", meas, g))
    if not any(r.measure == "TRUST" for r in rels):
        rels.append(Release("TRUST all", "TRUST", ()))
    from toolkit.privacy_audit import _mask
    cache: dict = {}
    members = np.column_stack([_mask(survey, r.conditions, cache) & has[r.measure]
                               for r in rels])
    expected = _brute(answers, scored, members, [r.measure for r in rels], k)
    got = family_violations(survey, "TRUST", rels, k, has, {})
    assert bool(got) == expected, (seed, got)
    for v in got:                                            # never a group of k or more
        assert 0 < v["size"] < k


# ---------------------------------------------------------------------------------------
# The remedy, by hand
# ---------------------------------------------------------------------------------------

def _hand_survey() -> pd.DataFrame:
    # TRUST1, TRUST2, TRUST3 (reverse-keyed); s6 skipped TRUST3 (score 3.5 by the half rule)
    rows = [("s1", "sales", 4, 4, 2), ("s2", "sales", 5, 3, 1), ("s3", "sales", 2, 2, 4),
            ("s4", "sales", 3, 4, 3), ("s5", "sales", 4, 5, 2), ("s6", "sales", 5, 2, None),
            ("m1", "marketing", 1, 2, 5), ("m2", "marketing", 2, 2, 4),
            ("m3", "marketing", 3, 1, 5), ("m4", "marketing", 2, 3, 3),
            ("m5", "marketing", 1, 1, 4)]
    df = pd.DataFrame(rows, columns=["respondent_id", "team", "TRUST1", "TRUST2", "TRUST3"])
    return df


def test_remedy_by_hand():
    from toolkit.privacy_report import audit_results, enforce_report
    from toolkit.survey.measures import measure_survey

    df = _hand_survey()
    sv = measure_survey(df, settings=AnalysisSettings(min_group_size=K))
    trust, items = sv["scales"]["TRUST"]["by_side"], sv["items"]
    # sales: s6 (partial) left out of TRUST and of its items; 5 respondents
    # scores (TRUST3 reversed): s1 (4+4+4)/3, s2 (5+3+5)/3, s3 (2+2+2)/3, s4 (3+4+3)/3,
    # s5 (4+5+4)/3 -> mean (12+13+6+10+13)/15 = 54/15 = 3.6
    assert trust["sales"]["n"] == 5
    assert trust["sales"]["mean"] == pytest.approx(54 / 15, abs=1e-12)
    assert items["TRUST1"]["by_side"]["sales"]["n"] == 5             # s6's 5 left out
    assert items["TRUST1"]["by_side"]["sales"]["mean"] == pytest.approx(18 / 5)
    assert items["TRUST2"]["by_side"]["sales"]["mean"] == pytest.approx(18 / 5)
    assert items["TRUST3"]["by_side"]["sales"]["mean"] == pytest.approx(12 / 5)
    # the scale mean is the mean of its items' (TRUST3 reversed): nothing left to recover
    assert (18 / 5 + 18 / 5 + (6 - 12 / 5)) / 3 == pytest.approx(54 / 15)
    # marketing: everyone answered everything; scores (1+2+1)/3, (2+2+2)/3, (3+1+1)/3,
    # (2+3+3)/3, (1+1+2)/3 -> 27/15
    assert trust["marketing"]["n"] == 5
    assert trust["marketing"]["mean"] == pytest.approx(27 / 15, abs=1e-12)
    assert trust["all"]["n"] == 10
    assert trust["all"]["mean"] == pytest.approx(81 / 30, abs=1e-12)
    assert sv["scales"]["TRUST"]["gap"] == pytest.approx(54 / 15 - 27 / 15)
    res = {"survey": sv, "data": {"row_counts": {}, "intake": [], "warnings": [],
                                  "suppressed": []}}
    enforce_report(res, df, K, K)
    assert res["data"]["privacy_audit"]["ok"]
    assert audit_results(res, df, K, K).ok


# ---------------------------------------------------------------------------------------
# The repro's algebra over everything published
# ---------------------------------------------------------------------------------------

def _pairs(results: dict):
    """(where, n, mean, [(item, n, mean)]) for every group with a scale and all its items
    shown: results.json sides and every stored workshop view."""
    sv = results.get("survey") or {}
    for scale, codes in SCALE_ITEMS.items():
        e = (sv.get("scales") or {}).get(scale)
        if not e:
            continue
        for side, b in (e.get("by_side") or {}).items():
            its = [((sv.get("items") or {}).get(j) or {}).get("by_side", {}).get(side) or {}
                   for j in codes]
            if b.get("n") and all(x.get("n") for x in its):
                yield (f"results {scale} {side}", b["n"], b["mean"],
                       [(j, x["n"], x["mean"]) for j, x in zip(codes, its)])
    store = (results.get("workshop") or {}).get("reveal") or {}
    for view in store.get("views") or []:
        rev = view.get("reveals") or {}
        for scale, codes in SCALE_ITEMS.items():
            cells = [rev.get(c) or {} for c in [scale, *codes]]
            if any("by_side" not in c for c in cells):
                continue
            for side in ("sales", "marketing", "all"):
                figs = [c["by_side"][side] for c in cells]
                if all(f.get("n") for f in figs):
                    yield (f"workshop {view['level']} {view['region']} {view['side']} "
                           f"{scale} {side}", figs[0]["n"], figs[0]["mean"],
                           [(j, f["n"], f["mean"]) for j, f in zip(codes, figs[1:])])


def _check_algebra(results: dict) -> int:
    checked = 0
    for where, n, mean, items in _pairs(results):
        assert all(nj == n for _, nj, _ in items), where          # one answer set
        assert _recovered(n, mean, items) == pytest.approx(0.0, abs=1e-9 * n), where
        checked += 1
    return checked


def _survey_results(survey: pd.DataFrame, k: int = K) -> dict:
    from toolkit.privacy_report import enforce_report
    from toolkit.survey.measures import measure_survey
    from toolkit.workshop.store import build_reveal_views

    res = {"survey": measure_survey(survey, settings=AnalysisSettings(min_group_size=k)),
           "data": {"row_counts": {}, "intake": [], "warnings": [], "suppressed": []}}
    enforce_report(res, survey, k, 8)
    res["workshop"] = {"reveal": build_reveal_views(survey, k, results=res)}
    return res


@pytest.mark.parametrize("name", ["followup-gap", "well-aligned", "lead-quality",
                                  "real-exports"])
def test_repro_algebra_recovers_nothing_on_the_samples(samples_dir, name):
    survey = _load(samples_dir, name)
    res = _survey_results(survey)
    assert res["data"]["privacy_audit"]["ok"]
    assert res["workshop"]["reveal"]["audit"]["ok"]
    assert _check_algebra(res) > 100


PLANTED = {"TRUST": 1, "SUPP": 2, "SHARE": 3, "RINT": 4, "RFAIR": 5}   # partial answerers


def _planted_survey(seed: int = 7) -> pd.DataFrame:
    """Sales 30 and marketing 30 (two levels, two regions), everyone answering every item,
    then in the sales side the planted number of partial answerers per scale (one item
    skipped each; one of RINT's four, r008, skipped two of three: no scale score)."""
    rng = np.random.default_rng(seed)
    items = [j for s in SCALE_ITEMS.values() for j in s]
    n = 60
    df = pd.DataFrame({"respondent_id": [f"r{i:03d}" for i in range(n)],
                       "team": ["sales"] * 30 + ["marketing"] * 30,
                       "level": rng.choice(["individual", "manager"], n),
                       "region": rng.choice(["EMEA", "Americas"], n)})
    for j in items:
        df[j] = rng.integers(1, 6, n).astype(float)
    for scale, count in PLANTED.items():
        for r in range(count):
            df.loc[r + 2 * count, SCALE_ITEMS[scale][r % 3]] = np.nan
    df.loc[8, SCALE_ITEMS["RINT"][1]] = np.nan               # r8 skips RINT1 and RINT2
    return df


def test_planted_partial_answerers_1_to_k():
    df = _planted_survey()
    res = _survey_results(df)
    assert res["data"]["privacy_audit"]["ok"]
    assert res["workshop"]["reveal"]["audit"]["ok"]
    assert _check_algebra(res) > 100
    sv = res["survey"]
    sales = df[df["team"] == "sales"]
    for scale, count in PLANTED.items():
        codes = SCALE_ITEMS[scale]
        complete = sales[codes].notna().all(axis=1)
        assert int((~complete).sum()) == count                  # as planted
        b = sv["scales"][scale]["by_side"]["sales"]
        assert b["n"] == 30 - count                              # 1..k−1 and k alike
        block = sales.loc[complete, codes].copy()
        for c in codes:
            if c in REVERSE_ITEMS:
                block[c] = 6 - block[c]
        assert b["mean"] == pytest.approx(block.mean(axis=1).mean(), abs=1e-12)
        for c in codes:
            assert sv["items"][c]["by_side"]["sales"]["n"] == 30 - count
            assert sv["items"][c]["by_side"]["sales"]["mean"] == pytest.approx(
                sales.loc[complete, c].mean(), abs=1e-12)
    # the same figures as the pre-fix rule would have published them leak every group
    # of 1..k−1 partial answerers, and the audit says so (not the group of k)
    vals = _as_answered(df)
    side = (("team", frozenset(["sales"])),)
    for scale, count in PLANTED.items():
        codes = SCALE_ITEMS[scale]
        has = {c: vals[c].notna().to_numpy() for c in [scale, *codes]}
        rels = [Release(f"{c} sales", c, side) for c in [scale, *codes]]
        rep = audit(df, rels, K, has=has)
        assert rep.ok == (count >= K), (scale, rep.violations)
