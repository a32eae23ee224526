"""Size checks made before an input is read, so that a small file cannot demand unbounded
work (review 13c P1).

A Parquet file states its row and column counts in its footer; dictionary and run-length
encoding let a 180 KB file declare a million rows, which the survey path then reads cell by
cell (minutes and gigabytes). The declared counts are compared with the per-table limits in
:data:`toolkit.schemas.MAX_ROWS` and :data:`toolkit.schemas.MAX_CELLS` before anything is
read. (A CSV cannot expand: its cost is linear in its bytes. Workbooks are checked in
:mod:`toolkit.spreadsheet`.)
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import Problem, ValidationError
from ..schemas import MAX_CELLS, MAX_ROWS

_WHAT = {"survey": "survey", "leads": "leads", "opportunities": "opportunities",
         "activities": "activities", "plan": "compensation plan"}


def scale_problem(path: str | Path, table: str | None, display: str) -> Problem | None:
    """The problem when *path* is a Parquet file declaring more rows or cells than a
    *table* file may hold, else ``None``.

    Parameters
    ----------
    path : str or Path
        The input file; only ``.parquet``/``.pq`` files are checked (from their footer,
        without reading any data page).
    table : str or None
        ``"survey"``, ``"leads"``, ``"opportunities"``, ``"activities"`` or ``"plan"``;
        ``None`` applies the largest limit of any table.
    display : str
        The file's name in the problem.

    Returns
    -------
    Problem or None
        ``None`` also when the file is not a readable Parquet file: the reader words that.
    """
    from .reader import PARQUET_SUFFIXES, check_file

    path = Path(path)
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        return None
    try:
        check_file(path, display)  # from its stat: a FIFO is never opened
        import pyarrow.parquet as pq

        md = pq.read_metadata(path)
        rows, cols = int(md.num_rows), int(md.num_columns)
    except Exception:  # noqa: BLE001 - damaged or not Parquet: the reader says so
        return None
    max_rows = MAX_ROWS.get(table, max(MAX_ROWS.values())) if table else max(MAX_ROWS.values())
    max_cells = (MAX_CELLS.get(table, max(MAX_CELLS.values())) if table
                 else max(MAX_CELLS.values()))
    what = f"a {_WHAT.get(table, table)} file" if table else "an input file"
    scale = ("the largest engagement the toolkit is built for has 2,000 respondents, "
             "1M leads and 10M activities")
    if rows > max_rows:
        return Problem(display, f"the Parquet file declares {rows:,} rows; {what} may hold "
                       f"at most {max_rows:,} ({scale}); check that this is the right file")
    if rows * cols > max_cells:
        return Problem(display, f"the Parquet file declares {rows:,} rows × {cols:,} columns "
                       f"= {rows * cols:,} cells; {what} may hold at most {max_cells:,} "
                       f"({scale}); check that this is the right file")
    return None


def check_scale(path: str | Path, table: str | None, display: str) -> None:
    """Raise :class:`~toolkit.exceptions.ValidationError` with :func:`scale_problem`'s
    problem, if any."""
    problem = scale_problem(path, table, display)
    if problem is not None:
        raise ValidationError(problem)
