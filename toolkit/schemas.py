"""Pandera schemas of the canonical tables (SPEC §2) and their column specifications.

:data:`COLUMNS` says, per canonical table, which columns exist, their kind (how the
intake parses them) and whether they are required. :func:`schema` builds the pandera
``DataFrameSchema`` of a table; :func:`check_table` validates a typed table lazily (every
failure collected) and translates pandera's failure cases into
:class:`~toolkit.exceptions.Problem` records with spreadsheet row numbers — the table's index
holds them (header = row 1).

Checks: required columns present; ids present and unique; ``team`` one of the canonical
teams; survey items 1..5 (NaN = not answered); ``FREQ``, ``level``, ``tenure`` and activity
``type`` from their category lists; datetimes between 1970 and 2100 (catches Excel serials
or two-digit years read wrongly); a won opportunity is closed; an activity names a lead or an
opportunity; every number is finite and within its column's plausible range
(:data:`MAX_AMOUNT`, :data:`MAX_SCORE`, :data:`MAX_COUNT`; ``attempts`` and ``amount`` not
negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pandera is imported only when a table fails the columnar checks
    import pandera.pandas as pa

from .config import TEAMS
from .exceptions import Problem

MAX_PROBLEMS_PER_CHECK = 20

#: Most rows accepted per input table: the large engagement the toolkit is built and
#: benchmarked for (SPEC §10, ``bench/engagements.py``) has 2,000 respondents, 1M leads and
#: 10M activities; these leave 10-50× headroom. A compressed input (a Parquet file whose
#: dictionary/run-length encoding turns 180 KB into a million rows) declaring more is
#: refused before it is read (review 13c P1) — the work would be out of all proportion.
MAX_ROWS: dict[str, int] = {"survey": 100_000, "leads": 20_000_000,
                            "opportunities": 10_000_000, "activities": 100_000_000,
                            "plan": 100_000}
#: Most cells (rows × columns) accepted per input table, for the same reason: a survey is
#: read cell by cell (2,000 respondents × ~100 columns = 0.2M cells at the large client).
MAX_CELLS: dict[str, int] = {"survey": 20_000_000, "leads": 2_000_000_000,
                             "opportunities": 1_000_000_000, "activities": 2_000_000_000,
                             "plan": 10_000_000}
#: Most bytes of text one input table may decode to, from a format that can expand: a
#: Parquet file (one dictionary entry, or a zstd-compressed page, repeated for every row: a
#: 25 KB file held 40 GB of text, review 13 N1) or a workbook (one shared string shown by
#: every cell, N3). The large engagement of SPEC §10 as CSV is ~0.6 GB of activities (10M
#: rows × ~55 bytes; the real-export sample has ~75 bytes a row) and ~0.1 GB of leads; 4 GiB
#: leaves room for a 10M-row export with ~400 bytes of subjects and notes a row, and is what
#: a workbook may hold as XML (``toolkit.spreadsheet.MAX_WORKBOOK_BYTES``). A CSV needs no
#: such bound: it cannot expand, its cost is linear in its bytes. Numbers, dates and flags
#: count at their widest text (24 bytes a value), which is how they are read.
MAX_TEXT_BYTES = 4 << 30

#: Largest money amount accepted in one cell (an opportunity's ``amount``; the plan's
#: ``base_salary`` and ``variable_target``, :mod:`toolkit.incentives.plan`): 10^15. It never
#: refuses a real export — a USD 1 billion deal written in the currency with the most units
#: to the dollar (Iranian rial, about 10^6 at market rate) is 10^15 — while every amount
#: up to it is exact to the unit in float64 (2^53 ≈ 9.007e15) and the sum of the largest
#: table's amounts (10M rows, :data:`MAX_ROWS`) stays below 10^22, far from overflow. A
#: larger value is a corrupt cell or an attack (``1e309`` overflows to infinity), and the
#: report's sums and shares would silently become null (attack 5, V1).
MAX_AMOUNT = 1e15
#: Largest lead ``score`` either side of zero (scores may be negative in HubSpot): scoring
#: tools use 0..100 or points in the thousands; 10^9 leaves six orders of magnitude.
MAX_SCORE = 1e9
#: Largest whole-number count in one cell (a lead's ``attempts``): a million calls and
#: e-mails to one lead; the analysis setting ``well_worked_attempts`` stops at 1,000.
MAX_COUNT = 1_000_000

try:  # the instrument is the single source of item codes (templates/instrument.csv)
    from .instrument import FREQ_LEVELS, LIKERT_ITEMS
except ImportError:  # pragma: no cover - fallback to the SPEC §3 list
    _SCALES = {"FAIR": 4, "TRUST": 3, "CONF": 4, "SUPP": 3, "SHARE": 3, "RINT": 3,
               "RFAIR": 3, "BIDIR": 3, "QUAL": 3, "DEFN": 3, "FEED": 2, "MAT": 12, "REFF": 3}
    LIKERT_ITEMS = [f"{s}{i}" for s, n in _SCALES.items() for i in range(1, n + 1)] + [
        "CLAIM_LEADS", "CLAIM_FOLLOW"]
    FREQ_LEVELS = ("daily", "several_weekly", "weekly", "monthly", "rarely", "never")

ITEM_CODES: tuple[str, ...] = tuple(LIKERT_ITEMS)
LEVELS = ("individual", "manager", "executive")
TENURES = ("<1y", "1-3y", "3-5y", "5y+")
ACTIVITY_TYPES = ("call", "email", "meeting", "other")
DATE_MIN, DATE_MAX = pd.Timestamp("1970-01-01"), pd.Timestamp("2100-01-01")


@dataclass(frozen=True)
class Col:
    """One canonical column: how it is parsed and whether it must be present.

    ``kind`` is ``"id"`` (text, present and unique), ``"text"``, ``"category"`` (text from
    ``values``, compared case-insensitively when typed), ``"datetime"``, ``"float"``,
    ``"count"`` (whole number ≥ 0, stored as float64), ``"bool"`` or ``"item"`` (1..5 as
    float64). ``low`` and ``high`` bound a number (``"float"``/``"count"``); a count
    defaults to 0..:data:`MAX_COUNT`, an item to 1..5.
    """

    kind: str
    required: bool = False
    nullable: bool = True
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    def bounds(self) -> tuple[float, float] | None:
        """The plausible range ``(low, high)`` of a numeric column, else ``None``."""
        if self.kind == "item":
            return 1.0, 5.0
        if self.kind == "count":
            return (self.low if self.low is not None else 0.0,
                    self.high if self.high is not None else float(MAX_COUNT))
        if self.kind == "float":
            return (self.low if self.low is not None else -MAX_AMOUNT,
                    self.high if self.high is not None else MAX_AMOUNT)
        return None


def _survey_columns() -> dict[str, Col]:
    cols = {
        "respondent_id": Col("id", True, False),
        "team": Col("category", True, False, TEAMS),
        "level": Col("category", values=LEVELS),
        "tenure": Col("category", values=TENURES),
        "region": Col("text"),
    }
    cols.update({code: Col("item") for code in ITEM_CODES})
    cols["FREQ"] = Col("category", values=tuple(FREQ_LEVELS))
    cols["OPEN1"] = Col("text")
    cols["OPEN2"] = Col("text")
    return cols


#: Canonical columns per table (SPEC §2.1–§2.4), in canonical order.
COLUMNS: dict[str, dict[str, Col]] = {
    "survey": _survey_columns(),
    "leads": {
        "lead_id": Col("id", True, False),
        "created_at": Col("datetime", True, False),
        "source": Col("text", True),
        "owner_id": Col("text"),
        "mql_at": Col("datetime"),
        "accepted_at": Col("datetime"),
        "rejected_at": Col("datetime"),
        "rejection_reason": Col("text"),
        "sql_at": Col("datetime"),
        "converted_at": Col("datetime"),
        "opportunity_id": Col("text"),
        "score": Col("float", low=-MAX_SCORE, high=MAX_SCORE),
        "first_touch_at": Col("datetime"),
        "attempts": Col("count"),
    },
    "opportunities": {
        "opportunity_id": Col("id", True, False),
        "lead_id": Col("text"),
        "created_at": Col("datetime", True, False),
        "closed_at": Col("datetime"),
        "stage": Col("text", True),
        "is_closed": Col("bool", True, False),
        "is_won": Col("bool", True, False),
        "amount": Col("float", True, low=0.0, high=MAX_AMOUNT),
        "owner_id": Col("text", True),
        "source": Col("text"),
    },
    "activities": {
        "activity_id": Col("id", True, False),
        "lead_id": Col("text"),
        "opportunity_id": Col("text"),
        "owner_id": Col("text", True),
        "type": Col("category", True, False, ACTIVITY_TYPES),
        "occurred_at": Col("datetime", True, False),
    },
}

#: The columns by which :func:`toolkit.intake.canonical` recognises a canonical file.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "survey": ("respondent_id", "team"),
    "leads": ("lead_id", "created_at"),
    "opportunities": ("opportunity_id", "is_won"),
    "activities": ("activity_id", "occurred_at"),
}


def _dtype(col: Col):
    return {"datetime": "datetime64[ns]", "float": "float64", "count": "float64",
            "item": "float64", "bool": "bool"}.get(col.kind)


def _checks(name: str, col: Col) -> list[pa.Check]:
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    if col.kind == "category" and col.values:
        checks.append(pa.Check.isin(list(col.values)))
    elif col.kind == "item":
        checks.append(pa.Check.in_range(1, 5))
        checks.append(pa.Check(lambda s: s.isna() | (s == s.round()), element_wise=False,
                               name="whole_number"))
    elif col.kind == "datetime":
        checks.append(pa.Check.in_range(DATE_MIN, DATE_MAX))
    elif col.kind in ("count", "float"):
        low, high = col.bounds()
        checks.append(pa.Check.ge(low))
        checks.append(pa.Check.le(high))
    return checks


def schema(table: str) -> pa.DataFrameSchema:
    """Return the pandera schema of canonical table *table*.

    Parameters
    ----------
    table : {"survey", "leads", "opportunities", "activities"}

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Columns with dtype, nullability, uniqueness and value checks; extra columns allowed
        (``strict=False``); dataframe-wide checks for opportunities (won ⇒ closed) and
        activities (a lead or an opportunity is named).
    """
    import pandera.pandas as pa

    cols = {}
    for name, col in COLUMNS[table].items():
        cols[name] = pa.Column(_dtype(col), checks=_checks(name, col),
                               nullable=col.nullable, unique=col.kind == "id",
                               required=col.required, coerce=False, name=name)
    wide: list[pa.Check] = []
    if table == "opportunities":
        wide.append(pa.Check(lambda df: ~(df["is_won"].astype(bool)
                                          & ~df["is_closed"].astype(bool))
                             if {"is_won", "is_closed"} <= set(df.columns) else True,
                             name="won_is_closed",
                             error="is_won is true but is_closed is false"))
    if table == "activities":
        wide.append(pa.Check(_activity_target, name="activity_target",
                             error="names neither a lead_id nor an opportunity_id"))
    return pa.DataFrameSchema(cols, checks=wide, strict=False, coerce=False)


def _activity_target(df: pd.DataFrame):
    have = [c for c in ("lead_id", "opportunity_id") if c in df.columns]
    if not have:
        return pd.Series(False, index=df.index)
    # column by column (a row-wise any over a 10M-row frame is several times slower)
    hit = df[have[0]].notna().to_numpy(bool)
    for c in have[1:]:
        hit = hit | df[c].notna().to_numpy(bool)
    return pd.Series(hit, index=df.index)


#: dataframe-wide checks: error text -> column named in the problem
_WIDE_ERRORS = {"is_won is true but is_closed is false": "is_won",
                "names neither a lead_id nor an opportunity_id": "lead_id"}


def _message(table: str, column: str | None, check: str, case) -> str:
    col = COLUMNS.get(table, {}).get(column or "")
    if check == "not_nullable":
        return "empty value; this column is required"
    if check.startswith("isin"):
        if column == "team":
            return f"unknown team {case!r}; expected one of {', '.join(TEAMS)} (map raw " \
                   "team names with [survey] team_map)"
        values = ", ".join(col.values) if col else ""
        return f"unknown value {case!r}; expected one of {values}"
    if check.startswith("in_range") and col is not None and col.kind == "item":
        return f"answer {_plain(case)} is outside the 1..5 scale"
    if check.startswith("in_range") and col is not None and col.kind == "datetime":
        return f"implausible date {_plain(case)}; expected a date between 1970 and 2100"
    if check == "whole_number":
        return f"answer {_plain(case)} is not a whole number 1..5"
    if check.startswith("greater_than_or_equal_to"):
        low = col.bounds()[0] if col is not None and col.bounds() else 0
        if low == 0:
            return f"negative value {_plain(case)}"
        return f"value {_plain(case)} is implausibly low; expected at least {_num(low)}"
    if check.startswith("less_than_or_equal_to"):
        high = col.bounds()[1] if col is not None and col.bounds() else None
        return (f"value {_plain(case)} is implausibly large; expected at most {_num(high)} "
                "(a corrupt cell, or amounts in the wrong unit?)")
    if check.startswith("dtype"):
        return f"wrong data type ({case}); expected {_dtype(col) if col else 'another type'}"
    return f"{check} failed for {case!r}"


def _num(x) -> str:
    """A bound as the messages write it: ``1,000,000`` or ``1e+15``."""
    if x is None:
        return "a plausible value"
    return f"{x:,.0f}" if abs(x) < 1e12 else f"{x:g}"


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def _row(idx) -> int | None:
    try:
        return None if idx is None or pd.isna(idx) else int(idx)
    except (TypeError, ValueError):
        return None


#: Columns whose values identify a respondent: messages name their row, never their value.
IDENTIFIER_COLUMNS = frozenset({"respondent_id"})


def schema_problems(err: pa.errors.SchemaErrors, table: str, file: str) -> list[Problem]:
    """Translate pandera's lazy failure cases into Problems (file, row, column).

    Duplicated ids are reported on every later occurrence naming the first row;
    at most :data:`MAX_PROBLEMS_PER_CHECK` rows are listed per column and check, then one
    problem counts the rest.
    """
    fc = err.failure_cases
    problems: list[Problem] = []
    for text, wide_col in _WIDE_ERRORS.items():
        rows = sorted({r for r in fc.loc[fc["check"] == text, "index"].map(_row)
                       if r is not None})
        for r in rows[:MAX_PROBLEMS_PER_CHECK]:
            problems.append(Problem(file, text, row=r, column=wide_col))
        if len(rows) > MAX_PROBLEMS_PER_CHECK:
            problems.append(Problem(file, f"... and {len(rows) - MAX_PROBLEMS_PER_CHECK} more "
                                    "rows with the same problem", column=wide_col))
    for (column, check), group in fc.groupby(["column", "check"], dropna=False, sort=False):
        column = None if pd.isna(column) else str(column)
        check = str(check)
        if check == "column_in_dataframe":
            for case in group["failure_case"]:
                problems.append(Problem(file, "required column is missing", column=str(case)))
            continue
        if check == "field_uniqueness":
            rows = group.assign(row=group["index"].map(_row)).sort_values("row")
            listed = 0
            for value, g in rows.groupby("failure_case", sort=False):
                first = g["row"].iloc[0]
                for r in g["row"].iloc[1:]:
                    if listed < MAX_PROBLEMS_PER_CHECK:
                        # A respondent id is never quoted (it may be an e-mail; SPEC §8).
                        shown = "" if column in IDENTIFIER_COLUMNS else f" {value!r}"
                        problems.append(Problem(file, f"duplicate {column}{shown} (first on "
                                                f"row {first})", row=r, column=column,
                                                quoted=(repr(value),)))
                    listed += 1
            if listed > MAX_PROBLEMS_PER_CHECK:
                problems.append(Problem(file, f"... and {listed - MAX_PROBLEMS_PER_CHECK} more "
                                        "duplicate ids", column=column))
            continue
        if check in _WIDE_ERRORS:
            continue  # dataframe-wide checks: handled below, once per row
        group = group.assign(row=group["index"].map(_row)).sort_values("row")
        for _, rec in group.head(MAX_PROBLEMS_PER_CHECK).iterrows():
            # the cell value a message quotes is withheld from kept files (attack 19, LG3)
            problems.append(Problem(file, _message(table, column, check, rec["failure_case"]),
                                    row=rec["row"], column=column,
                                    quoted=(repr(rec["failure_case"]),
                                            _plain(rec["failure_case"]))))   # 1.2e11 as 1146…
        if len(group) > MAX_PROBLEMS_PER_CHECK:
            problems.append(Problem(file, f"... and {len(group) - MAX_PROBLEMS_PER_CHECK} more "
                                    "rows with the same problem", column=column))
    return problems


def _unique(s: pd.Series) -> bool:
    """True when *s* holds no value twice; a strictly sorted column (as exports usually
    are) is proven unique by one comparison pass, anything else by hashing."""
    if len(s) < 2:
        return True
    try:
        import pyarrow as pa_
        import pyarrow.compute as pc

        arr = pa_.array(s.array) if not s.hasnans else None
        if arr is not None and (pc.all(pc.less(arr[:-1], arr[1:])).as_py()
                                or pc.all(pc.greater(arr[:-1], arr[1:])).as_py()):
            return True
    except Exception:  # noqa: BLE001 - not comparable in Arrow: hash below
        pass
    return s.nunique(dropna=False) == len(s)


def _passes(df: pd.DataFrame, table: str) -> bool:
    """True when *df* certainly passes every check of :func:`schema` (columnar, vectorised).

    The same checks as the pandera schema, on whole columns with NumPy/Arrow kernels (ids
    unique through one hash pass, no per-check copies); pandera then runs only when
    something fails, to word the problems with their rows. ``False`` means "not sure".
    """
    import numpy as np

    if table not in COLUMNS or (table == "survey"
                                and not any(c in df.columns for c in ITEM_CODES)):
        return False
    for name, col in COLUMNS[table].items():
        if name not in df.columns:
            if col.required:
                return False
            continue
        s = df[name]
        if isinstance(s, pd.DataFrame):
            return False  # duplicate column names
        dtype = _dtype(col)
        if dtype is not None and str(s.dtype) != dtype:
            return False
        null = s.isna().to_numpy()
        some_null = bool(null.any())
        if not col.nullable and some_null:
            return False
        if col.kind == "id" and not _unique(s):
            return False
        # the values present; without a missing one, the column itself (no copy)
        present = (lambda: s[~null]) if some_null else (lambda: s)
        if col.kind == "category" and col.values:
            if not present().isin(list(col.values)).all():
                return False
        elif col.kind == "item":
            v = present().to_numpy()
            if ((v < 1) | (v > 5) | (v != np.round(v))).any():
                return False
        elif col.kind == "datetime":
            v = present().to_numpy()
            if len(v) and (v.min() < DATE_MIN.to_datetime64()
                           or v.max() > DATE_MAX.to_datetime64()):
                return False
        elif col.kind in ("count", "float"):
            low, high = col.bounds()
            v = present().to_numpy()
            # NaN (missing) compares False; infinity fails either bound
            if ((v < low) | (v > high)).any():
                return False
    if table == "opportunities" and {"is_won", "is_closed"} <= set(df.columns):
        if (df["is_won"].to_numpy(dtype=bool) & ~df["is_closed"].to_numpy(dtype=bool)).any():
            return False
    if table == "activities" and not _activity_target(df).all():
        return False
    return True


def check_table(df: pd.DataFrame, table: str, file: str) -> list[Problem]:
    """Validate a typed canonical table; return every problem (empty list when valid).

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical columns typed as ``docs/architecture.md`` says; index = spreadsheet row
        numbers.
    table : {"survey", "leads", "opportunities", "activities"}
    file : str
        File name for the problems.

    Returns
    -------
    list of Problem
        Missing required columns, empty required values, duplicate ids, unknown categories,
        out-of-range answers and dates, negative counts or amounts, numbers outside their
        column's plausible range (or not finite), row-level inconsistencies; all of them (lazy validation), with row and column.
    """
    if _passes(df, table):
        return []
    problems: list[Problem] = []
    if table == "survey" and not any(c in df.columns for c in ITEM_CODES):
        problems.append(Problem(file, "no survey item columns found (expected item codes "
                                "such as FAIR1, TRUST1, ... as column names)"))
    import pandera.pandas as pa

    try:
        schema(table).validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += schema_problems(err, table, file)
    return problems
