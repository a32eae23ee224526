"""Question-text matching, agreement labels, frequency and team mapping (toolkit.intake.matching)."""

import numpy as np
import pandas as pd

from toolkit.intake import answers as a
from toolkit.intake import matching as m

WORDINGS = {
    "FAIR1": "The marketing and sales budgets are divided between the two teams in a way I "
             "consider fair.",
    "TRUST1": "I trust the people on the other team to know their job well.",
    "CLAIM_FOLLOW": "Salespeople give up on leads from marketing too early.",
    "team": "Which team do you work in?",
}


def test_similarity_identical_and_unrelated():
    assert m.text_similarity("Hello World", "hello,  world!") == 1.0
    assert m.text_similarity("", "x") == 0.0
    # no shared content word and little character overlap
    assert m.text_similarity("apples and pears", "quarterly revenue forecast") < 0.4


def test_matrix_statement_and_tag_and_mapping():
    cols = {
        "Q5_1": "How far do you agree? - The marketing and sales budgets are divided between "
                "the two teams in a way I consider fair.",
        "TRUST1": "anything",                              # export tag = item code
        "Q9": "Salespeople give up on marketing leads too early",  # light paraphrase
        "Q10": "What is your favourite colour?",           # unrelated
        "Q11": "Some custom wording",                      # mapped explicitly
    }
    r = m.match_columns(cols, {**WORDINGS, "TRUST2": "x y z"},
                        mapping={"Q11": "TRUST2"}, file="f.csv")
    assert r.codes == {"Q5_1": "FAIR1", "TRUST1": "TRUST1", "Q9": "CLAIM_FOLLOW",
                       "Q11": "TRUST2"}
    assert r.how["Q11"] == "items mapping" and r.how["TRUST1"] == "export tag"
    assert r.unmatched == ["Q10"]
    assert r.problems == []


def test_mapping_errors_and_duplicates_are_problems():
    cols = {"A": WORDINGS["FAIR1"], "B": WORDINGS["FAIR1"]}
    r = m.match_columns(cols, WORDINGS, mapping={"Nope": "FAIR1", "A": "BOGUS9"}, file="f")
    msgs = " | ".join(p.message for p in r.problems)
    assert "not in the export" in msgs
    assert "not an instrument item code" in msgs
    assert "all map to item FAIR1" in msgs


def test_weak_match_is_reported_not_used():
    # shares some words with FAIR1 but is a different statement
    cols = {"Q1": "Marketing and sales budgets are divided in a way I like"}  # 0.73
    r = m.match_columns(cols, WORDINGS, file="f")
    assert "Q1" not in r.codes
    assert r.unmatched == ["Q1"]
    assert len(r.warnings) == 1 and "weakly" in r.warnings[0]


def test_ambiguous_match_is_reported_not_used():
    w = {"A1": "Sales and marketing share one common goal", "A2":
         "Sales and marketing share one common goals"}
    r = m.match_columns({"Q": "Sales and marketing share one common goal."}, w, file="f")
    assert r.codes == {} and "almost equally" in r.warnings[0]


def test_agreement_labels_numbers_and_missing_codes():
    df = pd.DataFrame({
        "A": ["Strongly agree", "Somewhat disagree", "Don't know", "5 - Strongly agree",
              None, "Neither agree nor disagree", "N/A", "strongly DISAGREE"],
        "B": ["1", "-99", "6", "3", "", "-1", "4", "2"],
    })
    r = a.map_agreement(df, file="f")
    assert r.problems == []
    np.testing.assert_array_equal(r.values["A"].to_numpy(),
                                  [5, 2, np.nan, 5, np.nan, 3, np.nan, 1])
    np.testing.assert_array_equal(r.values["B"].to_numpy(),
                                  [1, np.nan, np.nan, 3, np.nan, np.nan, 4, 2])
    assert r.n_missing_codes == 2 and r.n_dont_know_codes == 1
    assert r.values["A"].dtype == "float64"


def test_seven_point_scales_refused():
    labels = a.map_agreement(pd.DataFrame({"A": ["Agree", "Somewhat agree", "Strongly agree"]}))
    assert len(labels.problems) == 1 and "7-point" in labels.problems[0].message
    nums = a.map_agreement(pd.DataFrame({"A": ["7", "6", "1"]}), rows=[4, 5, 6])
    assert len(nums.problems) == 1 and "7-point" in nums.problems[0].message
    assert nums.problems[0].row == 4   # first offending value: '7' in spreadsheet row 4


def test_unknown_label_names_row_and_column():
    r = a.map_agreement(pd.DataFrame({"X": ["Agree", "Maybe"]}, index=[4, 5]), file="s.csv")
    (p,) = r.problems
    assert (p.file, p.row, p.column) == ("s.csv", 5, "X") and "'Maybe'" in p.message


def test_frequency_labels():
    vals = pd.Series(["Daily", "Several times a week", "About once a week", "About once a month",
                      "Less than once a month", "Never", "2-3 times a week", None, "weekly"])
    out, warns, probs = a.map_frequency(vals)
    assert out.tolist()[:7] == ["daily", "several_weekly", "weekly", "monthly", "rarely",
                                "never", "several_weekly"]
    assert pd.isna(out.iloc[7]) and out.iloc[8] == "weekly"
    assert probs == [] and warns == []
    _, _, probs = a.map_frequency(pd.Series(["whenever"]))
    assert len(probs) == 1


def test_team_map_case_insensitive_and_unknown():
    vals = pd.Series(["Inside Sales", "inside sales ", "Marketing", "Sales development",
                      "Finance", None], index=[4, 5, 6, 7, 8, 9])
    out, probs = a.map_teams(vals, {"Inside Sales": "sales"}, file="s.csv", column="Dept")
    assert out.tolist()[:4] == ["sales", "sales", "marketing", "sales_development"]
    assert pd.isna(out.iloc[4]) and pd.isna(out.iloc[5])
    (p,) = probs
    assert p.row == 8 and p.column == "Dept" and "'Finance'" in p.message


def test_level_and_tenure():
    lv, _ = a.map_level(pd.Series(["Individual contributor", "Team lead", "VP Marketing"]))
    assert lv.tolist() == ["individual", "manager", "executive"]
    tn, _ = a.map_tenure(pd.Series(["Less than 1 year", "1 to 3 years", "3-5 years",
                                    "More than 5 years", "10+ years"]))
    assert tn.tolist() == ["<1y", "1-3y", "3-5y", "5y+", "5y+"]
