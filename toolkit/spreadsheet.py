"""Reading a worksheet's values safely, whatever its stated dimensions.

A workbook states its used range (``<dimension ref="A1:XFD1048576">``); one stray cell in its
last row and column makes that range 17 billion cells, and reading it as a rectangle
exhausts memory (a 5 KB file took 15 GB). Here the stated range is ignored: rows are read as
the file stores them, each trimmed after its last value, and a row reaching past
:data:`MAX_COLUMNS` is refused with its row and column. Likewise a value below a run of more
than :data:`MAX_BLANK_ROWS` empty rows (a stray cell far down a hand-edited sheet: one cell in
row 1,048,576 made a 22 KB file a million-row table) is refused with its row and column, so
the cost stays linear in the cells the file holds.
"""

from __future__ import annotations

from .exceptions import Problem, ValidationError

#: Widest table accepted from a workbook (no export of the inputs is near it).
MAX_COLUMNS = 2000
#: Longest run of empty rows accepted inside a table from a workbook.
MAX_BLANK_ROWS = 10_000


def worksheet_rows(ws, display: str) -> list[tuple]:
    """The rows of a read-only openpyxl worksheet, trailing empty cells and rows dropped.

    Parameters
    ----------
    ws : openpyxl read-only worksheet
    display : str
        The file's name in error messages.

    Returns
    -------
    list of tuple
        One tuple of cell values per row, from row 1 to the last row holding a value; a
        row keeps its values up to its last non-empty cell (empty rows are ``()``).

    Raises
    ------
    ValidationError
        A value lies beyond column :data:`MAX_COLUMNS`, or below more than
        :data:`MAX_BLANK_ROWS` empty rows (the row and column are named).
    """
    from openpyxl.utils import get_column_letter

    ws.reset_dimensions()  # ignore the stated used range
    rows: list[tuple] = []
    last = 0
    for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
        k = len(r)
        while k and r[k - 1] is None:
            k -= 1
        if k > MAX_COLUMNS:
            raise ValidationError(Problem(
                display, f"a value in column {get_column_letter(k)} ({k:,} columns in); a "
                f"table here has at most {MAX_COLUMNS:,} columns — delete the stray cell",
                row=i, column=get_column_letter(k)))
        if k and i - last - 1 > MAX_BLANK_ROWS and last:
            col = next(j for j, v in enumerate(r, start=1) if v is not None)
            raise ValidationError(Problem(
                display, f"a value in row {i:,} below {i - last - 1:,} empty rows (the table "
                f"ends at row {last:,}); delete the stray cell, or export the table as CSV",
                row=i, column=get_column_letter(col)))
        if k:
            rows.extend([()] * (i - len(rows) - 1))
            rows.append(tuple(r[:k]))
            last = i
    return rows
