"""Attack 13: names in scripts without letter case (CS1), particle surnames written together in
an id and apart in a comment (PJ1), and answers typed into a name question: lower-case names
beside a hedge, a digit or a joiner (TL1), ordinary phrases (TA2R), two-character Chinese
names (TN1)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.conftest import SAMPLES
from toolkit.nameforms import fold
from toolkit.namewords import as_capital, is_word, ordinary_words, typed_names
from toolkit.privacy import make_redactor, redact

MASK = "[name removed]"


# --- CS1: scripts without letter case -------------------------------------------------

@pytest.mark.parametrize("owner, text, left", [
    ("علي.حسن", "حسن never calls our leads back.", "حسن"),
    ("علي.حسن", "علي ignores every MQL.", "علي"),
    ("דוד.כהן", "כהן never follows up.", "כהן"),
    ("דוד.כהן", "דוד drops half the demo requests.", "דוד"),
    ("राहुल.शर्मा", "शर्मा overrules the lead scoring.", "शर्मा"),
    ("राहुल.शर्मा", "राहुल never reads the MQL report.", "राहुल"),
    ("Giorgi ბერიძე", "ბერიძე never calls back.", "ბერიძე"),
    ("ირაკლი ბერიძე", "ირაკლი never calls back.", "ირაკლი"),
])
def test_a_part_in_a_caseless_script_is_removed_alone(owner, text, left):
    out = redact(text, [owner])
    assert left not in out and out.startswith(MASK), out


def test_cased_scripts_keep_the_capital_rule():
    # Cyrillic has case: a part is removed with its capital, not in lower case (a word)
    assert redact("Петрова never calls.", ["Ирина Петрова"]) == f"{MASK} never calls."
    assert redact("петрова never calls.", ["Ирина Петрова"]) == "петрова never calls."
    assert redact("the market is fine", ["jane.dubois"]) == "the market is fine"


@pytest.mark.parametrize("word, expected", [
    ("राहुल", True), ("शर्मा", True), ("Jane", True), ("حسن", True), ("ा", False),
    ("", False), ("J2", False), ("o'brien", False),
])
def test_is_word_takes_vowel_signs(word, expected):
    assert is_word(word) is expected


@pytest.mark.parametrize("word, expected", [
    ("Jane", True), ("jane", False), ("حسن", True), ("דוד", True), ("ბერიძე", True),
    ("Ǆ", True), ("ǅemal", True), ("1abc", False), ("", False),
])
def test_as_capital(word, expected):
    assert as_capital(word) is expected


# --- PJ1: particle surnames ---------------------------------------------------------------

TEXT = ("Ana de la Cruz drops half the demo requests. De la Cruz ignores MQLs. Cruz is slow. "
        "Delacruz again.")


@pytest.mark.parametrize("owner", ["a.delacruz", "ana.delacruz", "Ana de la Cruz",
                                   "ana.de.la.cruz"])
def test_particle_surnames_either_way(owner):
    out = redact(TEXT, [owner])
    for word in ("Ana", "Delacruz", "De la", "de la"):
        assert word not in out, (owner, out)
    # the word after the particles alone is a part only where the name writes it apart
    # (attack 15, PJ2: "a.delafield" must not make "Field" a part)
    spaced = " " in owner or owner.count(".") > 1
    assert ("Cruz is slow" in out) is not spaced, (owner, out)
    assert out.count(MASK) == (4 if spaced else 3), out


def test_van_der_and_single_particles():
    out = redact("Marieke van der Berg never calls. Van der Berg ignores MQLs. Berg too. "
                 "Vanderberg again.", ["m.vanderberg"])
    assert "der Berg" not in out and "Marieke" not in out and "Vanderberg" not in out, out
    assert "Berg too." in out, out      # "Berg" alone is not a part of m.vanderberg (PJ2)
    out = redact("Jan von Braun said so; von Braun agreed.", ["j.vonbraun"])
    assert "Jan" not in out and "von Braun" not in out, out


def test_single_particle_fragments_are_not_parts():
    # "dubois", "daniel", "vanessa" are not "du bois"-style parts "Bois", "Niel", "Essa"
    red = make_redactor(["j.dubois", "daniel.smith", "vanessa.jones", "leonard.ng"])
    for text in ("Bois is French for wood.", "Niel and Essa are not here.",
                 "Onard is no word."):
        assert red(text) == text
    assert "bois" not in red("W. E. B. Du Bois wrote it; Du Bois again.").lower()


# --- TL1, TA2R, TN1: answers typed into a name question -----------------------------------

@pytest.mark.parametrize("answer, names", [
    ("maybe halvorsen", ["Halvorsen"]), ("dvorak since 2021", ["Dvorak"]),
    ("ingrid (team 2)", ["Ingrid"]), ("adeyemi & okafor", ["Adeyemi", "Okafor"]),
    ("not sure, probably wu-lindqvist", ["Wu-Lindqvist"]), ("o'brien", ["O'Brien"]),
    ("halvorsen", ["Halvorsen"]), ("ingrid halvorsen", ["Ingrid Halvorsen"]),
    ("王伟", ["王伟"]), ("李娜 (team 2)", ["李娜"]), ("Jane in Berlin", ["Jane"]),
    ("Reporting to Priya Chen", ["Priya Chen"]), ("Maria near the door", ["Maria"]),
    ("Ana de la Cruz", ["Ana de la Cruz"]), ("Will Turner", ["Will Turner"]),
    ("Mark Green", ["Mark Green"]),
])
def test_typed_names_tl1_tn1(answer, names):
    assert typed_names(answer, fold) == names


@pytest.mark.parametrize("answer", [
    "Prefer not to answer", "Whoever is free", "Someone in Berlin", "Thank you", "No answer",
    "Left recently", "New hire", "My boss", "Same person as before", "Good one", "Great boss",
    "Next question", "Nice person", "Why do you need this?", "Is this anonymous?",
    "Based in Oslo", "Whoever is at HQ", "Not telling", "Still waiting", "Currently vacant",
    "Not assigned", "Rotating", "Interim", "Confidential", "Pass", "Skip", "later",
])
def test_ordinary_answers_name_nobody_ta2r(answer):
    assert typed_names(answer, fold) == []


def test_the_engagements_ordinary_words_name_nobody():
    texts = ["Lead qualification is broken. The qualification rules change.",
             "We are waiting for a decision; every decision takes weeks.",
             "Halvorsen never calls. Ask halvorsen. Halvorsen again. Halvorsen!"]
    ordinary = ordinary_words(texts, fold)
    assert {"qualification", "decision"} <= ordinary
    assert "halvorsen" not in ordinary        # written with a capital more often
    assert typed_names("Lead qualification", fold, ordinary) == []
    assert typed_names("Waiting for a decision", fold, ordinary) == []
    assert typed_names("maybe halvorsen", fold, ordinary) == ["Halvorsen"]
    # once is not enough to make a word ordinary (a name typed once in lower case)
    assert "ingrid" not in ordinary_words(["ask ingrid"], fold)


# --- end to end --------------------------------------------------------------------------

def _build(dst):
    shutil.copytree(SAMPLES / "followup-gap", dst)
    owners = {"leo.okafor": "علي.حسن", "jane.berg": "a.delacruz", "priya.chen": "राहुल.शर्मा"}
    for f in (dst / "crm").glob("*.csv"):
        t = f.read_text(encoding="utf-8")
        for a, b in owners.items():
            t = t.replace(a, b)
        f.write_text(t, encoding="utf-8")
    p = dst / "survey" / "responses.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    head, body = rows[0], rows[1:]
    o1 = head.index("OPEN1")
    head.append("Who is your manager?")
    answers = ["maybe halvorsen", "dvorak since 2021", "王伟", "Prefer not to answer",
               "Someone in Berlin", "Lead qualification", "New hire", "Thank you"]
    comments = ["حسن never calls our leads back, so leads rot.",
                "شर्मा overrules the lead scoring every week.".replace("ش", "श"),
                "Ana de la Cruz drops half the demo requests.",
                "De la Cruz never reads the MQL report.",
                "Halvorsen never calls our leads back.", "Dvorak overrules the lead scoring.",
                "王伟 ignores every MQL we send to sales.",
                "The team in Berlin never calls webinar leads back.",
                "Lead qualification is broken between the two teams.",
                "Our new hire was never trained; thank you for asking."]
    for i, r in enumerate(body):
        r.append(answers[(i // 3) % len(answers)] if i % 3 == 0 else "")
        if i % 3 == 1 and i // 3 < 30:
            r[o1] = comments[(i // 3) % len(comments)]
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head] + body)
    return dst


def test_end_to_end_attack13(tmp_path):
    from toolkit.pipeline import analyse_folder

    res = analyse_folder(_build(tmp_path / "eng"))
    text = json.dumps(res, ensure_ascii=False)
    for name in ("حسن", "शर्मा", "Cruz", "Halvorsen", "Dvorak", "王伟"):
        assert name not in text, name
    comments = json.dumps(res["survey"]["comments"], ensure_ascii=False)
    # ordinary words stay: a place, the engagement's own words, the answers' words
    for kept in ("The team in Berlin never calls webinar leads back.",
                 "Lead qualification is broken between the two teams.",
                 "Our new hire was never trained; thank you for asking."):
        assert kept in comments, kept
