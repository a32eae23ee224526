"""Names written with ä ö ü ß å ø æ đ and in their ASCII spelling meet (attack 8, UM1).

German and Nordic CRM and mail systems write an owner's id in ASCII (``joerg.mueller@acme.de``,
``soeren.jaeger``, ``haakon.aasen``); colleagues write the same person's name with the letters
("Jörg Müller", "Sören Jäger", "Håkon Åsen") — and the other way round. SPEC §8: the name
is removed in every form, in both directions; the bare form ("Muller") still matches a name
written with the letter, and ordinary words with "ue", "ae" or "oe" are left alone.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from toolkit.nameforms import name_words, tfold, translit
from toolkit.privacy import NAME_MASK, drop_name_words, make_redactor

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "followup-gap"

# (known name as an export writes it, comment, the name's words that must be gone)
CASES = [
    # ASCII id, the name written with the letters (the findings' direct cases)
    ("joerg.mueller@acme.de", "Jörg Müller never calls back", ["Jörg", "Müller"]),
    ("soeren.jaeger", "Sören Jäger drops leads", ["Sören", "Jäger"]),
    ("Koehler, Juergen", "Herr Köhler drops leads", ["Köhler"]),
    ("Koehler, Juergen", "Jürgen Köhler should run a weekly meeting with us.",
     ["Jürgen", "Köhler"]),
    ("soeren.jaeger", "Replace Jäger as the SDR lead.", ["Jäger"]),
    ("haakon.aasen", "Håkon Åsen drops leads", ["Håkon", "Åsen"]),
    ("ingrid.soerensen", "Ingrid Sørensen drops leads", ["Ingrid", "Sørensen"]),
    ("ingrid.soerensen", "Ask Sørensen about it", ["Sørensen"]),
    ("djordje.petrovic", "Đorđe Petrović drops leads", ["Đorđe", "Petrović"]),
    ("juergen.strauss", "Jürgen Strauß drops leads", ["Jürgen", "Strauß"]),
    ("lars.aerboe", "Lars Ærbø drops leads", ["Lars", "Ærbø"]),
    ("joerg.mueller@acme.de", "ask jörg müller", ["jörg", "müller"]),
    ("joerg.mueller@acme.de", "JÖRG MÜLLER never calls back", ["JÖRG", "MÜLLER"]),
    ("jmueller", "Jörg Müller said no", ["Jörg", "Müller"]),
    # the name written with the letters, the comment in ASCII (reverse direction)
    ("Jörg Müller", "Joerg Mueller never calls back", ["Joerg", "Mueller"]),
    ("Jörg Müller", "JOERG MUELLER never calls back", ["JOERG", "MUELLER"]),
    ("Jörg Müller", "ask joerg.mueller", ["joerg", "mueller"]),
    ("Håkon Åsen", "Haakon Aasen drops leads", ["Haakon", "Aasen"]),
    ("Sören Jäger", "Soeren Jaeger drops leads", ["Soeren", "Jaeger"]),
    ("Ingrid Sørensen", "Soerensen drops leads", ["Soerensen"]),
    ("Đorđe Petrović", "Djordje Petrovic drops leads", ["Djordje", "Petrovic"]),
    ("Jürgen Strauß", "Juergen Strauss drops leads", ["Juergen", "Strauss"]),
    ("Jürgen Köhler", "Herr Koehler drops leads", ["Koehler"]),
    # the bare form still matches the letters (as before)
    ("Jörg Müller", "Jorg Muller never calls back", ["Jorg", "Muller"]),
    ("Đorđe Petrović", "Dorde Petrovic drops leads", ["Dorde", "Petrovic"]),
    # mixed spellings on either side
    ("Jörg Mueller", "Jorg Müller calls", ["Jorg", "Müller"]),
    ("joerg.mueller", "Joerg Müller calls", ["Joerg", "Müller"]),
    # letters written decomposed (NFD)
    ("joerg.mueller", "Jo\u0308rg Mu\u0308ller calls", ["Jo\u0308rg", "Mu\u0308ller"]),
    ("Mu\u0308ller, Jo\u0308rg", "Joerg Mueller calls", ["Joerg", "Mueller"]),
]


@pytest.mark.parametrize("name,comment,gone", CASES)
def test_name_removed_whichever_spelling(name, comment, gone):
    out = make_redactor([name])(comment)
    assert NAME_MASK in out, (name, comment, out)
    for word in gone:
        assert word not in out, (name, comment, out)


@pytest.mark.parametrize("name,comment", [
    ("joerg.mueller@acme.de", "Jörg Müller never calls back"),
    ("Håkon Åsen", "Haakon Aasen drops leads"),
])
def test_whole_name_forms_in_labels_too(name, comment):
    """Labels the toolkit wrote (parts off: :func:`toolkit.privacy.redact_tree`) lose the
    full name in either spelling."""
    out = make_redactor([name], parts=False, phones=False)(comment)
    assert out.startswith(NAME_MASK), out


def test_ordinary_words_stay():
    """Only a known name's spellings meet: "ue", "ae", "oe" and "ss" in other words are
    not folded onto anything, and a name's letters do not spread to other words."""
    r = make_redactor(["joerg.mueller@acme.de", "Håkon Åsen", "Jürgen Strauß"])
    for text in ("The Blues and Queen were played; Guest, Aaron and Noel came.",
                 "Die Mühle, der Käse und die Straße.", "Mull it over, Strauss said nothing.",
                 "Hakon is a Norwegian king's name in the history book."):
        out = r(text)
        if "Strauss" in text:
            assert out == text.replace("Strauss", NAME_MASK), out   # the name itself
        elif "Hakon" in text:
            assert out == text.replace("Hakon", NAME_MASK), out     # bare form of Håkon
        else:
            assert out == text, out


