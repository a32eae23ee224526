"""SurveyMonkey CSV / Excel exports → canonical survey table (SPEC §2.1).

Layout ("All responses data", expanded): two header rows. Row 1 holds the question text
above the *first* column of each question only (continuation columns are blank: the text is
forward-filled); row 2 holds ``Response``, ``Open-Ended Response``, a choice label, or a
matrix row label (the statement of a matrix item). The first columns are platform metadata:
``Respondent ID`` (11+ digits, kept as text), ``Collector ID``, ``Start Date``,
``End Date``, ``IP Address``, ``Email Address``, ``First Name``, ``Last Name``,
``Custom Data 1`` (personal data is dropped). Matrix items are matched to instrument items
by their row label; answers are choice text (``Strongly agree``) or numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import Problem, ValidationError
from .base import FileIntake, ImportResult
from .reader import RawTable, read_table
from .surveybuild import SurveyExport, build_survey

PERSONAL = {"ipaddress", "emailaddress", "firstname", "lastname", "contactinformation",
            "name", "email", "phonenumber", "address"}
METADATA = {"collectorid", "startdate", "enddate", "customdata", "customdata1",
            "customdata2"}
SUBS_AS_QUESTION = {"response", "open-ended response", "open ended response", ""}


def _key(s: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def is_surveymonkey(raw: RawTable) -> bool:
    """True when *raw* has SurveyMonkey's ``Respondent ID``/``Collector ID`` two-row header."""
    keys = [_key(c) for c in raw.columns]
    if "respondentid" not in keys or "collectorid" not in keys or raw.df.empty:
        return False
    row2 = raw.df.iloc[0].astype(object).fillna("").astype(str).str.strip().str.lower()
    return bool(row2.isin(["response", "open-ended response"]).any())


def read_surveymonkey(raw: RawTable) -> SurveyExport:
    """Split the two header rows and build the :class:`SurveyExport` (see module notes)."""
    sub = raw.df.iloc[0].astype(object).where(raw.df.iloc[0].notna(), "").astype(str)
    heads = pd.Series([("" if c.startswith("column ") else c) for c in raw.columns],
                      index=raw.df.columns, dtype=object)
    question = heads.replace("", None).ffill().fillna("")
    texts, personal, metadata, id_col = {}, [], [], None
    for c in raw.df.columns:
        s = sub[c].strip()
        q = question[c]
        texts[c] = q if s.lower() in SUBS_AS_QUESTION else f"{q} - {s}"
        k = _key(q)
        if k == "respondentid":
            id_col = c
        elif k in PERSONAL or (k == "contactinformation"):
            personal.append(c)
        elif k in METADATA:
            metadata.append(c)
    return SurveyExport(df=raw.df.iloc[1:], texts=texts, id_column=id_col,
                        personal=personal, metadata=metadata)


def import_survey(path: Path, config, *, display_path: str) -> ImportResult:
    """Import a SurveyMonkey export (CSV or Excel) as the canonical survey table.

    Returns
    -------
    ImportResult
        Format ``"surveymonkey"``; problems when the file lacks the two-row header.
    """
    file = display_path
    intake = FileIntake(table="survey", path=file, format="surveymonkey")
    try:
        raw = read_table(path, display_path=file)
    except ValidationError as exc:
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    if not is_surveymonkey(raw):
        return ImportResult(pd.DataFrame(), intake, [Problem(
            file, "not a SurveyMonkey export: expected 'Respondent ID' and 'Collector ID' "
            "columns and a second header row of 'Response' / 'Open-Ended Response' labels")])
    intake.encoding, intake.delimiter = raw.encoding, raw.delimiter
    intake.rows_read = int(raw.n_rows - 1)
    intake.warnings += raw.warnings
    intake.drop("blank row", raw.blank_rows)
    export = read_surveymonkey(raw)
    table, problems = build_survey(export, config, intake, file=file)
    return ImportResult(table, intake, problems)
