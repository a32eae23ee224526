"""Attack 16, MH2: after round 15 took given names ("Mia", "Tal", "Con", "Leiter") off the
non-answer list, non-answers made of such words beside hedge words ("Ich weiß es nicht",
"Mein Leiter", "Sin jefe") became names and their words left every comment. In an answer
that holds a hedge word they name nobody; typed alone or beside a surname they are names."""

from __future__ import annotations

import pytest

from toolkit.nameforms import fold
from toolkit.namewords import typed_names
from toolkit.privacy import make_redactor


@pytest.mark.parametrize("answer", [
    "Ich weiß es nicht", "Aber wer weiß?", "Sin jefe", "Con nadie", "Mein Leiter",
    "Unser Leiter", "Mi jefa está", "Weiß nicht", "Mijn baas", "Não sei", "Tal vez",
    "KEINE AHNUNG", "MEIN LEITER",
])
def test_hedged_non_answers_name_nobody(answer):
    assert typed_names(answer, fold) == []


@pytest.mark.parametrize("answer, names", [
    ("Mia", ["Mia"]), ("Tal", ["Tal"]), ("Leiter", ["Leiter"]),
    ("Mia Lindqvist", ["Mia Lindqvist"]), ("Tal Ohana", ["Tal Ohana"]),
    ("Anna Weiss", ["Anna Weiss"]), ("Keine Ahnung, vielleicht Petra", ["Petra"]),
    # attack 17, AW1: a digit or a join is no hedge — the two-way words stay names there
    ("Tal Weiss (team 2)", ["Tal Weiss"]), ("Mia Weiss & Ravi Ng", ["Mia Weiss", "Ravi Ng"]),
    ("Weiss / Kowalski", ["Weiss", "Kowalski"]), ("Tal Leiter since 2021", ["Tal Leiter"]),
    ("Weiss & Dubois", ["Weiss", "Dubois"]), ("Mia (team 2)", ["Mia"]),
    # attack 18, AB1: an abbreviation is no non-answer word ("EST" is not French "est"),
    # and a non-answer word counts only in the same part of the answer
    ("Tal Weiss (EST)", ["Tal Weiss (EST)"]),                 # no hedge: the answer as typed
    ("Mia Weiss, NE region", ["Mia Weiss, NE region"]),
    ("Weiss & Dubois (EST)", ["Weiss", "Dubois"]),
    ("Tal Leiter - Detroit MI", ["Tal Leiter - Detroit MI"]),
    ("Mia Weiss, keine Ahnung", ["Mia Weiss"]),
])
def test_names_alone_or_with_a_surname_stay_names(answer, names):
    assert typed_names(answer, fold) == names


def test_abbreviations_do_not_hide_names_ab1():
    names = [n for a in ("Tal Weiss (EST)", "Mia Weiss, NE region", "Weiss & Dubois (EST)",
                         "Tal Leiter - Detroit MI") for n in typed_names(a, fold)]
    red = make_redactor(names)
    for text in ("Tal Weiss never reads the MQL report.", "Ask Mia Weiss why.",
                 "Weiss and Dubois argue.", "Tal Leiter ignores us."):
        out = red(text)
        for word in ("Tal", "Weiss", "Mia", "Dubois", "Leiter"):
            assert word not in out.split(), (text, out)


def test_comments_keep_their_words():
    names = [n for a in ("Ich weiß es nicht", "Aber wer weiß?", "Sin jefe", "Con nadie",
                         "Mein Leiter") for n in typed_names(a, fold)]
    red = make_redactor(names)
    for text in ("Unser Leiter Vertrieb liest die Webinar-Leads nie.",
                 "Weiß jemand, warum die MQL-Liste leer ist?", "Aber niemand ruft zurück.",
                 "Con este proceso nadie llama."):
        assert red(text) == text
