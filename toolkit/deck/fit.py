"""Does the text fit its box? An estimate from the font's own glyph widths.

PowerPoint does not tell python-pptx how text wraps, so the deck measures it: every
character's advance width is read from the font file (the metric-compatible free font when
the named one is not installed: Liberation Sans for Arial, Carlito for Calibri; DejaVu Sans,
which is wider, as the last resort so the estimate errs on the side of "does not fit"), words
are wrapped greedily as PowerPoint does, and the height of the wrapped lines is compared with
the box. :func:`fit_size` picks the largest font size that fits (:func:`fit_or_shorten`
shortens text that does not fit even at the smallest size); :func:`overflow_problems`
checks a finished presentation shape by shape.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Sequence

EMU_PER_PT = 12700
#: Line height as a multiple of the font size (PowerPoint's single spacing is ~1.2).
LINE_SPACING = 1.2
#: Width margin: the estimate wraps as if the box were this much narrower.
SAFETY = 0.97
#: Height kept free at the bottom of every slide for the footer line (points).
FOOTER_PT = 30.0

#: Free fonts with the same metrics as the common Office fonts.
METRIC_TWINS = {"arial": "Liberation Sans", "helvetica": "Liberation Sans",
                "calibri": "Carlito", "cambria": "Caladea",
                "times new roman": "Liberation Serif", "courier new": "Liberation Mono"}


#: Characters whose advance widths are measured: printable ASCII and Latin-1/Latin
#: Extended-A, plus the typographic marks the deck writes.
MEASURED = [chr(c) for c in list(range(32, 127)) + list(range(160, 383))
            + [0x2013, 0x2014, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2192, 0x2212,
               0x00D7]]
#: Advance widths of the metric twins, shipped with the toolkit (``font_metrics.json``:
#: family → {"regular", "bold"} → widths at 1 pt in :data:`MEASURED` order, ``null`` for a
#: missing glyph), so the estimate is the same on every machine whether or not the fonts
#: are installed (a machine without Liberation Sans measured Arial text with DejaVu Sans,
#: about 10 % wider, and refused decks that fit). Regenerate with
#: ``python -m toolkit.deck.fit`` on a machine with the fonts (Debian: fonts-liberation,
#: fonts-crosextra-carlito, fonts-crosextra-caladea).
SHIPPED = "font_metrics.json"


@functools.lru_cache(maxsize=None)
def _shipped() -> dict:
    import json
    from pathlib import Path

    path = Path(__file__).with_name(SHIPPED)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return {}


@functools.lru_cache(maxsize=None)
def _font_path(name: str, bold: bool) -> str:
    from matplotlib import font_manager as fm

    weight = "bold" if bold else "normal"
    for family in (name, METRIC_TWINS.get(name.lower(), "")):
        if not family:
            continue
        try:
            return fm.findfont(fm.FontProperties(family=family, weight=weight),
                               fallback_to_default=False)
        except ValueError:
            continue
    return fm.findfont(fm.FontProperties(family="DejaVu Sans", weight=weight))


def measure_font(path: str) -> list[float | None]:
    """Advance widths at 1 pt (points) of the :data:`MEASURED` characters in the font file
    *path* (``None`` for a glyph the font lacks), read with matplotlib's FreeType binding."""
    from matplotlib.ft2font import FT2Font, LoadFlags

    font = FT2Font(path)
    font.set_size(100, 72)
    widths: list[float | None] = []
    for ch in MEASURED:
        try:
            glyph = font.load_char(ord(ch), flags=LoadFlags.NO_HINTING)
        except (RuntimeError, ValueError):
            widths.append(None)
            continue
        widths.append(round(glyph.linearHoriAdvance / 65536 / 100, 6))
    return widths


@functools.lru_cache(maxsize=None)
def _advances(name: str, bold: bool) -> tuple[dict[str, float], float]:
    """Advance widths at 1 pt for :data:`MEASURED`, and their maximum: from the shipped
    table of *name* or its metric twin, else from the installed font file."""
    tables = _shipped()
    style = "bold" if bold else "regular"
    row = None
    for family in (name, METRIC_TWINS.get(name.lower(), "")):
        if family and family in tables:
            row = tables[family][style]
            break
    if row is None:
        row = measure_font(_font_path(name, bold))
    widths = {ch: w for ch, w in zip(MEASURED, row) if w is not None}
    return widths, max(widths.values())


def write_shipped(path=None) -> dict:
    """Measure the installed metric twins of :data:`METRIC_TWINS` and write
    :data:`SHIPPED` (next to this module unless *path* is given).

    Raises
    ------
    LookupError
        A twin is not installed (the table would silently hold DejaVu Sans widths).
    """
    import json
    from pathlib import Path

    from matplotlib import font_manager as fm

    tables = {}
    for family in sorted(set(METRIC_TWINS.values())):
        tables[family] = {}
        for style, weight in (("regular", "normal"), ("bold", "bold")):
            try:
                font = fm.findfont(fm.FontProperties(family=family, weight=weight),
                                   fallback_to_default=False)
            except ValueError:
                raise LookupError(f"{family} ({style}) is not installed") from None
            tables[family][style] = measure_font(font)
    out = Path(path) if path else Path(__file__).with_name(SHIPPED)
    out.write_text(json.dumps(tables, separators=(",", ":")) + "\n", encoding="utf-8")
    return tables