def test_theme_words_dropped_whichever_spelling():
    words = ["jörg", "joerg", "mueller", "müller", "jäger", "jaeger", "leads", "queue"]
    assert drop_name_words(words, ["joerg.mueller", "Sören Jäger"]) == ["leads", "queue"]


def test_keys():
    assert translit("Jörg Müller") == "Joerg Mueller"
    assert translit("ÅSEN, Håkon") == "AASEN, Haakon"
    assert translit("Đorđe Strauß") == "Djordje Strauss"
    assert translit("Jane Dubois") == "Jane Dubois"
    assert tfold("Sørensen") == tfold("soerensen") == "soerensen"
    assert tfold("Mu\u0308ller") == "mueller"
    # the prefilter of a contacts export (names_in_text) sees both spellings
    assert {"joerg", "jorg", "mueller", "muller"} <= name_words("Jörg Müller")


def test_contacts_prefilter_sees_both_spellings():
    from toolkit.intake.contacts import names_in_text, text_words

    pool = ["Jörg Müller", "haakon.aasen@acme.no", "Eva Costa"]
    words = text_words([["Joerg Mueller never calls", "Håkon Åsen neither"]])
    assert names_in_text(pool, words) == ["Jörg Müller", "haakon.aasen@acme.no"]


def test_linear_time_with_many_accented_words():
    """Every word a hit under one key and a miss under the other still costs linear time."""
    r = make_redactor([f"jörg{i}.müller{i}@acme.de" for i in range(50)]
                      + ["joerg.mueller", "Håkon Åsen"])
    text = "Jörg Müller Joerg Mueller Håkon " * 20000     # ~650 kB
    t = time.perf_counter()
    out = r(text)
    assert time.perf_counter() - t < 5
    assert "Jörg" not in out and "Mueller" not in out and "Håkon" not in out


# ---- end to end --------------------------------------------------------------------------

RENAMED = {"priya.chen": "joerg.mueller@acme.de", "leo.okafor": "soeren.jaeger",
           "nina.larsen": "Koehler, Juergen"}
OPEN1 = ["Jörg Müller never follows up on our leads.", "Ask Müller why the leads sit untouched.",
         "Sören Jäger calls once and gives up.", "Herr Köhler rejects every webinar lead."]
OPEN2 = ["Jürgen Köhler should run a weekly meeting with us.", "Replace Jäger as the SDR lead."]
LEAKS = ["Jörg", "Müller", "Sören", "Jäger", "Jürgen", "Köhler",
         "joerg", "mueller", "soeren", "jaeger", "koehler", "juergen"]


def _rename_and_comment(eng: Path, renamed: dict, open1: list, open2: list):
    for table in ("leads", "opportunities", "activities"):
        p = eng / "crm" / f"{table}.csv"
        with open(p, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        i = rows[0].index("owner_id")
        for r in rows[1:]:
            r[i] = renamed.get(r[i], r[i])
        with open(p, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    p = eng / "survey" / "responses.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    o1, o2 = rows[0].index("OPEN1"), rows[0].index("OPEN2")
    for k, r in enumerate(rows[1:]):
        r[o1], r[o2] = open1[k % len(open1)], open2[k % len(open2)]
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _results_text(eng: Path) -> str:
    from toolkit.jsonio import jsonable
    from toolkit.pipeline import analyse_folder

    return json.dumps(jsonable(analyse_folder(eng)), ensure_ascii=False)


def test_end_to_end_ascii_owner_ids_letters_in_comments(tmp_path):
    eng = tmp_path / "um"
    shutil.copytree(SAMPLE, eng)
    _rename_and_comment(eng, RENAMED, OPEN1, OPEN2)
    text = _results_text(eng)
    hits = {w: len(re.findall(re.escape(w), text, re.IGNORECASE)) for w in LEAKS}
    # the owner ids are not in results.json either (pseudonyms): every hit is a leak
    assert not any(hits.values()), hits
    assert "untouched" in text and "webinar" in text   # the comments are there, redacted


def test_end_to_end_letters_in_owner_ids_ascii_in_comments(tmp_path):
    eng = tmp_path / "um2"
    shutil.copytree(SAMPLE, eng)
    _rename_and_comment(eng, {"priya.chen": "Jörg Müller", "leo.okafor": "Håkon Åsen"},
                        ["Joerg Mueller never follows up on our leads.",
                         "Haakon Aasen calls once and gives up."],
                        ["Ask Mueller why the leads sit untouched.", "Replace Aasen as lead."])
    text = _results_text(eng)
    hits = {w: len(re.findall(w, text, re.IGNORECASE))
            for w in ("joerg", "j[oö]rg", "m[uü]e?ller", "haakon", "h[aå]kon", "a+sen", "åsen")}
    assert not any(hits.values()), hits
    assert "untouched" in text
