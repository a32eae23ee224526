"""Text written into a medium with a length limit is bounded for it (attack 5, L1).

A client name of up to 1,000 characters (``MAX_CLIENT_NAME``), holding ``&`` (doubled in an
Excel footer) and characters outside the Basic Multilingual Plane: every xlsx footer stays
within Excel's 255 characters (read back by openpyxl and from the raw XML), cells within
32,767, sheet names within 31; the deck's cover title and footers fit their boxes, cut with
"…" at a character boundary, and " · Confidential" is kept.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from toolkit.config import MAX_CLIENT_NAME
from toolkit.textfit import (ELLIPSIS, XLSX_CELL_MAX, XLSX_HEADER_FOOTER_MAX, boundary,
                             ellipsize, utf16_len, xlsx_cell_text, xlsx_sheet_name)

UNIT = "R&D Ünïcødé 😀 👨‍👩‍👧 🇫🇷 e\u0301 "          # '&', accents, emoji, ZWJ family, flag, e+combining
LONG_NAME = (UNIT * 100)[:MAX_CLIENT_NAME].strip()
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _results(name=LONG_NAME, reasons=None):
    res = {"client": {"id": "acme", "name": name, "currency": "EUR"}, "scores": {},
           "survey": None, "crm": None, "incentives": None, "verdict": None,
           "recommendations": [],
           "data": {"warnings": ["crm: no CRM files configured"], "settings": {}}}
    if reasons:
        res["crm"] = {"handoff": {"reasons": reasons, "n_with_reason": 3}}
    return res


# --------------------------------------------------------------------------- the cut itself
def test_ellipsize_cuts_at_character_boundaries():
    assert ellipsize("short", 10) == "short"
    assert ellipsize("Northwind Fasteners", 10) == "Northwind…"
    # '&' is escaped after the cut: the result never ends inside '&&'
    esc = lambda t: len(t.replace("&", "&&"))  # noqa: E731
    text = "R&D&&R&D R&D R&D R&D"
    for limit in range(2, 30):
        out = ellipsize(text, limit, measure=esc)
        assert esc(out) <= limit and (out.endswith(ELLIPSIS) or out == text)
        assert text.startswith(out.rstrip(ELLIPSIS))
    # a non-BMP character counts twice in UTF-16, and is never split
    assert utf16_len("a😀") == 3
    assert ellipsize("😀😀😀😀", 4, measure=utf16_len) == "😀…"
    # a ZWJ family, a flag and a combining accent are kept whole or dropped whole
    for text in ("ab👨‍👩‍👧cd", "ab🇫🇷🇩🇪cd", "abe\u0301\u0301cd"):
        for n in range(len(text) + 1):
            j = boundary(text, n)
            kept = text[:j]
            assert not kept.endswith("\u200d") and len(re.findall("[\U0001F1E6-\U0001F1FF]",
                                                                 kept)) % 2 == 0
            assert j == len(text) or text[j] not in "\u200d\u0301" and not (
                text[j - 1:j] == "\u200d")
    assert ellipsize("", 0) == "" and ellipsize("abc", 0) == ""


def test_cell_text_and_sheet_names():
    assert xlsx_cell_text("x" * 100) == "x" * 100
    big = "😀" * 20_000   # 40,000 UTF-16 units
    cut = xlsx_cell_text(big)
    assert utf16_len(cut) <= XLSX_CELL_MAX and cut.endswith(ELLIPSIS)
    assert xlsx_sheet_name("Revenue at stake") == "Revenue at stake"
    name = xlsx_sheet_name("'Q1/Q2 [draft]: who? * all sources and more words'")
    assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert not name.startswith("'") and not name.endswith("'")


# --------------------------------------------------------------------------- the workbook
def _footers(path):
    """Each sheet's stored oddFooter text, from the raw XML (entities decoded)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/sheet"):
                el = ET.fromstring(z.read(n)).find(".//m:headerFooter/m:oddFooter", NS)
                out[n] = el.text if el is not None else None
    return out


