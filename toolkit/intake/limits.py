"""Size checks made before an input is read, so that a small file cannot demand unbounded
work (review 13c P1, review 13 N1).

A Parquet file states its row and column counts in its footer; dictionary and run-length
encoding let a 180 KB file declare a million rows, which the survey path then reads cell by
cell (minutes and gigabytes). The declared counts are compared with the per-table limits in
:data:`toolkit.schemas.MAX_ROWS` and :data:`toolkit.schemas.MAX_CELLS` before anything is
read. The same encodings let one long text (a 5 MB dictionary entry) stand in every row:
:func:`read_parquet` bounds the decoded text from the page headers and the dictionaries, and
refuses a cell over :data:`toolkit.spreadsheet.MAX_CELL_CHARS` or a table over
:data:`toolkit.schemas.MAX_TEXT_BYTES` before expanding anything. (A CSV cannot expand: its
cost is linear in its bytes. Workbooks are checked in :mod:`toolkit.spreadsheet`.)
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


# --------------------------------------------------------------------------- decoded text
#: Text width counted for a value that is not a string (an int64 has at most 20 digits and
#: a sign, a float's repr at most 24 characters, a timestamp 19, a date 10, a flag 5).
_FIXED_WIDTH = 24


def _is_text(t) -> bool:
    """True for a string or binary type, or a dictionary of them."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t))


def _leaf_count(t) -> int:
    """Number of Parquet leaf columns of an Arrow type (1 for a flat column)."""
    n = t.num_fields
    return 1 if n == 0 else sum(_leaf_count(t.field(i).type) for i in range(n))


def _text_problem(display: str, total: int, biggest: str, part: int, how: str) -> Problem:
    from ..schemas import MAX_TEXT_BYTES

    return Problem(display, f"the Parquet file's text {how} {total:,} bytes when decoded "
                   f"(column {biggest!r}: {part:,}); a table may hold at most "
                   f"{MAX_TEXT_BYTES:,} bytes of text (the largest engagement the toolkit is "
                   "built for has 2,000 respondents, 1M leads and 10M activities, about 1 GB "
                   "as CSV); check that this is the right file, and that no long value is "
                   "repeated on every row", column=biggest)


def _long_cell(display: str, name: str, index: int, n_chars: int) -> ValidationError:
    from ..spreadsheet import MAX_CELL_CHARS

    return ValidationError(Problem(
        display, f"a text value of {n_chars:,} characters; a cell here holds at most "
        f"{MAX_CELL_CHARS:,} — delete or shorten the value", row=index + 2, column=name))


def _bounds(pf, fh, names: list[str], display: str) -> tuple[dict, dict]:
    """Upper bounds of the decoded text of each column in *names*, from the page headers
    (:func:`toolkit.intake.pages.chunk_pages`; *fh* the open file) and, for dictionary-
    encoded text, the dictionaries, without decoding any data page.

    Returns ``(base, expansion)``. *base*: every page's decompressed bytes (any read
    allocates them; they bound the text of pages stored plain), and for a value that is not
    text :data:`_FIXED_WIDTH` bytes (its widest text). *expansion*: for each text value in a
    dictionary-encoded page, the longest entry of its dictionary (read from the first row of
    its row group).
    """
    import pyarrow.compute as pc

    from .pages import chunk_pages

    schema = pf.schema_arrow
    md = pf.metadata
    first, leaf = {}, 0
    for f in schema:
        first[f.name] = (leaf, _leaf_count(f.type))
        leaf += first[f.name][1]
    bound, extra = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
    for rg in range(md.num_row_groups):
        group = md.row_group(rg)
        rows = max(int(group.num_rows), 0)
        probe = {}
        for name in names:
            start, n = first[name]
            flat_text = n == 1 and _is_text(schema.field(name).type)
            for j in range(start, start + n):
                cc = group.column(j)
                pages = chunk_pages(fh, cc, display)
                bound[name] += pages.uncompressed
                if cc.physical_type not in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"):
                    bound[name] += (rows if n == 1 else pages.values) * _FIXED_WIDTH
                elif pages.indexed_values and flat_text:
                    probe[name] = pages.indexed_values
                elif pages.indexed_values:  # nested text: any value may be all the dictionary
                    extra[name] += pages.indexed_values * pages.dictionary
        if probe:  # the dictionaries, from the first row of the row group
            batch = next(pf.iter_batches(batch_size=1, row_groups=[rg], columns=list(probe),
                                         use_threads=False), None)
            for name, values in probe.items():
                col = batch.column(name) if batch is not None else None
                if col is not None and hasattr(col, "dictionary"):
                    longest = int(pc.max(pc.binary_length(col.dictionary)).as_py() or 0)
                else:  # (not seen: pyarrow gives the dictionary) any value may be all of it
                    longest = bound[name]
                extra[name] += values * longest
    return bound, extra


