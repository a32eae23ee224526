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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 256 * 1024


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
    elif b"\x00" in sample:
        return True
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


# --------------------------------------------------------------------------- readers
def _read_text(path: Path, display: str, raw_bytes: bytes) -> tuple[pd.DataFrame, str, str, list]:
    encoding = detect_encoding(raw_bytes)
    if is_binary(raw_bytes, encoding):
        raise ValidationError(Problem(display, _BINARY_MESSAGE))
    warnings = []
    if not encoding.startswith(("utf-8", "utf-16")):
        warnings.append(f"file is not Unicode text; read as {encoding} (check accented "
                        "letters and currency signs)")
    text = raw_bytes[:_SAMPLE_BYTES].decode(encoding, errors="replace").lstrip("\ufeff")
    delim = sniff_delimiter(text, path.suffix.lower())
    if encoding in ("utf-8", "utf-8-sig"):
        df = _read_text_arrow(raw_bytes, delim, text)
        if df is not None:
            return df, encoding, delim, warnings
    try:
        df = pd.read_csv(io.BytesIO(raw_bytes), encoding=encoding, sep=delim, header=None, dtype=str,
                         keep_default_na=False, na_filter=False, engine="c",
                         skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        df = pd.DataFrame()
    except UnicodeDecodeError:  # binary content past the sample that was checked
        raise ValidationError(Problem(display, _BINARY_MESSAGE)) from None
    except pd.errors.ParserError:
        # ragged rows (e.g. trailing delimiters on some lines): pad with the csv module
        full = raw_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(full), delimiter=delim))
        width = max((len(r) for r in rows), default=0)
        df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    return df, encoding, delim, warnings


def _read_text_arrow(raw_bytes: bytes, delim: str, sample: str) -> pd.DataFrame | None:
    """Read UTF-8 delimited text with pyarrow's multi-threaded CSV reader.

    Same result as the pandas C reader with ``header=None, dtype=str, na_filter=False``
    (every cell text, empty cells ``""``, blank lines kept as rows of ``""``), several
    times faster on large files. Returns ``None`` when pyarrow cannot parse the file as a
    rectangle (ragged rows): the caller then falls back to the pandas reader.
    """
    import pyarrow as pa
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
    df = table.to_pandas()
    df.columns = range(len(names))
    return df


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


def _read_xlsx(path: Path, display: str, sheet: str | int | None) -> tuple[pd.DataFrame, str, list]:
    import openpyxl

    warnings = []
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    if not head.startswith(b"PK\x03\x04"):
        raise ValidationError(Problem(display, _not_this_kind(head, "an Excel workbook (.xlsx "
                                                              "files are zip archives)")))
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValidationError(Problem(display, f"cannot open the workbook: {exc}")) from None
    try:
        names = wb.sheetnames
        if sheet is None:
            name = names[0]
            if len(names) > 1:
                warnings.append(f"workbook has {len(names)} sheets; read the first, "
                                f"{name!r}")
        elif isinstance(sheet, int):
            name = names[sheet]
        elif sheet in names:
            name = sheet
        else:
            raise ValidationError(Problem(display, f"no sheet {sheet!r}; the workbook has "
                                          f"{', '.join(map(repr, names))}"))
        rows = [[_cell_text(v) for v in r] for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return df, name, warnings


def _read_parquet(path: Path, display: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if size < 12 or not head.startswith(b"PAR1") or tail != b"PAR1":
        raise ValidationError(Problem(display, _not_this_kind(head, "a Parquet file (no PAR1 "
                                                              "signature)")))
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types
        msg = str(exc).replace(str(path), display).splitlines()[0] if str(exc) else ""
        raise ValidationError(Problem(display, "cannot read the Parquet file (damaged?)"
                                      + (f": {msg}" if msg else ""))) from None
    names = [str(n) for n in table.column_names]
    cols = [_parquet_text(table.column(i)) for i in range(table.num_columns)]
    header = pa.table({str(i): pa.array([n], pa.string()) for i, n in enumerate(names)})
    body = pa.table({str(i): c for i, c in enumerate(cols)})
    grid = pa.concat_tables([header, body]).to_pandas()
    grid.columns = range(len(names))
    return grid


def _parquet_text(col):
    """One Parquet column (pyarrow ChunkedArray) as text cells, ``""`` for missing.

    Vectorized with Arrow casts: timestamps → ``YYYY-MM-DDThh:mm:ss`` (UTC, tz-naive, whole
    seconds), dates → ``YYYY-MM-DD``, booleans → ``TRUE``/``FALSE``, whole floats without
    ``.0`` (NaN empty), strings as they are, an untyped all-empty column empty. Other
    types (decimals, nested values) go through :func:`_cell_text` per cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

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
        The file is missing, empty, of an unsupported type, a binary ``.xls`` workbook
        (save it as ``.xlsx`` or CSV), or cannot be parsed.
    """
    path = Path(path)
    display = display_path or str(path)
    if not path.is_file():
        raise ValidationError(Problem(display, "file not found"))
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


def _finish(grid: pd.DataFrame, *, path: Path, display: str, kind: str, encoding: str,
            delimiter: str | None, header_rows: int, sheet: str | None,
            warnings: list[str]) -> RawTable:
    if grid.shape[0] < max(header_rows, 1) or grid.shape[1] == 0:
        raise ValidationError(Problem(display, "file is empty: no header row found"))
    grid = grid.fillna("").astype("str")  # pandas' string dtype (Arrow-backed, NaN = missing)
    blank = grid.apply(lambda s: s.str.strip().eq(""))
    header = grid.iloc[:header_rows]
    body = grid.iloc[header_rows:]
    body_blank = blank.iloc[header_rows:]
    # drop trailing columns with an empty header and no value
    head_names = ([str(v).strip() if v is not None else "" for v in header.iloc[0]]
                  if header_rows else [""] * grid.shape[1])
    col_empty = body_blank.all(axis=0).to_numpy()
    keep_cols = list(range(grid.shape[1]))
    dropped_cols = []
    while keep_cols and head_names[keep_cols[-1]] == "" and col_empty[keep_cols[-1]]:
        k = keep_cols.pop()
        dropped_cols.append(f"column {k + 1}")
    dropped_cols.reverse()
    names, seen, dups = [], {}, []
    for k in keep_cols:
        name = head_names[k] if header_rows else ""
        if name == "":
            name = f"column {k + 1}"
        if name in seen:
            seen[name] += 1
            if name not in dups:
                dups.append(name)
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    body = body.iloc[:, keep_cols]
    body_blank = body_blank.iloc[:, keep_cols]
    n_rows = body.shape[0]
    row_blank = body_blank.all(axis=1).to_numpy() if body.shape[1] else np.ones(n_rows, bool)
    row_numbers = np.arange(header_rows + 1, header_rows + 1 + n_rows)
    body = body.loc[~row_blank]
    body = body.mask(body_blank.loc[~row_blank])
    body.columns = names
    body.index = pd.Index(row_numbers[~row_blank], name="row")
    extra = [[("" if v is None else str(v)) for v in header.iloc[i, keep_cols]]
             for i in range(1, header_rows)]
    if dups:
        warnings.append("duplicate column names: " + ", ".join(repr(d) for d in dups))
    return RawTable(df=body, path=path, kind=kind, encoding=encoding, delimiter=delimiter,
                    header_rows=header_rows, header_extra=extra, n_rows=n_rows,
                    blank_rows=int(row_blank.sum()), dropped_columns=dropped_cols,
                    duplicate_columns=dups, sheet=sheet, warnings=warnings)
