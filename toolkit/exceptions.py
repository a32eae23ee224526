"""One exception hierarchy for the toolkit.

Every error a user can cause is an :class:`InputError` (exit code 2) carrying one or more
:class:`Problem` records that name the file, row and column and say what was expected.
Failures while producing a report are :class:`ReportError` (exit code 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable


#: What replaces a client's cell value quoted by a message kept in a file.
WITHHELD = "[value withheld]"
#: Quoted cells a kept message replaces one by one; a message quoting more is withheld whole.
MAX_QUOTED_VALUES = 32
#: Line and paragraph breaks (a client's value printed inside one line of output must not start
#: another: attack 9 NL1).
_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def visible_escape(m: "re.Match") -> str:
    """The matched character as a visible escape (``\\x1b``, ``\\u2028``): a ``re.sub``
    replacement for :func:`one_line` and :func:`toolkit.privacy.terminal_text`."""
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def one_line(text) -> str:
    """*text* (a path, a file or folder name, a cell) with every line or paragraph break
    shown as a visible escape (``\\x0a``, ``\\u2028``): it stays inside the line it is
    printed in. Linear in the text length."""
    return _BREAKS.sub(visible_escape, str(text))


@dataclass(frozen=True)
class Problem:
    """One problem found in the input.

    Parameters
    ----------
    file : str
        Path of the offending file, as the user wrote it (relative to the engagement folder
        where possible).
    message : str
        What is wrong and what was expected.
    row : int, optional
        Row number as a spreadsheet shows it: the header is row 1, the first data row is
        row 2. ``None`` when the problem concerns the whole file or a column.
    column : str, optional
        Column (or TOML key, see *kind*) concerned.
    kind : {"column", "key"}, default "column"
        What *column* names: a table column (shown as ``column 'lead_id'``) or a key of
        ``engagement.toml`` (shown as ``key 'survey.path'``).
    quoted : tuple of str, default ()
        The exact texts of *message* that quote a cell of the client's file (``'eva.costa'``
        in "cannot read 'eva.costa' as a date"): shown on the terminal, replaced by
        :data:`WITHHELD` in what is kept in files (:meth:`withheld`; attack 7 LG1).
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    kind: str = "column"
    quoted: tuple = field(default=(), compare=False, repr=False)

    def _where(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", {'key' if self.kind == 'key' else 'column'} '{self.column}'"
        return where

    def __str__(self) -> str:
        return one_line(f"{self._where()}: {self.message}")  # a problem is one line

    def withheld(self) -> str:
        """The problem as :meth:`__str__` shows it, with every quoted cell value
        (:attr:`quoted`) replaced by :data:`WITHHELD`: file, row, column and what was
        expected stay. For text kept in files — a batch summary, a run log (SPEC §8: an
        owner id, a name or a respondent id in a misplaced cell is not written out)."""
        import re

        values = sorted({str(q) for q in self.quoted if str(q)}, key=len, reverse=True)
        msg = self.message
        if len(values) > MAX_QUOTED_VALUES:   # a message that quotes that many cells: none of
            msg = WITHHELD                    # it is kept (bounded time; attack 25, QW1)
        elif values:
            # one pass, longest value first; a value as a whole value: "7" goes, the "5" of
            # "1..5" and the "7" of "17" stay (WH1)
            alts = [r"(?<![\w.])" + re.escape(q) + r"(?!\w|\.\d)"
                    if q[:1].isalnum() and q[-1:].isalnum() else re.escape(q) for q in values]
            msg = re.sub("|".join(alts), lambda _m: WITHHELD, msg)
        return one_line(f"{self._where()}: {msg}")

    def to_dict(self) -> dict:
        """Return the problem as a JSON-safe dict (``kind`` only for TOML keys)."""
        d = {"file": self.file, "row": self.row, "column": self.column,
             "message": self.message}
        if self.kind != "column":
            d["kind"] = self.kind
        return d


class AligndxError(Exception):
    """Base class of every error raised on purpose by the toolkit."""

    exit_code = 1


class InputError(AligndxError):
    """Bad input: the engagement folder, a file in it, or a command-line argument.

    Parameters
    ----------
    problems : iterable of Problem or str
        Every problem found (all of them, not only the first).
    """

    exit_code = 2

    def __init__(self, problems: Iterable[Problem | str] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem | str] = list(problems)
        super().__init__(self.render())

    def render(self, *, withhold: bool = False) -> str:
        """Return a readable multi-line message listing every problem.

        Parameters
        ----------
        withhold : bool, default False
            Replace the cell values the problems quote by :data:`WITHHELD`
            (:meth:`Problem.withheld`): for a batch summary or a run log.
        """
        def one(p) -> str:
            return p.withheld() if withhold and isinstance(p, Problem) else str(p)

        if len(self.problems) == 1:
            return one(self.problems[0])
        lines = [f"{len(self.problems)} problems found:"]
        lines += [f"  - {one(p)}" for p in self.problems]
        return "\n".join(lines)


class ConfigError(InputError):
    """``engagement.toml`` is missing, unreadable or invalid."""


class ValidationError(InputError):
    """A table of the engagement does not meet its schema (SPEC §2)."""


class ReportError(AligndxError):
    """A report could not be produced (notebook failed, export failed).

    Parameters
    ----------
    message : str
        What failed, in the toolkit's own words.
    partial_notebook : str, optional
        Path of the partially executed notebook kept for diagnosis.
    detail : str, optional
        Text from elsewhere (a library's or a notebook cell's error message), shown after
        *message*; it may quote the input, so a batch summary or a run log leaves it out
        (:meth:`render`).
    """

    exit_code = 1

    def __init__(self, message: str, partial_notebook: str | None = None, *,
                 detail: str | None = None):
        self.partial_notebook = partial_notebook
        self.message, self.detail = message, detail
        super().__init__(self.render())

    def render(self, *, withhold: bool = False) -> str:
        """The message; with *withhold*, :data:`WITHHELD` in place of the detail (for a
        batch summary or a run log: a library's message may quote a cell)."""
        text = self.message
        if self.detail:
            text = f"{text}: {WITHHELD if withhold else self.detail}"
        if self.partial_notebook:
            text = f"{text}\n  partial notebook kept at: {self.partial_notebook}"
        return text

    def __reduce__(self):  # pickled whole (the report's notebook process sends it back)
        return (_report_error, (type(self), self.message, self.partial_notebook, self.detail))


def _report_error(cls, message, partial_notebook, detail):
    return cls(message, partial_notebook, detail=detail)
