"""Shared machinery of the CRM importers: column mapping, typing and derived fields.

Every CRM importer (Salesforce report / Data Loader, HubSpot, and the generic *mapped*
importer for any other CRM) does the same four steps:

1. **map** export columns to canonical columns (SPEC §2.2–§2.4): ``[crm] columns`` of
   ``engagement.toml`` first, then the platform's label table, compared on a normalised key
   (lower case, letters and digits only, so ``Create Date`` = ``CreatedDate``);
2. **type** the canonical columns with :mod:`toolkit.intake.parse` (one day/month order per
   file: the order proven by any date column is the hint for the others);
3. **derive** what the export only implies: ``is_won``/``is_closed`` from the stage name
   (``Won``, ``Closed Won`` → won; ``Lost``, ``Closed Lost`` → closed, not won), with a
   warning stating the rule; ``closed_at`` cleared on open opportunities (a CRM's "close
   date" of an open deal is the *expected* date); a 0/1 "converted" flag kept as
   ``is_converted`` when the export has no conversion date;
4. **record** the intake: columns mapped and left unmatched, date formats, warnings.

``source`` values are normalised to lower-case channel codes (``"Paid Search"`` →
``"paid_search"``) so that ``[crm] marketing_sources`` compares reliably; variants that
merge (``Google`` / ``google``) are reported.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from ..schemas import COLUMNS
from .base import FileIntake, ImportResult, rows_note
from .parse import (DATE_ORDERS, infer_date_order, parse_bools, parse_datetimes, parse_ints,
                    parse_numbers)
from .crossfile import clock
from .reader import RawTable, first_copy, read_table

#: Extra canonical columns an importer may produce beside SPEC §2 (documented here).
EXTRA_COLUMNS = {"leads": {"is_converted": "bool", "lead_status": "text"}}
PLACEHOLDERS = ("select", "--none--", "-- none --", "(none)", "none selected", "-")
WON_WORDS = r"\b(?:won|closed won|closedwon|booked|signed)\b"
LOST_WORDS = r"\b(?:lost|closed lost|closedlost|disqualified|dead|cancelled|canceled)\b"
ACTIVITY_TYPES = {"call": "call", "phone": "call", "phone call": "call", "outbound call": "call",
                  "inbound call": "call", "log a call": "call", "cadence call": "call",
                  "email": "email", "e mail": "email", "mail": "email", "send email": "email",
                  "list email": "email", "sequence email": "email", "linkedin": "other",
                  "meeting": "meeting", "event": "meeting", "demo": "meeting",
                  "video call": "meeting", "appointment": "meeting", "task": "other",
                  "other": "other", "note": "other", "sms": "other", "text message": "other"}


def norm_key(label: object) -> str:
    """Normalised column key: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def label_table(spec: Mapping[str, list[str]]) -> dict[str, str]:
    """``{canonical: [labels]}`` → ``{norm_key(label): canonical}`` (first claim wins)."""
    out: dict[str, str] = {}
    for canon, labels in spec.items():
        for label in labels:
            out.setdefault(norm_key(label), canon)
    return out


