"""Rows of a delimited file whose number of fields does not match the header (SPEC §8a).

A row in the middle of a file with fewer fields than the header (cut short, or split by a
line break inside an unquoted value) or with more (a delimiter inside an unquoted value)
would otherwise be read with its values in the wrong columns or missing. Such rows are
refused with their row number. Exports that leave out trailing empty fields on many rows,
an unnamed extra column on most rows, and footer lines after the last full row are
ordinary and pass. An empty extra field on a few rows only is not an export's style: it is
what a value shifted one column to the right leaves (review 13c V3), and is refused.

Everything here is vectorised (numpy over the file's bytes or the records' field counts).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import Problem

#: A share of records above which rows of another width are the export's style, not damage.
STYLE_SHARE = 0.05
#: Rows listed before "... and N more".
MAX_LISTED = 10


def line_widths(text: bytes | str, delim: str) -> np.ndarray:
    """Fields per line of delimited text *without quotes*.

    Parameters
    ----------
    text : bytes or str
        The whole file (bytes of a single-byte-delimiter encoding such as UTF-8 or cp1252,
        or decoded text).
    delim : str
        The one-character delimiter.

    Returns
    -------
    numpy.ndarray of int64
        One entry per line as pandas' reader counts them (a final line break ends the last
        line; lines end at ``\\n``, or at ``\\r`` in a file without ``\\n``); 0 for a line
        without any delimiter (blank, a title or a footer line).
    """
    if isinstance(text, str):
        buf = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    else:
        buf = np.frombuffer(text, dtype=np.uint8)
    nl = 10 if (buf == 10).any() or not (buf == 13).any() else 13
    breaks = np.flatnonzero(buf == nl)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(buf)]))
    if len(buf) and buf[-1] == nl:  # the final line break ends the last line
        starts, ends = starts[:-1], ends[:-1]
    delims = np.flatnonzero(buf == ord(delim))   # positions only: memory ~ one per field
    fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    # a line without a delimiter is a blank line, a title or a footer, not a cut row
    return np.where(fields == 1, 0, fields)


def width_problems(widths, header_width: int, display: str, *,
                   extra_filled: np.ndarray | None = None) -> list[Problem]:
    """Problems for records in the middle of a file whose field count is not the header's.

    Parameters
    ----------
    widths : array of int
        Fields per record, the header first (0 = blank line).
    header_width : int
        Fields of the header.
    display : str
        The file's name in the problems.
    extra_filled : array of bool, optional
        Per record: a field beyond the header's width holds a value (when unknown, every
        longer record counts as holding one).

    Returns
    -------
    list of Problem
        Empty when the widths are the export's style (see the module docstring).
    """
    w = np.asarray(widths, dtype=np.int64)
    if len(w) < 3 or header_width < 2:
        return []
    body = w[1:]
    filled = body > 0
    n = int(filled.sum())
    if not n:
        return []
    full = np.flatnonzero(body >= header_width)
    if not len(full):
        return []
    last_full = full[-1]
    idx = np.arange(len(body))
    short = filled & (body < header_width) & (idx < last_full)
    long_ = body > header_width
    long_empty = np.zeros_like(long_)
    if extra_filled is not None:
        filled_extra = np.asarray(extra_filled, dtype=bool)[1:]
        long_empty = long_ & ~filled_extra
        long_ &= filled_extra
        if 2 * int(long_empty.sum()) > len(full):
            long_empty[:] = False  # an empty extra field on most full rows: the export's style
    problems: list[Problem] = []
    limit = max(1, int(STYLE_SHARE * n))
    for mask, what in ((short, "short"), (long_, "long"), (long_empty, "long")):
        k = int(mask.sum())
        if not k or (k > limit and mask is not long_empty):
            continue
        rows = np.flatnonzero(mask)
        for i in rows[:MAX_LISTED]:
            got = int(body[i])
            if what == "short":
                msg = (f"this row has {got} of the {header_width} columns (the rows around it "
                       "have all of them): it was cut short, or an unquoted value holds a "
                       "line break; export the file again")
            else:
                msg = (f"this row has {got} values for the {header_width} columns of the "
                       "header: an unquoted value holds the delimiter, or the row is "
                       "shifted; export the file again with quoted values")
            problems.append(Problem(display, msg, row=int(i) + 2))
        if k > MAX_LISTED:
            problems.append(Problem(display, f"... and {k - MAX_LISTED} more rows with the "
                                    f"wrong number of columns"))
    return problems