def nested_problem(schema, display: str, names: list[str] | None = None) -> Problem | None:
    """The problem of a Parquet column of nested values (lists, records, maps), or ``None``.

    An input table holds one value per cell; a nested column would be turned into text of
    any length before a cell's cap could see it (attack 33, PQ1: 100 lists of 1.2 million
    values in a 12.7 KB file took 16 s and 1.5 GB to validate), and no CRM or survey export
    writes one. The problem concerns the whole column (no row).

    Parameters
    ----------
    schema : pyarrow.Schema
        The file's schema (:func:`pyarrow.parquet.read_schema`).
    display : str
        The file's name in the problem.
    names : list of str, optional
        Only these columns; default all.
    """
    import pyarrow as pa

    for name in (names if names is not None else schema.names):
        t = schema.field(name).type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_nested(t):
            kind = ("records" if pa.types.is_struct(t) else "key-value maps"
                    if pa.types.is_map(t) else "lists" if pa.types.is_list(t)
                    or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
                    else "nested values")
            return Problem(display, f"holds {kind}, not one value per cell; export the table "
                                    "flat (one text, number or date per cell), or without "
                                    "this column", column=str(name))
    return None


def read_parquet(path: str | Path, display: str, columns: list[str] | None = None):
    """Read a Parquet file (or some of its columns) as an Arrow table, refusing text that
    expands beyond :data:`toolkit.schemas.MAX_TEXT_BYTES` or a cell longer than
    :data:`toolkit.spreadsheet.MAX_CELL_CHARS` before it is decoded (review 13 N1).

    The decoded size of each column is first bounded from the page headers and the
    dictionaries (:func:`_bounds`; the footer's sizes are not relied on, nothing holds a
    writer to them). When the bound fits the budget the file is read as usual and
    each text cell's length checked; otherwise the text columns are read dictionary-encoded,
    and the exact decoded size (each dictionary entry's length × the cells showing it) and
    longest cell are checked before the values are expanded.

    Parameters
    ----------
    path : str or Path
        A Parquet file whose footer :func:`check_scale` accepted.
    display : str
        The file's name in problems.
    columns : list of str, optional
        Only these columns (top-level names); default all.

    Returns
    -------
    pyarrow.Table
        As :func:`pyarrow.parquet.read_table` returns it (text columns as ``string``).

    Raises
    ------
    ValidationError
        A cell longer than the cap (its row, header = row 1, and column), or more decoded
        text than the budget (naming the column holding the most). Errors of pyarrow
        itself (a damaged file) are left to the caller.
    """
    import pyarrow.parquet as pq

    from ..schemas import MAX_TEXT_BYTES
    from ..spreadsheet import MAX_CELL_CHARS

    schema = pq.read_schema(path)
    names = list(columns) if columns is not None else list(schema.names)
    seen: set[str] = set()
    for name in schema.names:   # a field written twice cannot be read by name (attack 36)
        if name in seen:
            raise ValidationError(Problem(display, "column name appears more than once; "
                                                   "keep one", column=str(name)))
        seen.add(name)
    nested = nested_problem(schema, display, names)
    if nested is not None:
        raise ValidationError(nested)
    text = [n for n in names if _is_text(schema.field(n).type)]
    with pq.ParquetFile(path, read_dictionary=text) as pf, open(path, "rb") as fh:
        bound, extra = _bounds(pf, fh, names, display)
    base = sum(bound.values())
    if base > MAX_TEXT_BYTES:  # any read would take this much: refused from the headers
        big = max(bound, key=bound.__getitem__)
        raise ValidationError(_text_problem(display, base, big, bound[big], "would take"))
    if base + sum(extra.values()) <= MAX_TEXT_BYTES:
        table = _plain_text(pq.read_table(path, columns=columns), text)
        sizes = {name: _check_cells(table.column(name), name, display, MAX_CELL_CHARS)
                 for name in text}
        if sum(sizes.values()) > MAX_TEXT_BYTES:  # (the bound holds: never seen)
            big = max(sizes, key=sizes.__getitem__)
            raise ValidationError(_text_problem(display, sum(sizes.values()), big,
                                                sizes[big], "expands to"))
        return table
    other = {n: bound[n] + extra[n] for n in names if n not in text}  # nested text: bounds
    fixed = sum(other.values())
    if fixed > MAX_TEXT_BYTES:
        big = max(other, key=other.__getitem__)
        raise ValidationError(_text_problem(display, fixed, big, other[big], "would take"))
    table = pq.read_table(path, columns=columns, read_dictionary=text)
    sizes = {}
    for name in text:
        sizes[name] = _dictionary_size(table.column(name), name, display, MAX_CELL_CHARS)
    total = fixed + sum(sizes.values())
    if total > MAX_TEXT_BYTES:
        big = max(sizes, key=sizes.__getitem__)
        raise ValidationError(_text_problem(display, total, big, sizes[big], "expands to"))
    return _plain_text(table, text)