#: Column names of CRM exports that no platform importer recognises, which obviously mean
#: a canonical column: tidy exports of other CRMs and public sample data sets (Maven
#: Analytics' CRM sales opportunities: ``sales_agent, deal_stage, engage_date, close_date,
#: close_value``; the X Education lead-scoring set: ``Prospect ID, Lead Source``). Used by
#: the canonical reader and the generic *mapped* importer after exact canonical names and
#: ``[crm] columns``; every match is listed in the intake summary. Platform label tables
#: (Salesforce, HubSpot, Pipedrive, Dynamics) stay separate: they also drive format
#: detection, which these generic names must not sway.
SYNONYMS: dict[str, dict[str, str]] = {
    "leads": label_table({
        "lead_id": ["Prospect ID", "Lead Id", "Lead Identifier", "Lead No"],
        "created_at": ["Created Date", "Create Date", "Created", "Created On", "Date Created",
                       "Lead Created Date", "Lead Date", "Engage Date"],
        "source": ["Lead Source", "Source", "Channel", "Lead Channel", "Original Source"],
        "owner_id": ["Owner", "Lead Owner", "Owner ID", "Sales Agent", "Sales Rep",
                     "Assigned To", "Rep"],
        "mql_at": ["MQL Date", "Marketing Qualified Date", "Date MQL"],
        "accepted_at": ["SAL Date", "Accepted Date", "Sales Accepted Date"],
        "rejected_at": ["Rejected Date", "Disqualified Date"],
        "rejection_reason": ["Rejection Reason", "Disqualification Reason",
                             "Disqualified Reason"],
        "sql_at": ["SQL Date", "Sales Qualified Date"],
        "converted_at": ["Converted Date", "Conversion Date"],
        "opportunity_id": ["Converted Opportunity ID", "Deal ID"],
        "score": ["Lead Score", "Score"],
        "first_touch_at": ["First Touch Date", "First Contact Date", "First Activity Date"],
        "attempts": ["Number of Attempts", "Call Attempts", "Touches"],
    }),
    "opportunities": label_table({
        "opportunity_id": ["Opportunity Id", "Opp ID", "Deal ID", "Deal Id"],
        "lead_id": ["Prospect ID", "Converted Lead ID", "Originating Lead ID"],
        "created_at": ["Created Date", "Create Date", "Created", "Created On", "Date Created",
                       "Engage Date", "Opportunity Created Date", "Deal Created"],
        "closed_at": ["Close Date", "Closed Date", "Date Closed"],
        "stage": ["Deal Stage", "Opportunity Stage", "Stage Name", "Sales Stage"],
        "is_closed": ["Closed", "Is Closed"],
        "is_won": ["Won", "Is Won"],
        "amount": ["Close Value", "Deal Value", "Deal Amount", "Opportunity Amount", "Value"],
        "owner_id": ["Owner", "Opportunity Owner", "Deal Owner", "Owner ID", "Sales Agent",
                     "Sales Rep", "Rep"],
        "source": ["Lead Source", "Deal Source", "Opportunity Source", "Channel"],
    }),
    "activities": label_table({
        "activity_id": ["Activity Id", "Task ID", "Event ID"],
        "owner_id": ["Owner", "Assigned To", "Owner ID", "Sales Agent", "Sales Rep", "Rep"],
        "type": ["Activity Type", "Task Type"],
        "occurred_at": ["Activity Date", "Date", "Occurred", "Occurred On", "Timestamp",
                        "Completed Date"],
    }),
}


