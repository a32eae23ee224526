"""Heatmap of scale scores by level, tenure and region against the whole (SPEC §4.1, §8).

Each cell is one group's scale score (0–100) minus the score of everyone (the published
overall figure), in points.

Anonymity: every breakdown (level, tenure, region) is a set of groups whose total — the
whole — is published, so the groups are hidden by :func:`toolkit.privacy.suppress_counts`:
groups under ``min_group_size`` and the complementary groups that would let them be worked
out by subtraction. Respondents without a value form a group of their own ("not given") in
that rule. The rule is applied to respondents, and again per scale to the people who
answered it (a group of 6 of whom 4 answered a scale shows no cell for that scale).

Marked differences: group vs the rest of the respondents by Welch's t-test; the difference
to the whole is ``(1 − n_g/N) · (mean_g − mean_rest)``. Many cells are compared at once, so
the p-values are adjusted by Benjamini–Hochberg over every shown cell, and a difference is
marked only when it holds after that adjustment. Its interval is the false-coverage-rate
adjusted interval of Benjamini & Yekutieli (2005), level ``1 − R·α/m`` (``R`` marked of ``m``
cells), which excludes zero exactly for the marked cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import method
from ..instrument import SCALES, scale_names
from ..privacy import BELOW_THRESHOLD, COMPLEMENTARY
from .compare import bh_adjust
from .groups import REST, visibility
from .scoring import to_index

DIMENSIONS = {"level": "Level", "tenure": "Tenure", "region": "Region"}
ORDER = {"level": ("individual", "manager", "executive"),
         "tenure": ("<1y", "1-3y", "3-5y", "5y+")}
NOT_GIVEN = "not given"
ALPHA = method.value("heatmap_fdr")


def _hide(counts: dict[str, int], min_size: int, pre: set[str]) -> tuple[set, set]:
    """Primary and complementary hidden groups of one breakdown (total published).

    Same rule as :func:`toolkit.privacy.suppress_counts`, starting from groups already
    hidden (*pre*, e.g. by the respondent-level rule).
    """
    present = {g: n for g, n in counts.items() if n > 0}
    primary = {g for g, n in present.items() if n < min_size}
    hidden = primary | (pre & set(present))
    if hidden:
        visible = sorted((n, g) for g, n in present.items() if g not in hidden)
        while visible and (len(hidden) == 1 or sum(present[g] for g in hidden) < min_size):
            hidden.add(visible.pop(0)[1])
    return primary, hidden - primary


def _groups(values: pd.Series, dim: str) -> pd.Series:
    v = values.astype("string").str.strip()
    v = v.mask(v.isna() | (v == ""), NOT_GIVEN)
    if dim in ORDER:
        v = v.str.lower()
    return v.astype(str)


def _ordered(names, dim: str) -> list[str]:
    order = ORDER.get(dim, ())
    return sorted(names, key=lambda g: (g == NOT_GIVEN,
                                        order.index(g) if g in order else len(order), g))


def _cell(x_g: np.ndarray, x_r: np.ndarray, n_all: int) -> dict:
    n_g, n_r = len(x_g), len(x_r)
    m_g = float(x_g.mean())
    out = {"n": n_g, "mean": m_g, "index": to_index(m_g), "diff": None, "diff_raw": None,
           "se": None, "df": None, "p": None}
    if n_r < 2 or n_g < 2:
        return out
    m_r = float(x_r.mean())
    v_g, v_r = x_g.var(ddof=1) / n_g, x_r.var(ddof=1) / n_r
    f = 1.0 - n_g / n_all
    out["diff_raw"] = f * (m_g - m_r)
    out["diff"] = 25.0 * out["diff_raw"]
    se = float(np.sqrt(v_g + v_r))
    if se > 0:
        df = (v_g + v_r) ** 2 / (v_g ** 2 / (n_g - 1) + v_r ** 2 / (n_r - 1))
        t = (m_g - m_r) / se
        out.update(se=25.0 * f * se, df=float(df), p=float(2 * stats.t.sf(abs(t), df)))
    else:
        out["p"] = 1.0
    return out


def scale_heatmap(scores: pd.DataFrame, survey: pd.DataFrame, side: pd.Series, *,
                  min_size: int, alpha: float = ALPHA) -> tuple[dict, list]:
    """Scale scores by level, tenure and region against the whole.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scale scores (1..5) of the reportable respondents; columns = scale codes.
    survey : pandas.DataFrame
        The same respondents (same index) with ``level``, ``tenure``, ``region`` when given.
    side : pandas.Series
        ``sales`` / ``marketing`` / ``other_teams`` per respondent (remaining teams too few
        to report are left out of the whole, as in the overall figures).
    min_size : int
        ``min_group_size``.
    alpha : float, default 0.05
        False discovery rate for marking differences.

    Returns
    -------
    section : dict
        ``results["survey"]["heatmap"]``: ``status`` (``ok`` or ``not_in_export``),
        ``reason``, ``scales`` (codes in column order), ``scale_names``, ``whole``
        (``{scale: {"n", "index"}}``), ``dimensions`` (``{dim: {"label", "groups": [{"group",
        "n", "cells": {scale: cell or None}}]}}``; hidden groups are not listed), ``alpha``,
        ``ci_level``, ``n_cells``, ``n_marked``. A cell: ``n``, ``index`` (0–100), ``diff``
        (points vs the whole), ``ci`` [low, high] (points, FCR-adjusted), ``p``, ``p_adj``,
        ``marked``.
    records : list
        ``{"where", "group", "reason"}`` for every hidden group (no counts).
    """
    dims = [d for d in DIMENSIONS if d in survey and survey[d].notna().any()]
    out = {"status": None, "reason": None, "min_group_size": int(min_size), "alpha": alpha,
           "ci_level": None, "n_cells": 0, "n_marked": 0, "scales": [], "scale_names": {},
           "whole": {}, "dimensions": {}}
    if not dims:
        out.update(status="not_in_export", reason="Level, tenure and region are not in the "
                   "survey export.")
        return out, []
    names = scale_names()
    scales = [s for s in SCALES if s in scores and scores[s].notna().any()]
    out["scales"] = scales
    out["scale_names"] = {s: names.get(s, s) for s in scales}
    records: list = []
    cells: list[dict] = []
    for s in scales:
        x = scores[s]
        ans = x.notna()
        n = side[ans].value_counts()
        vis = visibility(int(n.get("sales", 0)), int(n.get("marketing", 0)),
                         int(n.get(REST, 0)), min_size)
        whole = ans & ((side != REST) | vis.include_rest)
        out["whole"][s] = {"n": int(whole.sum()), "index": to_index(float(x[whole].mean()))
                           if whole.any() else None}
    for dim in dims:
        g = _groups(survey[dim], dim)
        resp = g.value_counts().to_dict()
        prim, comp = _hide(resp, min_size, set())
        where = f"survey.heatmap.{dim}"
        records += [{"where": where, "group": k, "reason": BELOW_THRESHOLD}
                    for k in sorted(prim)]
        records += [{"where": where, "group": k, "reason": COMPLEMENTARY}
                    for k in sorted(comp)]
        hidden = prim | comp
        shown = [k for k in _ordered(resp, dim) if k not in hidden]
        groups = [{"group": k, "n": int(resp[k]), "cells": {}} for k in shown]
        for s in scales:
            x = scores[s]
            whole = x.notna() & ((side != REST) | _rest_in(x, side, min_size))
            if int(whole.sum()) < min_size:
                continue
            answers = g[whole].value_counts().to_dict()
            p2, c2 = _hide(answers, min_size, hidden)
            hide_s = p2 | c2
            # a group hidden only so that another cannot be worked out by subtraction says so
            # (review 16d: "fewer than 5 answered" read oddly for a group of 113)
            for k in sorted(hide_s - hidden):
                records.append({"where": f"{where}.{s}", "group": k,
                                "reason": "few_answers" if k in p2 else
                                "complementary_answers"})
            vals = x[whole].to_numpy(dtype=float)
            lab = g[whole].to_numpy()
            for grp in groups:
                k = grp["group"]
                if k in hide_s or answers.get(k, 0) == 0:
                    grp["cells"][s] = None
                    continue
                c = _cell(vals[lab == k], vals[lab != k], len(vals))
                grp["cells"][s] = c
                cells.append(c)
        out["dimensions"][dim] = {"label": DIMENSIONS[dim], "groups": groups}
    tested = [c for c in cells if c["p"] is not None]
    for c, pa in zip(tested, bh_adjust([c["p"] for c in tested])):
        c["p_adj"] = pa
    marked = [c for c in tested if c["p_adj"] is not None and c["p_adj"] < alpha]
    m, r = len(tested), len(marked)
    level = 1.0 - (max(r, 1) * alpha / m) if m else None
    marked_ids = {id(c) for c in marked}
    for c in cells:
        c.setdefault("p_adj", None)
        c["marked"] = id(c) in marked_ids
        if c["se"] is not None and level is not None:
            q = float(stats.t.ppf(1 - (1 - level) / 2, c["df"]))
            c["ci"] = [c["diff"] - q * c["se"], c["diff"] + q * c["se"]]
        elif c["diff"] is not None and c["p"] is not None:
            c["ci"] = [c["diff"], c["diff"]]
        else:
            c["ci"] = None
        for key in ("se", "df", "diff_raw"):
            c.pop(key, None)
    out.update(status="ok", ci_level=level, n_cells=m, n_marked=r)
    return out, records


def _rest_in(x: pd.Series, side: pd.Series, min_size: int) -> bool:
    n = side[x.notna()].value_counts()
    return visibility(int(n.get("sales", 0)), int(n.get("marketing", 0)),
                      int(n.get(REST, 0)), min_size).include_rest


def heatmap_frame(section: dict) -> pd.DataFrame:
    """Long table of the heatmap for charts and spreadsheets (one row per shown cell).

    Parameters
    ----------
    section : dict
        ``results["survey"]["heatmap"]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension``, ``group``, ``n``, ``scale``, ``scale_name``, ``index``,
        ``diff``, ``ci_low``, ``ci_high``, ``marked``, ``shown`` (False = hidden cell of a
        shown group). Hidden groups have no rows.
    """
    rows = []
    for dim, d in (section.get("dimensions") or {}).items():
        for grp in d["groups"]:
            for s in section.get("scales", []):
                c = grp["cells"].get(s)
                rows.append({"dimension": d["label"], "group": grp["group"], "n": grp["n"],
                             "scale": s, "scale_name": section["scale_names"].get(s, s),
                             "index": None if c is None else c["index"],
                             "diff": None if c is None else c["diff"],
                             "ci_low": None if not c or not c["ci"] else c["ci"][0],
                             "ci_high": None if not c or not c["ci"] else c["ci"][1],
                             "marked": bool(c and c["marked"]), "shown": c is not None})
    cols = ["dimension", "group", "n", "scale", "scale_name", "index", "diff", "ci_low",
            "ci_high", "marked", "shown"]
    return pd.DataFrame(rows, columns=cols)
