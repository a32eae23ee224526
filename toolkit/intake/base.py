"""The contract between :func:`toolkit.intake.load_data` and the platform importers.

Every input file goes through one importer that returns an :class:`ImportResult`: the
table in canonical columns (SPEC §2, typed as ``docs/architecture.md`` says), a
:class:`FileIntake` record for the intake summary, and the blocking problems found.

Importer signatures
-------------------
Survey importers (``qualtrics``, ``surveymonkey``, ``google-forms``, ``ms-forms``, ``spss``)::

    def import_survey(path: Path, config: SurveyConfig, *, display_path: str) -> ImportResult

CRM importers (``salesforce``, ``hubspot``), called once per table (``"leads"``,
``"opportunities"``, ``"activities"``)::

    def import_crm_table(path: Path, table: str, config: CrmConfig, *,
                         display_path: str) -> ImportResult

Rules for importers
-------------------
* Read the file with :func:`toolkit.intake.reader.read_table` (encoding, delimiter, Excel).
* Parse values with :mod:`toolkit.intake.parse` (dates, numbers, booleans) and, once the
  columns carry canonical names as strings, type them with
  :func:`toolkit.intake.canonical.type_canonical`, which applies the same parsers and
  returns the problems with spreadsheet row numbers.
* The returned ``table``'s **index holds the spreadsheet row number** of each record in the
  source file (header = row 1; with three Qualtrics header rows the first answer is row 4),
  so that schema problems found later name the right row. ``load_data`` resets the index
  after validation.
* Never raise for bad input: return every problem in ``ImportResult.problems`` (file,
  row, column). Warnings (visible, not blocking) go to ``FileIntake.warnings``.
* Register the importer with one line in :mod:`toolkit.formats` (the one list of format
  names; ``engagement.toml`` accepts exactly those names). Importing a module registers
  nothing.
* Format detection for ``format = "auto"``: ``toolkit/intake/detect.py`` defines
  ``detect_survey_format(raw: RawTable) -> str | None`` and
  ``detect_crm_format(raw: RawTable, table: str) -> str | None`` returning a key of the
  registries (or ``None`` when it cannot tell). Detection of ``"canonical"`` happens first
  and lives in :mod:`toolkit.intake.canonical`.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from .. import formats
from ..exceptions import Problem

if TYPE_CHECKING:  # pragma: no cover
    from ..config import CrmConfig, SurveyConfig
    from .reader import RawTable

TABLES = ("survey", "leads", "opportunities", "activities", "plan")


@dataclass
class FileIntake:
    """What happened to one input file, for the intake summary and the data-quality appendix.

    Attributes
    ----------
    table : str
        ``"survey"``, ``"leads"``, ``"opportunities"``, ``"activities"`` or ``"plan"``.
    path : str
        Path relative to the engagement folder.
    format : str
        Format detected or used, e.g. ``"canonical"``, ``"qualtrics"``,
        ``"salesforce-report"``.
    encoding : str
        Text encoding detected (``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"``, ``"utf-16"``) or
        ``"binary"`` for Excel, Parquet and SPSS files.
    delimiter : str or None
        Field delimiter detected for text files.
    rows_read : int
        Data rows read from the file (after header rows, before any row was dropped).
    rows_kept : int
        Rows handed on to the analysis.
    dropped : dict of str to int
        Reason -> number of rows dropped for it (e.g. ``"blank row": 3``,
        ``"survey preview": 2``).
    columns_mapped : dict of str to str
        Source column -> canonical column.
    columns_unmatched : list of str
        Source columns not used.
    date_formats : dict of str to str
        Canonical column -> date format chosen, e.g. ``"ISO-8601"``,
        ``"day-first (DD/MM/YYYY)"``, ``"Excel serial"``.
    warnings : list of str
        Visible, non-blocking remarks (guesses that had to be made, values ignored).
    """

    table: str
    path: str
    format: str
    encoding: str = "utf-8"
    delimiter: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    columns_mapped: dict[str, str] = field(default_factory=dict)
    columns_unmatched: list[str] = field(default_factory=list)
    date_formats: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Respondents' names read from personal-data columns, for redaction only: never
    #: serialised (not in :meth:`to_dict`), never shown.
    known_names: list[str] = field(default_factory=list, repr=False, compare=False)
    #: Every person a CRM export's contact columns name (``First Name``/``Last Name``/
    #: ``Email``), for redaction only: filtered against all free text of the engagement
    #: (reasons and survey comments) when the redactor is built; never serialised.
    contact_pool: list[str] = field(default_factory=list, repr=False, compare=False)
    #: Every respondent id the survey export holds (dropped rows included), for redaction
    #: only (:mod:`toolkit.idmask`: an id quoted from a wrong column is masked); never
    #: serialised.
    known_ids: list[str] = field(default_factory=list, repr=False, compare=False)
    #: The one currency the amounts are in, when the export names it (ISO code), for the
    #: check against ``[client] currency`` (:func:`toolkit.intake.amounts.choose_amount`).
    amount_currency: str | None = field(default=None, repr=False, compare=False)
    #: Datetime column -> the clock of its times ("offset", "local"; date-only columns are
    #: left out), for the check across files (:func:`toolkit.intake.crossfile.clock`).
    clocks: dict = field(default_factory=dict, repr=False, compare=False)

    def add_ids(self, values) -> None:
        """Add the values of an id column (:func:`id_texts`) to :attr:`known_ids`, kept
        sorted."""
        self.known_ids = sorted(set(self.known_ids) | id_texts(values))

    def drop(self, reason: str, n: int) -> None:
        """Record *n* rows dropped for *reason* (no-op when *n* is 0)."""
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def to_dict(self) -> dict:
        """Return the record as a JSON-safe dict (plain str/int/list/dict values)."""
        d = asdict(replace(self, known_names=[], contact_pool=[], known_ids=[]))
        for private in ("known_names", "contact_pool", "known_ids", "amount_currency", "clocks"):
            d.pop(private, None)
        d["rows_read"] = int(self.rows_read)
        d["rows_kept"] = int(self.rows_kept)
        d["dropped"] = {str(k): int(v) for k, v in self.dropped.items()}
        return d


@dataclass
class ImportResult:
    """What an importer returns for one file.

    Attributes
    ----------
    table : pandas.DataFrame
        Canonical columns (SPEC §2), typed as ``docs/architecture.md`` says; the index holds
        the spreadsheet row number of each record in the source file.
    intake : FileIntake
        The file's intake record.
    problems : list of Problem
        Blocking problems (file, row, column); empty when the file is usable.
    """

    table: pd.DataFrame
    intake: FileIntake
    problems: list[Problem] = field(default_factory=list)


SurveyImporter = Callable[..., ImportResult]
CrmImporter = Callable[..., ImportResult]

#: Format names → ``"module:function"`` (the one list lives in :mod:`toolkit.formats`).
SURVEY_IMPORTERS = formats.SURVEY_IMPORTERS
CRM_IMPORTERS = formats.CRM_IMPORTERS


def _detect_module():
    return importlib.import_module(f"{__package__}.detect")


def detect_survey_format(raw: "RawTable") -> str | None:
    """Name the survey platform that produced *raw*, or ``None`` when unknown.

    Delegates to ``toolkit.intake.detect.detect_survey_format`` (the platform importers'
    module). Canonical files are recognised before this hook is called.
    """
    return _detect_module().detect_survey_format(raw)


def detect_crm_format(raw: "RawTable", table: str) -> str | None:
    """Name the CRM that produced *raw* (one of ``CRM_IMPORTERS``), or ``None``.

    Delegates to ``toolkit.intake.detect.detect_crm_format``.
    """
    return _detect_module().detect_crm_format(raw, table)


def survey_importer(fmt: str) -> SurveyImporter:
    """Return the survey importer of format *fmt* (:data:`toolkit.formats.SURVEY_IMPORTERS`).

    Raises
    ------
    toolkit.formats.UnknownFormat
        For a name not in the registry (the message lists the known formats).
    """
    return formats.importer("survey", fmt)


def crm_importer(fmt: str) -> CrmImporter:
    """Return the CRM importer of format *fmt* (:data:`toolkit.formats.CRM_IMPORTERS`).

    Raises
    ------
    toolkit.formats.UnknownFormat
        For a name not in the registry (the message lists the known formats).
    """
    return formats.importer("crm", fmt)


def rows_note(rows, *, limit: int = 5) -> str:
    """Where in the file a warning's cells are, instead of their values.

    A warning that quoted an unexpected cell value carried whatever a shifted or hand-edited
    export put there — a respondent's id, name, IP address or location — into the report and
    the run log (attacks 20–23: WL, EX1, IP1, IF1, NM1); it names the rows instead, so the
    consultant can find them in the export and the reader learns nothing about anyone.

    Parameters
    ----------
    rows : iterable of int
        Spreadsheet row numbers (the index of an intake frame).
    limit : int
        Rows named; the rest are counted.

    Returns
    -------
    str
        ``"row 5"``, ``"rows 5, 6 and 9"``, ``"rows 5, 6, 9, 12, 14 and 3 more"``.
    """
    rows = sorted({int(r) for r in rows})
    shown = [str(r) for r in rows[:limit]]
    more = len(rows) - len(shown)
    if not shown:
        return "no row"
    if more:
        return f"rows {', '.join(shown)} and {more} more"
    if len(shown) == 1:
        return f"row {shown[0]}"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def id_texts(values) -> set[str]:
    """The distinct non-empty values of an id column, as stripped text.

    Parameters
    ----------
    values : pandas.Series, pandas.DataFrame or iterable
        Text cells (missing cells skipped); a frame stands for a repeated header and its
        first column is used.

    Returns
    -------
    set of str
    """
    if isinstance(values, pd.DataFrame):
        values = values.iloc[:, 0]
    return set(pd.Series(values, dtype=object).dropna().astype(str).str.strip()) - {""}
