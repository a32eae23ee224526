"""A quote that closes a quoted value must be followed by the delimiter or the end of the
line (review 13c V3).

``"never closed "Account executives … one call, and …",`` closes the quoted value after
``never closed `` and goes on with text: CSV readers (Arrow, pandas, Python's ``csv``) then
read the rest leniently, so the comment is split over two columns and the row gets an extra
empty field. Such a quote is refused with its row and column.

The check is vectorised over the quote characters of the file (numpy), with no per-row
Python loop: quotes come in *runs* of consecutive quote characters; a run at the start of a
field (after the delimiter, a line break or the file's start) while outside a quoted value
opens one, further quotes inside a quoted value pair up (``""`` is a literal quote) and an
odd one closes it. A quote inside an unquoted value (``5" screen``) is a literal, as every
reader takes it. Each run is then one of three maps of the state (outside/inside): keep,
flip, or "outside"; the state before every run follows from a cumulative count of flips
since the last "outside", and every run that closes a value is checked for what follows.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import Problem


#: Characters per block of the scan (cut after a line break): bounds the temporaries.
_BLOCK = 8 << 20


def _codes(text) -> np.ndarray:
    if isinstance(text, str):
        return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.frombuffer(text, dtype=np.uint8)


def _runs(buf: np.ndarray, lo: int, hi: int, inside: bool, delim: str, bom: bool):
    """The quote runs of ``buf[lo:hi]``, entered in state *inside*.

    Returns ``None`` when the range holds no quote, else (run starts, run ends, inside
    after each run, indices of the runs that close a value with text after them). The
    range must not cut a run of quotes (the callers cut after a line break).
    """
    q = np.flatnonzero(buf[lo:hi] == 34)
    if not len(q):
        return None
    q += lo
    brk = np.flatnonzero(q[1:] != q[:-1] + 1)  # last quote of each run but the last
    starts = np.concatenate((q[:1], q[brk + 1]))
    ends = np.concatenate((q[brk], q[-1:])) + 1  # position after each run
    # quotes before each run, counted from the block's start
    parity = np.concatenate(([False], ((brk + 1) % 2).astype(bool)))
    del q, brk
    odd = ((ends - starts) % 2).astype(bool)
    d = ord(delim)
    prev = buf[np.maximum(starts - 1, 0)]
    at_start = (prev == d) | (prev == 10) | (prev == 13) | (starts == 0)
    if bom:
        at_start |= starts == 3
    del prev
    reset = ~at_start & odd   # outside: a literal quote; inside: closes -> outside
    parity ^= inside
    if not (reset & ~parity).any():
        # no literal quote in an unquoted value: inside = an odd count of quotes so far
        # (every run then flips or keeps the state as the count's parity does)
        before = parity
        after = before ^ odd
    else:
        flip = at_start & odd  # outside -> inside (opens), inside -> outside (closes)
        idx = np.arange(len(starts), dtype=np.int64)
        last_reset = np.maximum.accumulate(np.where(reset, idx, -1))
        cflip = np.cumsum(flip, dtype=np.int64)
        has_reset = last_reset >= 0
        since = cflip - np.where(has_reset, cflip[np.maximum(last_reset, 0)], 0)
        after = np.where(has_reset, since % 2, (since + int(inside)) % 2).astype(bool)
        del idx, last_reset, cflip, since, has_reset, flip
        before = np.concatenate(([inside], after[:-1]))
    # runs that close a quoted value: inside and odd, or outside at a field start and even
    # (opened and closed in one run, e.g. "" or """")
    closes = (before & odd) | (~before & at_start & ~odd)
    n = len(buf)
    nxt = buf[np.minimum(ends, n - 1)]
    ok_next = (nxt == d) | (nxt == 10) | (nxt == 13) | (ends >= n)
    return starts, ends, after, np.flatnonzero(closes & ~ok_next)


def _find(text, pos: int) -> int:
    """Index of the first line break at or after *pos* in *text* (or its length)."""
    k = text.find("\n" if isinstance(text, str) else b"\n", pos)
    return len(text) if k < 0 else k


def bad_closing_quote(text, delim: str) -> int | None:
    """Position (index into *text*) of the first quote that closes a quoted value and is
    followed by something other than *delim*, a line break or the end, else ``None``.

    Parameters
    ----------
    text : bytes, mmap or str
        The whole file: bytes (or an mmap) of an ASCII-compatible encoding (UTF-8,
        cp1252), or decoded text.
    delim : str
        The one-character delimiter.

    Notes
    -----
    Scanned in blocks of about :data:`_BLOCK` characters cut after a line break, the state
    (inside a quoted value or not) carried from one block to the next: memory stays bounded
    and the time linear in the file.
    """
    buf = _codes(text)
    bom = not isinstance(text, str) and bytes(text[:3]) == b"\xef\xbb\xbf"
    n, lo, inside = len(buf), 0, False
    while lo < n:
        hi = n if lo + _BLOCK >= n else _find(text, lo + _BLOCK) + 1
        got = _runs(buf, lo, min(hi, n), inside, delim, bom)
        if got is not None:
            starts, ends, after, bad = got
            if len(bad):
                return int(ends[bad[0]] - 1)
            inside = bool(after[-1])
        lo = hi
    return None


def quote_problem(text, delim: str, display: str, header: list[str]) -> Problem | None:
    """The problem for :func:`bad_closing_quote`'s quote, naming its row and column, or
    ``None``.

    The row is the spreadsheet row of the record (line breaks inside quoted values do not
    start a record), the column the header's name of the field the quote closes.
    """
    pos = bad_closing_quote(text, delim)
    if pos is None:
        return None
    buf = _codes(text)
    bom = not isinstance(text, str) and bytes(text[:3]) == b"\xef\xbb\xbf"
    d = ord(delim)
    # the same blocks again up to the quote: line breaks and delimiters outside quotes
    row, field, lo, inside = 1, 0, 0, False
    while lo < pos:
        hi = min(pos, lo + _BLOCK if lo + _BLOCK >= pos else _find(text, lo + _BLOCK) + 1)
        got = _runs(buf, lo, hi, inside, delim, bom)
        block = buf[lo:hi]
        nl = np.flatnonzero(block == 10) + lo
        dl = np.flatnonzero(block == d) + lo
        if got is not None:
            starts, _ends, after, _bad = got
            for_state = (nl, dl)
            nl, dl = (x[~np.where(k >= 0, after[np.maximum(k, 0)], inside)]
                      for x, k in ((x, np.searchsorted(starts, x, side="right") - 1)
                                   for x in for_state))
            inside = bool(after[-1])
        elif inside:
            nl, dl = nl[:0], dl[:0]
        if len(nl):
            row += len(nl)
            field = int(np.count_nonzero(dl > nl[-1]))
        else:
            field += len(dl)
        lo = hi
    column = ((header[field].strip() or f"column {field + 1}") if field < len(header)
              else f"column {field + 1}")
    return Problem(display, "a quote inside a quoted value must be doubled (\"\"): here a "
                   "quote ends the value and text follows it, so the rest of the value would "
                   "be read into the next column; double the quote or remove it",
                   row=row, column=column)
