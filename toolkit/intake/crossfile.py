"""Checks across an engagement's input files: what each file is read correctly on its own
but cannot be combined with another as read."""

from __future__ import annotations

from ..exceptions import Problem


#: The times one CRM measure subtracts from another: a lead's creation and its activities
#: (speed to first touch, the SLA share).
_CLOCKS = {"leads": "created_at", "activities": "occurred_at"}


def offset_problems(intakes) -> list[Problem]:
    """A problem when the lead and activity times disagree on UTC offsets: one file's times
    carry an offset (read as UTC) and the other's do not (read as written, a local time),
    so every hour between a lead and its first touch is off by the offset (attack 37, TZ1:
    the share of leads touched within the SLA fell from 0.87 to 0.56 without a word).

    Parameters
    ----------
    intakes : iterable of FileIntake
        The engagement's intake records (``date_formats`` by canonical column).
    """
    seen = {}
    for rec in intakes:
        col = _CLOCKS.get(rec.table)
        fmt = rec.date_formats.get(col) if col else None
        if fmt:
            seen[rec.table] = (rec.path, col, "UTC offset" in fmt)
    if len(seen) < 2 or seen["leads"][2] == seen["activities"][2]:
        return []
    (with_path, with_col, _), (without_path, without_col, _) = sorted(
        seen.values(), key=lambda v: not v[2])
    return [Problem(without_path, f"times carry no UTC offset, but {with_path} ({with_col}) "
                                  "gives one: the hours between a lead and its first touch "
                                  "would be off by the offset; export both files with offsets "
                                  "or both without", column=without_col)]
