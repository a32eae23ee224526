"""Control characters in the cells of an input table (SPEC §8a).

A NUL, an escape sequence or another C0 control character in a label (a plan role, a
region, a lead source, a stage) is never part of a genuine export: it breaks the
spreadsheet and slide outputs (XML cannot hold it) and rewrites the screen when printed. Such
cells are refused with their file, row and column, and the character named. Free-text
comment columns are cleaned instead (the character becomes a space), so one odd character
pasted into a comment does not stop an engagement. Tab, line feed and carriage return are
ordinary in cells and stay.

The check is one vectorised regular-expression pass per text column.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import Problem

#: XML-illegal C0 controls (what openpyxl refuses): everything below U+0020 except tab, line
#: feed and carriage return. ESC (U+001B, terminal escape sequences) is among them.
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: Rows listed per column before "... and N more rows".
MAX_LISTED = 10


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
