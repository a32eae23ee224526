"""Filters of the workshop view by side, level and region — never a group under the threshold.

These rules run at analysis time: :func:`toolkit.workshop.store.build_reveal_views` applies
them to every view the drop-downs can select and stores the outcome in results.json, which
the live session serves (it never reads the survey).

The room may ask "and what do the managers think?". Each filter value is offered only when
showing it keeps every group at or above ``min_group_size`` (SPEC §8):

* within the value, the sales side, the marketing side and the other teams (revops,
  leadership, other — counted in the "all" figure) must each hold 0 or at least
  ``min_group_size`` people; the values not offered plus the blanks form a complement whose
  groups must also be 0 or ≥ the threshold (else the smallest offered value is withheld too:
  complementary suppression). Every figure the room can see, and every difference between
  a region view and the unfiltered view, is then a sum of cells of at least the threshold;
* :func:`answers_safe` repeats the check on the people who *answered* the question revealed
  (someone may skip a question), and the workshop hides a filtered view that fails it;
* with two filters at once (a level *and* a region) the values of one dimension are checked
  within the subset selected by the other, so "managers in EMEA" is offered only when it is
  safe inside the managers and inside EMEA.

A value with no respondents is not offered. A value hidden in any breakdown is not offered,
and asking for it anyway returns a hidden result that does not say how many people it holds.
This protects against subtraction between the unfiltered view and the views of one
dimension; it is not a full disclosure-control audit over every combination of filters, so
the consultant should not write down figures from many overlapping views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocab import SIDE_OF_TEAM as SIDES
from ..exceptions import InputError
from ..privacy import BELOW_THRESHOLD, COMPLEMENTARY
from ..survey.groups import REST, SIDE_NAMES, assign_groups

DIMENSIONS = ("level", "region")


def _side(survey: pd.DataFrame) -> pd.Series:
    team = (survey["team"].astype("string").fillna("other") if "team" in survey
            else pd.Series("other", index=survey.index, dtype="string"))
    return team.astype(object).map(SIDES).fillna(REST).astype(str)


def _dim(survey: pd.DataFrame, dim: str) -> pd.Series:
    if dim not in DIMENSIONS:
        raise InputError(f"unknown filter {dim!r}; expected one of {', '.join(DIMENSIONS)}")
    if dim not in survey:
        return pd.Series(pd.NA, index=survey.index, dtype="string")
    s = survey[dim].astype("string").str.strip()
    return s.where(s != "")


_GROUPS = ("sales", "marketing", REST)
_POOLED = "\x00not offered"  # the pooled complement (cannot clash with a value)


def _cells(values: pd.Series, side: pd.Series) -> pd.DataFrame:
    """Respondents per value (rows, sorted) and group (sales side, marketing side, other
    teams); a cross-tabulation by ``factorize`` + ``bincount`` (no pivot table)."""
    present = values.notna().to_numpy(bool)
    codes, uniq = pd.factorize(values[present], sort=True)
    group = side[present].map({g: i for i, g in enumerate(_GROUPS)}).to_numpy(int)
    counts = np.bincount(codes * len(_GROUPS) + group,
                         minlength=len(uniq) * len(_GROUPS)).reshape(len(uniq), len(_GROUPS))
    return pd.DataFrame(counts, index=pd.Index(list(uniq), dtype=object),
                        columns=list(_GROUPS))


def _unsafe(counts: pd.Series | pd.DataFrame, k: int):
    """True where some group holds between 1 and ``k - 1`` people."""
    small = (counts > 0) & (counts < k)
    return small.any(axis=1) if isinstance(counts, pd.DataFrame) else bool(small.any())


#: Partitions worked out already, by their exact inputs (threshold, then each respondent's
#: value and side in row order): building the workshop's views asks for the partition of the
#: same respondents many times (issue 18). At most :data:`PARTITIONS_KEPT`, oldest out.
_PARTITIONS: dict[tuple, tuple] = {}
PARTITIONS_KEPT = 64


def _partition(values: pd.Series, side: pd.Series, k: int
               ) -> tuple[list[str], list[str], list[str]]:
    """:func:`_partition_of`, remembered by its inputs (the same lists, as new lists)."""
    key = (int(k), tuple(values.astype(object).where(values.notna(), None)),
           tuple(side.astype(object)))
    found = _PARTITIONS.get(key)
    if found is None:
        found = _partition_of(values, side, k)
        if len(_PARTITIONS) >= PARTITIONS_KEPT:
            del _PARTITIONS[next(iter(_PARTITIONS))]
        _PARTITIONS[key] = found
    return tuple(list(part) for part in found)


def _partition_of(values: pd.Series, side: pd.Series, k: int
                  ) -> tuple[list[str], list[str], list[str]]:
    """Split the values of one dimension into offered / too small / complementary.

    A value is offered only when, within it, the sales side, the marketing side and the
    other teams each hold 0 or at least *k* people and the value holds at least *k*; the
    values not offered (plus the blanks) form a complement whose groups must also hold 0
    or at least *k*, else the smallest offered value holding that group joins the complement (complementary
    suppression). Every figure of an offered view (sales, marketing, "all" with the other
    teams) and every difference against the unfiltered view is then a sum of such cells, so
    no group under *k* can be worked out by subtracting region or level views.
    """
    tab = _cells(values, side)
    small = _unsafe(tab, k) | (tab.sum(axis=1) < k)
    below = sorted(tab.index[small].tolist())
    offered = sorted(tab.index[~small].tolist())
    blank = side[values.isna()].value_counts().reindex(list(_GROUPS), fill_value=0)
    rest = tab.loc[below].sum().reindex(list(_GROUPS), fill_value=0) + blank
    complementary: list = []
    while offered and _unsafe(rest, k):
        short = [g for g in _GROUPS if 0 < rest[g] < k]
        holders = [x for x in offered if int(tab.loc[x, short].sum()) > 0]
        if not holders:     # that group is in no offered value: no view shows part of it
            break
        v = min(holders, key=lambda x: (int(tab.loc[x].sum()), x))
        offered.remove(v)
        complementary.append(v)
        rest = rest + tab.loc[v]
    return offered, below, complementary


def _safe_values(survey: pd.DataFrame, dim: str, k: int) -> tuple[list[str], list[dict]]:
    """Values of *dim* safe to offer (see :func:`_partition`) and records of hidden ones."""
    offered, below, comp = _partition(_dim(survey, dim), _side(survey), k)
    where = f"workshop.filter.{dim}"
    records = ([{"where": where, "group": v, "reason": BELOW_THRESHOLD} for v in below]
               + [{"where": where, "group": v, "reason": COMPLEMENTARY} for v in comp])
    return offered, records


def answers_safe(survey: pd.DataFrame | None, answered: pd.Series, min_group_size: int, *,
                 level: str | None = None, region: str | None = None) -> bool:
    """Whether a filtered view of one question keeps every answering group ≥ the threshold.

    The respondents of a filter value may be enough while those who *answered* a given
    question are not; a side hidden in one region would then still follow from the
    unfiltered figure minus the other regions. For each chosen dimension the answering
    respondents (within the other chosen dimension) are split into cells — each offered
    value, and the pooled rest (values not offered and blanks) — by sales side, marketing
    side and other teams; every cell must hold 0 or at least ``min_group_size``.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table (unfiltered).
    answered : pandas.Series of bool
        Aligned with *survey*: who answered the question (or has a scale score).
    min_group_size : int
        Anonymity threshold.
    level, region : str, optional
        The chosen filter values; with neither, the answer is ``True``.

    Returns
    -------
    bool
    """
    if survey is None or len(survey) == 0:
        return True
    k = int(min_group_size)
    chosen = {"level": level, "region": region}
    answered = answered.reindex(survey.index).fillna(False).astype(bool)
    for dim in DIMENSIONS:
        if chosen[dim] is None:
            continue
        other = "region" if dim == "level" else "level"
        base = _subset(survey, other, chosen[other])
        offered, _ = _safe_values(base, dim, k)
        values = _dim(base, dim)
        values = values.where(values.isin(offered), _POOLED)
        keep = answered.loc[base.index].to_numpy(bool)
        tab = _cells(values[keep], _side(base)[keep])
        if bool(_unsafe(tab, k).any()):
            return False
    return True


def answers_safe_all(survey: pd.DataFrame | None, answered: pd.DataFrame,
                     min_group_size: int, *, level: str | None = None,
                     region: str | None = None) -> dict[str, bool]:
    """:func:`answers_safe` for many questions at once (one column of *answered* each).

    The cells (offered value or pooled rest × sales side / marketing side / other teams)
    are built once per chosen dimension; each question's answering respondents are then
    counted per cell with one ``bincount``.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table (unfiltered).
    answered : pandas.DataFrame of bool
        Aligned with *survey*, one column per question: who answered it.
    min_group_size : int
    level, region : str, optional

    Returns
    -------
    dict
        Column of *answered* → the value :func:`answers_safe` returns for it.
    """
    out = {c: True for c in answered.columns}
    if survey is None or len(survey) == 0:
        return out
    k = int(min_group_size)
    chosen = {"level": level, "region": region}
    has = answered.reindex(survey.index).fillna(False).astype(bool)
    for dim in DIMENSIONS:
        if chosen[dim] is None:
            continue
        other = "region" if dim == "level" else "level"
        base = _subset(survey, other, chosen[other])
        offered, _ = _safe_values(base, dim, k)
        values = _dim(base, dim)
        cls = np.full(len(base), len(offered), dtype=int)
        for i, v in enumerate(offered):
            cls[(values == v).fillna(False).to_numpy(bool)] = i
        grp = _side(base).map({g: i for i, g in enumerate(_GROUPS)}).to_numpy(int)
        cell = cls * len(_GROUPS) + grp
        size = (len(offered) + 1) * len(_GROUPS)
        sub = has.loc[base.index].to_numpy(bool)
        for j, c in enumerate(has.columns):
            if not out[c]:
                continue
            counts = np.bincount(cell[sub[:, j]], minlength=size)
            if bool(((counts > 0) & (counts < k)).any()):
                out[c] = False
    return out


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
                       region: str | None = None,
                       options: dict[str, list[str]] | None = None) -> FilterResult:
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
    options : dict, optional
        ``filter_options(survey, min_group_size, level=level, region=region)`` when already
        computed (the three side choices of one view share it).

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
    opts = options if options is not None else filter_options(survey, k, level=level,
                                                               region=region)
    records: list = []
    for dim, value in (("level", level), ("region", region)):
        if value is not None and value not in opts[dim]:
            other = "region" if dim == "level" else "level"
            base = _subset(survey, other, {"level": level, "region": region}[other])
            _, recs = _safe_values(base, dim, k)
            records += [r for r in recs if r["group"] == value] or [
                {"where": f"workshop.filter.{dim}", "group": value,
                 "reason": "below_threshold"}]
            # A value may be withheld although it is large itself (a small group inside it, or
            # one recoverable by comparing views): say so without giving any size.
            note = (f"{value} is not offered as a filter: within it, or by comparing it with "
                    f"the other views, a group of fewer than {k} respondents could be singled "
                    "out.")
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
