"""Filters of the workshop view by side, level and region — never a group under the threshold.

The room may ask "and what do the managers think?". Each filter value is offered only when
showing it keeps every group at or above ``min_group_size`` (SPEC §8):

* the counts of the value's respondents are checked in three breakdowns — the sales side,
  the marketing side and all respondents — with :func:`toolkit.privacy.suppress_counts`
  (primary suppression below the threshold, plus *complementary* suppression, so that a
  hidden group cannot be recovered by subtracting the shown values from the total the room
  has already seen);
* with two filters at once (a level *and* a region) the values of one dimension are checked
  within the subset selected by the other, so "managers in EMEA" is offered only when it is
  safe inside the managers and inside EMEA.

A value with no respondents is not offered. A value hidden in any breakdown is not offered,
and asking for it anyway returns a hidden result that does not say how many people it holds.
This protects against subtraction within one breakdown, as the report does; it is not a full
disclosure-control audit over every combination of filters, so the consultant should not
write down figures from many overlapping views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import SIDES
from ..exceptions import InputError
from ..privacy import suppress_counts, suppression_note
from ..survey.groups import REST, SIDE_NAMES, assign_groups

DIMENSIONS = ("level", "region")


def _side(survey: pd.DataFrame) -> pd.Series:
    team = (survey["team"].astype("string").fillna("other") if "team" in survey
            else pd.Series("other", index=survey.index, dtype="string"))
    return team.map(lambda t: SIDES.get(t, REST)).astype(str)


def _dim(survey: pd.DataFrame, dim: str) -> pd.Series:
    if dim not in DIMENSIONS:
        raise InputError(f"unknown filter {dim!r}; expected one of {', '.join(DIMENSIONS)}")
    if dim not in survey:
        return pd.Series(pd.NA, index=survey.index, dtype="string")
    s = survey[dim].astype("string").str.strip()
    return s.where(s != "")


def _safe_values(survey: pd.DataFrame, dim: str, k: int) -> tuple[list[str], list[dict]]:
    """Values of *dim* shown in every breakdown (sales side, marketing side, all)."""
    values = _dim(survey, dim)
    side = _side(survey)
    present = sorted(values.dropna().unique().tolist())
    hidden: set = set()
    records: list = []
    for name, mask in (("sales side", side == "sales"), ("marketing side",
                                                           side == "marketing"),
                       ("all respondents", pd.Series(True, index=survey.index))):
        counts = values[mask].value_counts().to_dict()
        sup = suppress_counts(counts, k, where=f"workshop.filter.{dim} ({name})")
        hidden |= sup.hidden
        records += sup.records
    return [v for v in present if v not in hidden], records


def _subset(survey: pd.DataFrame, dim: str, value: str | None) -> pd.DataFrame:
    if value is None:
        return survey
    return survey.loc[(_dim(survey, dim) == value).fillna(False).to_numpy(bool)]


def filter_options(survey: pd.DataFrame | None, min_group_size: int, *,
                   level: str | None = None, region: str | None = None
                   ) -> dict[str, list[str]]:
    """Filter values that may be offered to the room.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table (SPEC §2.1).
    min_group_size : int
        Anonymity threshold.
    level, region : str, optional
        The current selection of the *other* dimension: the values of ``region`` are
        checked within the chosen level and vice versa.

    Returns
    -------
    dict
        ``{"level": [...], "region": [...]}``, sorted; only safe values (see the module
        docstring). Empty lists when the survey lacks the column.
    """
    out = {d: [] for d in DIMENSIONS}
    if survey is None or len(survey) == 0:
        return out
    chosen = {"level": level, "region": region}
    for dim in DIMENSIONS:
        other = "region" if dim == "level" else "level"
        base = _subset(survey, other, chosen[other])
        out[dim], _ = _safe_values(base, dim, int(min_group_size))
    return out


@dataclass
class FilterResult:
    """Outcome of :func:`filter_respondents`.

    Attributes
    ----------
    frame : pandas.DataFrame or None
        The respondents of the view; ``None`` when the view must stay hidden.
    label : str
        The view in words ("Managers · EMEA · sales side").
    shown : bool
        Whether the view may be shown.
    message : str
        Why the view is hidden (never with a count), or ``""``.
    suppressed : list of dict
        ``{where, group, reason}`` records of hidden values.
    """

    frame: pd.DataFrame | None
    label: str
    shown: bool
    message: str = ""
    suppressed: list = field(default_factory=list)


def _label(side, level, region) -> str:
    parts = [str(level).replace("_", " ").capitalize() if level else "All levels",
             str(region) if region else "all regions"]
    parts.append(f"{side} side" if side else "both sides")
    return " · ".join(parts)


def filter_respondents(survey: pd.DataFrame | None, min_group_size: int, *,
                       side: str | None = None, level: str | None = None,
                       region: str | None = None) -> FilterResult:
    """Select the respondents of a workshop view, or refuse when it would reveal a group.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table.
    min_group_size : int
        Anonymity threshold.
    side : {"sales", "marketing"}, optional
        Keep one side only (sales side = ``sales`` + ``sales_development``).
    level, region : str, optional
        Keep one level / one region; ``None`` = all.

    Returns
    -------
    FilterResult
        Hidden (``frame`` None) when a chosen value is not offered by
        :func:`filter_options`, when the view has fewer than ``min_group_size``
        respondents, or when a chosen side has fewer than ``min_group_size``.

    Raises
    ------
    InputError
        Unknown side.

    Examples
    --------
    With 4 executives on the sales side, ``level="executive"`` is hidden, and so is the
    next-smallest level of that side (complementary suppression).
    """
    if side not in (None, *SIDE_NAMES):
        raise InputError(f"unknown side {side!r}; expected sales or marketing")
    k = int(min_group_size)
    label = _label(side, level, region)
    if survey is None or len(survey) == 0:
        return FilterResult(None, label, False, "No survey responses.")
    opts = filter_options(survey, k, level=level, region=region)
    records: list = []
    for dim, value in (("level", level), ("region", region)):
        if value is not None and value not in opts[dim]:
            other = "region" if dim == "level" else "level"
            base = _subset(survey, other, {"level": level, "region": region}[other])
            _, recs = _safe_values(base, dim, k)
            records += [r for r in recs if r["group"] == value] or [
                {"where": f"workshop.filter.{dim}", "group": value,
                 "reason": "below_threshold"}]
            note = suppression_note(records, k) or (
                f"{value} is hidden for anonymity: fewer than {k} respondents.")
            return FilterResult(None, label, False, note, records)
    sub = _subset(_subset(survey, "level", level), "region", region)
    if side is not None:
        sub = sub.loc[(_side(sub) == side).to_numpy(bool)]
        if len(sub) < k:
            return FilterResult(None, label, False,
                                f"This view is hidden for anonymity: the {side} side has "
                                f"fewer than {k} respondents here.",
                                [{"where": "workshop.filter", "group": label,
                                  "reason": "below_threshold"}])
        return FilterResult(sub, label, True)
    g = assign_groups(sub, k)
    if not g.all_shown:
        return FilterResult(None, label, False,
                            f"This view is hidden for anonymity: fewer than {k} respondents.",
                            [{"where": "workshop.filter", "group": label,
                              "reason": "below_threshold"}])
    return FilterResult(sub, label, True, "", list(g.suppressed))