def preload(font: str = "Arial") -> None:
    """Read the glyph widths of *font* (regular and bold) now, e.g. in a worker that writes
    the deck later (issue 18): finding and reading the font files is most of the cost of
    the first measurement."""
    _advances(font, False)
    _advances(font, True)


def text_width(text: str, size_pt: float, *, font: str = "Arial", bold: bool = False) -> float:
    """Width of *text* on one line, in points.

    Parameters
    ----------
    text : str
    size_pt : float
        Font size in points.
    font : str
        Font family; its metric twin or DejaVu Sans is measured when it is not installed.
    bold : bool

    Returns
    -------
    float
        Points. Characters the font table lacks count as the widest glyph.
    """
    widths, widest = _advances(font, bold)
    return size_pt * sum(widths.get(c, widest) for c in text)


@dataclass(frozen=True)
class Para:
    """One paragraph to lay out: its text, size (pt), weight and space before it (pt)."""

    text: str
    size: float
    bold: bool = False
    space_before: float = 0.0
    indent: float = 0.0  # points lost to a bullet or indent


def wrapped_lines(text: str, width_pt: float, size_pt: float, *, font: str = "Arial",
                  bold: bool = False) -> int:
    """Number of lines *text* takes when wrapped greedily at word boundaries.

    A word wider than the line is broken across lines (as PowerPoint does), so the count is
    always finite; an empty paragraph takes one line.
    """
    width_pt *= SAFETY
    space = text_width(" ", size_pt, font=font, bold=bold)
    lines, used = 1, 0.0
    for word in text.split():
        w = text_width(word, size_pt, font=font, bold=bold)
        if used and used + space + w <= width_pt:
            used += space + w
            continue
        if used:
            lines += 1
        if w > width_pt:  # broken mid-word
            extra = math.ceil(w / width_pt) - 1
            lines += extra
            used = w - extra * width_pt
        else:
            used = w
    return lines


def text_height(paras: Sequence[Para], width_pt: float, *, font: str = "Arial") -> float:
    """Height in points of *paras* laid out in a column *width_pt* wide."""
    total = 0.0
    for i, p in enumerate(paras):
        for j, line in enumerate(p.text.split("\n")):
            n = wrapped_lines(line, width_pt - p.indent, p.size, font=font, bold=p.bold)
            total += n * p.size * LINE_SPACING
        if i:
            total += p.space_before
    return total


def fit_size(paras: Sequence[Para], width_pt: float, height_pt: float, *,
             max_pt: float, min_pt: float, font: str = "Arial",
             step: float = 1.0) -> float | None:
    """Largest scale that makes *paras* fit, as the size of the first paragraph.

    Every paragraph's size and spacing is scaled by the same factor, from *max_pt* down to
    *min_pt* (sizes of the first paragraph) in *step* points.

    Returns
    -------
    float or None
        The size to give the first paragraph, or ``None`` when even *min_pt* does not fit.
    """
    base = paras[0].size if paras else max_pt
    size = max_pt
    while size >= min_pt - 1e-9:
        k = size / base
        scaled = [Para(p.text, p.size * k, p.bold, p.space_before * k, p.indent)
                  for p in paras]
        if text_height(scaled, width_pt, font=font) <= height_pt:
            return size
        size -= step
    return None


def fit_or_shorten(paras: Sequence[Para], width_pt: float, height_pt: float, *,
                   max_pt: float, min_pt: float, font: str = "Arial", tail: str = ""
                   ) -> tuple[float, list[Para]]:
    """The size that makes *paras* fit (:func:`fit_size`); when even *min_pt* is too big,
    the paragraphs shortened until they fit at *min_pt* (attack 5, L1).

    Text from the client (a name of up to 1,000 characters on the cover and in every
    footer) must not run out of its box: every paragraph is cut to at most the same number
    of characters, ending in "…" at a character boundary
    (:func:`toolkit.textfit.ellipsize`), the largest such number that fits. *tail* is
    appended to the first paragraph and never cut (" · Confidential" after a client's
    name).

    Returns
    -------
    size : float
        The first paragraph's size.
    paras : list of Para
        *paras*, or their shortened copies; unchanged when no shortening makes them fit.
    """
    from ..textfit import ellipsize

    paras = list(paras)

    def cut(n: int | None) -> list[Para]:
        return [Para((p.text if n is None else ellipsize(p.text, n)) + (tail if not i else ""),
                     p.size, p.bold, p.space_before, p.indent) for i, p in enumerate(paras)]

    whole = cut(None)
    size = fit_size(whole, width_pt, height_pt, max_pt=max_pt, min_pt=min_pt, font=font)
    if size is not None or not paras:
        return (size if size is not None else min_pt), whole

    def fits(n: int) -> bool:
        return fit_size(cut(n), width_pt, height_pt, max_pt=min_pt, min_pt=min_pt,
                        font=font) is not None

    lo, hi = 0, max(len(p.text) for p in paras)  # the largest n that fits, 0 = none
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return min_pt, (cut(lo) if lo else whole)


