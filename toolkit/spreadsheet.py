"""Reading a worksheet's values safely, whatever its stated dimensions.

A workbook states its used range (``<dimension ref="A1:XFD1048576">``); one stray cell in its
last row and column makes that range 17 billion cells, and reading it as a rectangle
exhausts memory (a 5 KB file took 15 GB). Here the stated range is ignored: rows are read as
the file stores them, each trimmed after its last value, and a row reaching past
:data:`MAX_COLUMNS` is refused with its row and column. Likewise a value below a run of more
than :data:`MAX_BLANK_ROWS` empty rows (a stray cell far down a hand-edited sheet: one cell in
row 1,048,576 made a 22 KB file a million-row table) is refused with its row and column, so
the cost stays linear in the cells the file holds.

A workbook is a zip archive: one cell's text deflated a thousand times (1 GB of ``a`` in a
1 MB file, review 13c P2) must not reach openpyxl, which builds the whole shared-string table
in memory. :func:`check_workbook` reads the sheet and string parts as a stream before openpyxl
does and refuses a text longer than any cell holds (Excel's own limit is 32,767 characters)
with its row and column, and a part that expands out of proportion; :func:`worksheet_rows`
caps each value at :data:`MAX_CELL_CHARS`, the CSV reader's rule for quoted values. A value
under the cap can still be shown by every cell (one 100 KB shared string in 50,000 cells is
5 GB of text from a 17 KB file, review 13 N3): the references to each shared string are
counted as the sheet streams past, and a sheet whose cells show more text than
:data:`toolkit.schemas.MAX_TEXT_BYTES` is refused at the cell where it passes the budget.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np

from .exceptions import Problem, ValidationError

#: Widest table accepted from a workbook (no export of the inputs is near it).
MAX_COLUMNS = 2000
#: Longest run of empty rows accepted inside a table from a workbook.
MAX_BLANK_ROWS = 10_000
#: Longest value accepted in a cell, in characters (the CSV reader's 128 KiB rule; Excel
#: itself holds at most 32,767 characters in a cell).
MAX_CELL_CHARS = 128 * 1024
#: Longest run of XML bytes for one value inside a workbook part (a shared string, or a
#: cell's text between two tags): MAX_CELL_CHARS in UTF-8 with entity escapes, and markup.
MAX_VALUE_BYTES = 1 << 20
#: A sheet or string part larger than MAX_PART_PLAIN bytes may expand at most this many
#: times its compressed size (real exports deflate 5-20×; a repeated value ~1000×).
MAX_EXPANSION = 100
MAX_PART_PLAIN = 64 << 20
#: Most bytes of XML the sheet and string parts of one workbook may hold in all (an export
#: of a million rows × 20 columns is about 1 GB).
MAX_WORKBOOK_BYTES = 4 << 30

_CHUNK = 1 << 20
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml\Z")
_STRINGS_PART = "xl/sharedStrings.xml"
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _first_long_gap(stream, pattern: bytes, cap: int, budget: int | None = None,
                    found: list | None = None):
    """Scan *stream* (a binary file) for the first run of more than *cap* bytes after an
    occurrence of *pattern* (or the start) without another occurrence.

    Returns ``None``, or ``(k, context)``: *k* the number of occurrences before the run
    (the run follows occurrence *k* - 1; 0 = it starts the stream), *context* up to 4 KB
    of the bytes before and at the run's start. Vectorised per 1 MiB block; stops as soon
    as the run passes *cap* (a huge value is never decompressed whole), or with ``None``
    after *budget* bytes. The offsets of the occurrences are appended to *found* (arrays,
    one a block) when it is given.
    """
    n = len(pattern)
    pat = np.frombuffer(pattern, np.uint8)
    carry, base, last, count = b"", 0, 0, 0
    prev = b""  # the previous block, for the context of a run that starts in it
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk or (budget is not None and base > budget):
            return None
        buf = carry + chunk
        arr = np.frombuffer(buf, np.uint8)
        m = len(arr) - n + 1
        if m > 0:
            hit = arr[:m] == pat[0]
            for j in range(1, n):
                hit &= arr[j:m + j] == pat[j]
            offs = np.flatnonzero(hit) + base
        else:
            offs = np.zeros(0, np.int64)
        starts = np.concatenate([[last], offs])
        big = np.flatnonzero(np.diff(starts) > cap)
        end = base + len(buf)
        if len(big) or end - int(starts[-1]) > cap:
            i = int(big[0]) if len(big) else len(offs)
            start = int(starts[i])
            joined, jbase = prev + buf, base - len(prev)
            at = max(start - jbase, 0)
            return count + i, joined[max(at - 4096, 0):at + 64]
        count += len(offs)
        if found is not None:
            found.append(offs)
        if len(offs):
            last = int(offs[-1])
        carry = buf[-(n - 1):] if n > 1 else b""
        prev = buf[:len(buf) - len(carry)] if carry else buf
        base = end - len(carry)


def _cell_using_string(zf: zipfile.ZipFile, sheets: list[str], k: int):
    """(sheet part, column, row) of the first cell showing shared string *k*, or None."""
    pat = re.compile(rb"<c\b([^>]*)>\s*<v>%d</v>" % k)
    for part in sheets:
        with zf.open(part) as fh:
            tail = b""
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                buf = tail + chunk
                for mt in pat.finditer(buf):
                    attrs = mt.group(1)
                    ref = re.search(rb'\br="([A-Z]{1,3})([0-9]{1,7})"', attrs)
                    if re.search(rb'\bt="s"', attrs) and ref:
                        return part, ref.group(1).decode(), int(ref.group(2))
                tail = buf[-2048:]
    return None


#: A cell showing a shared string, single or double quotes, any namespace prefix (group 1:
#: its attributes, group 2: the string's index); the shortest is ``<c t="s"><v>0</v></c>``
#: (21 bytes). A cell this misses (an index written as a character reference) is still
#: counted by :func:`worksheet_rows`, from openpyxl's values, before the table is built.
_SHARED_CELL = re.compile(rb"""<(?:\w+:)?c\b((?=[^>]*\bt=["']s["'])[^>]*)>\s*"""
                          rb"""<(?:\w+:)?v>\s*([0-9]{1,10})\s*</""")
_MIN_SHARED_CELL = 21
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_REF = re.compile(rb"""<(?:\w+:)?row\b[^>]*\br=["']([0-9]{1,7})["']""")
_ANY_REF = re.compile(rb"""\br=["']([A-Z]{1,3})([0-9]{1,7})["']""")


def _string_sizes(starts: list, part_size: int) -> np.ndarray:
    """Bytes of text each shared string can hold at most: its ``<si>`` element's XML
    bytes (from the offsets of the ``<si`` tags) less the 9 of ``<si>``/``</si>``."""
    offs = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    return np.maximum(np.diff(np.append(offs, part_size)) - 9, 0).astype(np.int64)


def _shared_text(fh, sizes: np.ndarray, budget: int, display: str) -> None:
    """Refuse a sheet whose cells show shared strings adding up to more than *budget*
    bytes of text (review 13 N3: one 100 KB string shown by every cell), counting the
    references per string while the sheet's XML streams past, before openpyxl reads it.

    Named with the cell (or row) at which the total passes the budget.
    """
    n = len(sizes)
    counts = np.zeros(n, np.int64)
    total, tail, row = 0, b"", None
    while True:
        chunk = fh.read(_CHUNK)
        buf = tail + chunk
        cut = len(buf)
        if chunk:  # the last cell may be cut: it waits for the next block
            starts = [m.start() for m in _CELL_START.finditer(buf, max(len(buf) - 65536, 0))]
            cut = starts[-1] if starts else buf.rfind(b"<")
        if cut <= 0:  # no cell starts here (or one longer than a block): keep reading
            cut = len(buf) if len(buf) > _CHUNK else 0
        body, tail = buf[:cut], buf[cut:]
        found = _SHARED_CELL.findall(body)
        if found:
            ids = np.array([int(k) for _, k in found], np.int64)
            ids = np.where(ids < n, ids, n)
            lens = np.append(sizes, 0)[ids]
            if total + int(lens.sum()) > budget:
                k = int(np.searchsorted(np.cumsum(lens), budget - total, side="right"))
                counts += np.bincount(ids[:k + 1], minlength=n + 1)[:n]
                col, at = _where(body, found[k][0], k, row)
                heavy = int(np.argmax(counts * sizes))
                raise ValidationError(Problem(
                    display, f"the cells of the sheet show shared text adding up to more "
                    f"than {budget:,} bytes (up to {int(sizes[heavy]):,} bytes of one text "
                    f"shown in {int(counts[heavy]):,} cells), more than a table here may "
                    "hold (the largest engagement the toolkit is built for is about 1 GB as "
                    "CSV), so the file is damaged or not an export; export the table as CSV",
                    row=at, column=col))
            counts += np.bincount(ids, minlength=n + 1)[:n]
            total += int(lens.sum())
        rows = _ROW_REF.findall(body)
        if rows:
            row = int(rows[-1])
        if not chunk:
            return


def _where(body: bytes, attrs: bytes, k: int, row: int | None):
    """(column letter or None, row or None) of the *k*-th shared-string cell of *body*:
    from its ``r`` attribute, else counted from the ``<row>`` it is in (*row*: the last row
    number before *body*)."""
    ref = _ANY_REF.search(attrs)
    if ref is not None:
        return ref.group(1).decode(), int(ref.group(2))
    from openpyxl.utils import get_column_letter

    pos = [m.start() for m in _SHARED_CELL.finditer(body)][k]
    rows = list(_ROW_REF.finditer(body, 0, pos))
    if not rows:
        return None, row
    n = len(_CELL_START.findall(body, rows[-1].end(), pos)) + 1
    return get_column_letter(n) if n <= 18_278 else None, int(rows[-1].group(1))


def _too_long(display: str, where) -> ValidationError:
    what = (f"a text value longer than {MAX_CELL_CHARS // 1024} KiB (Excel holds at most "
            "32,767 characters in a cell), so the file is damaged or not an export; delete "
            "or shorten the value, or export the table as CSV")
    if where is None:
        return ValidationError(Problem(display, f"the workbook holds {what}"))
    _part, col, row = where
    return ValidationError(Problem(display, what, row=row, column=col))


def check_workbook(path, display: str) -> None:
    """Refuse a workbook whose parts expand out of proportion before openpyxl reads it.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx``/``.xlsm`` file (a zip archive).
    display : str
        The file's name in error messages.

    Raises
    ------
    ValidationError
        A shared string or a cell's text is longer than :data:`MAX_VALUE_BYTES` of XML
        (named with its row and column when a cell of a sheet shows it), a sheet or string
        part larger than :data:`MAX_PART_PLAIN` expands more than :data:`MAX_EXPANSION`
        times, or the parts hold more than :data:`MAX_WORKBOOK_BYTES` in all. A file that
        is not a readable zip archive passes: openpyxl words that.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with zf:
        infos = [i for i in zf.infolist()
                 if i.filename == _STRINGS_PART or _SHEET_PART.match(i.filename)]
        infos.sort(key=lambda i: i.filename != _STRINGS_PART)  # the strings first
        sheets = sorted(i.filename for i in infos if i.filename != _STRINGS_PART)
        total = sum(i.file_size for i in infos)
        if total > MAX_WORKBOOK_BYTES:
            raise ValidationError(Problem(display, f"the workbook's sheets hold {total:,} "
                                          f"bytes of XML; at most {MAX_WORKBOOK_BYTES:,} "
                                          "are read from a workbook — export the table as "
                                          "CSV"))
        from .schemas import MAX_TEXT_BYTES

        sizes = None
        try:
            for i in infos:
                bomb = (i.file_size > MAX_PART_PLAIN
                        and i.file_size > MAX_EXPANSION * max(i.compress_size, 1))
                # a part that expands out of proportion: look for an overlong value at its
                # start (to name its cell), then refuse it whole
                budget = 4 * MAX_PART_PLAIN if bomb else None
                with zf.open(i) as fh:
                    if i.filename == _STRINGS_PART:
                        starts = []
                        got = _first_long_gap(fh, b"<si", MAX_VALUE_BYTES, budget, starts)
                        if got is not None:
                            raise _too_long(display, _cell_using_string(zf, sheets,
                                                                        got[0] - 1))
                        sizes = _string_sizes(starts, i.file_size)
                    else:
                        got = _first_long_gap(fh, b"<", MAX_VALUE_BYTES, budget)
                        if got is not None:
                            refs = _CELL_REF.findall(got[1])
                            where = ((i.filename, refs[-1][0].decode(), int(refs[-1][1]))
                                     if refs else None)
                            raise _too_long(display, where)
                if (not bomb and sizes is not None and len(sizes)
                        and i.filename != _STRINGS_PART
                        and i.file_size // _MIN_SHARED_CELL * int(sizes.max()) > MAX_TEXT_BYTES):
                    # its cells might show more text than a table holds: count them
                    with zf.open(i) as fh:
                        _shared_text(fh, sizes, MAX_TEXT_BYTES, display)
                if bomb:
                    raise ValidationError(Problem(
                        display, f"{i.filename} expands from {i.compress_size:,} to "
                        f"{i.file_size:,} bytes ({i.file_size // max(i.compress_size, 1):,}×;"
                        " exports expand at most ~20×), so the file is damaged or not an "
                        "export; export the table again, or as CSV"))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError):
            return  # damaged (or encrypted) archive: openpyxl words it


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
        :data:`MAX_BLANK_ROWS` empty rows, a text is longer than :data:`MAX_CELL_CHARS`, or
        the cells' text passes :data:`toolkit.schemas.MAX_TEXT_BYTES` (UTF-8 bytes; the
        row and column are named).
    """
    from openpyxl.utils import get_column_letter

    from .schemas import MAX_TEXT_BYTES

    budget = MAX_TEXT_BYTES
    ws.reset_dimensions()  # ignore the stated used range
    rows: list[tuple] = []
    last = text = 0
    for i, r in _numbered_rows(ws, display):
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
            size = 0
            for j, v in enumerate(r[:k], start=1):
                if type(v) is not str:
                    continue
                if len(v) > MAX_CELL_CHARS:
                    raise ValidationError(Problem(
                        display, f"a text value of {len(v):,} characters; a cell here holds "
                        f"at most {MAX_CELL_CHARS:,} (Excel itself at most 32,767) — delete "
                        "or shorten the value", row=i, column=get_column_letter(j)))
                size += len(v) if v.isascii() else len(v.encode("utf-8", "surrogatepass"))
                if text + size > budget:  # (shared strings are one object in openpyxl:
                    # the text is expanded only when the table is built from these rows)
                    raise ValidationError(Problem(
                        display, f"the cells of the sheet hold more than {budget:,} bytes of "
                        "text up to here, more than a table here may hold (the largest "
                        "engagement the toolkit is built for is about 1 GB as CSV); check "
                        "that this is the right file, or export the table as CSV",
                        row=i, column=get_column_letter(j)))
            text += size
            rows.extend([()] * (i - len(rows) - 1))
            rows.append(tuple(r[:k]))
            last = i
    return rows


#: Exceptions openpyxl raises for one damaged cell or row while it parses a sheet (text in a
#: number cell, a shared-string index out of range, a bad date, a bad cell reference).
_CELL_ERRORS = (ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError)
_CELL_NAME = re.compile(r"([A-Z]{1,3})([0-9]{1,7})\Z")


def _numbered_rows(ws, display: str):
    """``(row number, values)`` of a read-only worksheet, as openpyxl's own reader yields
    them (``iter_rows(values_only=True)``) but without the empty rows between two stored rows:
    a ``<row r="1000000000">`` costs one step, not a billion (attack 8 XR1), and the caller's
    empty-row rule sees the gap at once.

    A cell openpyxl cannot read (attack 8 XL1) raises :class:`ValidationError` naming its row
    and column and what the cell should hold; its stored value is never quoted (it may be any
    text of the export: a name, a respondent id).
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        source = ws._get_source()
        parser = WorkSheetParser(source, ws._shared_strings, data_only=ws.parent.data_only,
                                 epoch=ws.parent.epoch,
                                 date_formats=ws.parent._date_formats,
                                 timedelta_formats=ws.parent._timedelta_formats)
    except (ImportError, AttributeError, TypeError):  # another openpyxl: its own iterator
        for i, r in enumerate(_guarded(ws.iter_rows(values_only=True), display), start=1):
            yield i, r
        return
    failed: list = []
    parse_cell = parser.parse_cell

    def remember_cell(element):  # the cell being parsed when openpyxl fails
        try:
            return parse_cell(element)
        except _CELL_ERRORS:
            failed.append((element.get("r"), element.get("t", "n")))
            raise

    parser.parse_cell = remember_cell
    counter = 1  # the next row number openpyxl would give (it drops rows stored out of order)
    with source:
        stored = parser.parse()
        while True:
            try:
                idx, cells = next(stored)
            except StopIteration:
                return
            except _CELL_ERRORS as exc:
                raise ValidationError(_damaged_cell(display, parser, failed, exc)) from None
            if idx < counter:
                continue
            counter = idx + 1
            if not cells:
                yield idx, ()
                continue
            width = cells[-1]["column"]
            values = [None] * width
            for cell in cells:
                if 1 <= cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            yield idx, tuple(values)


def _guarded(rows, display: str):
    """*rows* (openpyxl's iterator), with a cell it cannot read as a :class:`ValidationError`
    naming the row after the last one read."""
    i = 0
    while True:
        try:
            r = next(rows)
        except StopIteration:
            return
        except _CELL_ERRORS:
            raise ValidationError(Problem(
                display, "a damaged cell: its stored value is not what its type says "
                "(text in a number or date cell, or a reference to text the workbook does "
                "not hold); correct it in the export, or export the table as CSV",
                row=i + 1)) from None
        i += 1
        yield r


_CELL_KINDS = {"n": "a number", "d": "a date (ISO 8601)", "s": "a reference to one of the "
               "workbook's texts", "b": "true or false (1 or 0)", "e": "an Excel error",
               "str": "a formula's text", "inlineStr": "text"}


def _damaged_cell(display: str, parser, failed: list, exc: BaseException) -> Problem:
    """The Problem for a cell openpyxl could not read: row and column (when the cell's
    reference is well formed) and what a cell of its type holds; never its value."""
    from openpyxl.utils import column_index_from_string

    row = parser.row_counter if isinstance(parser.row_counter, int) else None
    column = None
    if failed:
        ref, kind = failed[-1]
        m = _CELL_NAME.match(ref or "")
        if ref is not None and not m:
            return Problem(display, "a cell with a damaged reference (not a column letter A–"
                           "XFD and a row number); correct it in the export, or export the "
                           "table as CSV", row=row)
        if m:
            try:
                if column_index_from_string(m.group(1)) <= 16384:  # Excel's last column
                    column, row = m.group(1), int(m.group(2))
            except ValueError:
                pass
        what = _CELL_KINDS.get(kind)
        if what is not None:
            return Problem(display, f"a damaged cell: it is stored as {what}, but its value "
                           "is not one; correct it in the export, or export the table as "
                           "CSV", row=row, column=column)
        return Problem(display, "a damaged cell: its type is not one a workbook uses; "
                       "correct it in the export, or export the table as CSV", row=row,
                       column=column)
    return Problem(display, "a damaged row: openpyxl cannot read it "
                   f"({type(exc).__name__}); correct it in the export, or export the table "
                   "as CSV", row=row)
