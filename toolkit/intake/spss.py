"""SPSS ``.sav`` files (with value labels) → canonical survey table (SPEC §2.1).

Read with :func:`pyreadstat.read_sav`. Variable labels serve as question text for matching
against the instrument; value labels turn codes into their labels (``4`` → ``Agree``), so
agreement labels, "Don't know" and N/A codes are read as in any other export; a variable
without value labels keeps its numeric codes (1..5). SPSS user-missing values (e.g. ``-99``,
``99``) are read as missing when the file declares them. Variables named like a response
id (``ResponseId``, ``respondent_id``, ``id``) give the respondent id; name, e-mail and IP
variables are dropped.
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
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True,
                                       user_missing=False)
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
