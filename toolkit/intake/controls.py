"""Control characters in the cells of an input table (SPEC §8a).

A NUL, an escape sequence or another C0 control character in a label (a plan role, a
region, a lead source, a stage) is never part of a genuine export: it breaks the
spreadsheet and slide outputs (XML cannot hold it) and rewrites the screen when printed. Such
cells are refused with their file, row and column, and the character named. Free-text
comment columns are cleaned instead (the character becomes a space), so one odd character
pasted into a comment does not stop an engagement. Tab, line feed and carriage return are
ordinary in cells and stay.

Almost no export holds such a character: each text column is first scanned as raw UTF-8
bytes (:func:`may_hold_controls`: the Arrow data buffer of a string column, one NumPy
reduction over it), and only a column with a candidate byte goes through the exact
regular-expression pass that finds the rows and the characters. (In UTF-8 a byte below
0x20 is always that character: multi-byte sequences use bytes of 0x80 and above.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import Problem

#: XML-illegal C0 controls (what openpyxl refuses): everything below U+0020 except tab, line
#: feed and carriage return. ESC (U+001B, terminal escape sequences) is among them.
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: Rows listed per column before "... and N more rows".
MAX_LISTED = 10


#: The bytes of :data:`CONTROL_PATTERN` (all C0 controls but tab, line feed, carriage return).
_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D)]] = True


def _arrow_chunks(s: pd.Series):
    """The Arrow string chunks holding *s*'s values (no copy), or ``None``."""
    import pyarrow as pa

    arr = s.array
    if not hasattr(arr, "__arrow_array__"):
        return None
    try:
        data = arr.__arrow_array__()
    except Exception:  # noqa: BLE001 - not Arrow-backed after all: the regular expression
        return None
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
               for c in chunks):
        return None
    return chunks


def may_hold_controls(s: pd.Series) -> bool:
    """False when no value of *s* can hold a character of :data:`CONTROL_PATTERN`.

    For a column kept in Arrow (the pandas ``str`` dtype with pyarrow storage) the bytes of
    its data buffer between the first and last value offsets are scanned: their smallest
    byte (one NumPy reduction) usually proves at once that no control character, tab or
    line break is there; otherwise a 256-entry count of the bytes tells whether any of the
    refused controls is. Any other column answers True (the exact pass decides).
    Conservative: a byte of a missing value's slot also counts.
    """
    import pyarrow as pa

    chunks = _arrow_chunks(s)
    if chunks is None:
        return True
    for chunk in chunks:
        n = len(chunk)
        if n == 0 or chunk.null_count == n:
            continue
        _, off_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue
        dtype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        off = np.frombuffer(off_buf, dtype=dtype)
        lo, hi = int(off[chunk.offset]), int(off[chunk.offset + n])
        if hi <= lo:
            continue
        body = np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]
        if int(body.min()) >= 0x20:
            continue
        if np.bincount(body, minlength=256)[_CONTROL_BYTES].any():
            return True
    return False


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]


def control_problems(df: pd.DataFrame, file: str, *, free_text: tuple[str, ...] = ()
                     ) -> list[Problem]:
    """Problems for label cells that hold control characters; cleans *free_text* columns.

    Parameters
    ----------
    df : pandas.DataFrame
        A table whose index holds spreadsheet row numbers (header = row 1). Columns named
        in *free_text* are modified in place (control characters replaced by a space).
    file : str
        The file's name in the problems.
    free_text : tuple of str
        Comment columns (cleaned, not refused).

    Returns
    -------
    list of Problem
        At most :data:`MAX_LISTED` per column with row and column, then one line counting
        the rest; empty when no label cell holds a control character.
    """
    problems: list[Problem] = []
    for col in _text_columns(df):
        s = df[col]
        if not may_hold_controls(s):
            continue
        hit = s.str.contains(CONTROL_PATTERN, regex=True, na=False)
        if not hit.any():
            continue
        if col in free_text:
            df[col] = s.str.replace(CONTROL_PATTERN, " ", regex=True)
            continue
        rows = df.index[hit.to_numpy(bool)]
        first = s[hit].str.extract(f"({CONTROL_PATTERN})", expand=False)
        for row, ch in zip(rows[:MAX_LISTED], first.iloc[:MAX_LISTED]):
            problems.append(Problem(
                file, f"the value contains a control character (U+{ord(ch):04X}: a NUL, "
                "escape or other non-printing character); expected plain text — clean the "
                "cell in the export", row=_row(row), column=str(col)))
        if len(rows) > MAX_LISTED:
            problems.append(Problem(file, f"... and {len(rows) - MAX_LISTED} more rows with "
                                    "control characters", column=str(col)))
    return problems


def _row(label) -> int | None:
    try:
        return int(label)
    except (TypeError, ValueError):
        return None
