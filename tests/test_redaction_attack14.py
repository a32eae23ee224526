"""Attack 14, OW1: "don't know", "nobody", "my boss" typed into a name question in another
language named nobody only in English; in a script without letter case each word of such an
answer was then removed from every comment ("नहीं", "אין"). Now the non-answers of the
practice's languages name nobody, and several words typed in a caseless script are removed
together only (a PhraseName), never one by one."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.conftest import SAMPLES
from toolkit.nameforms import fold, name_info
from toolkit.namewords import PhraseName, typed_names
from toolkit.privacy import make_redactor

MASK = "[name removed]"


@pytest.mark.parametrize("answer", [
    "पता नहीं", "لا أعرف", "لا يوجد", "مديري", "אין", "לא יודע", "המנהל שלי", "Keine Ahnung",
    "Mein Chef", "keine ahnung", "Weiß nicht", "Не знаю", "не знаю", "Мой начальник", "不知道",
    "没有", "わからない", "모름", "Je ne sais pas", "Personne", "Mon patron", "No sé",
    "Nadie", "Mi jefe", "Non so", "Nessuno", "Não sei", "Ninguém", "Weet niet", "Geen idee",
    "Mijn baas",
])
def test_non_answers_in_other_languages_name_nobody(answer):
    assert typed_names(answer, fold) == []


@pytest.mark.parametrize("answer, names", [
    ("Chef Anna Berg", ["Anna Berg"]), ("Mein Chef ist Jürgen Weber", ["Jürgen Weber"]),
    ("Jan von Braun", ["Jan von Braun"]), ("Keine Ahnung, vielleicht Petra", ["Petra"]),
    ("راهول", ["راهول"]), ("王伟", ["王伟"]),
])
def test_names_beside_them_are_kept(answer, names):
    assert typed_names(answer, fold) == names


def test_words_of_a_caseless_script_are_one_phrase():
    (name,) = typed_names("राहुल शर्मा", fold)
    assert isinstance(name, PhraseName) and name == "राहुल शर्मा"
    (name,) = typed_names("אור לוי", fold)
    assert isinstance(name, PhraseName)
    assert name_info(name).parts == set()
    red = make_redactor([name])
    assert red("אור לוי never calls back.") == f"{MASK} never calls back."
    # its words alone are ordinary words here ("light at the end of the tunnel")
    assert red("אין לנו אור בקצה המנהרה.") == "אין לנו אור בקצה המנהרה."
    # the same text as a CRM owner's name keeps its parts (attack 13, CS1)
    assert make_redactor(["אור.לוי"])("לוי never calls.") == f"{MASK} never calls."


def test_phrase_and_plain_name_are_cached_apart():
    plain = name_info("राहुल शर्मा")
    phrase = name_info(PhraseName("राहुल शर्मा"))
    assert plain.parts and not phrase.parts


def test_end_to_end_other_languages(tmp_path):
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "survey" / "responses.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    head, body = rows[0], rows[1:]
    o1 = head.index("OPEN1")
    head.append("Who is your manager?")
    answers = ["पता नहीं", "لا أعرف", "אין", "לא יודע", "Keine Ahnung", "Mein Chef",
               "Не знаю", "Je ne sais pas"]
    comments = ["मुझे नहीं लगता कि बिक्री टीम लीड पर काम करती है।",
                "أنا لا أعرف من يملك العملاء المحتملين.", "אין תיאום בין הצוותים בכלל.",
                "Ich habe keine Ahnung, wer die Leads nachverfolgt.",
                "Der Chef liest den MQL-Bericht nie.", "Не знаю, кто отвечает за лиды."]
    for i, r in enumerate(body):
        r.append(answers[(i // 3) % len(answers)] if i % 3 == 0 else "")
        if i % 3 == 1 and i // 3 < 18:
            r[o1] = comments[(i // 3) % len(comments)]
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head] + body)
    res = analyse_folder(dst)
    text = json.dumps(res["survey"]["comments"], ensure_ascii=False)
    assert MASK not in text
    for kept in comments:
        assert kept in text, kept
