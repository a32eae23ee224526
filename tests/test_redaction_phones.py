"""Respondents' phone numbers in every form a comment writes them (attack 8, PH1).

A respondent's own number in the client's report identifies the author of an anonymous
comment (SPEC §4.1, §8). Word and Outlook put en dashes in a number, signatures write
"Tel.0301234567", an extension follows the number ("x12", "ext 12"). Ordinary numbers —
years, amounts, percentages, dates, versions, counts — stay.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from toolkit.privacy import PHONE_MASK, PHONE_RE, _phone, make_redactor

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "followup-gap"


@pytest.mark.parametrize("text", [
    "Call me on 415\u2013555\u20130142",            # en dash (Word/Outlook autocorrect)
    "Call me on 415\u2014555\u20140142",            # em dash
    "Call me on 415\u2010555\u20100142",            # hyphen
    "Call me on 415\u2011555\u20110142",            # non-breaking hyphen
    "Call me on 415\u2012555\u20120142",            # figure dash
    "Call me on 415\u2015555\u20150142",            # horizontal bar
    "Call me on 415\u2212555\u22120142",            # minus sign
    "phone: +1 (415) 555\u20110142",                # non-breaking hyphen after a bracket
    "Tel.0301234567",
    "Tel.:030 1234567",
    "Ph.4155550142 after 5",
    "Mob.0176 12345678",
    "my cell is 4155550142x12",
    "my cell is 4155550142 x12",
    "call 415 555 0142ext 12",
    "call 415 555 0142 ext. 12",
    "call 415-555-0142, ext 12 please",
    "call 415 555 0142 extension 12",
    "my number: 415_555_0142",
    "my number: 415*555*0142",
    "Call me on +1\u2013415\u2013555\u20130142",
    "(415)\u2013555\u20130142",
    # held before, still held
    "Call me on +1 415 555 0142 please", "Call me on 415-555-0142", "+44 (0)20 7946 0958",
    "call +33 6 12 34 56 78 today", "ring me on 07700-900-123;", "tel:+14155550142",
    "\uff10\uff14\uff11\uff15 \uff15\uff15\uff15 \uff10\uff11\uff14\uff12", "(07071) 12345",
])
def test_phone_numbers_are_removed(text):
    out = make_redactor(["priya.chen"])(text)
    assert PHONE_MASK in out, out
    digits = re.sub(r"\D", "", out)
    assert len(digits) < 3, out          # no part of the number, nor its extension, left
    assert not re.search(r"x\s?12|ext", out), out


@pytest.mark.parametrize("text", [
    "In 2024 we had 30% fewer leads, 1,250 MQLs and 3 reps.",
    "in 2024 we had 3 of 12",
    "deals of $12,500 and \u20ac1,250,000",
    "since 2025-03-14, or 14.03.2025, or 03/14/2025",
    "in 2023\u20132024 and 2023-2024 and 2024 2025 2026",
    "the 2024\u201325 plan, pages 12\u201315, 12\u201315 May 2025",
    "version v1.2.3 and v2.10.1234567, pi is 3.1415926535",
    "top 5, Q3 2024 10 reps, ISO 9001:2015",
    "a 1920x1080 screen, 4 reps x 12 months",
    "call at 10-12 or 14-16 tomorrow; ranked 1-2-3-4-5-6-7",
    "an ext 12 alone, and x 12 alone",
    "FY2023\u20132024 targets",
])
def test_ordinary_numbers_stay(text):
    assert make_redactor(["priya.chen"])(text) == text


@pytest.mark.parametrize("unit", [
    "1-", "1\u2013", "12-", "12_", "1*2*", "123 ", "Tel.1", "12 ext 12 ", "4155550142x",
    "+1 (", "(12)", "+123(12345)", "+12 (1) 1 ", "0" * 12 + " ", "12 12 12 12 12 12 12 ",
    "+1 (415) 555\u20110142ext 12 ", "2024-03-14 ", "9",
])
def test_phone_pass_is_linear_on_1mb_of_digits_and_separators(unit):
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    t = time.process_time()
    PHONE_RE.sub(_phone, text)
    assert time.process_time() - t < 1.0


def test_single_digits_spaced_are_left():
    """Known limit: "4 1 5 5 5 5 0 1 4 2" is left — single spaced digits are lists and
    scores ("rated 4 5 5 3") as often as a number."""
    text = "rated 4 5 5 3 4 5 4 and 1 2 3"
    assert make_redactor([])(text) == text


# ---- end to end --------------------------------------------------------------------------

PHONES = ["Call me on 415\u2013555\u20130142 about the queue", "Tel.0301234567 \u2014 ask for me",
          "my cell 4155550142x12", "reach me at 415_555_0142",
          "Call me on 415\u2014555\u20130199 anytime", "or 415 555 0177ext 12"]


def test_end_to_end_no_phone_reaches_results(tmp_path):
    from toolkit.jsonio import jsonable
    from toolkit.pipeline import analyse_folder

    eng = tmp_path / "ph"
    shutil.copytree(SAMPLE, eng)
    p = eng / "survey" / "responses.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    o1 = rows[0].index("OPEN1")
    k = 0
    for r in rows[1:]:
        if r[o1]:
            r[o1] = r[o1] + " " + PHONES[k % len(PHONES)]
            k += 1
    assert k > 20
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    text = json.dumps(jsonable(analyse_folder(eng)), ensure_ascii=False)
    # (the bare "0142" also occurs inside the results' floats: look for the numbers)
    for needle in (r"555\D{0,3}01\d\d", r"0301234567", r"415\D{0,3}555", r"x12\b",
                   r"ext 12", r"Tel\.\d"):
        assert not re.search(needle, text), (needle, re.search(needle, text))
    assert PHONE_MASK in text
