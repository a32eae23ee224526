"""Client text never drives the terminal or a log (review 13 L4, SPEC §8a): control
characters, escape sequences and bidirectional overrides are shown as visible escapes."""

from __future__ import annotations

import csv
import shutil

from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.privacy import safe_log_text, terminal_text

PAYLOAD = "\x1b[41mHDR\x1b[0m\u202eevil\x9b2J\x07"


def test_terminal_text_makes_every_control_visible():
    out = terminal_text("a" + PAYLOAD + "\tb\nc")
    assert out == "a\\x1b[41mHDR\\x1b[0m\\u202eevil\\x9b2J\\x07\tb\nc"
    assert terminal_text("Zoë Müller — 5 €") == "Zoë Müller — 5 €"   # text stays text
    assert safe_log_text("=cmd" + PAYLOAD).startswith("'=cmd\\x1b")


def test_validate_prints_a_hostile_column_header_harmlessly(tmp_path):
    from toolkit.cli import main

    d = tmp_path / "ansi"
    shutil.copytree(SAMPLES / "followup-gap", d)
    p = d / "survey" / "responses.csv"
    rows = list(csv.reader(p.open(newline="")))
    rows[0].append(PAYLOAD)
    for r in rows[1:]:
        r.append("x")
    with p.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    r = CliRunner().invoke(main, ["validate", str(d)])
    assert r.exit_code == 0, r.output
    assert "\\x1b[41mHDR" in r.output                      # named, visibly
    for ch in ("\x1b", "\u202e", "\x9b", "\x07"):
        assert ch not in r.output
