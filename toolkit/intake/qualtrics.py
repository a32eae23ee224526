"""Qualtrics survey exports → canonical survey table (SPEC §2.1).

Layouts recognised (:func:`qualtrics_layout`):

* **current** "Data Table" exporter (2016 →): three header rows — export tags (``QID``s or
  custom tags such as ``FAIR1``), question text (matrix rows as ``Stem - Statement``), and an
  ``{"ImportId":"QID5_1"}`` JSON row (a ``timeZone`` key may be present);
* **legacy matrix** exporter: row 1 export tags incl. ``ResponseID``, row 2 question text,
  row 3 ``{'ImportId': 'QID12-1'}`` in Python-dict style;
* **legacy** exporter: two header rows — ``V1..V10`` then the tags (row 1) and
  ``ResponseID, ResponseSet, Name, ..., Status, StartDate, EndDate, Finished`` then question
  text (row 2).

Values may be numeric recodes or choice text (both handled by
:func:`toolkit.intake.answers.map_agreement`): ``-99`` ("seen but unanswered") and other
negative recodes (N/A options such as "No basis for evaluation") become missing.

Rows dropped (counted in the intake summary), by ``Status`` (Qualtrics "Response type"):
``1``/"Survey Preview", ``2``/"Survey Test", ``8``/"Spam", ``9``/"Preview Spam",
``12``/"Imported Spam", ``17``/"Offline Survey Preview". Kept: ``0``/"IP Address" (an
ordinary response), ``4``/"Imported" and ``16``/"Offline" (genuine responses recorded another
way; counted in a warning). Other status values are kept with a warning.

Unfinished responses (``Finished`` = 0 / False; Qualtrics closes them after the survey's
incomplete-response window): **kept when at least one scale item is answered** (their
answers count; the half-answered rule of scale scores applies later), dropped otherwise;
both counts are reported.

Source of the codes: Qualtrics support, "Response Types" (Data & Analysis → filtering by
response type) and "Understanding your dataset" (``-99`` = seen but not answered).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import Problem, ValidationError
from .base import FileIntake, ImportResult, rows_note
from .answers import as_text
from .reader import RawTable, read_table
from .surveybuild import NON_LIKERT, SurveyExport, build_survey

_IMPORT_ID_RE = re.compile(r"""^\{\s*["']ImportId["']\s*:""")

STATUS_DROP = {"1": "survey preview", "survey preview": "survey preview",
               "2": "survey test", "survey test": "survey test",
               "8": "spam", "spam": "spam", "9": "preview spam", "preview spam": "preview spam",
               "12": "imported spam", "imported spam": "imported spam",
               "17": "offline survey preview", "offline survey preview": "offline survey preview"}
STATUS_KEEP = {"0": None, "ip address": None, "ipaddress": None,
               "4": "imported", "imported": "imported", "16": "offline", "offline": "offline"}

#: Columns with personal data: never carried forward (normalised names).
PERSONAL = {"ipaddress", "recipientlastname", "recipientfirstname", "recipientemail",
            "externalreference", "externaldatareference", "locationlatitude",
            "locationlongitude", "locationaccuracy", "name", "emailaddress", "email",
            "panelrecipientlastname", "panelrecipientfirstname", "panelrecipientemail"}
#: Platform metadata (normalised names).
METADATA = {"startdate", "enddate", "status", "progress", "durationinseconds", "duration",
            "finished", "recordeddate", "distributionchannel", "userlanguage", "responseset",
            "responseid", "recordid", "qrecaptchascore", "qrelevantidduplicate",
            "qrelevantidduplicatescore", "qrelevantidfraudscore", "qrelevantidlaststartdate",
            "qballotboxstuffing", "qtotalduration", "qurl", "qlanguage", "qdatapolicyviolations"}


def _key(s: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def qualtrics_layout(raw: RawTable) -> str | None:
    """Tell which Qualtrics exporter wrote *raw* (read with one header row).

    Returns
    -------
    str or None
        ``"current"`` (three header rows, JSON ImportId row), ``"legacy-3"`` (three header
        rows with a Python-dict ImportId row), ``"legacy"`` (two header rows: ``V1..V10`` or
        ``ResponseID, ResponseSet``), or ``None`` when the file is not a Qualtrics export.
    """
    df = raw.df
    if df.shape[0] >= 2 and raw.df.index[0] == 2 and raw.df.index[1] == 3:
        row3 = [str(v) for v in df.iloc[1].dropna().tolist()]
        if row3 and sum(bool(_IMPORT_ID_RE.match(v)) for v in row3) >= 0.8 * len(row3):
            return "current" if any('"ImportId"' in v for v in row3) else "legacy-3"
    cols = [_key(c) for c in raw.columns]
    row2 = [_key(v) for v in df.iloc[0].tolist()] if df.shape[0] and df.index[0] == 2 else []
    if cols[:2] == ["v1", "v2"] and "responseid" in row2:
        return "legacy"
    if {"responseid", "responseset"} <= set(cols) and row2[:2] == ["responseid", "responseset"]:
        return "legacy"
    return None


def read_qualtrics(raw: RawTable, *, file: str) -> tuple[SurveyExport, dict, str]:
    """Split a Qualtrics export into header information and answer rows.

    Parameters
    ----------
    raw : RawTable
        The file read with one header row.
    file : str
        Display path for errors.

    Returns
    -------
    (SurveyExport, dict, str)
        The export (answers indexed by spreadsheet row; ``texts`` from header row 2), the
        metadata columns found (``"status"``, ``"finished"`` -> column key), and the layout.

    Raises
    ------
    ValidationError
        If the file is not a Qualtrics export.
    """
    layout = qualtrics_layout(raw)
    if layout is None:
        raise ValidationError(Problem(file, "not a Qualtrics export: expected three header rows "
                                      "(export tags, question text, {\"ImportId\": ...}) or the "
                                      "legacy two-row header (V1..V10 / ResponseID)"))
    n_extra = 2 if layout in ("current", "legacy-3") else 1
    header2 = raw.df.iloc[0]
    body = raw.df.iloc[n_extra:]
    texts = {c: ("" if pd.isna(header2[c]) else str(header2[c])) for c in raw.df.columns}
    # name of each column: its export tag, or for legacy V1..V10 the row-2 name
    names = {c: (texts[c] if re.fullmatch(r"V\d+", str(c)) and texts[c] else c)
             for c in raw.df.columns}
    meta: dict[str, str] = {}
    personal, metadata = [], []
    id_col = None
    for c in raw.df.columns:
        kk = _key(names[c])
        if kk in PERSONAL:
            personal.append(c)
        elif kk in METADATA:
            metadata.append(c)
            if kk in ("responseid", "recordid") and id_col is None:
                id_col = c
            if kk in ("status", "finished"):
                meta[kk] = c
    if id_col is not None:
        metadata.remove(id_col)
    export = SurveyExport(df=body, texts=texts, id_column=id_col, personal=personal,
                          metadata=metadata)
    return export, meta, layout


def import_survey(path: Path, config, *, display_path: str) -> ImportResult:
    """Import a Qualtrics CSV (or Excel) export as the canonical survey table.

    Parameters
    ----------
    path : Path
        The export file.
    config : SurveyConfig
        ``team_column``, ``team_map``, ``items`` of ``engagement.toml``.
    display_path : str
        Path shown in messages.

    Returns
    -------
    ImportResult
        Canonical survey table (index = spreadsheet row), intake record (format
        ``"qualtrics"`` / ``"qualtrics-legacy"``, rows dropped by status and unfinished),
        blocking problems.
    """
    file = display_path
    try:
        raw = read_table(path, display_path=file)
        export, meta, layout = read_qualtrics(raw, file=file)
    except ValidationError as exc:
        intake = FileIntake(table="survey", path=file, format="qualtrics")
        return ImportResult(pd.DataFrame(), intake, [p if isinstance(p, Problem) else
                                                     Problem(file, str(p)) for p in exc.problems])
    intake = FileIntake(table="survey", path=file,
                        format="qualtrics" if layout == "current" else "qualtrics-legacy",
                        encoding=raw.encoding, delimiter=raw.delimiter,
                        rows_read=int(raw.n_rows - (1 if layout == "legacy" else 2)),
                        warnings=list(raw.warnings))
    intake.drop("blank row", raw.blank_rows)
    df = export.df
    if export.id_column:   # every response's id, dropped ones too: redaction only (WL)
        intake.add_ids(as_text(df[export.id_column]))
    # ---- Status
    if "status" in meta:
        st = as_text(df[meta["status"]]).map(lambda v: v.lower(), na_action="ignore")
        drop_reason = st.map(STATUS_DROP)
        for reason, n in drop_reason.value_counts().items():
            intake.drop(reason, int(n))
        keep = drop_reason.isna()
        kept_kind = st.map(lambda v: STATUS_KEEP.get(v, "?"), na_action="ignore")
        for kind, n in kept_kind[keep].value_counts().items():
            if kind == "?":
                # the rows, not the values: a shifted export puts anyone's id, name or IP
                # address in this column (attacks 20-23)
                where = rows_note(st.index[(keep & (kept_kind == "?")).to_numpy()])
                intake.warnings.append(f"{n} response(s) with an unknown Status kept "
                                       f"({where} of the export)")
            elif kind:
                intake.warnings.append(f"{n} {kind} response(s) kept (Status {kind!r})")
        df = df.loc[keep.to_numpy()]
    else:
        intake.warnings.append("no Status column: survey previews and tests cannot be told "
                               "apart from real responses")
    # ---- Finished
    unfinished = pd.Series(False, index=df.index)
    if "finished" in meta:
        fin = as_text(df[meta["finished"]]).map(lambda v: v.lower(), na_action="ignore")
        unfinished = fin.isin(["0", "false", "falsch", "faux", "no"]).astype(bool)
    export.df = df
    table, problems = build_survey(export, config, intake, file=file)
    if unfinished.any() and not table.empty:
        items = [c for c in table.columns if c not in NON_LIKERT and c != "respondent_id"]
        unf = unfinished.reindex(table.index, fill_value=False).to_numpy()
        answered = table[items].notna().any(axis=1).to_numpy() if items else unf & False
        empty_unf = unf & ~answered
        intake.drop("unfinished, no item answered", int(empty_unf.sum()))
        if (unf & answered).any():
            intake.warnings.append(f"{int((unf & answered).sum())} unfinished response(s) kept: "
                                   "they answered at least one item")
        table = table.loc[~empty_unf]
        intake.rows_kept = len(table)
        if table.empty and not problems:
            problems.append(Problem(file, "no responses left to analyse after dropping rows: "
                                    + ", ".join(f"{k} ({v})" for k, v in intake.dropped.items())))
    if problems and table.empty and intake.dropped and not any("left" in p.message
                                                              for p in problems):
        problems.append(Problem(file, "no responses left to analyse after dropping rows: "
                                + ", ".join(f"{k} ({v})" for k, v in intake.dropped.items())))
    return ImportResult(table, intake, problems)
