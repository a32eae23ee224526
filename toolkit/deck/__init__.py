"""``report.pptx``: the diagnostic as a deck a partner can present, from the results dict only.

Fourteen slides — cover, executive summary, the scores, the blame game and its CRM evidence,
the three steps, the actions in order and what the diagnostic rests on — with native,
editable charts (python-pptx chart objects; the numbers live in the embedded workbook),
speaker notes carrying the evidence, and the practice's template and branding
(``templates/report/branding.toml``: ``pptx_template``, ``primary``, ``accent``, ``font``,
``logo``). Text is sized to fit its box (:mod:`toolkit.deck.fit`), and
:func:`~toolkit.deck.fit.overflow_problems` checks a finished deck.

Examples
--------
>>> from toolkit.deck import write_deck                                    # doctest: +SKIP
>>> write_deck(results, "out/acme/report.pptx")                             # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from ..exceptions import ConfigError
from . import draw
from .content import deck_content
from .draw import Box, Style
from .fit import overflow_problems

__all__ = ["build_deck", "write_deck", "overflow_problems", "deck_content"]

WIDE = (12192000, 6858000)  # 13.333 × 7.5 in (16:9)


def _style(brand: Mapping[str, Any]) -> Style:
    from ..charts.theme import SIDE_COLORS

    return Style(primary=str(brand.get("primary") or "#1f3a5f").lstrip("#"),
                 accent=str(brand.get("accent") or "#e07b00").lstrip("#"),
                 sales=SIDE_COLORS["sales"].lstrip("#"),
                 marketing=SIDE_COLORS["marketing"].lstrip("#"),
                 font=str(brand.get("font") or "Arial"))


def build_deck(results: dict, *, branding: Mapping[str, Any] | None = None):
    """Build the deck for *results*.

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6), e.g. ``json.load`` of ``results.json``.
    branding : mapping, optional
        Branding settings as returned by :func:`toolkit.execute.load_branding`; the default
        reads ``templates/report/branding.toml``. ``pptx_template`` (absolute path or empty)
        selects the practice's template: its slide size, masters and layouts ("Title Slide",
        "Title Only") are used and any sample slides in it dropped.

    Returns
    -------
    pptx.presentation.Presentation

    Raises
    ------
    toolkit.exceptions.ConfigError
        The template named in the branding settings is missing or not a PowerPoint file.
    """
    from pptx import Presentation

    if branding is None:
        from ..execute import load_branding

        branding = load_branding()
    brand = dict(branding)
    template = brand.get("pptx_template") or ""
    if template:
        try:
            prs = Presentation(str(template))
        except Exception as exc:  # python-pptx raises several kinds for a bad file
            raise ConfigError(f"branding pptx_template: {template}: not a readable PowerPoint "
                              f"template ({type(exc).__name__})") from None
        draw.clear_slides(prs)
    else:
        prs = Presentation()
        prs.slide_width, prs.slide_height = WIDE
    style = _style(brand)
    W, H = prs.slide_width, prs.slide_height
    m = int(W * draw.MARGIN)
    title_box = Box(m, int(H * 0.04), W - 2 * m, int(H * 0.15))
    cover_layout = draw.layout(prs, ("title slide",), want_title=True) if template else \
        draw.layout(prs, ("blank",), want_title=False)
    body_layout = draw.layout(prs, ("title only",), want_title=True) if template else \
        draw.layout(prs, ("blank",), want_title=False)
    client = (results.get("client") or {}).get("name") or "Client"
    practice = brand.get("practice") or ""
    specs = deck_content(results, brand)
    for i, spec in enumerate(specs, 1):
        if spec.kind == "cover":
            slide = prs.slides.add_slide(cover_layout)
            draw.cover_slide(slide, spec, W, H, style, brand)
        else:
            slide = prs.slides.add_slide(body_layout)
            for ph in list(slide.placeholders):
                if ph.placeholder_format.type not in (1, 3):  # keep only the title
                    ph._element.getparent().remove(ph._element)
            if spec.kind == "summary":
                draw.summary_slide(slide, spec, W, H, style, title_box=title_box)
            else:
                draw.body_slide(slide, spec, W, H, style, title_box=title_box)
            draw.footer(slide, W, H, client, f"{practice} · {i}" if practice else str(i),
                        style, left_tail=" · Confidential")
        draw.notes(slide, spec.notes)
    return prs


def write_deck(results: dict, path: str | os.PathLike, *,
               branding: Mapping[str, Any] | None = None) -> Path:
    """Write ``report.pptx`` for *results* to *path* (see :func:`build_deck`).

    Returns
    -------
    Path
        *path*.
    """
    path = Path(path)
    build_deck(results, branding=branding).save(str(path))
    return path
