"""One exception hierarchy for the toolkit.

Every error a user can cause is an :class:`InputError` (exit code 2) carrying one or more
:class:`Problem` records that name the file, row and column and say what was expected.
Failures while producing a report are :class:`ReportError` (exit code 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


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
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    kind: str = "column"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", {'key' if self.kind == 'key' else 'column'} '{self.column}'"
        return f"{where}: {self.message}"

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

    def render(self) -> str:
        """Return a readable multi-line message listing every problem."""
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems found:"]
        lines += [f"  - {p}" for p in self.problems]
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
        What failed.
    partial_notebook : str, optional
        Path of the partially executed notebook kept for diagnosis.
    """

    exit_code = 1

    def __init__(self, message: str, partial_notebook: str | None = None):
        self.partial_notebook = partial_notebook
        if partial_notebook:
            message = f"{message}\n  partial notebook kept at: {partial_notebook}"
        super().__init__(message)
