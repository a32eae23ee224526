"""Attack 15: given names that were words of the non-answer list (MH1), ordinary words made
name parts by particle splitting (PJ2), and a baseline results.json read whole into memory
(BL1)."""

from __future__ import annotations

import os

import pytest

from toolkit.exceptions import InputError
from toolkit.jsonio import MAX_RESULTS_BYTES, load_results
from toolkit.nameforms import fold
from toolkit.namewords import typed_names
from toolkit.paths import read_regular_bytes
from toolkit.privacy import make_redactor

MASK = "[name removed]"


@pytest.mark.parametrize("answer, names", [
    ("Mia Lindqvist", ["Mia Lindqvist"]), ("Mia", ["Mia"]), ("Tal Ohana", ["Tal Ohana"]),
    ("Tal", ["Tal"]), ("Mio Sato", ["Mio Sato"]), ("Esta Jones", ["Esta Jones"]),
    ("معروف", ["معروف"]), ("Anna Weiss", ["Anna Weiss"]), ("Con O'Neill", ["Con O'Neill"]),
    ("Sin Ji-ho", ["Sin Ji-ho"]), ("Bei Bei", ["Bei Bei"]),
    ("Ich weiß nicht, vielleicht Petra", ["Petra"]),
])
def test_given_names_are_not_non_answers_mh1(answer, names):
    assert typed_names(answer, fold) == names


@pytest.mark.parametrize("answer", ["Weiß nicht", "weiss nicht", "Mijn baas", "Não sei",
                                    "Tal vez", "غير معروف", "Keine Ahnung", "Mein Chef"])
def test_non_answers_made_of_such_words_name_nobody(answer):
    assert typed_names(answer, fold) == []


def test_a_managers_given_name_is_redacted_mh1():
    red = make_redactor(typed_names("Mia Lindqvist", fold) + typed_names("Tal Ohana", fold))
    for text in ("Mia never reads the MQL report.", "Tal ignores every MQL."):
        assert red(text).startswith(MASK), red(text)


@pytest.mark.parametrize("owner, text", [
    ("a.delafield", "Field Marketing never shares its lists."),
    ("s.vanderwall", "Wall Street banks are our best accounts."),
    ("k.delaplace", "Place the webinar leads in the queue."),
    ("m.vanderberg", "Berg is a mountain."),
])
def test_particle_splitting_removes_no_ordinary_word_pj2(owner, text):
    red = make_redactor([owner])
    assert red(text) == text
    # the surname itself is still removed, together or apart
    rest = owner.split(".")[1]
    assert MASK in red(f"{rest.capitalize()} said no.")


def test_a_huge_baseline_is_refused_unread_bl1(tmp_path):
    big = tmp_path / "results.json"
    with open(big, "wb") as fh:          # sparse: no disk space, far over the limit
        fh.truncate(MAX_RESULTS_BYTES + 1)
    with pytest.raises(InputError, match="larger than"):
        load_results(big)
    with pytest.raises(OSError):
        read_regular_bytes(big, MAX_RESULTS_BYTES)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_fifo_baseline_is_refused_unread(tmp_path):
    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_results(fifo)


def test_small_files_read_as_before(tmp_path):
    p = tmp_path / "x.toml"
    p.write_bytes(b"a = 1\n")
    assert read_regular_bytes(p, 6) == b"a = 1\n"
    with pytest.raises(OSError):
        read_regular_bytes(p, 5)