def map_columns(df: pd.DataFrame, table: str, labels: Mapping[str, str], *,
                overrides: Mapping[str, str] | None, intake: FileIntake, file: str,
                duplicates: Iterable[str] = ()) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename export columns to canonical names.

    Parameters
    ----------
    df : DataFrame
        Text cells, index = spreadsheet row.
    table : str
        ``"leads"``, ``"opportunities"`` or ``"activities"``.
    labels : mapping
        Normalised export label (:func:`norm_key`) -> canonical column. Columns it leaves
        unmatched then go through the generic :data:`SYNONYMS` of *table*.
    overrides : mapping, optional
        ``[crm] columns.<table>``: export column -> canonical column; wins over *labels*.
    intake : FileIntake
        ``columns_mapped`` and ``columns_unmatched`` are filled.
    file : str
        For problems.
    duplicates : iterable of str
        Headers the file holds more than once (:attr:`RawTable.duplicate_columns`; the
        reader names the later copies "<header> (2)" …).

    Returns
    -------
    (DataFrame, list of Problem)
        Canonical-named text columns; problems for overrides naming absent columns or
        unknown canonical columns, for two columns claiming one canonical column, and for a
        mapped header written more than once.
    """
    problems: list[Problem] = []
    allowed = set(COLUMNS[table]) | set(EXTRA_COLUMNS.get(table, {}))
    chosen: dict[str, str] = {}
    by_key = {}
    for c in df.columns:
        by_key.setdefault(norm_key(c), c)
    for src, dst in (overrides or {}).items():
        col = src if src in df.columns else by_key.get(norm_key(src))
        if dst not in allowed:
            problems.append(Problem(file, f"[crm] columns.{table} maps {src!r} to {dst!r}, which "
                                    f"is not a {table} column (expected one of "
                                    f"{', '.join(sorted(allowed))})", column=src))
        elif col is None:
            problems.append(Problem(file, f"[crm] columns.{table} names column {src!r}, which is "
                                    "not in the file", column=src))
        elif dst in chosen.values():   # two columns claimed for one (attack 35, CM1)
            first = next(c for c, d in chosen.items() if d == dst)
            problems.append(Problem(file, f"columns {first!r}, {col!r} all map to {dst!r}; "
                                    f"keep one or fix [crm] columns.{table}", column=col))
        else:
            chosen[col] = dst
    taken = set(chosen.values())
    overridden = set(taken)
    passed_over: dict[str, list[str]] = {}
    # platform labels (and exact canonical names) first, then the generic synonyms for
    # the columns left over, so that a synonym never takes a platform column's place
    for table_labels, exact in ((labels, True), (SYNONYMS.get(table, {}), False)):
        for c in df.columns:
            if c in chosen:
                continue
            dst = table_labels.get(norm_key(c))
            if dst is None and exact and c in allowed:
                dst = c
            if dst is None:
                continue
            if dst in taken:
                if dst not in overridden and first_copy(c) == c \
                        and c not in passed_over.get(dst, []):
                    passed_over.setdefault(dst, []).append(c)
                continue
            chosen[c] = dst
            taken.add(dst)
    # two columns of the export for one field ("Original Source" and "Lead Source"): the
    # first is read; where the others hold other values, say so (attack 36, TL1)
    used = {d: c for c, d in chosen.items()}
    for dst, others in passed_over.items():
        first = df[used[dst]].astype("string").str.strip().fillna("")
        for c in others:   # vectorised: no Python call per row on a million leads
            other = df[c].astype("string").str.strip().fillna("")
            differ = int((first != other).sum())
            if differ:
                intake.warnings.append(
                    f"columns {used[dst]!r} and {c!r} could both be read as {dst!r} and "
                    f"differ on {differ:,} row(s); {used[dst]!r} is used — set [crm] "
                    f"columns.{table} to use the other")
    # a mapped column written twice (the reader names the second "Lead Source (2)"): one
    # copy would be read and the other ignored, whichever holds the values (attack 35, CD1)
    duplicates = set(duplicates)
    for c in df.columns:
        base = first_copy(c)
        if base != c and base in duplicates and base in chosen and c not in chosen:
            duplicates.discard(base)   # one problem per header
            problems.append(Problem(file, "column name appears more than once (it is read as "
                                    f"{chosen[base]!r}); keep one", column=base))
    out = df[list(chosen)].copy()
    out.columns = [chosen[c] for c in chosen]
    intake.columns_mapped.update({c: d for c, d in chosen.items()})
    intake.columns_unmatched += [c for c in df.columns if c not in chosen]
    return out, problems


def blank_placeholders(df: pd.DataFrame, intake: FileIntake) -> pd.DataFrame:
    """Treat drop-down placeholders (``Select``, ``--None--``) as empty, with a warning."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        low = s.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
        hit = low.isin(PLACEHOLDERS)
        if hit.any():
            out[c] = s.where(~hit)
            intake.warnings.append(f"{c}: {int(hit.sum())} placeholder value(s) such as "
                                   f"{str(s[hit].iloc[0])!r} read as empty")
    return out


#: Lead statuses that record a rejection by sales (HubSpot's default ``UNQUALIFIED``; common
#: custom values), compared as normalised codes (:func:`toolkit.crm.definitions.source_key`).
REJECTED_STATUSES = ("unqualified", "disqualified", "not_qualified", "rejected", "bad_fit")


def status_rejections(t: pd.DataFrame, intake: FileIntake) -> pd.DataFrame:
    """Read a lead status that records rejection (HubSpot ``Lead Status = UNQUALIFIED``) into
    ``rejected_at``, so the rejection is measured, not lost.

    The status carries no date: ``rejected_at`` takes the lead's creation date (no figure
    uses the rejection's time, only whether it happened). A lead
    whose ``rejected_at`` is already filled keeps it. The ``lead_status`` column stays in the
    table, which tells the measures that rejection is recorded even when no lead is rejected.
    """
    from ..crm.definitions import source_code
    code = source_code(t["lead_status"])
    rej = code.isin(REJECTED_STATUSES).fillna(False).to_numpy(bool)
    if not rej.any():
        return t
    t = t.copy()
    when = t["created_at"] if "created_at" in t else pd.Series(pd.NaT, index=t.index)
    cur = (t["rejected_at"] if "rejected_at" in t
           else pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]"))
    fill = rej & cur.isna().to_numpy(bool)
    t["rejected_at"] = cur.where(~fill, when)
    intake.warnings.append(f"lead_status: {int(rej.sum()):,} lead(s) marked "
                           f"{', '.join(sorted(set(t.loc[rej, 'lead_status'].astype(str))))} "
                           "read as rejected by sales (the status has no date)")
    return t


