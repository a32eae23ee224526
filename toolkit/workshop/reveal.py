"""Perception-gap reveal and the "guess the other side" round (workshop, SPEC §0, §4.1).

In the room the consultant picks a scale or an item, shows the sales side's view, then the
marketing side's view, then the gap — the same perception gap as the report (mean of the
sales side − mean of the marketing side, SPEC §4.1). Before the reveal the room may guess the
other side's answer; :func:`score_guesses` compares the guesses typed in with the real
figures.

Scoring and anonymity are the toolkit's own: scale scores come from
:mod:`toolkit.survey.scoring` (reverse keys, at least half the items answered), Cliff's delta
from :func:`toolkit.survey.compare.compare_sides`, and what may be shown from
:func:`toolkit.survey.groups.assign_groups` and :func:`~toolkit.survey.groups.visibility`
(no side under ``min_group_size``; when one side is too small both are hidden, so the other
cannot be worked out from the overall figure).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd

from .. import method as _method
from ..exceptions import InputError
from ..instrument import (LIKERT_ITEMS, PILLAR_REVERSED_SCALES, REVERSE_ITEMS,
                          SCALE_ITEMS, item_labels, scale_names)
from ..survey.answer_sets import published_items
from ..survey.compare import compare_sides
from ..survey.groups import REST, SIDE_NAMES, assign_groups, visibility
from ..survey.scoring import clean_items, reverse_items, scale_scores, to_index
from ..survey.sections import AGREE_MIN

SIDES_ALL = (*SIDE_NAMES, "all")
#: Measures the room can guess: the 1..5 mean or the share agreeing (answers 4–5).
GUESS_MEASURES = {"agree_share": "share agreeing (%)", "mean": "average answer (1–5)"}
_HIDDEN = {"n": None, "mean": None, "agree_share": None, "index_0_100": None,
           "distribution": None}


def reveal_options() -> list[tuple[str, str]]:
    """Choices for the reveal's drop-down: every scale, then every item.

    Returns
    -------
    list of (label, code)
        ``("Scale: Trust (TRUST)", "TRUST")`` … then ``("TRUST1 — <short label>",
        "TRUST1")`` …, in instrument order.
    """
    names, labels = scale_names(), item_labels()
    out = [(f"Scale: {names.get(s, s)} ({s})", s) for s in SCALE_ITEMS]
    out += [(f"{c} — {labels.get(c, c)}", c) for c in LIKERT_ITEMS]
    return out


def _direction(code: str, kind: str) -> str:
    if kind == "scale":
        if code in PILLAR_REVERSED_SCALES:
            return "Higher means more conflict and blame (the unhealthy direction)."
        return "Higher is healthier (reverse-keyed items already reversed)."
    if code == "CLAIM_LEADS":
        return "Agreeing means blaming marketing's leads."
    if code == "CLAIM_FOLLOW":
        return "Agreeing means blaming sales' follow-up."
    if code in REVERSE_ITEMS:
        return "Reverse-keyed: agreeing is the unhealthy answer (shown as answered)."
    if code.startswith("CONF"):
        return "Agreeing means more conflict and blame."
    return "Agreeing is the healthy answer."


@lru_cache(maxsize=None)
def _kind(code: str) -> tuple[str, str]:
    """(``scale`` | ``item``, label) of *code*; InputError for a code not in the instrument
    (the instrument's wording is fixed for a run: read once per code)."""
    if code in SCALE_ITEMS:
        return "scale", scale_names().get(code, code)
    if code in LIKERT_ITEMS:
        return "item", item_labels().get(code, code)
    raise InputError(f"unknown scale or item {code!r}; expected one of the instrument's codes "
                     "(e.g. TRUST or TRUST1)")


def _values(survey: pd.DataFrame, code: str) -> tuple[pd.Series, str, str]:
    kind, label = _kind(code)
    raw = published_items(clean_items(survey)[0])
    if kind == "scale":
        return scale_scores(reverse_items(raw))[code], kind, label
    return raw[code], kind, label


def code_values(survey: pd.DataFrame) -> pd.DataFrame:
    """Every reveal code's values per respondent, computed once for a whole table.

    Returns
    -------
    pandas.DataFrame
        Aligned with *survey*: one float64 column per scale (respondent scale scores after
        reverse keying) and per item (the raw 1..5 answers), NaN = no value; a scale and
        its items count only the respondents who answered every item of the scale
        (:mod:`toolkit.survey.answer_sets`). A respondent's values do not depend on the other rows, so
        the columns of a filtered view are these rows (:func:`perception_reveal` with
        ``values=``).
    """
    raw = published_items(clean_items(survey)[0])
    scores = scale_scores(reverse_items(raw))
    return pd.concat([scores, raw], axis=1)


def answered_mask(survey: pd.DataFrame | None, code: str) -> pd.Series:
    """Who answered item *code* (or has a score on scale *code*).

    Returns
    -------
    pandas.Series of bool
        Aligned with *survey*'s index (empty when there is no survey).

    Raises
    ------
    InputError
        When *code* is not a scale or item of the instrument.
    """
    if survey is None or len(survey) == 0:
        return pd.Series(dtype=bool)
    values, _, _ = _values(survey, code)
    return values.reindex(survey.index).notna()


def _stats(x: pd.Series, kind: str) -> dict:
    x = x.dropna().astype(float)
    mean = float(x.mean())
    dist = None
    if kind == "item":
        counts = np.bincount(x.to_numpy(dtype=int), minlength=6)[1:6]
        dist = {str(k): float(c / counts.sum()) for k, c in zip(range(1, 6), counts)}
    return {"n": int(len(x)), "mean": mean, "agree_share": float((x >= AGREE_MIN).mean()),
            "index_0_100": to_index(mean), "distribution": dist}


def perception_reveal(survey: pd.DataFrame | None, code: str, *, min_group_size: int,
                      values: pd.DataFrame | None = None, groups=None) -> dict:
    """Each side's view of one scale or item, and the gap between them.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table (SPEC §2.1), possibly already filtered
        (:func:`toolkit.workshop.filters.filter_respondents`). Raw answers.
    code : str
        A scale code (``TRUST``: respondent scale scores after reverse keying) or an item
        code (``TRUST3``, ``CLAIM_LEADS``: the answers as given).
    min_group_size : int
        Anonymity threshold.
    values : pandas.DataFrame, optional
        :func:`code_values` of a table holding *survey*'s rows (computed once when many
        views are revealed); default: computed from *survey*.
    groups : toolkit.survey.groups.Groups, optional
        ``assign_groups(survey, min_group_size)``, when already computed for this view.

    Returns
    -------
    dict
        JSON-safe: ``code``, ``kind`` (``scale`` | ``item``), ``label``, ``direction`` (how
        to read high values), ``by_side`` (``sales``, ``marketing``, ``all``: ``{n, mean
        (1..5), agree_share (0..1; answers 4–5, or scale score ≥ 4), index_0_100,
        distribution (items: share of each answer 1..5)}``, all None when hidden),
        ``shown`` (side → bool), ``gap`` (``{mean, agree_share, cliffs_delta,
        cliffs_magnitude}``: sales − marketing, None unless both sides are shown),
        ``suppressed`` (``{where, group, reason}``, never a count) and ``warnings``.

    Raises
    ------
    InputError
        When *code* is not a scale or item of the instrument.

    Examples
    --------
    Sales answers 4, 4, 5, 5, 2 and marketing 2, 2, 3, 1, 2 to ``CLAIM_LEADS`` (k = 5):
    sales mean 4.0, 80 % agree; marketing mean 2.0, 0 % agree; gap +2.0 and +0.8.
    """
    where = f"workshop.reveal.{code}"
    out = {"code": code, "kind": None, "label": None, "direction": None,
           "by_side": {s: dict(_HIDDEN) for s in SIDES_ALL},
           "shown": {s: False for s in SIDES_ALL},
           "gap": {"mean": None, "agree_share": None, "cliffs_delta": None,
                   "cliffs_magnitude": None},
           "suppressed": [], "warnings": []}
    if survey is None or len(survey) == 0:
        if code not in SCALE_ITEMS and code not in LIKERT_ITEMS:
            _values(pd.DataFrame(), code)
        out["warnings"].append("No survey responses in this view.")
        return out
    k = int(min_group_size)
    if values is None:
        values, kind, label = _values(survey, code)
    else:
        kind, label = _kind(code)
        values = values[code].reindex(survey.index)
    out.update(kind=kind, label=label, direction=_direction(code, kind))
    g = groups if groups is not None else assign_groups(survey, k)
    out["suppressed"] += [{**r, "where": where} for r in g.suppressed]
    out["warnings"] += g.warnings
    side, keep = g.side, g.reportable
    answered = values.notna() & keep
    n = side[answered].value_counts()
    vis = visibility(int(n.get("sales", 0)), int(n.get("marketing", 0)),
                     int(n.get(REST, 0)), k)
    masks = {"sales": side == "sales", "marketing": side == "marketing", "all": keep}
    rest_dropped = not vis.include_rest or bool(((side == REST) & ~keep).any())
    if rest_dropped:
        # the other teams are dropped from "all" here; another view (the unfiltered one)
        # may count them, so "all" here minus "all" there would reveal them: hide "all"
        out["suppressed"].append({"where": where, "group": "all respondents",
                                  "reason": "complementary"})
        out["warnings"].append("Too few respondents outside sales and marketing answered "
                               "in this view, so the overall figure is not shown.")
    for s in SIDES_ALL:
        ok = (vis.shown(s) and g.shown(s) and bool((masks[s] & answered).any())
              and (s != "all" or not rest_dropped))
        out["shown"][s] = ok
        if ok:
            out["by_side"][s] = _stats(values[masks[s] & answered], kind)
        elif s != "all" and g.shown(s) and int(n.get(s, 0)):
            out["suppressed"].append({"where": where, "group": f"{s} side",
                                      "reason": "few_answers"})
    if out["shown"]["sales"] and out["shown"]["marketing"]:
        bs, bm = out["by_side"]["sales"], out["by_side"]["marketing"]
        cmp = compare_sides(values[masks["sales"] & answered],
                            values[masks["marketing"] & answered])
        out["gap"] = {"mean": bs["mean"] - bm["mean"],
                      "agree_share": bs["agree_share"] - bm["agree_share"],
                      "cliffs_delta": cmp["cliffs_delta"],
                      "cliffs_magnitude": cmp["cliffs_magnitude"]}
    else:
        out["warnings"].append("The two sides cannot be compared in this view: a side has "
                               f"fewer than {k} answers (or none).")
    return out


def _check(value, measure: str, about: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"guess about the {about} side: {value!r} is not a number") from None
    lo, hi = (0.0, 100.0) if measure == "agree_share" else (1.0, 5.0)
    if not (lo <= v <= hi) or not np.isfinite(v):
        unit = "a percentage between 0 and 100" if measure == "agree_share" else \
            "an average between 1 and 5"
        raise InputError(f"guess about the {about} side: expected {unit}, got {value!r}")
    return v


def score_guesses(reveal: Mapping, guesses: Mapping[str, float | None], *,
                  measure: str = "agree_share") -> dict:
    """Compare the room's guesses of each side's answer with the real answer.

    Parameters
    ----------
    reveal : mapping
        Output of :func:`perception_reveal`.
    guesses : mapping of str to float or None
        Side guessed about (``sales``, ``marketing``) → the guess: a percentage 0..100 for
        ``agree_share``, a 1..5 average for ``mean``. ``None`` = no guess for that side.
    measure : {"agree_share", "mean"}
        What was guessed.

    Returns
    -------
    dict
        ``measure``, ``unit`` (``points`` or ``scale points``), ``rows`` (per side guessed
        about: ``{about, guess, actual, error, abs_error, verdict}``; ``actual`` in the unit
        of the guess — percent for shares — and None when hidden for anonymity; ``error`` =
        guess − actual; ``verdict`` ``overestimated`` / ``underestimated`` / ``spot on``
        (within ``tolerance``) / ``hidden``), ``mean_abs_error`` over the scored rows,
        ``tolerance`` (5 points or 0.25 scale points).

    Raises
    ------
    InputError
        Unknown measure or side, or a guess outside its range.

    Examples
    --------
    Marketing's real agreement 20 %, the room guessed 45 %: error +25 points,
    overestimated.
    """
    if measure not in GUESS_MEASURES:
        raise InputError(f"unknown measure {measure!r}; expected agree_share or mean")
    points = _method.value("guess_spot_on_points")
    tol = points if measure == "agree_share" else points / 20.0   # 5 points ~ 0.25 of 1..5
    rows = []
    for about, guess in guesses.items():
        if about not in SIDE_NAMES:
            raise InputError(f"unknown side {about!r}; expected sales or marketing")
        if guess is None:
            continue
        g = _check(guess, measure, about)
        actual = reveal["by_side"][about][measure]
        if actual is None:
            rows.append({"about": about, "guess": g, "actual": None, "error": None,
                         "abs_error": None, "verdict": "hidden"})
            continue
        actual = 100.0 * actual if measure == "agree_share" else float(actual)
        err = g - actual
        verdict = ("spot on" if abs(err) <= tol else
                   "overestimated" if err > 0 else "underestimated")
        rows.append({"about": about, "guess": g, "actual": actual, "error": err,
                     "abs_error": abs(err), "verdict": verdict})
    scored = [r["abs_error"] for r in rows if r["abs_error"] is not None]
    return {"measure": measure,
            "unit": "points" if measure == "agree_share" else "scale points",
            "rows": rows, "tolerance": tol,
            "mean_abs_error": float(np.mean(scored)) if scored else None}
