"""Read canonical CSV files (SPEC §2) into typed canonical DataFrames.

A canonical file has the canonical column names in its header (``respondent_id``/``team``
and item codes for the survey; ``lead_id``/``created_at`` for leads, ...). Export columns can
be renamed to canonical names with ``[crm] columns`` and, for the survey, ``team_column``,
``team_map`` and ``items`` of ``engagement.toml``, so any CRM or survey tool whose export is
tidy works through the column mapping alone.

:func:`type_canonical` is shared with the platform importers: given text columns already
named canonically, it parses each by its kind (:data:`toolkit.schemas.COLUMNS`) with the
parsers of :mod:`toolkit.intake.parse` and returns the problems with row and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..config import TEAMS
from ..exceptions import Problem, ValidationError
from ..schemas import COLUMNS, SIGNATURES
from .base import FileIntake, ImportResult
from .crmbuild import SYNONYMS, derive_opportunity_flags, norm_key
from .parse import (DATE_ORDERS, infer_date_order, parse_bools, parse_datetimes, parse_ints,
                    parse_numbers, row_problems)
from .crossfile import clock
from .reader import RawTable, read_table


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip()).casefold()


def canonical_names(columns: list[str], table: str,
                    overrides: Mapping[str, str] | None = None, *,
                    synonyms: bool = False) -> dict[str, str]:
    """Map source column names to canonical ones.

    A column maps when its name equals a canonical column ignoring case, surrounding spaces
    and ``-``/space vs ``_`` (``Lead ID`` → ``lead_id``; item codes such as ``fair1`` →
    ``FAIR1``), or when *overrides* names it (``{"Lead Src": "source"}``; overrides win).
    With *synonyms*, a CRM column left over then maps through the generic synonyms of
    :data:`toolkit.intake.crmbuild.SYNONYMS` (``deal_stage`` → ``stage``, ``Prospect ID``
    → ``lead_id``) to a canonical column no other column claims (first such column wins).
    Format detection leaves *synonyms* off, so that platform exports still reach their
    importers.

    Returns
    -------
    dict
        Source column -> canonical column, for the columns that map.
    """
    canon = {_key(c): c for c in COLUMNS[table]}
    out: dict[str, str] = {}
    over = {str(k).strip().casefold(): v for k, v in (overrides or {}).items()}
    for col in columns:
        target = over.get(str(col).strip().casefold())
        if target is None:
            target = canon.get(_key(col))
        if target is not None:
            out[col] = target
    if synonyms and table in SYNONYMS:
        taken = set(out.values())
        for col in columns:
            target = SYNONYMS[table].get(norm_key(col))
            if col not in out and target is not None and target not in taken:
                out[col] = target
                taken.add(target)
    return out


def is_canonical(raw: RawTable, table: str, overrides: Mapping[str, str] | None = None, *,
                 partial: bool = False) -> bool:
    """Return True when *raw*'s header holds the canonical signature columns of *table*.

    The signature is :data:`toolkit.schemas.SIGNATURES` (``lead_id`` + ``created_at`` for
    leads, ``respondent_id`` + ``team`` for the survey, ...) after *overrides*; a survey
    must also have at least one item-code column. With *partial*, the first signature
    column alone (the id) suffices — used after platform detection failed, so that a
    canonical file lacking a required column is reported as such.
    """
    mapped = set(canonical_names(raw.columns, table, overrides).values())
    signature = SIGNATURES[table][:1] if partial else SIGNATURES[table]
    if not set(signature) <= mapped:
        return False
    if table == "survey" and not partial:
        return any(COLUMNS["survey"][c].kind == "item" for c in mapped)
    return True


def map_team_values(values: pd.Series, team_map: Mapping[str, str]) -> pd.Series:
    """Map raw team names to canonical teams with ``team_map`` (case-insensitive).

    Values that already are canonical teams (any case, ``sales development``) are kept;
    other values are left unchanged so that the schema reports them per row as unknown.
    """
    lookup = {str(k).strip().casefold(): v for k, v in team_map.items()}
    text = values.astype(object)
    folded = text.where(text.isna(), text.astype(str).str.strip().str.casefold())
    mapped = folded.map(lookup)
    canon = folded.where(folded.isna(), folded.astype(str).str.replace(r"[\s\-]+", "_",
                                                                       regex=True))
    out = mapped.where(mapped.notna(), canon.where(canon.isin(TEAMS), text))
    return out


def _clean_text(s: pd.Series, categories=()) -> pd.Series:
    """Strip text cells, empty → missing; a value matching one of *categories* ignoring case
    becomes that category. Returns pandas ``str`` dtype.

    Vectorized on the string array (no Python objects per cell); the case folding runs on
    the distinct values only, so a 10M-row column with a handful of categories costs one
    hash pass.
    """
    text = s if s.dtype == "str" else s.astype("str")
    text = text.str.strip()
    text = text.where(text.ne("") | text.isna())
    if categories:
        codes, uniques = pd.factorize(text)
        if len(uniques):
            folded = np.array([u.casefold() for u in uniques], dtype=object)
            keep = np.isin(folded, list(categories))
            if keep.any():
                new = np.where(keep, folded, np.asarray(uniques, dtype=object))
                vals = np.where(codes >= 0, new[np.maximum(codes, 0)], None)
                text = pd.Series(vals, index=text.index, dtype="str")
    return text


def type_canonical(df: pd.DataFrame, table: str, *, file: str,
                   date_order: str | None = None
                   ) -> tuple[pd.DataFrame, dict[str, str], list[Problem], list[str]]:
    """Type text columns named canonically, per :data:`toolkit.schemas.COLUMNS`.

    Parameters
    ----------
    df : pandas.DataFrame
        Text cells (NaN = empty) whose columns carry canonical names; index = spreadsheet
        row numbers. Columns that are not canonical are ignored.
    table : {"survey", "leads", "opportunities", "activities"}
    file : str
        File name for problems.
    date_order : {"day-first", "month-first"}, optional
        Hint for date columns whose values are all ambiguous. The order proven by another
        date column of the same file is used first (with a warning).

    Returns
    -------
    typed : pandas.DataFrame
        The canonical columns present, in canonical order: ids and text as pandas ``str``
        dtype (NaN = empty), datetimes ``datetime64[ns]`` tz-naive, floats/counts/items
        ``float64``, booleans ``bool`` (empty → False, reported when the column is required),
        categories lower-cased when they match a category case-insensitively.
    date_formats : dict
        Column -> date format chosen.
    problems : list of Problem
        Unparseable values (file, row, column).
    warnings : list of str
        Visible remarks (ambiguous dates read with a hint, decimal separators...).
    """
    spec = COLUMNS[table]
    problems: list[Problem] = []
    warnings: list[str] = []
    formats: dict[str, str] = {}
    present = [c for c in spec if c in df.columns]
    date_cols = [c for c in present if spec[c].kind == "datetime"]
    proven = {infer_date_order(df[c]) for c in date_cols} - {None}
    file_order = proven.pop() if len(proven) == 1 else None
    out = {}
    for name in present:
        col = spec[name]
        s = df[name]
        if col.kind == "datetime":
            hint = file_order or (date_order if date_order in DATE_ORDERS else None)
            local: list[str] = []
            vals, fmt, probs = parse_datetimes(s, column=name, file=file, date_order=hint,
                                               warnings=local)
            if hint and hint == file_order and infer_date_order(s) is None and any(
                    "ambiguous" in w for w in local):
                local = [w.replace("as the hint says", "like the other date columns of this "
                                   "file") for w in local]
            warnings += local
            problems += probs
            if fmt:
                formats[name] = fmt
            out[name] = vals
        elif col.kind == "float":
            vals, probs = parse_numbers(s, column=name, file=file, warnings=warnings)
            problems += probs
            out[name] = vals
        elif col.kind in ("count", "item"):
            vals, probs = parse_ints(s, column=name, file=file, warnings=warnings)
            problems += probs
            out[name] = vals
        elif col.kind == "bool":
            vals, probs = parse_bools(s, column=name, file=file)
            problems += probs
            empty = s.isna()
            if not col.nullable:
                problems += row_problems(empty, s, file=file, column=name,
                                         message="empty value; expected true or false")
            out[name] = vals.fillna(False).astype(bool)
        else:
            out[name] = _clean_text(s, col.values if col.kind == "category" else ())
    typed = pd.DataFrame(out, index=df.index)
    return typed, formats, problems, warnings


def read_canonical(path: Path, table: str, *, display_path: str,
                   columns: Mapping[str, str] | None = None,
                   team_column: str = "team", team_map: Mapping[str, str] | None = None,
                   items: Mapping[str, str] | None = None, date_order: str | None = None,
                   raw: RawTable | None = None) -> ImportResult:
    """Read one canonical table from a CSV/Excel/Parquet file.

    Parameters
    ----------
    path : Path
        The file.
    table : {"survey", "leads", "opportunities", "activities"}
    display_path : str
        Name of the file in problems and in the intake summary.
    columns : mapping, optional
        Export column -> canonical column (``[crm] columns.<table>``).
    team_column, team_map, items : optional
        Survey only: the column naming the team, raw team -> canonical team, export column
        -> item code (``[survey]`` keys).
    date_order : {"day-first", "month-first"}, optional
        Hint for all-ambiguous date columns.
    raw : RawTable, optional
        The file already read (avoids reading it twice).

    Returns
    -------
    ImportResult
        Typed canonical table (index = spreadsheet row numbers; not yet schema-checked),
        its :class:`FileIntake` and the parsing problems. A file that cannot be read gives
        an empty table and the problem.
    """
    if raw is None:
        from .typed import read_typed
        typed = read_typed(path, table, display_path=display_path, columns=columns,
                           date_order=date_order)
        if typed is not None:  # a clean CRM file, read with typed columns
            return typed
    intake = FileIntake(table=table, path=display_path, format="canonical")
    if raw is None:
        try:
            raw = read_table(path, display_path=display_path)
        except ValidationError as exc:
            return ImportResult(pd.DataFrame(), intake, [p if isinstance(p, Problem) else
                                                         Problem(display_path, str(p))
                                                         for p in exc.problems])
    intake.encoding, intake.delimiter = raw.encoding, raw.delimiter
    intake.rows_read = raw.n_rows
    intake.drop("blank row", raw.blank_rows)
    intake.warnings += raw.warnings
    if raw.dropped_columns:
        intake.warnings.append(f"ignored {len(raw.dropped_columns)} empty trailing column(s)")
    overrides = dict(columns or {})
    if table == "survey":
        if team_column and team_column != "team":
            overrides.setdefault(team_column, "team")
        overrides.update(items or {})
    mapping = canonical_names(raw.columns, table, overrides, synonyms=True)
    exact = canonical_names(raw.columns, table, overrides)
    by_synonym = {src: dst for src, dst in mapping.items() if src not in exact}
    if by_synonym:
        intake.warnings.append(
            "columns mapped by name: " + ", ".join(f"{s} → {d}" for s, d in by_synonym.items())
            + f" (set [crm] columns.{table} to map them otherwise)")
    problems: list[Problem] = []
    targets: dict[str, list[str]] = {}
    for src, dst in mapping.items():
        targets.setdefault(dst, []).append(src)
    for dst, srcs in targets.items():
        if len(srcs) > 1:
            problems.append(Problem(display_path, f"columns {', '.join(map(repr, srcs))} all "
                                    f"map to {dst!r}; keep one or fix the column mapping",
                                    column=dst))
    for dup in raw.duplicate_columns:
        if dup in mapping:
            problems.append(Problem(display_path, "column name appears more than once",
                                    column=dup))
    intake.columns_mapped = dict(mapping)
    intake.columns_unmatched = [c for c in raw.columns if c not in mapping]
    if table != "survey" and intake.columns_unmatched:   # contacts' names: redaction only
        from .contacts import contact_pool

        intake.contact_pool = contact_pool(raw.df, intake.columns_unmatched)
    elif intake.columns_unmatched:   # respondents' names, e-mail and employee ids: the same
        from .surveybuild import SurveyExport, identifier_values, personal_names

        extra = raw.df[intake.columns_unmatched]
        comments = [c for c, canon in mapping.items() if canon in ("OPEN1", "OPEN2")]
        personal = SurveyExport(df=extra.loc[:, ~extra.columns.duplicated()], texts={},
                                personal=list(dict.fromkeys(intake.columns_unmatched)))
        intake.known_names = personal_names(personal, free_text=(
            v for c in dict.fromkeys(comments)
            for v in raw.df.loc[:, raw.df.columns == c].iloc[:, 0].tolist()))
        intake.add_ids(identifier_values(personal))   # employee numbers … (EX1)
    frame = raw.df[list(mapping)].rename(columns=mapping)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if table == "survey" and "respondent_id" in frame.columns:   # redaction only (WL)
        intake.add_ids(frame["respondent_id"])
    if table == "survey" and "team" in frame:
        frame["team"] = map_team_values(frame["team"], team_map or {})
    typed, formats, probs, warns = type_canonical(frame, table, file=display_path,
                                                  date_order=date_order)
    intake.date_formats = formats
    intake.clocks = {c: k for c in formats if c in frame and (k := clock(frame[c]))}
    intake.warnings += warns
    if (table == "opportunities" and "stage" in typed
            and not {"is_won", "is_closed"} <= set(typed.columns)):
        # no won/closed flags exported: the importers' stage-name rule, with its warning
        typed, derived = derive_opportunity_flags(typed, intake=intake, file=display_path)
        probs += derived
        typed = typed[[c for c in COLUMNS[table] if c in typed.columns]]
    intake.rows_kept = len(typed)
    return ImportResult(typed, intake, problems + probs)