def test_workbook_footers_cells_and_sheet_names_are_within_excel_limits(tmp_path):
    from toolkit.workbook import write_workbook

    assert len(LONG_NAME) > 900 and "&" in LONG_NAME
    reason = "no budget " * 5000   # 50,000 characters in one rejection reason
    path = write_workbook(_results(reasons=[{"reason": reason, "n": 3, "share": 1.0,
                                             "fit": False}]), tmp_path / "aggregates.xlsx")
    raw = _footers(path)
    assert len(raw) >= 2 and all(raw.values())
    for part, text in raw.items():
        assert utf16_len(text) <= XLSX_HEADER_FOOTER_MAX, (part, len(text))
        assert text.endswith(f"{ELLIPSIS} · Confidential&RPage &P of &N"), text[-60:]
        # every '&' is a code (&L, &R, &P, &N) or an escaped pair: none was cut in half
        assert re.fullmatch(r"(?:[^&]|&&|&[LRPN])*", text), text
        assert text.startswith("&L" + LONG_NAME[:40].replace("&", "&&"))
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert len(str(ws.oddFooter)) <= XLSX_HEADER_FOOTER_MAX
        assert ws.oddFooter.left.text.endswith("· Confidential")
        assert len(ws.title) <= 31
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not isinstance(v, str) or utf16_len(v) <= XLSX_CELL_MAX
    reasons = wb["Rejection reasons"]
    cell = reasons.cell(row=5, column=1).value
    assert cell.startswith("No budget no budget") and cell.endswith(ELLIPSIS)
    assert utf16_len(cell) == XLSX_CELL_MAX or utf16_len(cell) == XLSX_CELL_MAX - 1
    # the About sheet's links point at sheets that exist
    about = wb["About"]
    links = [c.hyperlink.location or c.hyperlink.target for r in about.iter_rows() for c in r
             if c.hyperlink]
    assert links and all(re.fullmatch(r"#?'(.+)'!A1", x).group(1) in wb.sheetnames
                         for x in links), links


def test_short_client_name_footer_is_unchanged(tmp_path):
    from toolkit.workbook import write_workbook

    path = write_workbook(_results(name="Smith & Sons"), tmp_path / "a.xlsx")
    assert set(_footers(path).values()) == {"&LSmith && Sons · Confidential&RPage &P of &N"}


# --------------------------------------------------------------------------- the deck
def _all_text(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield slide, shape, shape.text_frame.text


@pytest.mark.parametrize("template", [False, True])
def test_deck_fits_a_1000_character_client_name(tmp_path, template):
    from pptx import Presentation
    from pptx.util import Inches

    from toolkit.deck import build_deck, overflow_problems

    branding = {}
    if template:   # a 4:3 practice template: narrower boxes
        tpl = Presentation()
        tpl.slide_width, tpl.slide_height = Inches(10), Inches(7.5)
        tpl.save(tmp_path / "practice.pptx")
        branding = {"pptx_template": str(tmp_path / "practice.pptx")}
    prs = build_deck(_results(), branding=branding)
    assert overflow_problems(prs) == []
    cover = [t for s, _, t in _all_text(prs) if s is prs.slides[0] and "R&D" in t]
    assert cover and cover[0].endswith(ELLIPSIS) and len(cover[0]) < len(LONG_NAME)
    assert cover[0].startswith(LONG_NAME[:20])
    footers = [t for s, _, t in _all_text(prs) if t.endswith(" · Confidential")]
    assert len(footers) == len(prs.slides) - 1   # every slide but the cover
    assert all(t.startswith("R&D") and f"{ELLIPSIS} · Confidential" in t for t in footers)
    for t in cover + footers:   # cut at a character boundary
        body = t.split(ELLIPSIS)[0]
        assert boundary(LONG_NAME, len(body.rstrip())) == len(body.rstrip()) or \
            LONG_NAME.startswith(body)


def test_deck_with_a_short_name_is_not_cut():
    from toolkit.deck import build_deck

    prs = build_deck(_results(name="Smith & Sons"), branding={})
    texts = [t for _, _, t in _all_text(prs)]
    assert "Smith & Sons" in texts and "Smith & Sons · Confidential" in texts
    assert not any(ELLIPSIS in t and "Smith" in t for t in texts)


# --------------------------------------------------------------------------- the PDF
def test_pdf_running_header_keeps_a_long_name_on_one_line():
    """The print CSS repeats the client's name in every page's top margin: a 1,000-character
    name stays on one line inside its margin box (cut with "…" when drawn) instead of
    wrapping out of the margin over the page's text."""
    from pathlib import Path

    from weasyprint import HTML

    css = (Path(__file__).resolve().parents[1] / "templates/report/aligndx/report.css"
           ).read_text(encoding="utf-8")
    doc = HTML(string=f"<html><head><style>{css}</style></head><body class='aligndx-report'>"
               f"<h1 class='cover-client'>{LONG_NAME.replace('&', '&amp;')}</h1><p>one</p>"
               "<p style='break-before: page'>two</p></body></html>").render()
    assert len(doc.pages) >= 2
    page = doc.pages[1]._page_box
    box = next(b for b in page.children if getattr(b, "at_keyword", "") == "@top-left")
    lines = [c for c in box.children]
    assert len(lines) == 1                              # one line, not ~7 wrapped ones
    assert lines[0].height <= box.height               # inside the page's top margin
    assert box.position_x + box.width <= page.width    # within the page
    assert lines[0].text_overflow == "ellipsis"
    text = "".join(t.text for t in _text_boxes(lines[0]))
    assert text.startswith(LONG_NAME[:20])


def _text_boxes(box):
    if getattr(box, "text", None) is not None:
        yield box
    for c in getattr(box, "children", []):
        yield from _text_boxes(c)