def normalise_source(s: pd.Series, intake: FileIntake) -> pd.Series:
    """Lower-case channel codes (``"Paid Search"`` → ``"paid_search"``); merges reported.

    The code is :func:`toolkit.crm.definitions.source_key` — the one normalisation that
    ``[crm] marketing_sources`` is compared with.
    """
    from ..crm.definitions import source_key
    txt = s.astype(object).map(lambda v: str(v).strip(), na_action="ignore")
    code = txt.map(source_key, na_action="ignore")
    pairs = pd.DataFrame({"raw": txt, "code": code}).dropna().drop_duplicates()
    merged = pairs.groupby("code")["raw"].agg(list)
    merged = merged[merged.map(len) > 1]
    if len(merged):
        ex = "; ".join(" / ".join(repr(v) for v in vals[:3]) for vals in merged.iloc[:3])
        intake.warnings.append(f"source: {len(merged)} value(s) spelled differently merged "
                               f"({ex})")
    return code.where(code.notna(), np.nan).astype("str")


def type_columns(df: pd.DataFrame, table: str, *, intake: FileIntake, file: str,
                 date_order: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse canonical text columns into the types of ``docs/architecture.md``.

    Datetimes → ``datetime64[ns]`` (one day/month order per file: the order proven by one
    column is the hint for ambiguous ones), ``float``/``count`` → float64, ``bool`` →
    bool (a blank is a problem for required flags), text and ids → ``str`` objects (None
    when empty), activity ``type`` mapped to ``call``/``email``/``meeting``/``other``.

    Returns
    -------
    (DataFrame, list of Problem)
    """
    spec = {**{k: v.kind for k, v in COLUMNS[table].items()}, **EXTRA_COLUMNS.get(table, {})}
    problems: list[Problem] = []
    out = pd.DataFrame(index=df.index)
    date_cols = [c for c in df.columns if spec.get(c) == "datetime"]
    proven = {o for o in (infer_date_order(df[c]) for c in date_cols) if o}
    file_order = proven.pop() if len(proven) == 1 else None
    if date_order and file_order and date_order != file_order:   # attack 37, DH1
        intake.warnings.append(f"[crm] date_order = {date_order!r} is not how this file writes "
                               f"its dates: its date columns prove {file_order}, which is how "
                               "they are read")
    hint = file_order or (date_order if date_order in DATE_ORDERS else None)
    for c in df.columns:
        kind = spec.get(c, "text")
        s = df[c]
        if kind == "datetime":
            local: list[str] = []
            vals, fmt, probs = parse_datetimes(s, column=c, file=file, date_order=hint,
                                               warnings=local)
            if hint and hint == file_order and infer_date_order(s) is None:
                local = [w.replace("as the hint says", "like the other date columns of this "
                                   "file") for w in local]
            intake.warnings += local
            if fmt:
                intake.date_formats[c] = fmt
                if (k := clock(s)) is not None:
                    intake.clocks[c] = k
        elif kind in ("float",):
            vals, probs = parse_numbers(s, column=c, file=file, warnings=intake.warnings)
        elif kind == "count":
            vals, probs = parse_ints(s, column=c, file=file, warnings=intake.warnings)
        elif kind == "bool":
            b, probs = parse_bools(s, column=c, file=file)
            vals = b
        elif c == "type" and table == "activities":
            vals, probs = _activity_types(s, intake=intake, file=file)
        else:
            vals = s.astype(object).map(lambda v: str(v).strip(), na_action="ignore")
            vals = vals.where(vals.notna() & (vals != ""), np.nan).astype("str")
            probs = []
        out[c] = vals
        problems += probs
    return out, problems


def _activity_types(s: pd.Series, *, intake: FileIntake, file: str):
    low = s.astype(object).map(lambda v: re.sub(r"[^a-z]+", " ", str(v).lower()).strip(),
                               na_action="ignore")
    mapped = low.map(ACTIVITY_TYPES)
    contains = low.map(lambda v: "call" if "call" in v else "email" if "mail" in v else
                       "meeting" if "meet" in v else None, na_action="ignore")
    mapped = mapped.fillna(contains)
    other = low.notna() & mapped.isna()
    if other.any():   # the rows, not the values (a shifted column quotes anyone: NM1)
        intake.warnings.append(f"type: {int(other.sum())} activities of unknown type "
                               f"counted as 'other' ({rows_note(s.index[other.to_numpy()])} "
                               "of the export)")
        mapped = mapped.where(~other, "other")
    return mapped.where(mapped.notna(), np.nan).astype("str"), []


def derive_opportunity_flags(t: pd.DataFrame, *, intake: FileIntake, file: str
                             ) -> tuple[pd.DataFrame, list[Problem]]:
    """Fill ``is_won``/``is_closed`` from ``stage`` when the export lacks them.

    Rule (stated in a warning): a stage containing *won* (``Won``, ``Closed Won``) is closed
    and won; *lost* / *disqualified* / *cancelled* is closed and not won; any other stage is
    open. ``closed_at`` is cleared on open opportunities (it is then an expected date).
    """
    problems: list[Problem] = []
    t = t.copy()
    stage = t["stage"].astype(object).map(lambda v: str(v).lower(), na_action="ignore") \
        if "stage" in t else None
    won_s = lost_s = None
    if stage is not None:
        won_s = stage.str.contains(WON_WORDS, regex=True, na=False).astype(bool)
        lost_s = stage.str.contains(LOST_WORDS, regex=True, na=False).astype(bool)
    for flag in ("is_won", "is_closed"):
        if flag in t and t[flag].isna().any() and stage is not None:
            fill = won_s if flag == "is_won" else (won_s | lost_s)
            n = int(t[flag].isna().sum())
            t[flag] = t[flag].fillna(pd.Series(fill, index=t.index))
            intake.warnings.append(f"{flag}: {n} blank value(s) filled from the stage name")
    if "is_won" not in t or "is_closed" not in t:
        if stage is None:
            problems.append(Problem(file, "opportunities need a won flag and a closed flag, or a "
                                    "stage name to derive them from (map them in [crm] columns)"))
            return t, problems
        if "is_won" not in t:
            t["is_won"] = won_s
        if "is_closed" not in t:
            t["is_closed"] = won_s | lost_s | t["is_won"].astype(bool)
        stages = pd.Series(t["stage"]).value_counts()
        won_names = sorted(set(t.loc[won_s, "stage"])) if won_s.any() else []
        lost_names = sorted(set(t.loc[lost_s, "stage"])) if lost_s.any() else []
        intake.warnings.append(
            "won/closed derived from the stage name: won = "
            f"{', '.join(map(repr, won_names)) or 'none'}; lost = "
            f"{', '.join(map(repr, lost_names)) or 'none'}; open = the other "
            f"{int(stages.size - len(won_names) - len(lost_names))} stage(s)")
    for flag in ("is_won", "is_closed"):
        col = t[flag]
        if col.isna().any():
            bad = col.isna()
            problems.append(Problem(file, f"{int(bad.sum())} opportunities have no value for "
                                    f"{flag}", row=int(t.index[bad.to_numpy()][0]), column=flag))
        t[flag] = col.fillna(False).astype(bool)
    won_open = t["is_won"] & ~t["is_closed"]
    if won_open.any():
        t.loc[won_open, "is_closed"] = True
        intake.warnings.append(f"{int(won_open.sum())} won opportunities not flagged closed: "
                               "treated as closed")
    if "closed_at" in t:
        open_dated = ~t["is_closed"] & t["closed_at"].notna()
        if open_dated.any():
            t.loc[open_dated, "closed_at"] = pd.NaT
            intake.warnings.append(f"closed_at: cleared on {int(open_dated.sum())} open "
                                   "opportunities (their close date is only expected)")
    return t, problems


def convert_flag(mapped: pd.DataFrame, intake: FileIntake, file: str) -> pd.DataFrame:
    """Handle a lead table's 0/1 "converted" flag (see module notes)."""
    if "is_converted" not in mapped:
        return mapped
    if "converted_at" in mapped:
        intake.warnings.append("is_converted: conversion date present; the flag is kept for "
                               "leads converted without a date")
    else:
        intake.warnings.append("leads carry a converted flag but no conversion date: "
                               "conversion counts are available, conversion timing is not")
    return mapped


def finish(t: pd.DataFrame, table: str, intake: FileIntake, file: str) -> list[Problem]:
    """Final checks: the id column exists and is unique; warn on missing required columns."""
    problems: list[Problem] = []
    id_col = {"leads": "lead_id", "opportunities": "opportunity_id",
              "activities": "activity_id"}[table]
    if id_col not in t:
        problems.append(Problem(file, f"no {id_col} column: map the export's id column in "
                                f"[crm] columns.{table}"))
    else:
        dup = t[id_col].notna() & t[id_col].duplicated(keep="first")
        if dup.any():
            first = t.index[dup.to_numpy()][0]
            problems.append(Problem(file, f"{int(dup.sum())} row(s) repeat an {id_col} seen "
                                    f"earlier (e.g. {t.loc[first, id_col]!r}); ids must be "
                                    "unique", row=int(first), column=id_col,
                                    quoted=(repr(t.loc[first, id_col]),)))
    missing = [c for c, col in COLUMNS[table].items() if col.required and c not in t]
    if missing:
        intake.warnings.append(f"required {table} column(s) not found in the export: "
                               f"{', '.join(missing)} (map them in [crm] columns.{table})")
    for c in t.columns:
        col = COLUMNS[table].get(c)
        if col is not None and col.kind == "datetime" and len(t) and t[c].isna().any():
            n = int(t[c].isna().sum())
            if n == len(t):
                intake.warnings.append(f"{c}: no dates at all")
            elif col.required:
                intake.warnings.append(f"{c}: {n:,} of {len(t):,} rows have no date")
    intake.rows_kept = len(t)
    return problems


def import_mapped(raw: RawTable, table: str, config, *, file: str, fmt: str,
                  labels: Mapping[str, str] | None = None,
                  intake: FileIntake | None = None) -> ImportResult:
    """Map, type and derive one CRM table from an already read file.

    Parameters
    ----------
    raw : RawTable
        The file (footer rows already removed by the caller when needed).
    table : str
        ``"leads"``, ``"opportunities"`` or ``"activities"``.
    config : CrmConfig
        ``columns`` overrides.
    file : str
        Display path.
    fmt : str
        Format name for the intake record.
    labels : mapping, optional
        Platform label table (normalised key -> canonical column).
    intake : FileIntake, optional
        Record to continue (created when absent).

    Returns
    -------
    ImportResult
    """
    if intake is None:
        intake = FileIntake(table=table, path=file, format=fmt, encoding=raw.encoding,
                            delimiter=raw.delimiter, rows_read=int(raw.n_rows),
                            warnings=list(raw.warnings))
        intake.drop("blank row", raw.blank_rows)
    overrides = (getattr(config, "columns", {}) or {}).get(table, {})
    mapped, problems = map_columns(raw.df, table, labels or {}, overrides=overrides,
                                   intake=intake, file=file,
                                   duplicates=raw.duplicate_columns)
    mapped = blank_placeholders(mapped, intake)
    if table == "leads":
        mapped = convert_flag(mapped, intake, file)
    typed, probs = type_columns(mapped, table, intake=intake, file=file,
                                date_order=getattr(config, "date_order", None))
    problems += probs
    if "source" in typed:
        typed["source"] = normalise_source(typed["source"], intake)
    if table == "leads" and "lead_status" in typed:
        typed = status_rejections(typed, intake)
    # people a reason or a survey comment may name (redaction only): the pool is filtered
    # against all the engagement's free text when the redactor is built (pipeline)
    from .contacts import contact_pool, names_in_text, text_words

    intake.contact_pool = contact_pool(raw.df, intake.columns_unmatched)
    if "rejection_reason" in typed and intake.contact_pool:
        intake.known_names += names_in_text(intake.contact_pool,
                                            text_words([typed["rejection_reason"]]))
    if table == "opportunities":
        typed, probs = derive_opportunity_flags(typed, intake=intake, file=file)
        problems += probs
    if table == "leads" and "is_converted" in typed:
        typed["is_converted"] = typed["is_converted"].fillna(False).astype(bool)
    problems += finish(typed, table, intake, file)
    return ImportResult(typed, intake, problems)


def import_crm_table(path, table: str, config, *, display_path: str) -> ImportResult:
    """Import any CRM export through ``[crm] columns.<table>`` of ``engagement.toml``.

    Columns already named canonically are used as they are; others are matched through
    the mapping, then through the generic :data:`SYNONYMS` (``deal_stage`` → ``stage``), or
    left unmatched (listed in the intake summary). Registered
    as the ``"mapped"`` CRM format (also used for exports recognised as Pipedrive or
    Dynamics 365, with their label tables in :mod:`toolkit.intake.detect`).
    """
    try:
        raw = read_table(path, display_path=display_path)
    except ValidationError as exc:
        return failed(exc, table, display_path, "mapped")
    return import_mapped(raw, table, config, file=display_path, fmt="mapped")


def failed(exc: ValidationError, table: str, file: str, fmt: str) -> ImportResult:
    """ImportResult for a file that could not be read at all."""
    probs = [p if isinstance(p, Problem) else Problem(file, str(p)) for p in exc.problems]
    return ImportResult(pd.DataFrame(), FileIntake(table=table, path=file, format=fmt), probs)
