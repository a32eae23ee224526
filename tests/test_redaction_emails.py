"""Attack 9, EM1: e-mail addresses typed with the dots and at signs of CJK input methods and
word processors (``pat.jordan@example。com``, ``…．com``, full-width ``＠``) are removed from
comments and from log text like any other address, in linear time."""

from __future__ import annotations

import time

import pytest

from toolkit.privacy import EMAIL_RE, make_redactor, safe_log_text

DOTS = ["\u3002", "\uff0e", "\uff61", "\ufe52", "\u2024", "\u00b7", "\u2027", "\u2e33",
        "\u30fb", "\uff65", "\u2219", "\u22c5", "\u06d4", "\u0701", "\u0702", "\ufe12"]
ATS = ["@", "\uff20", "\ufe6b", "[@]", "(@)", "&#64;", "&#x40;", "%40"]


@pytest.mark.parametrize("dot", DOTS)
def test_domain_dots(dot):
    red = make_redactor([])
    out = red(f"write to pat.jordan@example{dot}com today")
    assert "jordan" not in out and "example" not in out
    assert out.startswith("write to ") and out.endswith(" today")


@pytest.mark.parametrize("at", ATS)
def test_at_signs(at):
    out = make_redactor([])(f"write to pat.jordan{at}example.com")
    assert "jordan" not in out and "example" not in out


def test_full_width_address_whole():
    """Every dot and the at sign full-width: the local part (the person's name) goes too."""
    out = make_redactor([])("mail pat\uff0ejordan\uff20example\uff0eco\uff0euk please")
    assert "pat" not in out and "jordan" not in out and out.endswith(" please")


@pytest.mark.parametrize("text", [
    "pat.jordan@example\u3002com", "pat.jordan\uff20example\uff0ecom",
    "pat\u30fbjordan@example\u00b7com",
])
def test_safe_log_text_removes_them(text):
    out = safe_log_text(f"respondent id {text} is repeated")
    assert "jordan" not in out and "[e-mail removed]" in out


@pytest.mark.parametrize("text", [
    "50% 40 people", "rate 5%40", "see (at) home", "v1.2 and 3.14", "price 10\u00b75",
    "a\u30fbb", "C++ / C# @ scale", "@priya said", "Q3\u3002Done", "abc&#64;",
    "well[at]least", "Tom (at) work", "Sales\u30fbMarketing", "one\u3002two\u3002three",
])
def test_text_without_an_address_is_kept(text):
    assert make_redactor([])(text) == text
    assert EMAIL_RE.search(text) is None


@pytest.mark.parametrize("adversarial", [
    "a" * 1_000_000, "a." * 500_000, "a@" * 500_000, "a\u3002" * 500_000,
    "a@b" + "\u3002b" * 333_333 + "!", ("x@" + "a" * 50 + " ") * 19_000, "." * 1_000_000,
    "a%40" * 250_000, "%40" * 333_333, "&#64;" * 200_000, "a@a" + " \u3002 a" * 200_000,
    "a" + "%4" * 500_000, "a\uff20" * 500_000, "(@)" * 333_333,
])
def test_linear_time_on_a_megabyte(adversarial):
    # CPU time of this process: the bound is on the pattern's work, not on the machine's load
    start = time.process_time()
    EMAIL_RE.sub("[e-mail removed]", adversarial)
    assert time.process_time() - start < 1.0
