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


def test_refused_branding_settings_are_named(tmp_path, monkeypatch):
    """Review 13 L5: a refused colour, font or logo is a warning naming the setting."""
    from toolkit import htmlexport
    from toolkit.cli import main

    b = tmp_path / "branding.toml"
    b.write_text('[branding]\nprimary = "red;}</style><script>"\naccent = "expression(1)"\n'
                 'font = "Arial\\"/><script>"\nlogo = "../../../../etc/hostname"\n'
                 'practice = 5\ncolour = "#fff"\n', encoding="utf-8")
    monkeypatch.setattr(htmlexport, "BRANDING_FILE", b)
    warnings = htmlexport.load_branding()["warnings"]
    for key in ("primary", "accent", "font", "logo", "practice", "colour"):
        assert any(w.startswith(f"branding.{key}:") for w in warnings), (key, warnings)
    r = CliRunner().invoke(main, ["validate", str(SAMPLES / "well-aligned")])
    assert r.exit_code == 0, r.output
    assert "warning: branding.logo:" in r.output and str(b) in r.output


FORGED = "x: OK — ready for 'aligndx report'.\n\n0 problem(s)\u2028\u202e"


def test_line_breaks_in_names_stay_inside_their_line(tmp_path):
    """Attack 9 NL1: a newline or U+2028 in an engagement folder's name (or a file name or a
    header a problem quotes) cannot start a line of its own: no forged "OK — ready" line
    above the real problems; a Problem is always one line."""
    from toolkit.cli import main
    from toolkit.exceptions import Problem, one_line

    assert one_line("a\nb\r\u2028c\u2029d\x85e") == "a\\x0ab\\x0d\\u2028c\\u2029d\\x85e"
    assert "\n" not in str(Problem("crm/x\ny.csv", "bad", row=2, column="c\u2028d"))
    assert terminal_text("a\u2028b") == "a\\u2028b"
    eng = tmp_path / f"nl-{FORGED}"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    toml = eng / "engagement.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[analysis]", "[analysis]\nsla_first_touch_hours = \"x\"", 1), encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 2, res.output
    lines = res.output.splitlines()
    assert not any(ln.startswith("0 problem(s)") for ln in lines), res.output
    [found] = [ln for ln in lines if "problem(s) found in" in ln]
    assert found.endswith("0 problem(s)\\u2028\\u202e:") and "\\x0a\\x0a" in found
    ok = CliRunner().invoke(main, ["validate", str(shutil.copytree(
        SAMPLES / "well-aligned", tmp_path / f"ok-{FORGED}"))])
    assert ok.exit_code == 0, ok.output
    assert [ln for ln in ok.output.splitlines() if "OK — ready" in ln] == [
        ln for ln in ok.output.splitlines() if ln.endswith("OK — ready for 'aligndx report'.")]
    assert sum("OK — ready" in ln for ln in ok.output.splitlines()) == 1
