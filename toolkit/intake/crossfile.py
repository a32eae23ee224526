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
    s = _sample(series.dropna())
    if s.empty:
        return None
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            return "offset"
        ns = s.astype("datetime64[ns]").to_numpy().astype(np.int64)
        return "local" if (ns % 86_400_000_000_000).any() else None
    t = s.astype(str).str.strip()
    off = t.str.contains(r"\d[T ]\d.*(?:Z|[+-]\d{2}(?::?\d{2})?)$", regex=True)
    # a time of day: hh:mm, or the fraction of an Excel serial day number ("45718.583333",
    # a local time with no offset; attack 44, A44-3)
    timed = t.str.contains(r"\d{1,2}:\d{2}", regex=True) | \
        t.str.fullmatch(r"\d{4,6}\.\d*[1-9]\d*", na=False)
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


#: A Salesforce record id: 15 case-sensitive characters, or 18 with a 3-character checksum
#: suffix; the first three (the object's key prefix) start with a digit.
_SF_ID = r"^[0-9][0-9A-Za-z]{14}(?:[0-9A-Za-z]{3})?$"

#: (table, column, table it points into, column there): the links of the CRM files.
_LINKS = (("activities", "lead_id", "leads", "lead_id"),
          ("leads", "opportunity_id", "opportunities", "opportunity_id"),
          ("opportunities", "lead_id", "leads", "lead_id"))

#: Share of a link's ids that may point nowhere before a warning (deleted records, a
#: filtered export); none linking at all is a problem.
UNLINKED_WARN = 0.05


#: Columns holding ids of one kind of record, across the CRM tables.
_ID_GROUPS = ((("leads", "lead_id"), ("activities", "lead_id"), ("opportunities", "lead_id")),
              (("opportunities", "opportunity_id"), ("leads", "opportunity_id"),
               ("activities", "opportunity_id")))


def salesforce_ids(data) -> None:
    """Read Salesforce record ids in their 15-character form when the columns holding ids
    of one kind of record (lead ids; opportunity ids) mix 18-character ids (a Data Loader
    export) and 15-character ones (a report): the two forms of one record then link
    (attack 43, CRM3/CRM4). A group is changed only when every one of its columns holds
    Salesforce-shaped ids; in place."""
    for group in _ID_GROUPS:
        cols = [(t, c) for t, c in group
                if getattr(data, t, None) is not None and c in getattr(data, t).columns]
        lengths: set[int] = set()
        shaped = True
        for table, col in cols:     # judged on a sample first: millions of activities
            s = _sample(getattr(data, table)[col].dropna()).astype(str)
            if s.empty:
                continue
            if not s.str.match(_SF_ID).all():
                shaped = False
                break
            lengths |= set(s.str.len().unique().tolist())
        if not shaped or lengths != {15, 18} or not all(
                _salesforce_shaped(getattr(data, t)[c].dropna().astype(str)) for t, c in cols):
            continue
        cut = {}
        for table, col in cols:
            s = getattr(data, table)[col]
            cut[(table, col)] = s.where(s.isna(), s.astype(str).str.slice(0, 15)).astype(s.dtype)
            if s.nunique() != cut[(table, col)].nunique() and (table, col) == group[0]:
                break   # cutting would merge records: not one record's two forms (A45B-1)
        else:
            for (table, col), new in cut.items():
                getattr(data, table)[col] = new


#: The alphabet of a Salesforce id's 3-character suffix: 5 bits each, which of the 15
#: characters before it are capitals.
_SF_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)


def _salesforce_shaped(ids: pd.Series) -> bool:
    """Whether every id is a Salesforce id: 15 or 18 characters of the shape, and an
    18-character one carries the checksum of its first 15 (attack 45b, A45B-1: 18-digit
    numbers are no Salesforce ids, and cutting them to 15 merged leads)."""
    if not ids.str.match(_SF_ID).all():
        return False
    long = ids[ids.str.len() == 18]
    if long.empty:
        return True
    raw = np.frombuffer("".join(long.tolist()).encode("ascii"), dtype=np.uint8)
    raw = raw.reshape(len(long), 18)
    upper = ((raw[:, :15] >= 65) & (raw[:, :15] <= 90)).reshape(len(long), 3, 5)
    bits = (upper * np.array([1, 2, 4, 8, 16], dtype=np.uint8)).sum(axis=2)
    return bool((_SF_SUFFIX[bits] == raw[:, 15:]).all())