# --- checking a finished presentation ------------------------------------------------------

def _frame_paras(tf, default_size: float) -> list[Para]:
    paras = []
    for p in tf.paragraphs:
        text = "".join(r.text for r in p.runs) or p.text
        sizes = [r.font.size.pt for r in p.runs if r.font.size is not None]
        size = max(sizes) if sizes else (p.font.size.pt if p.font.size else default_size)
        bold = any(bool(r.font.bold) for r in p.runs)
        before = p.space_before.pt if p.space_before is not None else 0.0
        indent = size * 1.2 if text.startswith(("• ", "– ")) else 0.0
        paras.append(Para(text, size, bold, before, indent))
    return paras


def shape_problems(shape, *, font: str = "Arial", default_size: float = 18.0,
                   slide_width: int | None = None, slide_height: int | None = None,
                   where: str = "") -> list[str]:
    """Problems with one shape: text that does not fit its box, a box off the slide.

    Parameters
    ----------
    shape : pptx shape
    font : str
        The deck's body font (used for measuring).
    default_size : float
        Size assumed for runs without an explicit size (the template's default).
    slide_width, slide_height : int, optional
        Slide size in EMU; a shape extending past it is reported.
    where : str
        Prefix for the messages (e.g. ``"slide 3"``).

    Returns
    -------
    list of str
        Empty when the shape is fine.
    """
    out = []
    name = f"{where}: {shape.name}"
    if slide_width and slide_height and shape.width is not None:
        if (shape.left < 0 or shape.top < 0 or shape.left + shape.width > slide_width + 1
                or shape.top + shape.height > slide_height + 1):
            out.append(f"{name} extends past the slide edge")
    if not getattr(shape, "has_text_frame", False) or not shape.text_frame.text.strip():
        return out
    tf = shape.text_frame
    ins = [(x.pt if x is not None else d) for x, d in
           ((tf.margin_left, 7.2), (tf.margin_right, 7.2), (tf.margin_top, 3.6),
            (tf.margin_bottom, 3.6))]
    width = shape.width / EMU_PER_PT - ins[0] - ins[1]
    height = shape.height / EMU_PER_PT - ins[2] - ins[3]
    paras = _frame_paras(tf, default_size)
    need = text_height(paras, width, font=font)
    if need > height + 0.5:
        first = tf.text.strip().splitlines()[0][:50]
        out.append(f"{name} text overflows: needs {need:.0f} pt, box has {height:.0f} pt "
                   f"(“{first}…”)")
    return out


def overflow_problems(prs, *, font: str = "Arial", default_size: float = 18.0) -> list[str]:
    """Every text-fit and off-slide problem in a presentation (empty list = all fits).

    Tables are checked cell by cell against their row height; chart text is laid out by
    PowerPoint itself and not checked here.
    """
    out: list[str] = []
    for i, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            out += shape_problems(shape, font=font, default_size=default_size,
                                  slide_width=prs.slide_width, slide_height=prs.slide_height,
                                  where=f"slide {i}")
            if getattr(shape, "has_table", False):
                out += _table_problems(shape, font, default_size, f"slide {i}",
                                       prs.slide_height)
    return out


def _table_problems(shape, font: str, default_size: float, where: str,
                    slide_height: int) -> list[str]:
    out = []
    table = shape.table
    widths = [c.width for c in table.columns]
    total_h = 0.0
    for r, row in enumerate(table.rows):
        need_row = 0.0
        for c, cell in enumerate(row.cells):
            tf = cell.text_frame
            ml = cell.margin_left.pt if cell.margin_left is not None else 7.2
            mr = cell.margin_right.pt if cell.margin_right is not None else 7.2
            mt = cell.margin_top.pt if cell.margin_top is not None else 3.6
            mb = cell.margin_bottom.pt if cell.margin_bottom is not None else 3.6
            width = widths[c] / EMU_PER_PT - ml - mr
            need = text_height(_frame_paras(tf, default_size), width, font=font) + mt + mb
            need_row = max(need_row, need)
        total_h += max(need_row, row.height / EMU_PER_PT)
    # rows grow downward as text wraps: a problem when the table then reaches the footer
    if shape.top / EMU_PER_PT + total_h > slide_height / EMU_PER_PT - FOOTER_PT:
        out.append(f"{where}: {shape.name} table grows to {total_h:.0f} pt and runs into "
                   "the footer")
    return out


if __name__ == "__main__":  # regenerate the shipped metrics (see SHIPPED)
    write_shipped()
