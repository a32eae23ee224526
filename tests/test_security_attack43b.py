"""Attack 43b R1: an owner id writes a surname without its apostrophe, hyphen or space
(``raj.oneill``, ``m.alfarsi``, ``kim.minjun``, ``ian.macdonald``), and a comment writes it as
people do ("O'Neill", "Al-Farsi", "Min-jun", "Mac Donald"): the surname stayed (146 comments of
the lead-quality sample kept "O'Neill"). Words joined that way are now one word when together
they are a known word."""

from __future__ import annotations

import pytest

from toolkit.privacy import NAME_MASK, make_redactor


@pytest.mark.parametrize("owner, text, expected", [
    ("raj.oneill", "Raj O'Neill never calls back", "[name removed] never calls back"),
    ("raj.oneill", "Ask O\u2019Neill about it", "Ask [name removed] about it"),
    ("luca.dangelo", "Luca D'Angelo ignores webinar leads",
     "[name removed] ignores webinar leads"),
    ("m.alfarsi", "Mohammed Al-Farsi never answers", "[name removed] never answers"),
    ("kim.minjun", "Kim Min-jun never answers", "[name removed] never answers"),
    ("ian.macdonald", "Ian Mac Donald never answers", "[name removed] never answers"),
])
def test_a_surname_an_id_joins_is_removed_as_written(owner, text, expected):
    got = make_redactor([owner])(text)
    assert got == expected.replace("[name removed]", NAME_MASK)


@pytest.mark.parametrize("text", [
    "the well-known rule", "Don't ask", "o'neill in lower case stays readable",
    "New York and Mac OS",
])
def test_ordinary_joined_words_stay(text):
    assert make_redactor(["raj.oneill", "ian.macdonald"])(text) == text