def _plain_text(table, text: list[str]):
    """*table* with its columns *text* decoded from dictionaries to plain text."""
    import pyarrow as pa

    for name in text:
        i = table.schema.get_field_index(name)
        col = table.column(i)
        if pa.types.is_dictionary(col.type):
            table = table.set_column(i, name, col.cast(col.type.value_type))
    return table


def _check_cells(col, name: str, display: str, cap: int) -> int:
    """Refuse the first cell of a decoded text column longer than *cap* characters; return
    the column's bytes of text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.binary_length(col)  # from the offsets alone; characters <= bytes
    longest = pc.max(lengths).as_py()
    total = int(pc.sum(lengths).as_py() or 0)
    if longest is None or longest <= cap:
        return total
    if not (pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type)):
        lengths = pc.utf8_length(col)
        if pc.max(lengths).as_py() <= cap:
            return total
    index = pc.index(pc.greater(lengths, cap), True).as_py()
    raise _long_cell(display, name, index, int(lengths[index].as_py()))


def _dictionary_size(col, name: str, display: str, cap: int) -> int:
    """Decoded bytes of a dictionary-encoded column (entry lengths × cells showing each),
    refusing its first cell longer than *cap* characters, without expanding it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total, offset = 0, 0
    for chunk in col.chunks:
        d = chunk.dictionary
        nbytes = pc.binary_length(d)
        total += int(pc.sum(nbytes.take(chunk.indices)).as_py() or 0)
        if (pc.max(nbytes).as_py() or 0) > cap:
            chars = (nbytes if pa.types.is_binary(d.type) or pa.types.is_large_binary(d.type)
                     else pc.utf8_length(d))
            over = pc.greater(chars.take(chunk.indices), cap)
            at = pc.index(over, True).as_py()
            if at >= 0:
                raise _long_cell(display, name, offset + at, int(chars.take(
                    pa.array([chunk.indices[at].as_py()]))[0].as_py()))
        offset += len(chunk)
    return total
