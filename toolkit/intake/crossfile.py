"""Checks across an engagement's input files: what each file is read correctly on its own
but cannot be combined with another as read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import Problem

#: Values of a column :func:`clock` reads (its first and last ones): offsets are written
#: the same way through an export, and a column mixing them is warned about by the parser.
CLOCK_SAMPLE = 2_000


def clock(series: pd.Series) -> str | None:
    """What clock a datetime column's times are on: ``"offset"`` when they carry a UTC
    offset (``Z``, ``-08:00``; read as UTC), ``"local"`` when they carry a time of day and
    no offset (read as written), ``"mixed"`` for both in one column (the parser warns about
    it), ``None`` for dates without a time (no clock to disagree).

    Judged from the column's first and last :data:`CLOCK_SAMPLE` values (text as exported,
    or native timestamps), so that it costs nothing measurable on millions of rows.
    """
    s = series.dropna()
    if len(s) > 2 * CLOCK_SAMPLE:
        s = pd.concat([s.iloc[:CLOCK_SAMPLE], s.iloc[-CLOCK_SAMPLE:]])
    if s.empty:
        return None
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            return "offset"
        ns = s.astype("datetime64[ns]").to_numpy().astype(np.int64)
        return "local" if (ns % 86_400_000_000_000).any() else None
    t = s.astype(str).str.strip()
    off = t.str.contains(r"\d[T ]\d.*(?:Z|[+-]\d{2}(?::?\d{2})?)$", regex=True)
    timed = t.str.contains(r"\d{1,2}:\d{2}", regex=True)
    if off.any():   # a column mixing both is warned about by the parser ("read as UTC")
        return "mixed" if (timed & ~off).any() else "offset"
    return "local" if timed.any() else None


#: The CRM tables whose times are subtracted from each other (a lead's creation, MQL date and
#: the rest; its activities; its opportunity).
_CLOCK_TABLES = ("leads", "activities", "opportunities")


def offset_problems(intakes) -> list[Problem]:
    """A problem when the CRM's times disagree on UTC offsets: some columns' times carry an
    offset (read as UTC) and others' do not (read as written, a local time), so every hour
    between them is off by the offset (attack 37, TZ1: the share of leads touched within the
    SLA fell from 0.87 to 0.56 without a word; attack 38, TZ2: through ``mql_at`` alone).
    Columns of dates without a time are on no clock and never disagree.

    Parameters
    ----------
    intakes : iterable of FileIntake
        The engagement's intake records (``clocks`` by canonical column, :func:`clock`).
    """
    on: dict[str, list[tuple[str, str]]] = {"offset": [], "local": []}
    for rec in intakes:
        if rec.table in _CLOCK_TABLES:
            for col, kind in rec.clocks.items():
                if kind in on:
                    on[kind].append((rec.path, col))
    if not on["offset"] or not on["local"]:
        return []
    (with_path, with_col), (path, col) = on["offset"][0], on["local"][0]
    more = len(on["local"]) - 1
    return [Problem(path, f"times carry no UTC offset, but {with_path} ({with_col}) gives one"
                          + (f" (and {more} other column(s) carry none)" if more else "")
                          + ": the hours between them would be off by the offset; export "
                          "every CRM file with offsets or every one without", column=col)]
