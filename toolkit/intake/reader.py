"""One robust reader under every importer: text encodings, delimiters, Excel and Parquet.

:func:`read_table` returns a :class:`RawTable` whose cells are the file's text exactly as
written (no type conversion; empty cells are missing), indexed by spreadsheet row number.
Importers decide what the columns mean; the parsers in :mod:`toolkit.intake.parse` turn the
text into dates, numbers and booleans.

Encodings handled: UTF-8 with or without byte-order mark, UTF-16 (with BOM, or without one
when the NUL-byte pattern shows it, as Excel's "Unicode text" export writes), cp1252 (Excel's
"CSV" on Western Windows). Delimiters sniffed among ``,``, ``;``, tab and ``|`` from the
field counts of the first lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import Problem, ValidationError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 256 * 1024
#: A quoted value longer than this that also holds line breaks and whole rows' worth of
#: delimiters is taken for a runaway quote (Python's csv module refuses fields above 128 KiB).
_FIELD_LIMIT = 128 * 1024


@dataclass
class RawTable:
    """A file's cells as text.

    Attributes
    ----------
    df : pandas.DataFrame
        One column per source column (named by the first header row; a blank header is
        named ``"column <k>"``, 1-based), pandas ``str`` dtype: every cell the text exactly
        as in the file, or missing (NaN) when empty. The index holds the spreadsheet row number of each record
        (header = row 1, so with one header row the first record is row 2). Fully blank
        rows and blank trailing columns are removed (see ``blank_rows`` and
        ``dropped_columns``).
    path : Path
        The file read.
    kind : str
        ``"text"``, ``"excel"`` or ``"parquet"``.
    encoding : str
        Encoding used (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"cp1252"``, ...) or
        ``"binary"``.
    delimiter : str or None
        Field delimiter of a text file.
    header_rows : int
        Number of header rows consumed (the first names the columns).
    header_extra : list of list of str
        Header rows after the first (e.g. Qualtrics' question text and ImportId rows),
        aligned with ``df.columns``.
    n_rows : int
        Records read below the header, including blank rows.
    blank_rows : int
        Fully blank records dropped.
    dropped_columns : list of str
        Columns dropped because both their header and all their cells were empty.
    duplicate_columns : list of str
        Header names that occur more than once (later copies are renamed ``name (2)``...).
    sheet : str or None
        Worksheet read from an Excel workbook.
    warnings : list of str
        Remarks for the intake summary (e.g. the encoding was not UTF-8).
    """

    df: pd.DataFrame
    path: Path
    kind: str
    encoding: str
    delimiter: str | None
    header_rows: int = 1
    header_extra: list[list[str]] = field(default_factory=list)
    n_rows: int = 0
    blank_rows: int = 0
    dropped_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Column names (first header row)."""
        return [str(c) for c in self.df.columns]


# --------------------------------------------------------------------------- encodings
def detect_encoding(data: bytes, *, complete: bool = True) -> str:
    """Return the text encoding of *data* (the start or whole of a file).

    Parameters
    ----------
    data : bytes
        File content; the whole file gives a definite answer, a prefix a good guess.
    complete : bool, default True
        False when *data* is a prefix (a multi-byte character cut at its end is then not
        evidence against UTF-8).

    Returns
    -------
    str
        ``"utf-8-sig"`` (UTF-8 with BOM), ``"utf-16"`` (BOM present), ``"utf-16-le"`` /
        ``"utf-16-be"`` (no BOM, detected from NUL bytes), ``"utf-8"``, ``"cp1252"``, or
        charset-normalizer's best guess when none of these decodes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 4 and head.count(b"\x00") >= len(head) // 4:
        even = head[0::2].count(b"\x00")
        odd = head[1::2].count(b"\x00")
        return "utf-16-le" if odd > even else "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a prefix may cut a multi-byte character in two: that is not evidence
        if (not complete and exc.start >= len(data) - 3
                and exc.reason == "unexpected end of data"):
            return "utf-8"
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SAMPLE_BYTES]).best()
    return best.encoding if best is not None else "latin-1"


def sniff_delimiter(text: str, suffix: str = "") -> str:
    """Return the field delimiter of CSV-like *text*.

    The candidate (``,`` ``;`` tab ``|``) that splits the first lines into the same number
    of fields (> 1) on the most lines wins; ties go to more fields. ``.tsv`` files are tab.

    Parameters
    ----------
    text : str
        The first few kilobytes of the decoded file.
    suffix : str
        File suffix (``".tsv"`` forces tab).
    """
    if suffix in (".tsv", ".tab"):
        return "\t"
    lines = text.splitlines()[:60]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # probably cut in the middle
    sample = "\n".join(lines)
    best, best_key = ",", (-1, -1)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d)]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 0]
        if not counts or max(counts) < 2:
            continue
        header = counts[0]
        consistent = sum(1 for c in counts if c == header)
        key = (consistent if header > 1 else 0, header)
        if key > best_key:
            best, best_key = d, key
    return best


_BINARY_MESSAGE = ("not a text/CSV or Excel file (binary content); export the table as "
                   "CSV or .xlsx")
#: Control characters other than tab, line feed, form feed and carriage return.
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13} | {127}


def is_binary(data: bytes, encoding: str) -> bool:
    """Return True when *data* (a file's start) is not text in *encoding*.

    Text exports never hold NUL bytes (outside UTF-16, whose NULs are the high bytes of
    ASCII characters) and hardly any other control characters. *data* counts as binary when
    it does not decode strictly (UTF-8/UTF-16), holds a NUL byte (other 8-bit encodings),
    or more than 1 % of its decoded characters (at least 3) are control characters other
    than tab and line breaks.

    Parameters
    ----------
    data : bytes
        The start of the file (up to a few hundred kilobytes suffice).
    encoding : str
        As :func:`detect_encoding` returned it.
    """
    sample = data[:_SAMPLE_BYTES]
    if encoding.startswith("utf-16"):
        sample = sample[: len(sample) - len(sample) % 2]
    elif b"\x00" in sample and not encoding.startswith("utf-8"):
        return True  # (in UTF-8 a stray NUL counts as a control character below: the cell
        # holding it is then named with its row and column)
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError as exc:
        # only a multi-byte character cut at the end of the sample is forgiven
        if len(sample) < len(data) and exc.start >= len(sample) - 3:
            text = sample[:exc.start].decode(encoding, errors="replace")
        else:
            return True
    except LookupError:
        return False
    if not text:
        return False
    n_control = sum(text.count(chr(c)) for c in _CONTROL)
    return n_control >= 3 and n_control > 0.01 * len(text)


# --------------------------------------------------------------------------- file checks
_EXPECTED_FILE = "expected a CSV, Excel or Parquet file"
_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _os_problem(display: str, exc: OSError) -> Problem:
    """The problem for an operating-system error while opening or reading a file."""
    if isinstance(exc, PermissionError):
        return Problem(display, "cannot read the file: permission denied; give the account "
                       "that runs aligndx read access to it (and to its folder)")
    if isinstance(exc, IsADirectoryError):
        return Problem(display, f"is a folder, not a file; {_EXPECTED_FILE}")
    if isinstance(exc, FileNotFoundError):
        return Problem(display, "file not found")
    return Problem(display, f"cannot read the file: {exc.strerror or type(exc).__name__}")


def check_file(path: str | Path, display: str | None = None, *,
               expected: str = _EXPECTED_FILE) -> int:
    """Check that *path* is a regular file this process may read, without opening it.

    Never blocks: a named pipe (FIFO), socket or device is refused from its ``stat``
    alone, so a FIFO put where an export is expected cannot hang the run.

    Parameters
    ----------
    path : str or Path
        The file.
    display : str, optional
        Name of the file in the problem (default: *path*).
    expected : str
        What the user should give instead, appended to the message.

    Returns
    -------
    int
        The file size in bytes.

    Raises
    ------
    ValidationError
        The path does not exist, is a folder, a FIFO, socket or device, or cannot be read
        (permissions).
    """
    display = display or str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ValidationError(_os_problem(display, exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise ValidationError(Problem(display, f"is a folder, not a file; {expected}"))
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(st.st_mode)),
                    "a special file")
        raise ValidationError(Problem(display, f"is {kind}, not a regular file; {expected}"))
    if not os.access(path, os.R_OK):
        raise ValidationError(_os_problem(display, PermissionError()))
    return st.st_size


# --------------------------------------------------------------------------- CSV structure
def _open_quote_field(line: str, delim: str) -> int | None:
    """0-based field of *line* whose opening quote is still open at the end of the line."""
    field, in_q, at_start, opened, i = 0, False, True, None, 0
    while i < len(line):
        ch = line[i]
        if in_q:
            if ch == '"':
                if line[i + 1:i + 2] == '"':
                    i += 2
                    continue
                in_q = False
        elif ch == delim:
            field, at_start = field + 1, True
            i += 1
            continue
        elif ch == '"' and at_start:
            in_q, opened = True, field
        at_start = False
        i += 1
    return opened if in_q else None


def unclosed_quote(text: str, delim: str, display: str) -> Problem | None:
    """Find a quoted value that is never closed (it would swallow the rest of the file).

    Called when the file holds an odd number of quote characters. The file is parsed with
    Python's strict CSV reader (no field size limit); when it ends inside a quoted value,
    the problem names the spreadsheet row where the record began and the column whose quote
    was opened there.

    Returns
    -------
    Problem or None
        ``None`` when every quoted value is closed (an odd count then comes from quotes
        inside unquoted values, e.g. ``5" screen``).
    """
    old = csv.field_size_limit()
    csv.field_size_limit(2 ** 31 - 1)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
        records, start_line, header = 0, 1, None
        try:
            for rec in reader:
                if header is None:
                    header = rec
                records += 1
                start_line = reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return None
        else:
            return None
    finally:
        csv.field_size_limit(old)
    line = ""
    for k, physical in enumerate(io.StringIO(text), start=1):
        if k == start_line:
            line = physical.rstrip("\r\n")
            break
    field = _open_quote_field(line, delim)
    column = None
    if field is not None and header and field < len(header) and records > 0:
        column = header[field].strip() or f"column {field + 1}"
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1) - start_line + 1
    what = (f", so the rest of the file ({n_lines} lines) would be read as one value"
            if n_lines > 1 else ": the file ends inside it (was the export cut off?)")
    return Problem(display, f"unbalanced quote: the quoted value that starts in this row is "
                   f"never closed{what}; remove the stray quote or add the closing one",
                   row=records + 1, column=column)


def runaway_quote(grid: pa.Table, delim: str | None, display: str) -> Problem | None:
    """Find a value whose quotes swallowed whole rows (a stray quote closed rows later).

    A quoted value may hold line breaks (multi-line comments); it is taken for a runaway
    quote when it is longer than 128 KiB, or when one of its later lines holds as many
    delimiters as a whole row of the file (at least three columns).

    Parameters
    ----------
    grid : pyarrow.Table
        The file's records as text (first = header), as the readers return them.
    delim : str or None
        The field delimiter.
    display : str
        Name of the file in the problem.

    Returns
    -------
    Problem or None
        The first such value (row and column), or ``None``.
    """
    width, n = grid.num_columns, grid.num_rows
    if not width or not n:
        return None
    flat = _flat(grid)
    hits = np.flatnonzero(np.asarray(pc.fill_null(pc.match_substring(flat, "\n"), False)
                                     .to_numpy(zero_copy_only=False), dtype=bool))
    found = []
    for k in hits:
        j, pos = divmod(int(k), n)
        value = flat[int(k)].as_py()
        lines = value.split("\n")
        whole = (delim is not None and width >= 3
                 and any(part.count(delim) >= width - 1 for part in lines[1:]))
        if whole or len(value) > _FIELD_LIMIT:
            found.append((pos, j, len(lines)))
    if not found:
        return None
    pos, j, n_lines = min(found)
    header = (grid.column(j)[0].as_py() or "").strip() if pos > 0 else ""
    return Problem(display, f"unbalanced quote: the quoted value that starts in this row runs "
                   f"over {n_lines} lines and holds what look like whole rows (a quote is "
                   "missing or extra here, so the rows below were read into this value); "
                   "check the quotes in this row", row=pos + 1,
                   column=(header or f"column {j + 1}") if pos > 0 else None)


def _flat(grid: pa.Table) -> pa.ChunkedArray:
    """All cells of a text table, column after column, as one string array ("" = empty)."""
    chunks = [ch for col in grid.columns for ch in col.chunks]
    flat = pa.chunked_array(chunks or [pa.array([], pa.string())], type=pa.string())
    return pc.fill_null(flat, "") if flat.null_count else flat


def _frame_table(df: pd.DataFrame) -> pa.Table:
    """A text table from a DataFrame of text cells (NaN → ``""``)."""
    return pa.table({str(j): pa.array(df.iloc[:, j].to_numpy(dtype=object), pa.string(),
                                      from_pandas=True).fill_null("")
                     for j in range(df.shape[1])})


def short_last_row(tail: str, delim: str, width: int) -> int | None:
    """Field count of the file's last record when it is shorter than the header, else None.

    *tail* is the end of the decoded file. A last line holding a quote character is left to
    the quote checks (it may end a multi-line value). A single-field last line after a
    blank line is a report footer, not a cut row.
    """
    body = tail.rstrip("\r\n")
    if "\n" not in body or width < 2:
        return None
    before, last = body.rsplit("\n", 1)
    last = last.rstrip("\r")
    if '"' in last or not last.strip():
        return None
    n = last.count(delim) + 1
    if n >= width:
        return None
    prev = before.rsplit("\n", 1)[-1].strip("\r")
    if n == 1 and (not prev.strip() or tail.endswith(("\n", "\r"))):
        return None  # a footer line ("Grand Totals", "Generated by ...")
    return n


# --------------------------------------------------------------------------- readers
def _short_rows_in_sample(sample: str, delim: str, width: int) -> bool:
    """True when some complete line of *sample* (no quotes) has fewer fields than *width*."""
    lines = sample.splitlines()[1:-1]
    return any(ln.strip() and '"' not in ln and ln.count(delim) + 1 < width for ln in lines)


def _read_text(path: Path, display: str, raw_bytes: bytes) -> tuple[pa.Table, str, str, list]:
    encoding = detect_encoding(raw_bytes)
    if is_binary(raw_bytes, encoding):
        raise ValidationError(Problem(display, _BINARY_MESSAGE))
    warnings = []
    if not encoding.startswith(("utf-8", "utf-16")):
        warnings.append(f"file is not Unicode text; read as {encoding} (check accented "
                        "letters and currency signs)")
    text = raw_bytes[:_SAMPLE_BYTES].decode(encoding, errors="replace").lstrip("\ufeff")
    delim = sniff_delimiter(text, path.suffix.lower())
    full = None
    if encoding.startswith("utf-16"):
        full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        quotes = full.count('"')
    else:  # 0x22 is never part of a multi-byte UTF-8 character; cp1252 is one byte each
        quotes = raw_bytes.count(b'"')
    if quotes % 2:
        if full is None:
            full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        problem = unclosed_quote(full, delim, display)
        if problem is not None:
            raise ValidationError(problem)
    # a last row shorter than the header: the export was cut off
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    except csv.Error:
        first = []
    tail = (full[-_SAMPLE_BYTES:] if full is not None else
            raw_bytes[-_SAMPLE_BYTES:].decode(encoding, errors="replace"))
    short = short_last_row(tail, delim, len(first))
    if short is not None and tail.endswith(("\n", "\r")) and _short_rows_in_sample(
            text, delim, len(first)):
        short = None  # an export that leaves out trailing empty fields on many rows
    if short is not None and not quotes:
        body = raw_bytes.rstrip(b"\r\n") if full is None else full.rstrip("\r\n")
        row = (body.count(b"\n") if full is None else body.count("\n")) + 1
        raise ValidationError(_cut_row(display, row, short, first))
    df, lengths = None, None
    if len(first) > _WIDE_COLUMNS:
        # Arrow's and pandas' CSV readers slow down with the number of columns; the csv
        # module's cost is linear in cells
        if full is None:
            full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        df, lengths = _read_ragged(full, delim, display)
    elif encoding in ("utf-8", "utf-8-sig") and short is None:
        df = _read_text_arrow(raw_bytes, delim, text)
    if df is None and quotes:
        # not a rectangle (or not UTF-8) and quoted values: the csv module keeps each
        # record's field count, so that a cut last record can be told from a ragged export
        if full is None:
            full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        df, lengths = _read_ragged(full, delim, display)
    pandas_read = df is None and not quotes
    if df is None:
        try:
            df = pd.read_csv(io.BytesIO(raw_bytes), encoding=encoding, sep=delim, header=None,
                             dtype=str, keep_default_na=False, na_filter=False, engine="c",
                             skip_blank_lines=False)
            df = _frame_table(df)
        except pd.errors.EmptyDataError:
            df = pa.table({})
        except UnicodeDecodeError:  # binary content past the sample that was checked
            raise ValidationError(Problem(display, _BINARY_MESSAGE)) from None
        except pd.errors.ParserError:
            # ragged rows (e.g. trailing delimiters on some lines): pad with the csv module
            if full is None:
                full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
            df, lengths = _read_ragged(full, delim, display)
    if short is None and lengths is not None and len(first) > 1:
        short = _short_last_record(lengths, len(first),
                                   ends_with_break=(full or "").endswith(("\n", "\r")))
    if short is not None:
        blank = _blank_cells(df)
        filled = np.flatnonzero(~blank.all(axis=0)) if blank.size else np.array([], int)
        row = int(filled[-1]) + 1 if len(filled) else df.num_rows
        raise ValidationError(_cut_row(display, row, short, first))
    if quotes:
        problem = runaway_quote(df, delim, display)
        if problem is None:  # a quote closing a value with text after it (review 13c V3)
            from .quotes import quote_problem

            problem = quote_problem(full if full is not None else raw_bytes, delim, display,
                                    first)
        if problem is not None:
            raise ValidationError(problem)
    _check_row_widths(df, lengths, len(first), display,
                      None if lengths is not None or not pandas_read
                      else (full if full is not None else raw_bytes), delim)
    return df, encoding, delim, warnings


def _check_row_widths(grid: pa.Table, lengths, width: int, display: str, text, delim: str
                      ) -> None:
    """Refuse rows in the middle of the file with too few or too many fields
    (:mod:`toolkit.intake.rows`): from the records' own field counts when the csv module
    read them, else counted on the text (read without quotes)."""
    from .rows import line_widths, width_problems

    if lengths is not None:
        widths = np.asarray(lengths, dtype=np.int64)
    elif text is not None:
        widths = line_widths(text, delim)
    else:
        return  # read as a rectangle: every row has the header's width
    if len(widths) != grid.num_rows:
        return
    extra = None
    if grid.num_columns > width:
        extra = ~_blank_cells(grid.select(list(range(width, grid.num_columns)))).all(axis=0)
    problems = width_problems(widths, width, display, extra_filled=extra)
    if problems:
        raise ValidationError(problems)


def _short_last_record(lengths: list[int], width: int, *, ends_with_break: bool
                       ) -> int | None:
    """Field count of the last non-blank record when it looks cut off, else None.

    Cut off: shorter than the header (more than one field, or one field with no line break
    after it) while every other record has the header's width at least — an export that
    leaves out trailing empty fields has other short records too.
    """
    recs = [n for n in lengths if n > 0]
    if len(recs) < 2 or recs[-1] >= width:
        return None
    if recs[-1] == 1 and ends_with_break:
        return None  # a footer line
    if any(n < width for n in recs[1:-1]):
        return None
    return recs[-1]


def _cut_row(display: str, row: int, n: int, header: list[str]) -> Problem:
    at = header[n - 1].strip() if 0 < n <= len(header) else ""
    return Problem(display, f"the file ends in the middle of this row: it has {n} of the "
                   f"{len(header)} columns (cut in or after column {at or n!r}), so the "
                   "export looks cut off; export the file again", row=row,
                   column=at or None)


def _read_ragged(full: str, delim: str, display: str) -> tuple[pa.Table, list[int]]:
    """Read text whose rows have different field counts, padding short rows with ``""``.

    Returns the table and each record's own field count (0 for a blank line).
    """
    old = csv.field_size_limit()
    csv.field_size_limit(2 ** 31 - 1)
    reader = csv.reader(io.StringIO(full), delimiter=delim)
    rows: list[list[str]] = []
    try:
        for rec in reader:
            rows.append(rec)
    except csv.Error as exc:
        raise ValidationError(Problem(display, f"cannot read the file as delimited text "
                                      f"({exc}); export it again as CSV",
                                      row=len(rows) + 1)) from None
    finally:
        csv.field_size_limit(old)
    return _rows_table(rows, display), [len(r) for r in rows]


#: A table padded to its widest record may hold at most this many times the cells its
#: records hold (or :data:`_PAD_FLOOR` cells): one record of 100,000 delimiters among 50,000
#: short ones (a 550 KB file) would make 5 billion cells.
_PAD_FACTOR = 4
_PAD_FLOOR = 10_000_000


def _rows_table(rows: list[list[str]], display: str, *, excel: bool = False) -> pa.Table:
    """A text table from records of unequal length (short ones padded with ``""``).

    Raises
    ------
    ValidationError
        Padding would multiply the cells (see :data:`_PAD_FACTOR`): the widest record is
        named (its row; its last column in a workbook).
    """
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    width = int(lengths.max()) if len(rows) else 0
    cells = len(rows) * width
    if cells > max(_PAD_FACTOR * int(lengths.sum()), _PAD_FLOOR):
        from openpyxl.utils import get_column_letter

        i = int(np.argmax(lengths))
        head = int(lengths[0])
        raise ValidationError(Problem(
            display, f"this row has {width:,} " + ("cells" if excel else "fields")
            + f" (the header {head:,}): read as a table, the file's {len(rows):,} rows would "
            f"be {cells:,} cells; " + ("delete the stray cell" if excel else
                                       "remove the extra delimiters")
            + ", or export the file again", row=i + 1,
            column=get_column_letter(width) if excel and width <= 18_278 else None))
    rows = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    n = len(rows)
    flat = pa.array([cell for col in zip(*rows) for cell in col], pa.string())
    return pa.table({str(j): flat.slice(j * n, n) for j in range(width)})


def _read_text_arrow(raw_bytes: bytes, delim: str, sample: str) -> pa.Table | None:
    """Read UTF-8 delimited text with pyarrow's multi-threaded CSV reader.

    Same result as the pandas C reader with ``header=None, dtype=str, na_filter=False``
    (every cell text, empty cells ``""``, blank lines kept as rows of ``""``), several
    times faster on large files, as a table of string columns. Returns ``None`` when
    pyarrow cannot parse the file as a rectangle (ragged rows): the caller then falls back
    to the pandas reader.
    """
    import pyarrow.csv as pacsv

    try:
        first = next(csv.reader(io.StringIO(sample), delimiter=delim), None)
    except csv.Error:
        return None
    if not first:
        return None
    body = memoryview(raw_bytes)
    if raw_bytes.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    names = [f"f{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                              ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0:
        return None
    return table


def _not_this_kind(head: bytes, expected: str) -> str:
    """Message for a file whose content does not match its suffix."""
    if not head.strip():
        return f"file is empty; expected {expected}"
    encoding = detect_encoding(head, complete=False)
    if is_binary(head, encoding):
        return (f"not {expected} and not text either (binary content); export the table "
                "as CSV or .xlsx")
    return (f"not {expected}: the file holds text; if it is a CSV export, rename it to .csv "
            "and point engagement.toml at the new name")


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep="T") if (v.hour or v.minute or v.second) else v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _read_xlsx(path: Path, display: str, sheet: str | int | None) -> tuple[pa.Table, str, list]:
    import openpyxl

    warnings = []
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    if not head.startswith(b"PK\x03\x04"):
        raise ValidationError(Problem(display, _not_this_kind(head, "an Excel workbook (.xlsx "
                                                              "files are zip archives)")))
    from ..spreadsheet import check_workbook

    check_workbook(path, display)  # before openpyxl: no part may expand out of proportion
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValidationError(Problem(display, f"cannot open the workbook: {exc}")) from None
    try:
        # worksheets only: a chart sheet (Excel's "Move Chart → New sheet", often first)
        # holds no cells (attack 32, XS1)
        names = [ws.title for ws in wb.worksheets]
        if not names:
            raise ValidationError(Problem(display, "the workbook has no worksheet with cells "
                                          "(only chart sheets, or none); save the table on "
                                          "a sheet of its own"))
        if sheet is None:
            name = names[0]
            if len(names) > 1:
                warnings.append(f"workbook has {len(names)} sheets; read the first, "
                                f"{name!r}")
        elif isinstance(sheet, int):
            if not -len(names) <= sheet < len(names):
                raise ValidationError(Problem(display, f"no sheet number {sheet}; the workbook "
                                              f"has {len(names)} worksheet(s)"))
            name = names[sheet]
        elif sheet in names:
            name = sheet
        else:
            raise ValidationError(Problem(display, f"no sheet {sheet!r}; the workbook has "
                                          f"{', '.join(map(repr, names))}"))
        from ..spreadsheet import worksheet_rows

        rows = [[_cell_text(v) for v in r] for r in worksheet_rows(wb[name], display)]
    finally:
        wb.close()
    return _rows_table(rows, display, excel=True), name, warnings


#: How the reader names the second and later columns of a header written twice: "Lead
#: Source (2)", "Lead Source (3)" (:func:`first_copy` reads it back).
_COPY_NAME = re.compile(r"(.*\S) \(([2-9]|[1-9]\d{1,2})\)", re.S)  # not "Revenue (2024)"


def unique_names(names: list[str]) -> tuple[list[str], list[str]]:
    """*names* with the second and later copies of a name renamed "<name> (2)", "<name>
    (3)" …, and the names that were written more than once (in order)."""
    out, seen, dups = [], {}, []
    for name in names:
        if name in seen:
            seen[name] += 1
            if name not in dups:
                dups.append(name)
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out, dups


def first_copy(name: object) -> str:
    """The header a column named as a later copy of it repeats ("Lead Source (2)" →
    "Lead Source"); any other name as it is. What a column holds is judged by this header:
    a second "Full Name" column holds names as the first does (attack 35, DN1)."""
    m = _COPY_NAME.fullmatch(str(name))
    return m.group(1) if m else str(name)


def _read_parquet(path: Path, display: str) -> pa.Table:
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if size < 12 or not head.startswith(b"PAR1") or tail != b"PAR1":
        raise ValidationError(Problem(display, _not_this_kind(head, "a Parquet file (no PAR1 "
                                                              "signature)")))
    from .limits import check_scale, read_parquet

    check_scale(path, None, display)  # the callers that know the table check its own limit
    try:  # no text over the budget or a cell's cap is decoded (review 13 N1)
        table = read_parquet(path, display)
    except ValidationError:
        raise
    except Exception as exc:  # pyarrow raises several types
        msg = str(exc).replace(str(path), display).splitlines()[0] if str(exc) else ""
        raise ValidationError(Problem(display, "cannot read the Parquet file (damaged?)"
                                      + (f": {msg}" if msg else ""))) from None
    names = [str(n) for n in table.column_names]
    cols = [_parquet_text(table.column(i)) for i in range(table.num_columns)]
    header = pa.table({str(i): pa.array([n], pa.string()) for i, n in enumerate(names)})
    body = pa.table({str(i): c for i, c in enumerate(cols)})
    return pa.concat_tables([header, body])


def _parquet_text(col):
    """One Parquet column (pyarrow ChunkedArray) as text cells, ``""`` for missing.

    Vectorized with Arrow casts: timestamps → ``YYYY-MM-DDThh:mm:ss`` (UTC, tz-naive, whole
    seconds), dates → ``YYYY-MM-DD``, booleans → ``TRUE``/``FALSE``, whole floats without
    ``.0`` (NaN empty), strings as they are, an untyped all-empty column empty. Other
    types (decimals, nested values) go through :func:`_cell_text` per cell.
    """
    t = col.type
    empty = pa.scalar("", pa.string())
    if pa.types.is_null(t):  # an all-empty column written without a type
        return pa.nulls(len(col), pa.string()).fill_null(empty)
    if pa.types.is_timestamp(t):
        col = col.cast(pa.timestamp(t.unit)).cast(pa.timestamp("s"), safe=False)
        txt = pc.replace_substring(col.cast(pa.string()), " ", "T")
    elif pa.types.is_date(t):
        txt = col.cast(pa.string())
    elif pa.types.is_boolean(t):
        txt = pc.if_else(col, pa.scalar("TRUE"), pa.scalar("FALSE"))
    elif pa.types.is_integer(t):
        txt = col.cast(pa.string())
    elif pa.types.is_floating(t):
        col = col.cast(pa.float64())
        whole = pc.and_(pc.is_finite(col), pc.equal(col, pc.floor(col)))
        whole = pc.and_(whole, pc.less(pc.abs(col), 2.0 ** 53))
        ints = pc.if_else(whole, col, 0.0).cast(pa.int64()).cast(pa.string())
        txt = pc.if_else(whole, ints, col.cast(pa.string()))
        txt = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.string()), txt)  # NaN = empty
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        txt = col.cast(pa.string())
    else:
        vals = [_cell_text(v) for v in col.to_pylist()]
        return pa.array(vals, pa.string())
    return pc.fill_null(txt, empty)


def read_table(path: str | Path, *, sheet: str | int | None = None, header_rows: int = 1,
               display_path: str | None = None) -> RawTable:
    """Read a CSV/TSV/text, Excel or Parquet file into a :class:`RawTable` of text cells.

    Parameters
    ----------
    path : str or Path
        The file. ``.csv``/``.txt``/``.tsv`` (any delimiter, any of the encodings above),
        ``.xlsx``/``.xlsm`` (and ``.xls`` files that are really text, as some CRMs write
        them), ``.parquet``.
    sheet : str or int, optional
        Worksheet of an Excel workbook (name or 0-based position); default the first.
    header_rows : int, default 1
        Header rows above the data. The first names the columns; later ones are kept in
        ``header_extra``. 0 = no header (columns named ``"column 1"``, ...).
    display_path : str, optional
        Name of the file in problems (default: *path* as given).

    Returns
    -------
    RawTable
        Cells as text, indexed by spreadsheet row number; blank rows and blank trailing
        columns removed and counted.

    Raises
    ------
    ValidationError
        The file is missing, a folder, FIFO or device, unreadable (permissions), empty, of
        an unsupported type, a binary ``.xls`` workbook (save it as ``.xlsx`` or CSV), or
        cannot be parsed: an unbalanced quote (a quoted value never closed, or closed only
        rows later) or a last row cut off in the middle are named with their row.
    """
    path = Path(path)
    display = display_path or str(path)
    check_file(path, display)
    try:
        return _read_table(path, display, sheet=sheet, header_rows=header_rows)
    except OSError as exc:  # permissions, a file removed or locked while being read
        raise ValidationError(_os_problem(display, exc)) from None


def _read_table(path: Path, display: str, *, sheet: str | int | None,
                header_rows: int) -> RawTable:
    suffix = path.suffix.lower()
    encoding, delim, sheet_name, warnings = "binary", None, None, []
    kind = "text"
    if suffix in PARQUET_SUFFIXES:
        kind = "parquet"
        grid = _read_parquet(path, display)
    elif suffix in (".xlsx", ".xlsm"):
        kind = "excel"
        grid, sheet_name, warnings = _read_xlsx(path, display, sheet)
    else:
        data = path.read_bytes()
        if suffix == ".xls" and data.startswith(b"\xd0\xcf\x11\xe0"):
            raise ValidationError(Problem(display, "old binary Excel workbook (.xls) cannot "
                                          "be read; open it and save as .xlsx or CSV"))
        if data.startswith(b"PK\x03\x04"):  # an xlsx under another name
            kind = "excel"
            grid, sheet_name, warnings = _read_xlsx(path, display, sheet)
        elif suffix not in TEXT_SUFFIXES + (".xls",):
            raise ValidationError(Problem(display, f"unsupported file type {suffix!r}; expected "
                                          ".csv, .tsv, .txt, .xlsx or .parquet"))
        else:
            if data.lstrip()[:1] == b"<":
                raise ValidationError(Problem(display, "file is HTML, not a table export; "
                                              "export it as CSV or .xlsx"))
            grid, encoding, delim, warnings = _read_text(path, display, data)
    return _finish(grid, path=path, display=display, kind=kind, encoding=encoding,
                   delimiter=delim, header_rows=header_rows, sheet=sheet_name,
                   warnings=warnings)


#: Tables wider than this become one object block (time linear in cells, not in columns).
_WIDE_COLUMNS = 1000


def _blank_cells(grid: pa.Table) -> np.ndarray:
    """Bool array (columns × rows): the cell is empty or whitespace only."""
    if not grid.num_columns:
        return np.zeros((0, grid.num_rows), dtype=bool)
    flat = _flat(grid)
    blank = pc.equal(pc.utf8_trim_whitespace(flat), "")
    return np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool).reshape(
        grid.num_columns, grid.num_rows)


