"""The page headers of a Parquet column chunk, read without decompressing any page.

A Parquet footer states each column chunk's uncompressed size, but nothing holds a writer to
it: pyarrow reads a file whose footer says 1,000 bytes where its pages decompress to 20 MB,
and decompresses each page into a buffer of the size its own header states (a zstd page of
1 MB of one letter is ~50 bytes on disk). :func:`chunk_pages` walks the headers of the
pages pyarrow will read (Thrift compact protocol, ``PageHeader`` of ``parquet.thrift``) and
sums what they declare, so the bounds of :mod:`toolkit.intake.limits` rest on the figures
the reader itself uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import Problem, ValidationError

#: pyarrow's own limit on one page header (``kDefaultMaxPageHeaderSize``).
MAX_HEADER_BYTES = 16 << 20
_DICTIONARY_PAGE = 2
_DATA_PAGES = (0, 3)  # DATA_PAGE, DATA_PAGE_V2
_DICTIONARY_ENCODINGS = (2, 8)  # PLAIN_DICTIONARY, RLE_DICTIONARY


class _Short(Exception):
    """The header runs past the bytes read so far."""


class _Reader:
    """Thrift compact protocol over a bytes buffer (only what skipping fields needs)."""

    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def byte(self) -> int:
        if self.pos >= len(self.buf):
            raise _Short
        self.pos += 1
        return self.buf[self.pos - 1]

    def varint(self) -> int:
        shift = value = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def zigzag(self) -> int:
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def skip(self, kind: int, depth: int = 0) -> None:
        if depth > 32:
            raise ValueError("nested too deep")
        if kind in (1, 2):  # a boolean field: its value is in the type
            return
        if kind == 3:
            self.byte()
        elif kind in (4, 5, 6):
            self.varint()
        elif kind == 7:
            self.take(8)
        elif kind == 8:
            self.take(self.varint())
        elif kind in (9, 10):
            head = self.byte()
            n, elem = head >> 4, head & 0x0F
            if n == 15:
                n = self.varint()
            for _ in range(n):
                if elem in (1, 2):
                    self.byte()  # booleans in a list take a byte each
                else:
                    self.skip(elem, depth + 1)
        elif kind == 11:
            n = self.varint()
            if n:
                types = self.byte()
                for _ in range(n):
                    self.skip(types >> 4, depth + 1)
                    self.skip(types & 0x0F, depth + 1)
        elif kind == 12:
            self.struct(depth + 1)
        else:
            raise ValueError(f"unknown Thrift type {kind}")

    def take(self, n: int) -> None:
        if n < 0:
            raise ValueError("negative length")
        if self.pos + n > len(self.buf):
            raise _Short
        self.pos += n

    def fields(self, depth: int = 0):
        """Yield ``(field id, type)`` of a struct's fields; the caller reads or skips each
        value (:meth:`skip`) before asking for the next."""
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == 0:
                return
            delta = head >> 4
            last = last + delta if delta else self.zigzag()
            yield last, kind

    def struct(self, depth: int = 0) -> dict[int, int]:
        """The integer fields of a struct (others skipped)."""
        out = {}
        for fid, kind in self.fields(depth):
            if kind in (4, 5, 6):
                out[fid] = self.zigzag()
            elif kind in (1, 2):
                out[fid] = int(kind == 1)
            else:
                self.skip(kind, depth)
        return out


def _page_header(buf: bytes) -> tuple[int, dict[int, int], dict[int, int]]:
    """(header length, PageHeader's integer fields, its page-kind header's fields)."""
    r = _Reader(buf)
    top, sub = {}, {}
    for fid, kind in r.fields():
        if kind == 12 and fid in (5, 7, 8):  # data, dictionary, data v2 page header
            sub = r.struct(1)
        elif kind in (4, 5, 6):
            top[fid] = r.zigzag()
        else:
            r.skip(kind)
    return r.pos, top, sub


@dataclass
class ChunkPages:
    """What the page headers of one column chunk declare.

    Attributes
    ----------
    uncompressed : int
        Bytes of all its pages once decompressed (what the reader allocates).
    dictionary : int
        Uncompressed bytes of its dictionary page (0 without one).
    indexed_values : int
        Values in its dictionary-encoded data pages (each decodes to one dictionary entry).
    values : int
        Values in all its data pages.
    """

    uncompressed: int = 0
    dictionary: int = 0
    indexed_values: int = 0
    values: int = 0


def chunk_pages(fh, cc, display: str) -> ChunkPages:
    """Walk the page headers of column chunk *cc* (pyarrow ``ColumnChunkMetaData``) in the
    open binary file *fh*, as the reader does: over the chunk's byte range, until its pages
    hold the values the footer states.

    Raises
    ------
    ValidationError
        A header that cannot be read, or one declaring a negative size: the file is damaged
        (the reader would fail on it too).
    """
    start = int(cc.data_page_offset)
    if cc.has_dictionary_page and 0 < int(cc.dictionary_page_offset or 0) < start:
        start = int(cc.dictionary_page_offset)
    end = start + int(cc.total_compressed_size)
    out = ChunkPages()
    pos, wanted = start, int(cc.num_values)
    while pos < end and out.values < wanted:  # where the reader stops too
        size = 4096
        while True:
            fh.seek(pos)
            buf = fh.read(min(size, MAX_HEADER_BYTES))
            try:
                hlen, top, sub = _page_header(buf)
                break
            except _Short:
                if len(buf) < size or size >= MAX_HEADER_BYTES:
                    raise _damaged(display, pos) from None
                size *= 4
            except (ValueError, IndexError):
                raise _damaged(display, pos) from None
        kind, usize, csize = top.get(1), top.get(2, -1), top.get(3, -1)
        if usize < 0 or csize < 0:
            raise _damaged(display, pos)
        out.uncompressed += usize
        if kind == _DICTIONARY_PAGE:
            out.dictionary += usize
        elif kind in _DATA_PAGES:
            n = max(sub.get(1, 0), 0)
            encoding = sub.get(4 if kind == 3 else 2)
            out.values += n
            if encoding in _DICTIONARY_ENCODINGS:
                out.indexed_values += n
        pos += hlen + csize
    return out


def _damaged(display: str, pos: int) -> ValidationError:
    return ValidationError(Problem(display, f"cannot read the Parquet file (damaged?): the "
                                   f"page header at byte {pos:,} is not readable"))
