"""Attack 42 (SP1 of round 41): an SPSS agreement variable whose value labels cover some codes
only (the endpoints, say) was read half by label and half by number in one column. With
1 = "Strongly agree" … 5 = "Strongly disagree" the labelled ends were read right and 2, 4
wrong (maturity 4.20 → 3.67, "leads are garbage" 20 % → 48 %, no warning). The labels now
define the scale: reversed and zero-based codings are read on it (a warning says how), a
coding the 5 points cannot take (7-point endpoints) is a problem naming the variable."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from toolkit.config import load_engagement
from toolkit.intake import load_data
from toolkit.intake.spss import categories_against_labels, scales_from_labels

from tests.conftest import intake_problems

pyreadstat = pytest.importorskip("pyreadstat")

SAMPLE = "well-aligned"
PLAIN = ("respondent_id", "team", "level", "tenure", "region", "FREQ", "OPEN1", "OPEN2")


def _meta(labels: dict) -> SimpleNamespace:
    return SimpleNamespace(variable_value_labels=labels)


def _formatted(codes: list, labels: dict) -> pd.Series:
    """A column as pyreadstat gives it with value formats applied."""
    return pd.Series([labels.get(c, c) if c == c else np.nan for c in codes], dtype=object)


@pytest.mark.parametrize("labels, codes, expected", [
    # reversed endpoints: 2 sits next to "Strongly agree"
    ({1.0: "Strongly agree", 5.0: "Strongly disagree"}, [1.0, 2.0, 3.0, 4.0, 5.0],
     ["Strongly agree", "4", "3", "2", "Strongly disagree"]),
    # zero-based endpoints: 0..4
    ({0.0: "Strongly disagree", 4.0: "Strongly agree"}, [0.0, 1.0, 2.0, 3.0, 4.0, np.nan],
     ["Strongly disagree", "2", "3", "4", "Strongly agree", np.nan]),
    # centred -2..2: -1 is an answer ("disagree"), not a "not answered" recode (SP2)
    ({-2.0: "Strongly disagree", 2.0: "Strongly agree"}, [-2.0, -1.0, 0.0, 1.0, 2.0, -99.0],
     ["Strongly disagree", "2", "3", "4", "Strongly agree", -99.0]),
    # reversed, middle label given, "Don't know" labelled, a -99 recode left as it is
    ({1.0: "Strongly agree", 3.0: "Neutral", 5.0: "Strongly disagree", 9.0: "Don't know"},
     [2.0, 4.0, 9.0, -99.0], ["4", "2", "Don't know", -99.0]),
])
def test_unlabelled_codes_are_read_on_the_scale_the_labels_define(labels, codes, expected):
    df = pd.DataFrame({"Q7": _formatted(codes, labels)})
    before = df.copy()
    out, warnings, problems = scales_from_labels(df, _meta({"Q7": labels}), "s.sav")
    assert problems == []
    assert _same(out["Q7"].tolist(), expected), out["Q7"].tolist()
    (w,) = warnings
    assert w.startswith("SPSS variable(s) 'Q7' label some codes only (")
    assert "their unlabelled codes were read on the scale those labels define" in w
    assert _same(df["Q7"].tolist(), before["Q7"].tolist())   # the input is not changed


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all((x != x and y != y) or x == y for x, y in zip(a, b))


def test_the_instruments_own_coding_is_left_alone():
    labels = {1.0: "Strongly disagree", 5.0: "Strongly agree"}
    df = pd.DataFrame({"Q1": _formatted([1.0, 2.0, 3.0, 6.0], labels)})
    out, warnings, problems = scales_from_labels(df, _meta({"Q1": labels}), "s.sav")
    assert out is df and warnings == [] and problems == []


def test_a_coding_off_the_five_points_is_one_problem_naming_the_variables():
    labels = {1.0: "Strongly disagree", 7.0: "Strongly agree"}
    df = pd.DataFrame({"Q1": _formatted([1.0, 4.0, 7.0], labels),
                       "Q2": _formatted([7.0, 2.0, 6.0], labels),
                       "Team": ["Sales", "Sales", "Marketing"]})
    out, warnings, problems = scales_from_labels(
        df, _meta({"Q1": labels, "Q2": labels, "Team": {1.0: "Sales"}}), "s.sav")
    assert warnings == []
    (p,) = problems
    assert (p.file, p.row, p.column) == ("s.sav", 3, "Q1")
    assert p.message == (
        "its value labels name agreement codes 1 = strongly disagree, 7 = strongly agree, but "
        "codes 2, 4, 6 have no label and do not fall on that scale's 5 points — this looks like "
        "a 7-point scale; the instrument uses 1 = strongly disagree … 5 = strongly agree — "
        "label every code in the SPSS file or recode to 1..5 before import (the same in 'Q2')")
    assert out["Q1"].isna().tolist() == [False, True, False]
    assert out["Q2"].isna().tolist() == [False, True, True]   # not read a second time


def _spss_engagement(tmp_path, samples_dir, name: str, recode, labels: dict | None):
    """The sample's survey as an SPSS file, answers recoded by *recode*, every agreement
    item carrying *labels*."""
    eng = tmp_path / name
    shutil.copytree(samples_dir / SAMPLE, eng)
    df = pd.read_csv(eng / "survey" / "responses.csv", dtype=str)
    items = [c for c in df.columns if c not in PLAIN]
    out = df.drop(columns=["OPEN1", "OPEN2"]).rename(columns={"respondent_id": "ResponseId"})
    for c in items:
        out[c] = recode(pd.to_numeric(out[c]))
    pyreadstat.write_sav(out, str(eng / "survey" / "responses.sav"),
                         variable_value_labels={c: labels for c in items} if labels else None)
    (eng / "survey" / "responses.csv").unlink()
    toml = (eng / "engagement.toml").read_text(encoding="utf-8")
    toml = toml.replace('path = "survey/responses.csv"\nformat = "canonical"',
                        'path = "survey/responses.sav"\nformat = "spss"')
    (eng / "engagement.toml").write_text(toml, encoding="utf-8")
    return eng, items


def _answers(eng, items) -> pd.DataFrame:
    data = load_data(load_engagement(eng))
    return data.survey.set_index("respondent_id")[items].sort_index()


def test_the_same_answers_coded_three_ways_read_the_same(tmp_path, samples_dir):
    reference = pd.read_csv(samples_dir / SAMPLE / "survey" / "responses.csv", dtype=str)
    plain, items = _spss_engagement(tmp_path, samples_dir, "plain", lambda s: s, None)
    want = _answers(plain, items)
    assert want.to_numpy(dtype=float) == pytest.approx(
        reference.set_index("respondent_id")[items].sort_index().apply(pd.to_numeric)
        .to_numpy(dtype=float), nan_ok=True)
    rev, _ = _spss_engagement(tmp_path, samples_dir, "reversed", lambda s: 6 - s,
                              {1.0: "Strongly agree", 5.0: "Strongly disagree"})
    zero, _ = _spss_engagement(tmp_path, samples_dir, "zero", lambda s: s - 1,
                               {0.0: "Strongly disagree", 4.0: "Strongly agree"})
    for eng in (rev, zero):
        got = _answers(eng, items)
        assert got.to_numpy(dtype=float) == pytest.approx(want.to_numpy(dtype=float),
                                                          nan_ok=True)
        (w,) = [w for w in load_data(load_engagement(eng)).warnings
                if "label some codes only" in w]
        assert w.startswith("survey/responses.sav: SPSS variable(s) ")


def test_seven_point_endpoints_stop_the_run_naming_the_variable(tmp_path, samples_dir):
    seven = {1: 1, 2: 2, 3: 4, 4: 6, 5: 7}
    eng, items = _spss_engagement(tmp_path, samples_dir, "seven", lambda s: s.map(seven),
                                  {1.0: "Strongly disagree", 7.0: "Strongly agree"})
    (p,) = intake_problems(eng)
    assert p.file == "survey/responses.sav" and p.column in items
    assert "this looks like a 7-point scale" in p.message


@pytest.mark.parametrize("labels, codes, message", [
    ({1.0: "Sales", 2.0: "Marketing", 5.0: "Executive leadership"}, [1.0, 3.0, 4.0],
     "the team variable labels code 2 'Marketing', but the instrument's code 2 is sales "
     "development: the file does not use the instrument's codes, so its unlabelled codes "
     "(3, 4) cannot be read — label every code in the SPSS file"),
    ({1.0: "Never", 6.0: "Daily"}, [1.0, 2.0, 5.0, 6.0],
     "the communication frequency variable labels code 1 'Never', but the instrument's code "
     "1 is daily: the file does not use the instrument's codes, so its unlabelled codes "
     "(2, 5) cannot be read — label every code in the SPSS file"),
])
def test_category_labels_against_the_instruments_codes_are_a_problem(labels, codes, message):
    """SP3: a team or frequency variable whose own labels put a category on another code
    than the instrument's; its unlabelled codes were read with the instrument's codes."""
    df = pd.DataFrame({"V": _formatted(codes, labels)})
    (p,) = categories_against_labels(df, _meta({"V": labels}), "s.sav")
    assert (p.file, p.row, p.column, p.message) == ("s.sav", 3, "V", message)


def test_category_labels_on_the_instruments_codes_are_read():
    labels = {1.0: "Daily", 6.0: "Never"}                 # the instrument's own order
    df = pd.DataFrame({"V": _formatted([1.0, 3.0, 6.0], labels),
                       "T": _formatted([1.0, 3.0], {1.0: "Sales", 3.0: "Marketing"})})
    assert categories_against_labels(
        df, _meta({"V": labels, "T": {1.0: "Sales", 3.0: "Marketing"}}), "s.sav") == []


def test_an_unknown_team_name_is_named_row_by_row_never_as_empty(tmp_path, samples_dir):
    """TM1: a platform export's unmapped team name was reported as "empty value" for every
    respondent after the first who gave it."""
    eng, _ = _spss_engagement(tmp_path, samples_dir, "team", lambda s: s, None)
    sav = eng / "survey" / "responses.sav"
    df, _meta_ = pyreadstat.read_sav(str(sav))
    rows = df.index[df["team"] == "revops"]
    df.loc[rows, "team"] = "Revenue operations"
    pyreadstat.write_sav(df, str(sav))
    problems = [p for p in intake_problems(eng) if p.column == "team"]
    assert not any("empty value" in p.message for p in problems)
    grouped, *each = problems
    assert grouped.message.startswith(f"{len(rows)} respondent(s) have a team that maps to no "
                                      "canonical team: 'Revenue operations'")
    assert [p.row for p in each] == [int(r) + 2 for r in rows[1:]]
    assert all(p.message.startswith("unknown team 'Revenue operations'") for p in each)
