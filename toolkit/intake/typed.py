"""Typed columnar reading of canonical CRM files (issue 18).

A canonical leads, opportunities or activities file that is clean — UTF-8 CSV or Parquet,
one header row with canonical (or ``[crm] columns``-mapped) names, a rectangle without blank
lines or unbalanced quotes, ISO-8601 timestamps — is read by pyarrow with the column types
given up front: timestamps are parsed by Arrow's CSV reader while the file is read, only the
mapped columns are materialised, and ids and text never pass through Python objects. The
other columns (numbers, booleans, categories) go through the same parsers as the general path
(:func:`toolkit.intake.canonical.type_canonical`), so their values and problems are the same.

Anything unusual makes :func:`read_typed` return ``None`` and the caller takes the general
path (:func:`toolkit.intake.reader.read_table` + ``type_canonical``), which reads every
file the toolkit accepts and names the file, row and column of each problem. The typed
path therefore never has to produce a problem message of its own, and both paths give the
same tables (``tests/test_intake_typed.py`` compares them).

Measured on the large benchmark engagement (1M leads, 10M activities), see
``docs/benchmarks.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schemas import COLUMNS
from .base import FileIntake, ImportResult
from .crossfile import clock
from .reader import (PARQUET_SUFFIXES, _SAMPLE_BYTES, _parquet_text, check_file,
                     detect_encoding, is_binary, sniff_delimiter)

TYPED_TABLES = ("leads", "opportunities", "activities")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
#: Timestamps outside this window cannot be stored at nanosecond resolution: the general
#: path names their rows.
_TS_MIN, _TS_MAX = dt.datetime(1678, 1, 1), dt.datetime(2261, 12, 31)
_BOM = b"\xef\xbb\xbf"


def read_header(path: Path) -> list[str] | None:
    """Column names of a UTF-8 CSV or Parquet file from its first bytes, or ``None``.

    Used by format detection, which needs the header only: a canonical file is then read
    once, by the typed path.
    """
    suffix = path.suffix.lower()
    try:
        check_file(path)
        if suffix in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq
            return [str(n) for n in pq.read_schema(path).names]
        if suffix not in _CSV_SUFFIXES:
            return None
        with open(path, "rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except Exception:  # the general path reports what is wrong with the file
        return None
    head = head[3:] if head.startswith(_BOM) else head
    if detect_encoding(head, complete=False) != "utf-8" or is_binary(head, "utf-8"):
        return None
    text = head.decode("utf-8", errors="replace")
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text, suffix)))
    except (csv.Error, StopIteration):
        return None
    return [c.strip() for c in first]


class _Header:
    """The part of a RawTable that :func:`toolkit.intake.canonical.is_canonical` reads."""

    def __init__(self, columns: list[str]):
        self.columns = columns


def header_only(path: Path):
    """An object with ``.columns`` for format detection, or ``None`` (see read_header)."""
    cols = read_header(path)
    return _Header(cols) if cols else None


def read_typed(path: Path, table: str, *, display_path: str,
               columns: Mapping[str, str] | None = None,
               date_order: str | None = None) -> ImportResult | None:
    """Read a clean canonical CRM file with typed columns, or return ``None``.

    Parameters
    ----------
    path : Path
        The file (``.csv``/``.txt``/``.tsv`` in UTF-8, or ``.parquet``).
    table : {"leads", "opportunities", "activities"}
    display_path : str
        Name of the file in problems and in the intake summary.
    columns : mapping, optional
        Export column -> canonical column (``[crm] columns.<table>``).
    date_order : str, optional
        Passed to the general parsers of the columns that are not timestamps.

    Returns
    -------
    ImportResult or None
        The same typed table, intake record and problems as
        :func:`toolkit.intake.canonical.read_canonical` would give; ``None`` when the file
        needs the general path (another encoding or format, a header that needs renaming
        by synonyms or has duplicate or blank names, blank lines, ragged or cut-off rows,
        quotes that do not pair up, values that are not plain ISO timestamps, empty ids).
    """
    if table not in TYPED_TABLES:
        return None
    try:
        check_file(path, display_path)
    except Exception:  # noqa: BLE001 - the general path reads and reports
        return None
    pending = _PREFETCHED.pop(_key(path, table, columns), None)
    got = pending.result() if pending is not None else _read_arrays(path, table, columns)
    if got is None:
        return None
    arrays, header, mapping, meta = got
    return _build(arrays, header, mapping, meta, table=table, display=display_path,
                  date_order=date_order)


def _read_arrays(path: Path, table: str, columns):
    """The typed Arrow columns of a clean file (``_csv`` / ``_parquet``), else ``None``.

    Checks the file first (:func:`~toolkit.intake.reader.check_file`, from its ``stat``):
    a folder, FIFO or unreadable file is never opened here, so a background read cannot
    block on a named pipe.
    """
    suffix = path.suffix.lower()
    try:
        check_file(path)
        if suffix in PARQUET_SUFFIXES:
            return _parquet(path, table, columns)
        if suffix in _CSV_SUFFIXES:
            return _csv(path, table, columns)
    except Exception:  # noqa: BLE001 - any surprise: the general path reads and reports
        return None
    return None


class _Pending:
    """A typed read running in a background thread (:func:`prefetch`), after the reads
    *after* (if any) have finished."""

    def __init__(self, path: Path, table: str, columns, after: tuple = ()):
        import threading

        self._got = None
        self._after = after
        self._thread = threading.Thread(target=self._run, args=(path, table, columns),
                                        name=f"aligndx-read-{table}", daemon=True)
        self._thread.start()

    def _run(self, path, table, columns):
        for earlier in self._after:
            earlier._thread.join()
        self._got = _read_arrays(path, table, columns)  # never raises

    def result(self):
        self._thread.join()
        return self._got


#: Reads started by :func:`prefetch`, taken by :func:`read_typed` (same file, table, columns).
_PREFETCHED: dict[tuple, _Pending] = {}


def _key(path: Path, table: str, columns) -> tuple:
    try:
        st = os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        stamp = None
    return (os.path.abspath(path), table, tuple(sorted(dict(columns or {}).items())), stamp)


def prefetch(path: Path, table: str, columns: Mapping[str, str] | None = None, *,
             after_earlier: bool = False) -> None:
    """Start reading *path*'s typed Arrow columns in a background thread.

    Arrow parses the file in C++ without the interpreter lock, so the caller meanwhile
    builds and validates the tables read before it; :func:`read_typed` of the same file,
    table and column mapping then takes the columns instead of reading again (or waits for
    them). Nothing is reported from here: a file the typed path refuses comes back as
    ``None`` and :func:`read_typed` returns ``None`` as it would have. Call
    :func:`discard_prefetched` when done, so no read outlives its caller.

    With *after_earlier*, the read starts once the prefetched reads started before it have
    finished. Arrow parses one file on every core, so reading the files one after the
    other is as fast as reading them together, and the first file is ready early: the
    caller builds and validates it while the next is parsed (the large engagement's leads
    were otherwise ready only with its 10M activities, and all the building waited).
    """
    if table not in TYPED_TABLES:
        return
    key = _key(path, table, columns)
    if key not in _PREFETCHED:
        after = tuple(_PREFETCHED.values()) if after_earlier else ()
        _PREFETCHED[key] = _Pending(Path(path), table, columns, after)


def discard_prefetched(wait: bool = True) -> None:
    """Drop every prefetched read that was not taken; with *wait*, after it has finished
    (without, e.g. on an interrupt, the daemon thread ends on its own or with the
    process)."""
    while _PREFETCHED:
        _, pending = _PREFETCHED.popitem()
        if wait:
            pending.result()


def _mapping(header: list[str], table: str, columns) -> dict[str, str] | None:
    from .canonical import canonical_names

    if any(not h for h in header) or len(set(header)) != len(header):
        return None
    overrides = dict(columns or {})
    mapping = canonical_names(header, table, overrides, synonyms=True)
    if mapping != canonical_names(header, table, overrides):
        return None  # columns mapped by synonym: the general path words the warning
    if len(set(mapping.values())) != len(mapping):
        return None
    from .contacts import is_contact_column
    if any(is_contact_column(h) for h in header if h not in mapping):
        return None  # contacts' names (First Name, Email): the general path keeps them
    spec = COLUMNS[table]
    present = set(mapping.values())
    if any(c.required and n not in present for n, c in spec.items()):
        return None
    if table == "opportunities" and not {"is_won", "is_closed"} <= present:
        return None  # flags derived from the stage: general path
    return mapping


def _csv(path: Path, table: str, columns):
    import pyarrow.csv as pacsv

    import mmap

    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return None
        # mapped, not read: the file's pages are parsed in place (no copy of the whole file)
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    encoding = "utf-8"
    start = 0
    if data[:3] == _BOM:
        encoding, start = "utf-8-sig", 3
    sample = data[start:start + _SAMPLE_BYTES]
    if detect_encoding(sample, complete=False) != "utf-8" or is_binary(sample, "utf-8"):
        return None
    # quotes that do not pair up: the general path words them. Most exports have no quote
    # at all, which one memchr pass proves; otherwise count them.
    quotes = 0 if data.find(b'"') < 0 else bytes(data).count(b'"')
    if quotes % 2:
        return None
    body = pa.py_buffer(data)
    if start:
        body = body.slice(start)
    text = sample.decode("utf-8", errors="replace")
    if text.lstrip()[:1] == "<":
        return None
    delim = sniff_delimiter(text, path.suffix.lower())
    if quotes:
        from .quotes import bad_closing_quote

        if bad_closing_quote(data, delim) is not None:
            return None  # a quote closing a value with text after it: the general path
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delim))
    except (csv.Error, StopIteration):
        return None
    header = [h.strip() for h in header]
    mapping = _mapping(header, table, columns)
    if mapping is None:
        return None
    spec = COLUMNS[table]
    names = [f"f{i}" for i in range(len(header))]
    wanted = {names[i]: h for i, h in enumerate(header) if h in mapping}
    # read straight into the types pandas keeps (no cast afterwards): a timestamp outside
    # the nanosecond range fails the read and the general path names its row
    types = {f: (pa.timestamp("ns") if spec[mapping[h]].kind == "datetime"
                 else pa.large_string())
             for f, h in wanted.items()}
    try:
        tbl = pacsv.read_csv(
            body,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=bool(quotes),
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=list(wanted), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True,
                # checked below, per column, where the bytes are not all ASCII
                check_utf8=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    arrays = {wanted[f]: tbl.column(f) for f in wanted}
    if not all(valid_utf8(arr) for arr in arrays.values()):
        return None  # the general path names the encoding problem
    if quotes:  # a quoted value with a line break: the general path checks the quotes
        for h, arr in arrays.items():
            if ((pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))
                    and pc.any(pc.match_substring(arr, "\n")).as_py()):
                return None
    return arrays, header, mapping, {"encoding": encoding, "delimiter": delim,
                                     "rows": tbl.num_rows}


def valid_utf8(arr: pa.ChunkedArray) -> bool:
    """Whether every value of a text column read without Arrow's UTF-8 check is valid UTF-8.

    Usually proven by the largest byte of each chunk's data (between its first and last
    value offsets): below 0x80 every byte is ASCII, which is valid UTF-8. A chunk with
    other bytes is validated by Arrow (``validate(full=True)``, the check the CSV reader
    would have made). Columns that are not text pass.

    Parameters
    ----------
    arr : pyarrow.ChunkedArray
        A column of ``pyarrow.csv.read_csv`` with ``check_utf8=False``.

    Returns
    -------
    bool
        ``False`` when some value is not valid UTF-8 (the reader with its check would have
        refused the file).
    """
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return True
    dtype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    for chunk in arr.chunks:
        n = len(chunk)
        if n == 0 or chunk.null_count == n:
            continue
        _, off_buf, data_buf = chunk.buffers()
        off = np.frombuffer(off_buf, dtype=dtype)[chunk.offset:chunk.offset + n + 1]
        if data_buf is None or int(off[-1]) == int(off[0]):
            continue
        body = np.frombuffer(data_buf, dtype=np.uint8)[int(off[0]):int(off[-1])]
        if int(body.max()) < 0x80:
            continue
        try:
            chunk.validate(full=True)
        except pa.ArrowInvalid:
            return False
    return True


def _parquet(path: Path, table: str, columns):
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        if fh.read(4) != b"PAR1":
            return None
    from .limits import nested_problem, scale_problem

    if scale_problem(path, table, str(path)) is not None:
        return None  # the general path refuses it, naming the limit
    schema = pq.read_schema(path)
    if nested_problem(schema, str(path)) is not None or \
            len(set(schema.names)) < len(schema.names):
        return None  # the general path refuses it, naming the column (attack 33, PQ1)
    header = [str(n) for n in schema.names]
    stripped = [h.strip() for h in header]
    mapping = _mapping(stripped, table, columns)
    if mapping is None:
        return None
    from ..exceptions import ValidationError
    from .limits import read_parquet

    try:  # text over the budget or a cell's cap: the general path names it
        tbl = read_parquet(path, str(path),
                           columns=[h for h, s in zip(header, stripped) if s in mapping])
    except ValidationError:
        return None
    arrays = {}
    spec = COLUMNS[table]
    for h, s in zip(header, stripped):
        if s not in mapping:
            continue
        col = tbl.column(h)
        kind = spec[mapping[s]].kind
        t = col.type
        if kind == "datetime" and (pa.types.is_timestamp(t) or pa.types.is_date(t)):
            if pa.types.is_timestamp(t):
                col = col.cast(pa.timestamp(t.unit))
            col = col.cast(pa.timestamp("s"), safe=False)
        elif kind in ("float", "count") and (pa.types.is_integer(t) or (
                pa.types.is_floating(t) and not pc.any(pc.is_inf(col)).as_py())):
            col = col.cast(pa.float64())
        elif kind == "bool" and pa.types.is_boolean(t):
            pass
        else:  # as the general path sees it: text
            col = _parquet_text(col)
            col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        arrays[s] = col
    return arrays, stripped, mapping, {"encoding": "binary", "delimiter": None,
                                       "rows": tbl.num_rows}


def _clean_already(arr: pa.ChunkedArray) -> bool:
    """True when no value of *arr* is empty or starts or ends with a byte that trimming
    could remove: ASCII whitespace and control characters (``<= 0x20``, ``0x7f``), and any
    byte of a multi-byte UTF-8 character (``>= 0x80``, which may be Unicode whitespace such
    as a no-break space).

    Usually proven for the whole column by the smallest and largest byte of its data buffer;
    otherwise reads the first and last byte of each value from the Arrow offsets and data
    buffers (NumPy gathers, no per-value work in Python). Such a column is unchanged by
    trimming and has no empty text to turn into a missing value, so :func:`_clean` can skip
    both passes.
    Conservative: a value that merely might change sends the column through them.
    """
    for chunk in arr.chunks:
        n = len(chunk)
        if n == 0 or chunk.null_count == n:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        _, off_buf, data_buf = chunk.buffers()
        dtype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        off = np.frombuffer(off_buf, dtype=dtype)[chunk.offset:chunk.offset + n + 1]
        if chunk.null_count:
            if pc.any(pc.equal(pc.binary_length(chunk), 0)).as_py():
                return False  # an empty, non-missing value
        elif (off[1:] == off[:-1]).any():
            return False  # an empty value
        data = np.frombuffer(data_buf, dtype=np.uint8)
        # usually no byte of the whole column could be trimmed: two contiguous reductions
        # prove it for every value at once, without gathering first and last bytes
        body = data[int(off[0]):int(off[-1])]
        if int(body.min()) > 0x20 and int(body.max()) < 0x7f:
            continue
        starts, ends = off[:-1], off[1:]
        if chunk.null_count:
            valid = pc.is_valid(chunk).to_numpy(zero_copy_only=False)
            starts, ends = starts[valid], ends[valid]
        first, last = data[starts], data[ends - 1]
        if ((first <= 0x20) | (first >= 0x7f) | (last <= 0x20) | (last >= 0x7f)).any():
            return False
    return True


def _clean(arr, categories=()) -> pa.ChunkedArray:
    """Arrow version of :func:`toolkit.intake.canonical._clean_text`: strip, empty →
    missing, and a value equal to a category ignoring case (Python ``casefold``, on the
    distinct values only) becomes that category.

    A column that needs neither (:func:`_clean_already`; categories already in their
    canonical case) is returned as it is: on 10M activities this saves a trimmed copy of
    every text column.
    """
    arr = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if not _clean_already(arr):
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    if categories:
        distinct = pc.unique(arr).to_pylist()
        if any(v is not None and v.casefold() in categories and v != v.casefold()
               for v in distinct):
            arr = arr.combine_chunks()
            enc = pc.dictionary_encode(arr)
            values = enc.dictionary.to_pylist()
            new = [v.casefold() if v.casefold() in categories else v for v in values]
            arr = pc.take(pa.array(new, arr.type), enc.indices)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _text_series(arr, index) -> pd.Series:
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return pd.Series(arr.to_pandas(types_mapper=_str_mapper).array, index=index)


def _str_mapper(t):
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype("pyarrow", na_value=np.nan)  # kept in Arrow, no copy
    return None


def _build(arrays: dict, header: list[str], mapping: dict[str, str], meta: dict, *,
           table: str, display: str, date_order) -> ImportResult | None:
    from .canonical import type_canonical

    spec = COLUMNS[table]
    n = meta["rows"]
    index = pd.RangeIndex(2, 2 + n, name="row")
    stamps: dict[str, pd.Series] = {}
    texts: dict[str, pd.Series] = {}
    rest: dict[str, pd.Series] = {}
    for src, dst in mapping.items():
        arr = arrays[src]
        kind = spec[dst].kind
        if kind == "id" and arr.null_count:
            return None  # blank rows or empty ids: the general path counts and names them
        if kind == "datetime" and pa.types.is_timestamp(arr.type):
            if arr.null_count < len(arr):
                mm = pc.min_max(arr)
                # the bounds in the column's own unit (a Timestamp's .value is always in ns:
                # a date column, read in seconds, was never out of them; attack 8 PQ1)
                lo, hi = (pa.scalar(b, type=arr.type).value for b in (_TS_MIN, _TS_MAX))
                if mm["min"].value < lo or mm["max"].value > hi:
                    return None
            ns = arr if arr.type == pa.timestamp("ns") else arr.cast(pa.timestamp("ns"))
            values = np.asarray(ns.to_numpy(zero_copy_only=False)).astype("datetime64[ns]",
                                                                          copy=False)
            # the chunks joined into a new array: handed over, not copied again (a single
            # chunk is a read-only view of the Arrow buffer: copied, as before)
            stamps[dst] = pd.Series(values, index=index,
                                    copy=not values.flags.writeable)
        elif kind in ("id", "text", "category") and (pa.types.is_string(arr.type)
                                                     or pa.types.is_large_string(arr.type)):
            texts[dst] = pd.Series(_clean(arr, spec[dst].values if kind == "category" else ())
                                   .to_pandas(types_mapper=_str_mapper).array, index=index)
        elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            rest[dst] = _text_series(arr, index)
        else:
            rest[dst] = pd.Series(arr.to_pandas().array, index=index)
    frame = pd.DataFrame(rest, index=index)
    typed, formats, problems, warnings = type_canonical(frame, table, file=display,
                                                        date_order=date_order)
    for name, col in spec.items():
        if col.kind == "id" and name in typed and typed[name].isna().any():
            return None  # whitespace-only ids: as the general path, a blank row or a problem
    for name, s in texts.items():
        typed[name] = s
        if spec[name].kind == "id" and s.isna().any():
            return None  # whitespace-only ids: as the general path, a blank row or a problem
    for name, s in stamps.items():
        typed[name] = s
        if s.notna().any():
            formats[name] = "ISO-8601"
    order = [c for c in spec if c in typed.columns]
    typed = typed[order]
    formats = {c: formats[c] for c in order if c in formats}
    intake = FileIntake(table=table, path=display, format="canonical",
                        encoding=meta["encoding"], delimiter=meta["delimiter"])
    intake.rows_read = intake.rows_kept = n
    intake.columns_mapped = dict(mapping)
    intake.columns_unmatched = [c for c in header if c not in mapping]
    intake.date_formats = formats
    raw_cols = {**{c: frame[c] for c in frame.columns}, **stamps}
    intake.clocks = {c: k for c in formats if c in raw_cols and (k := clock(raw_cols[c]))}
    intake.warnings += warnings
    return ImportResult(typed, intake, problems)
