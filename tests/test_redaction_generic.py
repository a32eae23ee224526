"""Review 13, N4: names built from generic words (a CRM contact "Sales Team", a shared mailbox
``sales.team@client.com``, ``noreply``, ``helpdesk``) name nobody, so redaction no longer
removes ordinary words ("both sales and marketing teams") from comments, reasons and labels,
while real people's names are still removed in every form."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from toolkit.namewords import GENERIC_WORDS, is_generic_word, names_nobody
from toolkit.privacy import drop_name_words, make_redactor, name_forms, redact, redact_tree

COMMENT = "We need both sales and marketing teams in one room; the Sales Team and Marketing agree."
JANE = "Jane Dubois said no; ask jane.dubois or J. Dubois, or DUBOIS, Jane."


# --------------------------------------------------------------------------- the word rule
@pytest.mark.parametrize("word", ["team", "teams", "sales", "marketing", "info", "noreply",
                                  "admin", "support", "mql", "sql", "opportunity", "leads",
                                  "webinar", "salesteam", "helpdesk", "customerservice",
                                  "marketingteamemea", "2", "007"])
def test_generic_words(word):
    assert is_generic_word(word)


@pytest.mark.parametrize("word", ["jane", "dubois", "will", "may", "mark", "young", "best",
                                  "sal", "do", "dev", "amit", "adam", "anna", "dean", "sean",
                                  "j", "leadbetter", "webster", "005a1"])
def test_names_and_initials_are_not_generic(word):
    """Common given names and surnames are not in the vocabulary, and a name is not split
    into short generic pieces ("am" + "it")."""
    assert not is_generic_word(word)


def test_vocabulary_is_folded_words():
    assert all(w == w.lower() and w.isalpha() for w in GENERIC_WORDS)
    assert names_nobody(()) and names_nobody(("sales", "team"))
    assert not names_nobody(("team", "dubois"))


@pytest.mark.parametrize("name", ["Sales Team", "sales.team@client.com", "SalesTeam",
                                  "salesteam", "info@client.com", "noreply", "no-reply",
                                  "Marketing Department", "Sales Team 2", "Customer Service",
                                  "MQL queue", "helpdesk@client.com"])
def test_a_name_of_generic_words_names_nobody(name):
    assert name_forms(name) == ([], set())
    text = f"{COMMENT} {name} answered."
    assert redact(text, [name]) == redact(text, [])


def test_a_mixed_name_keeps_only_its_real_word_forms():
    seqs, parts = name_forms("Team Dubois")
    assert parts == {"dubois"}
    assert ("team", "dubois") in seqs and ("t", "dubois") in seqs and ("tdubois",) in seqs
    assert ("d", "team") not in seqs and ("team",) not in seqs
    # every form holds the real word, whole or apart at its particle ("Du Bois": PJ1)
    assert all(any("dubois" in w for w in s) or s[-2:] == ("du", "bois") for s in seqs)
    r = make_redactor(["Team Dubois"])
    assert r("the Team meeting with Dubois and Team Dubois") == \
        "the Team meeting with [name removed] and [name removed]"


def test_a_person_with_a_generic_surname_keeps_every_full_form():
    """The documented trade-off: "Mark Sales" is removed as "Mark Sales", "Sales, Mark",
    "mark.sales", "marksales" and "Mark"; "Sales" alone is an ordinary word."""
    r = make_redactor(["Mark Sales"])
    out = r("Mark Sales, Sales, Mark, mark.sales and marksales: ask Mark about Sales.")
    assert out == ("[name removed], [name removed], [name removed] and [name removed]: "
                   "ask [name removed] about Sales.")


def test_common_word_names_still_go_when_written_as_names():
    """A part that is also an English word is removed only written with a capital: lower-case
    words stay, "Will" at a sentence start goes (a first name alone is how comments name
    people, so it is not given up)."""
    r = make_redactor(["Will Young", "may.best"])
    assert r("we will see young reps at their best in may") == \
        "we will see young reps at their best in may"
    assert r("Will said May Best was right") == "[name removed] said [name removed] was right"


def test_stage_acronym_that_is_a_name_is_kept_in_capitals():
    r = make_redactor(["Sal Russo"])
    assert r("the SAL stage; Sal said so; SAL RUSSO too") == \
        "the SAL stage; [name removed] said so; [name removed] too"


def test_labels_and_theme_words_keep_generic_words():
    names = ["Sales Team", "sales.team@client.com", "Jane Dubois"]
    tree = {"reasons": {"passed to the sales team": 3, "Jane Dubois said no": 1},
            "text": "sales teams and the Sales Team"}
    out = redact_tree(tree, names)
    assert out == {"reasons": {"passed to the sales team": 3, "[name removed] said no": 1},
                   "text": "sales teams and the Sales Team"}
    assert drop_name_words(["sales", "team", "teams", "jane", "follow"], names) == \
        ["sales", "team", "teams", "follow"]


def test_mailbox_and_person_in_one_redactor():
    r = make_redactor(["Sales Team", "sales.team@client.com", "Jane Dubois",
                       "jane.dubois@prospect.example"])
    assert r(COMMENT) == COMMENT
    out = r(JANE)
    assert out == ("[name removed] said no; ask [name removed] or [name removed], "
                   "or [name removed].")


def test_contact_pool_keeps_only_names_sharing_a_real_word():
    from toolkit.intake.contacts import names_in_text, text_words

    pool = ["Sales Team", "Team Dubois", "Jane Dubois", "Hans Tanaka"]
    words = text_words([pd.Series([COMMENT, "Dubois called"])])
    assert names_in_text(pool, words) == ["Jane Dubois", "Team Dubois"]


# --------------------------------------------------------------------------- end to end
def test_sales_team_contact_and_mailbox_do_not_redact_comments(tmp_path):
    """A leads export whose contact column names "Sales Team" for most leads, a shared
    mailbox owner ``sales.team@client.com`` and a real contact "Jane Dubois": survey comments
    and rejection reasons about "sales" and "teams" come out unchanged, Jane Dubois is
    removed as "Jane Dubois", "jane.dubois" and "J. Dubois"."""
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import _known_names, analyse

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    for f in eng.glob("crm/*.csv"):   # the sample has an owner mark.dubois: take it away
        f.write_text(f.read_text(encoding="utf-8").replace("mark.dubois", "mark.quillon"),
                     encoding="utf-8")
    leads = pd.read_csv(eng / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads["Contact Name"] = "Sales Team"
    leads.loc[:3, "Contact Name"] = "Jane Dubois"
    leads["Email"] = ""
    leads.loc[:3, "Email"] = "jane.dubois@prospect.example"
    leads.loc[4:9, "Email"] = "sales.team@client.com"
    leads.loc[leads.index % 7 == 0, "owner_id"] = "sales.team@client.com"
    rejected = leads["rejection_reason"] != ""
    leads.loc[rejected & (leads.index % 2 == 0), "rejection_reason"] = \
        "passed to the sales team"
    leads.to_csv(eng / "crm" / "leads.csv", index=False)
    survey = pd.read_csv(eng / "survey" / "responses.csv", dtype=str, keep_default_na=False)
    comments = ["We need both sales and marketing teams in one room every week.",
                "Jane Dubois at the prospect: ask jane.dubois or J. Dubois, nobody called."]
    survey["OPEN1"] = [comments[i % 2] for i in range(len(survey))]
    survey.to_csv(eng / "survey" / "responses.csv", index=False)

    data = load_data(load_engagement(eng))
    known = _known_names(data)
    assert {"Jane Dubois", "sales.team@client.com"} <= set(known)
    results = analyse(data)
    said = [c for side in results["survey"]["comments"]["by_side"].values()
            for c in side.get("OPEN1", [])]
    assert comments[0] in said
    assert "[name removed] at the prospect: ask [name removed] or [name removed], " \
           "nobody called." in said
    blob = json.dumps(results, ensure_ascii=False)
    assert "passed to the sales team" in blob
    for form in ("jane", "dubois"):
        assert form not in blob.lower(), form