def _finish(grid: pa.Table, *, path: Path, display: str, kind: str, encoding: str,
            delimiter: str | None, header_rows: int, sheet: str | None,
            warnings: list[str]) -> RawTable:
    """Turn the grid of text cells into a :class:`RawTable`.

    Vectorised over all cells at once (one Arrow array of every cell), so the cost is linear
    in cells with a small constant per column: a 100,000-column file is read in seconds.
    """
    n_all, width = grid.num_rows, grid.num_columns
    if n_all < max(header_rows, 1) or width == 0:
        raise ValidationError(Problem(display, "file is empty: no header row found"))
    flat = _flat(grid)
    blank = np.asarray(pc.equal(pc.utf8_trim_whitespace(flat), "")
                       .to_numpy(zero_copy_only=False), dtype=bool).reshape(width, n_all)
    head = [flat.take(pa.array(np.arange(width, dtype=np.int64) * n_all + i)).to_pylist()
            for i in range(header_rows)]
    body_blank = blank[:, header_rows:]
    # drop trailing columns with an empty header and no value
    head_names = [v.strip() for v in head[0]] if header_rows else [""] * width
    col_empty = body_blank.all(axis=1)
    keep_cols = list(range(width))
    dropped_cols = []
    while keep_cols and head_names[keep_cols[-1]] == "" and col_empty[keep_cols[-1]]:
        k = keep_cols.pop()
        dropped_cols.append(f"column {k + 1}")
    dropped_cols.reverse()
    names, dups = unique_names([(head_names[k] if header_rows else "") or f"column {k + 1}"
                                for k in keep_cols])
    n_rows = n_all - header_rows
    kept = body_blank[keep_cols] if keep_cols else np.ones((0, n_rows), dtype=bool)
    row_blank = kept.all(axis=0) if keep_cols else np.ones(n_rows, bool)
    row_numbers = np.arange(header_rows + 1, header_rows + 1 + n_rows)
    rows = np.flatnonzero(~row_blank)
    index = pd.Index(row_numbers[rows], name="row")
    # cell positions in `flat` of the kept rows of the kept columns, column after column
    cols_arr = np.asarray(keep_cols, dtype=np.int64)
    pos = (cols_arr[:, None] * n_all + header_rows + rows[None, :]).ravel()
    cells = flat.take(pa.array(pos))
    empty = blank.ravel()[pos]
    if empty.any():
        cells = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), cells)
    n_kept = len(rows)
    if len(keep_cols) <= _WIDE_COLUMNS:
        table = pa.table({str(j): cells.slice(j * n_kept, n_kept)
                          for j in range(len(keep_cols))})
        body = table.to_pandas()
        body = body.astype("str") if any(d != "str" for d in body.dtypes) else body
        body.columns = names
        body.index = index
    else:
        obj = np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)
        obj[empty] = np.nan
        body = pd.DataFrame(obj.reshape(len(keep_cols), n_kept).T, columns=names, index=index,
                            dtype=object)
    extra = [[("" if v is None else str(v)) for v in (head[i][k] for k in keep_cols)]
             for i in range(1, header_rows)]
    if dups:
        warnings.append("duplicate column names: " + ", ".join(repr(d) for d in dups))
    return RawTable(df=body, path=path, kind=kind, encoding=encoding, delimiter=delimiter,
                    header_rows=header_rows, header_extra=extra, n_rows=n_rows,
                    blank_rows=int(row_blank.sum()), dropped_columns=dropped_cols,
                    duplicate_columns=dups, sheet=sheet, warnings=warnings)