def day_clock_warnings(data, paths: dict[str, str]) -> list[str]:
    """A warning when the leads' creation dates carry no time of day and the activities
    carry times (attack 44, A44-2): hours to the first touch are then counted from the
    start of the creation day, up to a day too many, so speed and the SLA share read worse
    than they are. Many lead exports give dates only, so this is said, not refused."""
    acts, leads = getattr(data, "activities", None), getattr(data, "leads", None)
    if acts is None or leads is None or "occurred_at" not in acts.columns or \
            "created_at" not in leads.columns or leads["created_at"].dropna().empty or \
            acts["occurred_at"].dropna().empty:
        return []
    if clock(leads["created_at"]) is not None or clock(acts["occurred_at"]) is None:
        return []
    return [f"{paths.get('leads', 'leads')}: lead creation dates carry no time of day, but "
            f"{paths.get('activities', 'activities')} gives the activities' times: hours to "
            "the first touch are counted from the start of the creation day (up to a day "
            "too many), so speed to first touch and the share within the SLA read worse than "
            "they are; export the leads with their creation time to measure them"]


def link_problems(data, paths: dict[str, str]) -> tuple[list[Problem], list[str]]:
    """Ids of one CRM file that name no record of the file they point into (attack 43,
    CRM3/CRM4): no lead id of the activities in the leads file, no converted lead's
    opportunity id in the opportunities file. Every figure built on that link (touches,
    speed, the funnel's won deals) would read as zero without a word.

    Returns
    -------
    (list of Problem, list of str)
        No problems (a file that links nothing may still carry its own figures); a warning
        naming the file, the column and the counts when none of the ids matches or more
        than :data:`UNLINKED_WARN` of them match nothing (the ids are not quoted).
    """
    problems, warnings = [], []
    for table, col, other, other_col in _LINKS:
        a, b = getattr(data, table, None), getattr(data, other, None)
        if a is None or b is None or col not in a.columns or other_col not in b.columns:
            continue
        from ..crm.engine import member   # the matching the measures use (Arrow, no loop)

        n = int(a[col].notna().sum())
        if not n:
            continue
        hit = member(a[col], b[other_col])       # a missing id is no member: not counted
        miss = n - int(hit.sum())
        where = paths.get(table, table)
        if miss == n and b[other_col].notna().any():
            # a warning, not a refusal: a test extract or a filtered export may link nothing
            # and still hold the other files' figures; what rests on the link says so
            warnings.append(
                f"{where}: none of the {n:,} {col} values names a record of "
                f"{paths.get(other, other)}: the files do not link, so every figure built on "
                "that link (touches and speed for activities, won deals for converted leads) "
                "reads as none; export the files from one CRM with the same ids "
                "(Salesforce's 15- and 18-character ids are read as one)")
        elif miss / n > UNLINKED_WARN:
            warnings.append(f"{where}: {miss:,} of {n:,} {col} values ({miss / n:.0%}) name no "
                            f"record of {paths.get(other, other)}; figures built on that link "
                            "leave them out")
    return problems, warnings


def _sample(s: pd.Series) -> pd.Series:
    """The first and last :data:`CLOCK_SAMPLE` values of *s* (all of a short one)."""
    return s if len(s) <= 2 * CLOCK_SAMPLE else pd.concat([s.iloc[:CLOCK_SAMPLE],
                                                          s.iloc[-CLOCK_SAMPLE:]])


def day_clock_problems(data, paths: dict[str, str]) -> list[Problem]:
    """A problem when the activities carry dates without a time of day and the leads carry
    times (attack 43, CRM1): a touch on a lead's first day reads as midnight, before the
    lead was created, and falls out of the touch window: speed to first touch cannot be
    measured in hours (the other way round is a warning: :func:`day_clock_warnings`)."""
    acts, leads = getattr(data, "activities", None), getattr(data, "leads", None)
    if acts is None or leads is None or "occurred_at" not in acts.columns or \
            "created_at" not in leads.columns:
        return []
    if acts["occurred_at"].dropna().empty or leads["created_at"].dropna().empty:
        return []
    act_clock, lead_clock = clock(acts["occurred_at"]), clock(leads["created_at"])
    if act_clock is not None or lead_clock is None:
        return []
    return [Problem(paths.get("activities", "activities"),
                    f"activity dates carry no time of day, but {paths.get('leads', 'leads')} "
                    "gives the leads' creation times: a touch on a lead's first day would read "
                    "as midnight, before the lead was created, and speed to first touch cannot "
                    "be measured in hours; export the activities with their time (in "
                    "Salesforce, the task's Created Date or Completed Date/Time)",
                    column="occurred_at")]
