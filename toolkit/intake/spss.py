"""SPSS ``.sav`` files (with value labels) → canonical survey table (SPEC §2.1).

Read with :func:`pyreadstat.read_sav`. Variable labels serve as question text for matching
against the instrument; value labels turn codes into their labels (``4`` → ``Agree``), so
agreement labels, "Don't know" and N/A codes are read as in any other export; a variable
without value labels keeps its numeric codes (1..5). SPSS user-missing values (e.g. ``-99``,
``99``) are read as missing when the file declares them. Variables named like a response
id (``ResponseId``, ``respondent_id``, ``id``) give the respondent id; name, e-mail and IP
variables are dropped.

Before any case is read, the header's case count and variable widths are checked against the
survey limits (:func:`_row_limit`): a ``.zsav`` is zlib-compressed, so a small file can hold
a million cases or one long text in every case (review 13 N1's class).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import Problem, ValidationError
from .base import FileIntake, ImportResult
from .reader import check_file
from .surveybuild import SurveyExport, build_survey

ID_NAMES = {"responseid", "respondentid", "id", "caseid", "respid"}
PERSONAL = {"ipaddress", "email", "emailaddress", "name", "firstname", "lastname",
            "recipientemail", "recipientfirstname", "recipientlastname", "locationlatitude",
            "locationlongitude"}


def _key(s: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def _cell(v) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _row_width(meta) -> int:
    """Most bytes of text one case can hold: each string variable its declared width, each
    number :data:`~toolkit.intake.limits._FIXED_WIDTH` (its widest text)."""
    from .limits import _FIXED_WIDTH

    kinds = meta.readstat_variable_types or {}
    return sum(int(w) if kinds.get(c) == "string" else _FIXED_WIDTH
               for c, w in (meta.variable_storage_width or {}).items())


def _too_big(file: str, what: str, rows: int, meta) -> Problem:
    """The problem of an SPSS file over the survey limits; its widest text variable is
    named when the text is what passes them."""
    from ..schemas import MAX_CELLS, MAX_ROWS, MAX_TEXT_BYTES

    widths = meta.variable_storage_width or {}
    kinds = meta.readstat_variable_types or {}
    strings = {c: int(w) for c, w in widths.items() if kinds.get(c) == "string"}
    widest = max(strings, key=strings.__getitem__) if strings else None
    return Problem(file, f"the SPSS file {what}, each case up to {_row_width(meta):,} bytes "
                   "of text" + (f" ({widest!r} alone {strings[widest]:,})" if widest else "")
                   + f"; a survey file may hold at most {MAX_ROWS['survey']:,} cases, "
                   f"{MAX_CELLS['survey']:,} values and {MAX_TEXT_BYTES:,} bytes of text (the "
                   "largest engagement the toolkit is built for has 2,000 respondents); check "
                   "that this is the right file",
                   column=widest if rows * _row_width(meta) > MAX_TEXT_BYTES else None)


def _row_limit(path: Path, file: str) -> tuple[int, bool]:
    """The most cases to read from an SPSS file, from its header, before any data is read,
    and whether the header states the count.

    A compressed ``.zsav`` expands up to ~1000× (one long text repeated in every case), and
    readstat reads as many cases as the header declares (all of the file when it says -1).
    Refused: more cases than :data:`~toolkit.schemas.MAX_ROWS`, values than
    :data:`~toolkit.schemas.MAX_CELLS`, or cases × declared widths over
    :data:`~toolkit.schemas.MAX_TEXT_BYTES`. Unknown counts: as many cases as the limits
    allow (:func:`import_survey` refuses a file holding more).
    """
    import pyreadstat

    from ..schemas import MAX_CELLS, MAX_ROWS, MAX_TEXT_BYTES

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    width = max(_row_width(meta), 1)
    cols = max(int(meta.number_columns or 0), 1)
    most = min(MAX_ROWS["survey"], MAX_CELLS["survey"] // cols, MAX_TEXT_BYTES // width)
    declared = meta.number_rows
    if declared is not None and declared > most:
        raise ValidationError(_too_big(file, f"declares {declared:,} cases × {cols:,} "
                                       "variables", declared, meta))
    return max(declared if declared is not None else most, 1), declared is not None


def _more_rows(path: Path, limit: int) -> bool:
    """True when the SPSS file holds a case after the first *limit*."""
    import pyreadstat

    df, _ = pyreadstat.read_sav(str(path), row_offset=limit, row_limit=1)
    return len(df) > 0


def import_survey(path: Path, config, *, display_path: str) -> ImportResult:
    """Import an SPSS ``.sav`` survey file as the canonical survey table.

    Returns
    -------
    ImportResult
        Format ``"spss"``, encoding ``"binary"``; a problem when the file cannot be read.
    """
    import pyreadstat

    file = display_path
    intake = FileIntake(table="survey", path=file, format="spss", encoding="binary")
    try:
        check_file(path, file, expected="expected an SPSS .sav file")
    except ValidationError as exc:  # a FIFO would block the SPSS reader
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    try:
        limit, known = _row_limit(path, file)
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True,
                                       user_missing=False, row_limit=limit)
        if not known and len(df) == limit and _more_rows(path, limit):
            raise ValidationError(_too_big(file, f"holds more than {limit:,} cases", limit + 1,
                                           meta))
    except ValidationError as exc:
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    except Exception as exc:  # pyreadstat raises its own error types
        return ImportResult(pd.DataFrame(), intake,
                            [Problem(file, f"cannot read the SPSS file: {exc}")])
    text = pd.DataFrame({c: df[c].astype(object).map(_cell) for c in df.columns})
    text.index = pd.RangeIndex(2, 2 + len(text), name="row")
    labels = meta.column_names_to_labels or {}
    texts = {c: (labels.get(c) or c) for c in text.columns}
    intake.rows_read = len(text)
    id_col = next((c for c in text.columns if _key(c) in ID_NAMES), None)
    personal = [c for c in text.columns if _key(c) in PERSONAL]
    export = SurveyExport(df=text, texts=texts, id_column=id_col, personal=personal)
    table, problems = build_survey(export, config, intake, file=file)
    return ImportResult(table, intake, problems)
