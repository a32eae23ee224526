"""Text bounded for the medium it is written into (attack 5, L1).

A client's values (its name, up to :data:`toolkit.config.MAX_CLIENT_NAME` characters; labels
and reasons from its files) reach media with hard length limits. Written whole, Excel
reports the workbook as damaged and drops the parts on repair; PowerPoint lets text run out
of its box. So each medium has one helper here, and every string is cut with an ellipsis
(:func:`ellipsize`) at a character boundary — never inside a surrogate pair, before a
combining mark, inside an emoji sequence, or inside an escape such as ``&&`` (the cut is
made before escaping, the length measured after):

* xlsx header and footer: at most :data:`XLSX_HEADER_FOOTER_MAX` characters for the
  whole string Excel stores (``&L…&C…&R…`` with its codes and ``&&`` escapes),
  :func:`set_xlsx_footer`;
* xlsx cell text: at most :data:`XLSX_CELL_MAX` characters, :func:`xlsx_cell_text`;
* xlsx sheet names: at most :data:`XLSX_SHEET_NAME_MAX` characters, none of ``[]:*?/\\``,
  no apostrophe first or last, :func:`xlsx_sheet_name`;
* slides: :func:`toolkit.deck.fit.fit_or_shorten` shrinks text to the box's smallest size,
  then shortens it with :func:`ellipsize` until it fits.

Lengths are counted in UTF-16 code units, as Office counts them: a character outside the
Basic Multilingual Plane (an emoji, a rare CJK ideograph) counts twice. Media without a
hard limit are left alone: an HTML ``<title>`` (and the PDF title made from it: the PDF
limit is 32,767 bytes, far above the 1,000-character client name), and file names, which
come from the client id (a slug of at most 64 ASCII characters), never from its name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

ELLIPSIS = "…"
#: Excel refuses a header or footer string longer than this (the workbook is "damaged").
XLSX_HEADER_FOOTER_MAX = 255
#: Most characters a cell holds.
XLSX_CELL_MAX = 32_767
#: Most characters of a sheet name.
XLSX_SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def utf16_len(text: str) -> int:
    """Length of *text* in UTF-16 code units (how Office counts characters)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def _continues(text: str, i: int) -> bool:
    """True when ``text[i]`` belongs to the character before it: a combining mark, a
    variation selector, an emoji skin-tone modifier or tag, a zero-width joiner (or what
    follows one), or the second half of a flag (a pair of regional indicators)."""
    c = text[i]
    o = ord(c)
    if (unicodedata.combining(c) or c in "\u200c\u200d" or 0xFE00 <= o <= 0xFE0F
            or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F
            or 0xE0100 <= o <= 0xE01EF or text[i - 1] == "\u200d"):
        return True
    if 0x1F1E6 <= o <= 0x1F1FF:  # regional indicator: odd position in a run = 2nd half
        k = i
        while k > 0 and 0x1F1E6 <= ord(text[k - 1]) <= 0x1F1FF:
            k -= 1
        return (i - k) % 2 == 1
    return False


def boundary(text: str, i: int) -> int:
    """The largest cut point ``j <= i`` at which ``text[:j]`` ends a whole character (no
    mark, joiner or second half of a flag is separated from what it belongs to)."""
    j = max(0, min(i, len(text)))
    while 0 < j < len(text) and _continues(text, j):
        j -= 1
    return j


def ellipsize(text: str, limit: int, *, measure: Callable[[str], int] = len) -> str:
    """*text* unchanged when ``measure(text) <= limit``; else its longest prefix, cut at a
    character boundary and ending in "…", whose measure is within *limit*.

    Parameters
    ----------
    text : str
    limit : int
    measure : callable, optional
        Size of a candidate string in the medium (default: characters). It may render the
        candidate as the medium stores it — escaped, with its surrounding codes — and must
        grow with the prefix. ``""`` is returned when not even "…" fits.

    Examples
    --------
    >>> ellipsize("Northwind Fasteners", 10)
    'Northwind…'
    >>> ellipsize("R&D R&D", 6, measure=lambda t: len(t.replace("&", "&&")))
    'R&D…'
    """
    if measure(text) <= limit:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits lies in [lo, hi)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        cut = text[:boundary(text, mid)].rstrip() + ELLIPSIS
        if measure(cut) <= limit:
            lo = mid
        else:
            hi = mid - 1
    out = text[:boundary(text, lo)].rstrip() + ELLIPSIS
    return out if measure(out) <= limit else ""


# --------------------------------------------------------------------------- xlsx
def xlsx_cell_text(text: str) -> str:
    """*text* cut to the :data:`XLSX_CELL_MAX` characters a cell holds."""
    if len(text) <= XLSX_CELL_MAX // 2:  # cheap: cannot be over the limit
        return text
    return ellipsize(text, XLSX_CELL_MAX, measure=utf16_len)


def xlsx_sheet_name(name: str) -> str:
    """A valid sheet name: ``[]:*?/\\`` replaced by ``-``, no apostrophe first or last,
    at most :data:`XLSX_SHEET_NAME_MAX` characters; ``"Sheet"`` when nothing is left."""
    name = _SHEET_FORBIDDEN.sub("-", name).strip().strip("'")
    return ellipsize(name, XLSX_SHEET_NAME_MAX, measure=utf16_len).strip("'") or "Sheet"


def set_xlsx_footer(ws, value: str, *, suffix: str = "", right: str = "") -> None:
    """Set *ws*'s footer: *value* (the client's text; ``&`` escaped as ``&&``) then
    *suffix* on the left, *right* (footer codes such as ``&P`` allowed) on the right.

    *value* is shortened with an ellipsis — before escaping, so never inside ``&&`` —
    until the whole stored footer string (openpyxl's ``&L…&R…`` with every code and escape)
    has at most :data:`XLSX_HEADER_FOOTER_MAX` characters.
    """
    def packed(v: str) -> int:
        ws.oddFooter.left.text = v.replace("&", "&&") + suffix
        ws.oddFooter.right.text = right or None
        return utf16_len(str(ws.oddFooter))

    kept = ellipsize(value, XLSX_HEADER_FOOTER_MAX, measure=packed)
    packed(kept)
