"""Load and validate the compensation plan (SPEC §2.5).

One row per plan component. :func:`load_plan` reads a CSV (UTF-8 or UTF-8 with BOM, the
delimiter sniffed among ``, ; TAB |``) or an Excel workbook (``.xlsx``, first sheet) and
:func:`validate_plan` checks every cell, collecting **all** problems before raising one
:class:`~toolkit.exceptions.ValidationError`. Row numbers are those a spreadsheet shows: the
header is row 1, the first data row is row 2 (blank rows keep their numbers).

Vocabulary used across :mod:`toolkit.incentives`:

* **sides** — sales side = teams ``sales`` + ``sales_development``; marketing side =
  ``marketing`` (SPEC §2.1). ``revops``, ``leadership`` and ``other`` belong to no side.
* **shared metrics** (both teams rise or fall together): ``bookings``, ``pipeline``,
  ``win_rate``, ``sla_compliance``, ``company_revenue``.
* **volume metrics** (reward quantity, not the shared outcome): ``mql_volume``,
  ``lead_volume``, ``activity_volume``. ``sql_volume`` is in neither list: it counts leads
  sales has qualified, so it carries sales' judgement, but it is still a count of leads
  and not an outcome both teams share; it adds nothing to the shared-outcome weight and
  does not raise the volume-pay flag.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import MAX_HEADCOUNT
from ..exceptions import Problem, ValidationError
from ..schemas import MAX_AMOUNT
from ..spreadsheet import worksheet_rows
from ..vocab import (APPLIES_TO, METRICS, SHARED_METRICS, SIDE_OF_TEAM,  # noqa: F401
                     SIDES, TEAMS, VOLUME_METRICS)

REQUIRED_COLUMNS = ("team", "role", "headcount", "base_salary", "variable_target",
                    "component", "metric", "weight")
OPTIONAL_COLUMNS = ("commission_rate", "applies_to", "gate")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Tolerance on "weights of one role sum to 1" (allows 0.333 + 0.333 + 0.334).
WEIGHT_TOLERANCE = 0.005

#: Largest value of each number column of the plan: a role's ``headcount`` is bounded like
#: the engagement's headcount setting (:data:`toolkit.config.MAX_HEADCOUNT`, a million
#: people), money (``base_salary``, ``variable_target``) like a CRM amount
#: (:data:`toolkit.schemas.MAX_AMOUNT`); fractions are 0..1. Checked after conversion to
#: float, so ``1e309`` (infinity) and ``99999999999999999999`` are refused alike (attack 5, V1).
PLAN_MAXIMA = {"headcount": float(MAX_HEADCOUNT), "base_salary": MAX_AMOUNT,
               "variable_target": MAX_AMOUNT}

_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$")   # not "0,125" (attack 38)
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
#: A number with one dot-group ("95.000"), which reads as thousands in some locales and as
#: decimals in others (attack 37, PL1: a base salary of 95.000 became 95).
_DOT_GROUPED = re.compile(r"^-?[1-9]\d{0,2}\.\d{3}$")
#: Dot-grouped numbers that read one way only: with a decimal comma ("95.000,00"; attack 39,
#: PN1) or several groups ("1.234.567").
_DOT_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+,\d+$|^-?[1-9]\d{0,2}(\.\d{3}){2,}$")
_CURRENCY = re.compile(r"^[\s$€£¥₹]+|^\s*US\$\s*|[\s$€£¥₹]+$")
#: A currency code before or after the number ("USD 95,000", "95,000 USD"; attack 38, PC1):
#: removed only when it is an ISO 4217 code ("Ben 95000" stays not a number; attack 39, CQ1).
_CODE_BEFORE = re.compile(r"^\s*([A-Za-z]{3})\.?\s*(?=[-\d])")
_CODE_AFTER = re.compile(r"(?<=\d)\s*([A-Za-z]{3})\.?\s*$")


def _norm_header(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name if name is not None else "").strip().lower())


def _read_csv_records(path: Path, file: str) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(Problem(file, f"not UTF-8 text (byte {exc.start}); save the "
                                      "plan as CSV UTF-8 or as an Excel workbook")) from None
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # newline="": rows end at CR LF, LF or a lone CR (Excel for Mac's "CSV (Macintosh)"; attack
    # 29, PC1), and a quoted value may hold a line break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(r) for r in reader]
    except csv.Error as exc:
        raise ValidationError(Problem(file, f"not a readable CSV file at row {reader.line_num} "
                                      f"({exc}); save the plan as CSV UTF-8 or as an Excel "
                                      "workbook", row=reader.line_num or None)) from None


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_excel_records(path: Path, file: str) -> list[list[str]]:
    from openpyxl import load_workbook

    from ..spreadsheet import check_workbook

    check_workbook(path, file)  # before openpyxl: no part may expand out of proportion
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for unreadable workbooks
        raise ValidationError(Problem(file, f"cannot read the Excel workbook ({exc})")) from None
    try:
        if not wb.worksheets:   # only chart sheets, or none (attack 32, XS1)
            raise ValidationError(Problem(file, "the workbook has no worksheet with cells "
                                          "(only chart sheets, or none); save the plan on a "
                                          "sheet of its own"))
        ws = wb.worksheets[0]
        return [[_cell_text(v) for v in row] for row in worksheet_rows(ws, file)]
    finally:
        wb.close()


def load_plan(path: Path, *, display_name: str | None = None,
              names_out: list | None = None) -> pd.DataFrame:
    """Read and validate a compensation plan (SPEC §2.5) from CSV or Excel.

    Parameters
    ----------
    path : Path
        ``.csv`` (UTF-8, BOM allowed, delimiter sniffed among ``, ; TAB |``) or ``.xlsx``
        / ``.xlsm`` (first worksheet, read with openpyxl).
    display_name : str, optional
        Name of the file in error messages (e.g. the path relative to the engagement
        folder); defaults to ``str(path)``.
    names_out : list, optional
        Extended with the people the plan's other columns name (``Employee Name``, ``Plan
        Holder``, ``Approved By``, ``Participant``:
        :func:`toolkit.intake.contacts.person_column_kind`), for redaction only — never
        written out (attack 7, PN1).

    Returns
    -------
    pandas.DataFrame
        One row per component, columns :data:`COLUMNS` (optional columns always present):
        ``team``, ``role``, ``component``, ``metric``, ``applies_to`` as text (``applies_to``
        missing = NaN), ``headcount`` int64, money (``base_salary``, ``variable_target``)
        and fractions (``weight``, ``commission_rate``, ``gate``) float64, NaN = not given.
        ``df.attrs["file"]`` holds the display name.

    Raises
    ------
    ValidationError
        Listing every problem with file, row and column (see :func:`validate_plan`), or a
        single problem when the file is missing, unreadable or of an unknown type.
    """
    path = Path(path)
    file = display_name or str(path)
    if not path.exists() and not path.is_symlink():
        raise ValidationError(Problem(file, "compensation plan file not found"))
    from ..intake.reader import _os_problem, check_file
    check_file(path, file, expected="expected the compensation plan as .csv or .xlsx")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        records = _read_excel_records(path, file)
    elif suffix in (".csv", ".txt", ".tsv"):
        try:
            records = _read_csv_records(path, file)
        except OSError as exc:
            raise ValidationError(_os_problem(file, exc)) from None
    else:
        raise ValidationError(Problem(file, f"unsupported file type {suffix!r}; give the plan "
                                      "as .csv or .xlsx"))
    if not records or not any(c.strip() for c in records[0]):
        raise ValidationError(Problem(file, "the file is empty: expected a header row "
                                      f"with {', '.join(REQUIRED_COLUMNS)}", row=1))
    header = [_norm_header(h) for h in records[0]]
    # a blank header cell names no column (trailing delimiters of a spreadsheet export): it
    # gets a name of its own; a name written twice is refused, as in every other table
    # (attack 29, PD1: it failed as "unexpected AttributeError")
    header = [h or f"(column {j})" for j, h in enumerate(header, start=1)]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise ValidationError(Problem(
            file, "duplicate column names: " + ", ".join(repr(d) for d in dups)
            + "; keep one column of each name", row=1))
    width = len(header)
    from ..schemas import MAX_CELLS, MAX_ROWS

    if len(records) - 1 > MAX_ROWS["plan"] or (len(records) - 1) * width > MAX_CELLS["plan"]:
        # each row is padded to the header's width: a 100 KB header of delimiters over a
        # few thousand short rows would be billions of cells
        raise ValidationError(Problem(
            file, f"the plan has {len(records) - 1:,} rows × {width:,} columns; a compensation "
            f"plan may hold at most {MAX_ROWS['plan']:,} rows and {MAX_CELLS['plan']:,} "
            "cells (it has one row per team, role and component); check that this is the "
            "right file", row=1))
    rows, numbers = [], []
    for i, rec in enumerate(records[1:], start=2):
        rec = [c.strip() for c in rec][:width] + [""] * max(0, width - len(rec))
        if any(rec):
            rows.append(rec)
            numbers.append(i)
    raw = pd.DataFrame(rows, columns=header, dtype=object) if rows else \
        pd.DataFrame(columns=header, dtype=object)
    raw.index = pd.Index(numbers, dtype="int64")
    from ..intake.controls import control_problems

    controls = control_problems(raw, file)  # a NUL or escape in a role or component
    try:
        plan = validate_plan(raw, file=file)
    except ValidationError as exc:
        raise ValidationError(controls + list(exc.problems)) from None
    if controls:
        raise ValidationError(controls)
    if names_out is not None:
        from ..intake.contacts import contact_pool

        names_out += contact_pool(raw, [c for c in raw.columns if c not in COLUMNS])
    return plan


def _parse_number(values: pd.Series, *, percent: bool) -> tuple[pd.Series, pd.Series]:
    """Parse text cells to float. Returns (numbers, bad) where bad marks unparseable cells.

    Accepts thousands separators (``120,000``), a decimal comma (``0,5``), currency signs
    around money and, when *percent*, a trailing ``%`` (``10%`` → 0.10).
    """
    s = values.fillna("").astype(str).str.strip()
    s = s.str.replace(_CURRENCY, "", regex=True)
    from ..intake.amounts import iso_codes

    iso = iso_codes()
    for pattern in (_CODE_BEFORE, _CODE_AFTER):
        s = s.str.replace(pattern, lambda m: "" if m.group(1).upper() in iso else m.group(0),
                          regex=True)
    is_pct = s.str.endswith("%") if percent else pd.Series(False, index=s.index)
    s = s.str.rstrip("%").str.strip() if percent else s
    dots = s.str.match(_DOT_THOUSANDS)
    s = s.where(~dots, s.str.replace(".", "", regex=False))
    thousands = s.str.match(_THOUSANDS)
    s = s.where(~thousands, s.str.replace(",", "", regex=False))
    dec_comma = s.str.match(_DECIMAL_COMMA)
    s = s.where(~dec_comma, s.str.replace(",", ".", regex=False))
    num = pd.to_numeric(s.replace("", np.nan), errors="coerce").astype("float64")
    num = num.where(~is_pct, num / 100.0)
    bad = (s != "") & num.isna()
    bad |= np.isinf(num.fillna(0.0))
    return num, bad


def validate_plan(raw: pd.DataFrame, *, file: str = "compensation plan") -> pd.DataFrame:
    """Validate a raw compensation-plan table and return it typed (SPEC §2.5).

    Parameters
    ----------
    raw : pandas.DataFrame
        One row per component, cells as text or numbers; column names are matched
        case-insensitively with spaces read as ``_``. The index gives each row's
        spreadsheet row number (header = 1); a default RangeIndex is read as rows 2, 3, ...
    file : str
        File name used in problems.

    Returns
    -------
    pandas.DataFrame
        The typed plan, as described in :func:`load_plan`.

    Raises
    ------
    ValidationError
        Listing every problem found, each as ``Problem(file, message, row, column)``:
        a required column missing or duplicated; an empty required cell; an unknown
        ``team``, ``metric`` or ``applies_to``; ``headcount`` not a non-negative whole
        number or above :data:`PLAN_MAXIMA`; negative, unparseable or implausibly large
        money; ``weight``, ``commission_rate`` or ``gate``
        outside 0..1; a ``commission_rate`` without ``applies_to`` (or the reverse); one
        role's ``headcount``, ``base_salary`` or ``variable_target`` differing between its
        rows; the weights of a role not summing to 1 (±0.005); no component rows at all.
    """
    problems: list[Problem] = []
    df = raw.copy()
    df.columns = [_norm_header(c) for c in df.columns]
    if isinstance(df.index, pd.RangeIndex):
        df.index = pd.Index(np.arange(len(df)) + 2, dtype="int64")
    dupes = sorted({c for c in df.columns if c and list(df.columns).count(c) > 1})
    for c in dupes:
        problems.append(Problem(file, "column appears more than once", row=1, column=c))
    df = df.loc[:, ~df.columns.duplicated()]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    for c in missing:
        problems.append(Problem(file, f"required column is missing (expected columns: "
                                f"{', '.join(REQUIRED_COLUMNS)}; optional: "
                                f"{', '.join(OPTIONAL_COLUMNS)})", row=1, column=c))
    if missing:
        raise ValidationError(problems)
    for c in OPTIONAL_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df[list(COLUMNS)].astype(object).where(df[list(COLUMNS)].notna(), "")
    df = df.apply(lambda col: col.map(_cell_text).str.strip())
    if df.empty:
        raise ValidationError(problems + [Problem(file, "the plan has no component rows; "
                                                  "give one row per plan component")])

    def bad_rows(mask: pd.Series, column: str, message) -> None:
        for row in mask.index[mask.to_numpy()]:
            text = message(row) if callable(message) else message
            # the row's cells a message quotes are withheld from kept files (attack 19, LG3)
            problems.append(Problem(file, text, row=int(row), column=column,
                                    quoted=tuple(repr(v) for v in df.loc[row] if v != "")))

    for c in ("team", "role", "component", "metric"):
        bad_rows(df[c] == "", c, "empty cell; a value is required")
    team = df["team"].str.lower()
    bad_rows((team != "") & ~team.isin(TEAMS), "team",
             lambda r: f"unknown team {df.at[r, 'team']!r}; expected one of {', '.join(TEAMS)}")
    metric = df["metric"].str.lower()
    bad_rows((metric != "") & ~metric.isin(METRICS), "metric",
             lambda r: f"unknown metric {df.at[r, 'metric']!r}; expected one of "
                       f"{', '.join(METRICS)}")
    applies = df["applies_to"].str.lower()
    bad_rows((applies != "") & ~applies.isin(APPLIES_TO), "applies_to",
             lambda r: f"unknown value {df.at[r, 'applies_to']!r}; expected one of "
                       f"{', '.join(APPLIES_TO)} (or empty)")

    out = pd.DataFrame(index=df.index)
    out["team"], out["role"] = team, df["role"]
    for c in ("headcount", "base_salary", "variable_target"):
        num, bad = _parse_number(df[c], percent=False)
        empty = df[c] == ""
        bad_rows(empty, c, "empty cell; a value is required")
        bad_rows(bad, c, lambda r, c=c: f"not a number: {df.at[r, c]!r}")
        grouped = df[c].str.replace(_CURRENCY, "", regex=True).str.strip() \
            .str.replace(_CODE_AFTER, "", regex=True).str.replace(_CODE_BEFORE, "", regex=True) \
            .str.match(_DOT_GROUPED)
        bad_rows(grouped & ~bad, c, lambda r, c=c: (
            f"{df.at[r, c]!r} reads as thousands grouped by dots in some locales and as "
            "decimals in others; write the number without separators (e.g. 95000 or 95)"))
        bad_rows(num < 0, c, lambda r, c=c: f"must not be negative, got {df.at[r, c]!r}")
        top = PLAN_MAXIMA[c]
        bad_rows(num > top, c, lambda r, c=c, top=top: (
            f"implausibly large, got {df.at[r, c]!r}; expected at most "
            + (f"{top:,.0f} people" if c == "headcount" else f"{top:g}")))
        if c == "headcount":
            frac = num.notna() & (num >= 0) & (num != num.round())
            bad_rows(frac, c, lambda r: f"expected a whole number of people, got "
                                        f"{df.at[r, 'headcount']!r}")
        out[c] = num
    # the money columns in one currency, named for the check against [client] currency
    # (attack 38, PC1: "$95,000" beside "€85,000" fed the weighting between roles)
    from ..intake.amounts import amount_currencies

    money = pd.concat([df["base_salary"], df["variable_target"]])
    found = amount_currencies(money.where(money != ""))
    if len(found) > 1:
        problems.append(Problem(file, f"salaries and targets are in several currencies "
                                      f"({', '.join(found)}); write them in one currency",
                                column="base_salary", quoted=tuple(found)))
    elif found:
        out.attrs["currency"] = found[0]
    out["component"], out["metric"] = df["component"], metric
    for c in ("weight", "commission_rate", "gate"):
        num, bad = _parse_number(df[c], percent=True)
        if c == "weight":
            bad_rows(df[c] == "", c, "empty cell; give the component's share of variable pay "
                                     "(0..1)")
        bad_rows(bad, c, lambda r, c=c: f"not a number: {df.at[r, c]!r}")
        bad_rows((num < 0) | (num > 1), c, lambda r, c=c: f"expected a fraction between 0 "
                 f"and 1 (e.g. 0.10 or 10%), got {df.at[r, c]!r}")
        if c == "gate":   # a gate of 0 stops no payout: it is no gate (attack 40, IN1)
            num = num.where(num != 0)
        out[c] = num
    out["applies_to"] = applies.where(applies != "", np.nan)
    has_rate = df["commission_rate"] != ""
    has_applies = df["applies_to"] != ""
    bad_rows(has_rate & ~has_applies, "applies_to",
             f"a commission_rate is given but applies_to is empty; say which won deals it "
             f"pays on ({', '.join(APPLIES_TO)})")
    bad_rows(~has_rate & has_applies, "commission_rate",
             "applies_to is given but commission_rate is empty; give the rate or clear "
             "applies_to")

    keys = [out["team"], out["role"]]
    for c in ("headcount", "base_salary", "variable_target"):
        first = out.groupby(keys, sort=False)[c].transform("first")
        differs = out[c].notna() & first.notna() & (out[c] != first)
        bad_rows(differs, c, lambda r, c=c, first=first: (
            f"differs from the first row of role {df.at[r, 'role']!r} "
            f"({first[r]:g}); one role has one {c}"))
    sums = out.groupby(keys, sort=False)["weight"].agg(["sum", "count"])
    first_rows = out.reset_index(names="_row").groupby(["team", "role"], sort=False)["_row"]
    rows_of = first_rows.agg(list)
    for (t, r), s in sums["sum"].items():
        if abs(s - 1.0) > WEIGHT_TOLERANCE:
            rlist = rows_of.loc[(t, r)]
            shown_team = df.at[rlist[0], "team"]  # the user's own spelling
            where = (f"row {rlist[0]}" if len(rlist) == 1 else
                     "rows " + ", ".join(map(str, rlist)))
            problems.append(Problem(
                file, f"weights of role {r!r} (team {shown_team!r}) sum to {s:.3g} over "
                f"{where}; the weights of one role must sum to 1",
                row=int(rlist[0]), column="weight", quoted=(repr(r), repr(shown_team))))
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    out["headcount"] = out["headcount"].astype("int64")
    out = out[list(COLUMNS)].reset_index(drop=True)
    for c in ("team", "role", "component", "metric"):
        out[c] = out[c].astype(str)
    out.attrs["file"] = file
    return out


def plan_fingerprint(plan: pd.DataFrame | None) -> str | None:
    """A short fingerprint of the canonical plan table (SHA-256 of its cells as CSV text,
    columns by name and rows sorted, 16 hex digits), stored in results.json so that the workshop's what-if, which re-reads the plan,
    can tell that it is the plan the results were computed from (attack 42b, WS1). None
    without a plan."""
    import hashlib

    if plan is None:
        return None
    # the same plan re-saved with its rows or columns in another order is the same plan
    # (attack 44b, W1): the cells as text, columns by name, rows sorted
    cells = plan.astype(str)
    cells = cells[sorted(cells.columns)]
    cells = cells.sort_values(list(cells.columns), kind="stable")
    text = cells.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
