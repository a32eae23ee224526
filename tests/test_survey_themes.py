"""Comment themes: the planted themes are found with their shares, deterministically, never
for groups under the comment threshold, and a consultant's codebook overrides them."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.exceptions import InputError
from toolkit.generate import generate_tables
from toolkit.generate.comments import THEMES
from toolkit.survey.groups import assign_groups
from toolkit.survey.themes import MIN_COMMENTS, comment_themes, load_codebook

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
#: A found theme's share of a side may differ from the planted theme's realized share by at
#: most this much: comments that share words with another theme ("the targets of each team"
#: next to "different numbers to each team") can land there; at ~200 comments a side, 0.08
#: is about 16 comments.
SHARE_TOLERANCE = 0.08
#: Planted themes with at least this realized share of a side must be found.
FIND_SHARE = 0.15


@pytest.fixture(scope="module")
def generated():
    out = {}
    for profile, seed in (("followup-gap", 31), ("lead-quality", 32)):
        survey = generate_tables(profile, seed=seed, n_respondents=600, n_leads=100)["survey"]
        g = assign_groups(survey, 5)
        res, rec = comment_themes(survey, g.side, min_size=8)
        out[profile] = (survey, g, res, rec)
    return out


@pytest.mark.parametrize("profile", ["followup-gap", "lead-quality"])
@pytest.mark.parametrize("q", ["OPEN1", "OPEN2"])
def test_planted_themes_are_found_with_their_shares(generated, profile, q):
    survey, g, res, _ = generated[profile]
    qq = res["questions"][q]
    assert qq["status"] == "ok" and qq["method"] == "nmf"
    assert qq["sides"] == ["sales", "marketing"]
    # which planted theme each found theme stands for: the planted theme whose words its
    # label and terms share most (planted phrasings are known), checked by its examples
    planted = np.asarray(survey.attrs["planted_themes"][q], dtype=object)
    side = g.side.to_numpy()
    texts = survey[q].astype("string").str.strip().to_numpy(dtype=object)
    label_of_text = {}
    for t, lab in zip(texts, planted):
        if lab is not None:
            label_of_text.setdefault(t, Counter())[lab] += 1
    found: dict[str, dict[str, float]] = {}
    for th in qq["themes"]:
        # the examples are comments of the theme; their planted labels name it
        votes = Counter()
        for e in th["examples"]:
            votes.update(label_of_text.get(e, Counter()))
        key = votes.most_common(1)[0][0]
        purity = votes[key] / sum(votes.values())
        assert purity >= 0.99, (th["label"], votes)
        for s in ("sales", "marketing"):
            found.setdefault(key, {}).setdefault(s, 0.0)
            found[key][s] += th["share"][s]
    for s in ("sales", "marketing"):
        labs = [lab for lab, sd in zip(planted, side) if sd == s and lab is not None]
        realized = {k: v / len(labs) for k, v in Counter(labs).items()}
        for key, share in realized.items():
            if share >= FIND_SHARE:
                assert key in found, (s, THEMES[q][key][0], qq["themes"])
            got = found.get(key, {}).get(s, 0.0)
            assert abs(got - share) <= SHARE_TOLERANCE, (s, key, got, share)


def test_labels_are_readable_words_and_examples_are_redacted(generated):
    survey, g, res, _ = generated["followup-gap"]
    words = " ".join(t["label"] for q in res["questions"].values() for t in q["themes"]).lower()
    assert "lead" in words and "crm" in words and "feedback" in words
    for q in res["questions"].values():
        for t in q["themes"]:
            assert 1 <= len(t["examples"]) <= 3 and len(set(t["examples"])) == len(t["examples"])
            for e in t["examples"]:
                assert "@" not in e and "555" not in e


def test_same_seed_same_themes_and_export_order_does_not_matter(generated):
    survey, g, res, _ = generated["lead-quality"]
    again, _ = comment_themes(survey, g.side, min_size=8)
    assert again == res
    perm = np.random.default_rng(0).permutation(len(survey))
    shuffled = survey.iloc[perm]
    res2, _ = comment_themes(shuffled, g.side.iloc[perm], min_size=8)
    assert res2["questions"] == res["questions"]


def _thin(n_sales: int, n_marketing: int, text_sales: str, text_marketing: str):
    n = n_sales + n_marketing
    df = pd.DataFrame({"respondent_id": [f"R{i}" for i in range(n)],
                       "team": ["sales"] * n_sales + ["marketing"] * n_marketing,
                       "OPEN1": [f"{text_sales} {i}" for i in range(n_sales)]
                       + [f"{text_marketing} {i}" for i in range(n_marketing)]})
    return df, assign_groups(df, 5).side


def test_not_enough_comments_on_thin_data():
    df, side = _thin(9, 8, "Leads have no budget", "Sales never follow up")
    res, _ = comment_themes(df, side, min_size=8)
    q = res["questions"]["OPEN1"]
    assert q["status"] == "not_enough_comments" and q["themes"] == []
    assert str(MIN_COMMENTS) in q["reason"]
    assert res["questions"]["OPEN2"]["status"] == "not_asked"


def test_a_side_under_the_comment_threshold_is_never_shown():
    # 40 sales comments, 6 marketing comments (threshold 8): marketing's share must not be
    # shown, nor sales' (overall − sales would give marketing), nor a marketing example
    rng = np.random.default_rng(1)
    sales = [f"The leads {w} have no budget" for w in rng.choice(["we get", "here"], 20)] + \
        [f"The CRM data is {w}" for w in rng.choice(["stale", "wrong"], 20)]
    mkt = ["MARKETINGONLY secret wording about budget leads"] * 6
    df = pd.DataFrame({"respondent_id": [f"R{i}" for i in range(46)],
                       "team": ["sales"] * 40 + ["marketing"] * 6, "OPEN1": sales + mkt})
    side = assign_groups(df, 5).side
    res, rec = comment_themes(df, side, min_size=8)
    q = res["questions"]["OPEN1"]
    assert q["status"] == "ok" and q["sides"] == []
    for t in q["themes"]:
        assert set(t["share"]) == {"all"}
        assert not any("MARKETINGONLY" in e for e in t["examples"])
    assert {r["group"] for r in rec} == {"sales side", "marketing side"}


def test_codebook_overrides_and_matches_keyword_prefixes(tmp_path):
    survey = generate_tables("followup-gap", seed=33, n_respondents=300,
                             n_leads=100)["survey"]
    g = assign_groups(survey, 5)
    book = tmp_path / "codebook.csv"
    book.write_text("theme,keywords\nLeads,leads;budget;fit\nTools,crm;dashboard\n"
                    "Follow-up,follow;call\n", encoding="utf-8")
    codebook = load_codebook(book)
    assert codebook[2] == ("Follow-up", ["follow", "call"])
    res, _ = comment_themes(survey, g.side, min_size=8, codebook=codebook)
    q = res["questions"]["OPEN1"]
    assert res["method"] == "codebook" and q["method"] == "codebook"
    labels = {t["label"]: t for t in q["themes"]}
    assert set(labels) <= {"Leads", "Tools", "Follow-up"}
    # every comment about tools mentions the CRM: the codebook finds the planted share
    planted = np.asarray(survey.attrs["planted_themes"]["OPEN1"], dtype=object)
    side = g.side.to_numpy()
    labs = [lab for lab, s in zip(planted, side) if s == "sales" and lab is not None]
    n_sales = int(((side == "sales") & survey["OPEN1"].notna().to_numpy()).sum())
    assert labels["Tools"]["share"]["sales"] == pytest.approx(
        labs.count("tools") / n_sales, abs=1e-9)
    # "follow" matches "follow-up" and "following" at the start of a word
    assert any("follow" in e.lower() for e in labels["Follow-up"]["examples"])


@pytest.mark.parametrize("text, row, column", [
    ("name,keywords\nA,x\n", 1, "theme"),
    ("theme,keywords\nA,\n", 2, "keywords"),
    ("theme,keywords\nA,x\na,y\n", 3, "theme"),
])
def test_codebook_problems_name_file_row_and_column(tmp_path, text, row, column):
    p = tmp_path / "book.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_codebook(p, display="survey/book.csv")
    prob = exc.value.problems[0]
    assert prob.file == "survey/book.csv" and prob.row == row and prob.column == column


def test_engagement_codebook_reaches_results(tmp_path):
    from toolkit.pipeline import analyse_folder

    folder = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", folder)
    shutil.copy(Path(__file__).resolve().parents[1] / "templates" / "comment_codebook.csv",
                folder / "survey" / "comment_codebook.csv")
    toml = folder / "engagement.toml"
    text = toml.read_text(encoding="utf-8").replace(
        "[survey]\n", '[survey]\ncomment_codebook = "survey/comment_codebook.csv"\n', 1)
    toml.write_text(text, encoding="utf-8")
    res = analyse_folder(folder)
    th = res["survey"]["comments"]["themes"]
    assert th["method"] == "codebook"
    labels = {t["label"] for t in th["questions"]["OPEN1"]["themes"]}
    assert "Lead quality" in labels and "Tools and data" in labels
    assert not any("comment_codebook" in w for w in res["data"]["warnings"])


def test_examples_use_the_themes_words():
    """Partner review 16c: "Feedback, leads, rejected" was illustrated by "Our priorities
    change every quarter." — an example must use one of the theme's label words, the first
    word first."""
    import numpy as np

    from toolkit.survey.themes import _examples, _mentions

    texts = ["Our priorities change every quarter.", "Nobody gives us feedback on campaigns.",
             "There is no feedback on the leads we reject.", "Account priorities keep changing."]
    idx, weight = np.arange(4), np.ones(4)
    ok = np.ones(4, dtype=bool)
    assert _mentions("Leads rejected again", ["lead"]) and not _mentions("Plead", ["lead"])
    assert _examples(idx, weight, texts, ok, ["feedback", "leads", "rejected"]) == [
        "There is no feedback on the leads we reject.",
        "Nobody gives us feedback on campaigns."]
    # a group hidden for comments is never quoted, whatever it wrote
    ok[2] = False
    assert _examples(idx, weight, texts, ok, ["feedback", "leads"]) == [
        "Nobody gives us feedback on campaigns."]
