"""Google Forms CSV and Microsoft Forms Excel exports → canonical survey table (SPEC §2.1).

* **Google Forms** (Responses → Download CSV): every field quoted; first column
  ``Timestamp`` (``2026/06/14 10:10:09 AM GMT+1``), then ``Email Address`` when collected,
  then one column per question headed by its full text; grid questions as
  ``Question [Row]`` (the row is matched to the instrument); checkbox answers joined by
  ``;``. There is no response id: respondents are numbered by their row.
* **Microsoft Forms** (Open in Excel): ``ID, Start time, Completion time, Email, Name``
  (sometimes ``Last modified time``), then one column per question; multi-select answers
  joined by ``;`` with a trailing ``;``. ``ID`` is the response id.

E-mail addresses and names are dropped and never carried forward.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import Problem, ValidationError
from .base import FileIntake, ImportResult
from .reader import RawTable, read_table
from .surveybuild import SurveyExport, build_survey

GOOGLE_META = {"timestamp", "score", "totalscore"}
GOOGLE_PERSONAL = {"emailaddress", "email", "name", "username"}
MS_META = {"starttime", "completiontime", "lastmodifiedtime", "totalpoints", "quizfeedback"}
MS_PERSONAL = {"email", "name"}


def _key(s: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def is_google_forms(raw: RawTable) -> bool:
    """True when the first column is ``Timestamp`` (Google Forms' response download)."""
    return bool(raw.columns) and _key(raw.columns[0]) == "timestamp"


def is_ms_forms(raw: RawTable) -> bool:
    """True for Microsoft Forms' ``ID, Start time, Completion time`` header."""
    keys = [_key(c) for c in raw.columns[:3]]
    return keys == ["id", "starttime", "completiontime"]


def _export(raw: RawTable, meta: set, personal: set, id_key: str | None) -> SurveyExport:
    texts = {c: c for c in raw.columns}
    pers = [c for c in raw.columns if _key(c) in personal]
    md = [c for c in raw.columns if _key(c) in meta]
    idc = next((c for c in raw.columns if id_key and _key(c) == id_key), None)
    return SurveyExport(df=raw.df, texts=texts, id_column=idc, personal=pers, metadata=md)


def _import(path: Path, config, display_path: str, fmt: str) -> ImportResult:
    file = display_path
    intake = FileIntake(table="survey", path=file, format=fmt)
    try:
        raw = read_table(path, display_path=file)
    except ValidationError as exc:
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    ok = is_google_forms(raw) if fmt == "google-forms" else is_ms_forms(raw)
    if not ok:
        expected = ("a first column 'Timestamp'" if fmt == "google-forms"
                    else "columns 'ID, Start time, Completion time'")
        return ImportResult(pd.DataFrame(), intake, [Problem(
            file, f"not a {fmt} export: expected {expected}")])
    intake.encoding, intake.delimiter = raw.encoding, raw.delimiter
    intake.rows_read = int(raw.n_rows)
    intake.warnings += raw.warnings
    intake.drop("blank row", raw.blank_rows)
    if fmt == "google-forms":
        export = _export(raw, GOOGLE_META, GOOGLE_PERSONAL, None)
    else:
        export = _export(raw, MS_META, MS_PERSONAL, "id")
    table, problems = build_survey(export, config, intake, file=file)
    return ImportResult(table, intake, problems)


def import_google_forms(path: Path, config, *, display_path: str) -> ImportResult:
    """Import a Google Forms response CSV as the canonical survey table."""
    return _import(path, config, display_path, "google-forms")


def import_ms_forms(path: Path, config, *, display_path: str) -> ImportResult:
    """Import a Microsoft Forms Excel (or CSV) export as the canonical survey table."""
    return _import(path, config, display_path, "ms-forms")
