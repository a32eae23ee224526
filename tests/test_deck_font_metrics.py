"""The deck's fit estimate uses shipped glyph widths, so it is the same on every machine
(a machine without Liberation Sans measured Arial text with DejaVu Sans, ~10 % wider, and
refused decks that fit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.deck import fit


def test_shipped_tables_cover_every_metric_twin():
    tables = json.loads(Path(fit.__file__).with_name(fit.SHIPPED).read_text())
    assert set(tables) == set(fit.METRIC_TWINS.values())
    for family, styles in tables.items():
        for style in ("regular", "bold"):
            row = styles[style]
            assert len(row) == len(fit.MEASURED), (family, style)
            assert sum(w is not None for w in row) > 300
            # bold is never narrower than regular for the letters
            i = fit.MEASURED.index("m")
            assert styles["bold"][i] >= styles["regular"][i] > 0


def test_arial_widths_are_liberation_sans_whatever_is_installed(monkeypatch):
    # Liberation Sans is metric-compatible with Arial: 'a' is 1139/2048 em, 'W' 1933/2048,
    # the space 569/2048 (the font's hmtx table; Arial's are the same by design).
    fit._advances.cache_clear()
    monkeypatch.setattr(fit, "_font_path",
                        lambda *a: pytest.fail("the installed fonts were consulted"))
    try:
        widths, widest = fit._advances("Arial", False)
        assert widths["a"] == pytest.approx(1139 / 2048, abs=1e-4)
        assert widths["W"] == pytest.approx(1933 / 2048, abs=1e-4)
        assert widths[" "] == pytest.approx(569 / 2048, abs=1e-4)
        assert fit.text_width("aaaa", 10.0, font="Arial") == pytest.approx(
            40 * 1139 / 2048, rel=1e-3)
    finally:
        fit._advances.cache_clear()


def test_unknown_font_is_measured_from_the_installed_file():
    fit._advances.cache_clear()
    try:
        widths, _ = fit._advances("No Such Font Family", False)  # DejaVu Sans, the fallback
        assert widths["a"] > 0
    finally:
        fit._advances.cache_clear()
