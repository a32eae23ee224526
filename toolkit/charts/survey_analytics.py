"""Charts of the survey analytics: drivers by dominance and the group heatmap.

Seaborn-style: keyword-only ``data=``, optional ``ax=``, the Axes returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.patches import Rectangle

from .theme import ACCENT, NEUTRAL, SIDE_COLORS, WARNING, new_axes

#: Diverging colours of the heatmap: worse than the whole (red) … better (green).
HEAT_CMAP = LinearSegmentedColormap.from_list("aligndx_heat", [WARNING, "#ffffff", ACCENT])
HEAT_LIMIT = 20.0        # points at which the colour saturates
HIDDEN_COLOR = "#e8e8e8"


def plot_dominance(*, data: pd.DataFrame, ax=None,
                   title: str | None = "What goes with an effective relationship"):
    """Each predictor's share of the explained differences in perceived effectiveness.

    Parameters
    ----------
    data : DataFrame
        One row per predictor, drawn top to bottom: ``label``, ``share`` (0..1),
        ``ci_low``, ``ci_high`` (0..1; bootstrap 95% interval).
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    d = data.reset_index(drop=True)
    ax = new_axes(ax, figsize=(8.0, max(2.4, 0.42 * len(d) + 1.0)))
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["share"], color=SIDE_COLORS["all"], height=0.6, alpha=0.85)
    lo = (d["share"] - d["ci_low"]).clip(lower=0)
    hi = (d["ci_high"] - d["share"]).clip(lower=0)
    ax.errorbar(d["share"], y, xerr=[lo, hi], fmt="none", ecolor="#222222", capsize=3,
                linewidth=1)
    for yy, s in zip(y, d["share"]):
        if s < 0.04:
            continue
        ax.text(0.005, yy, f"{100 * s:.0f}%", va="center", ha="left", color="white",
                fontsize=9, fontweight="bold")
    ax.set_yticks(y, d["label"])
    ax.set_xlim(0, max(0.5, float(np.nanmax(d["ci_high"])) * 1.05 if len(d) else 0.5))
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.set_xlabel("Share of what the model explains (line: 95% interval)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_group_heatmap(*, data: pd.DataFrame, ax=None, title: str | None = None,
                       healthier_when_lower: tuple[str, ...] = ("CONF",)):
    """Heatmap of group scores minus the whole, coloured only where the difference is clear.

    Parameters
    ----------
    data : DataFrame
        One row per cell: ``row`` (row label, e.g. "Region: EMEA (n = 44)"), ``scale``
        (code), ``column`` (column label), ``diff`` (points on 0–100 vs the whole; NaN when
        not computed), ``marked`` (bool: the difference holds after adjustment), ``shown``
        (False = hidden for anonymity). Rows and columns keep their first-seen order.
    ax : Axes, optional
    title : str, optional
    healthier_when_lower : tuple of str
        Scales where a lower score is healthier (conflict); their colour is flipped.

    Returns
    -------
    Axes
    """
    d = data.reset_index(drop=True)
    rows = list(dict.fromkeys(d["row"]))
    cols = list(dict.fromkeys(d["column"]))
    scale_of = dict(zip(d["column"], d["scale"]))
    ax = new_axes(ax, figsize=(max(7.5, 0.85 * len(cols) + 3.0), 0.45 * len(rows) + 2.2))
    norm = Normalize(-HEAT_LIMIT, HEAT_LIMIT)
    for _, c in d.iterrows():
        i, j = rows.index(c["row"]), cols.index(c["column"])
        if not c["shown"]:
            face, text, colour = HIDDEN_COLOR, "–", NEUTRAL
        else:
            v = c["diff"]
            text = "" if pd.isna(v) else f"{v:+.0f}"
            if c["marked"] and not pd.isna(v):
                sign = -1.0 if scale_of[c["column"]] in healthier_when_lower else 1.0
                face = HEAT_CMAP(norm(sign * v))
                colour = "#111111"
            else:
                face, colour = "#ffffff", "#9a9a9a"
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="#cccccc",
                               linewidth=0.6))
        ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=8.5,
                color=colour, fontweight="bold" if c["marked"] else "normal")
    ax.set_xlim(0, len(cols))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(cols)) + 0.5, cols, rotation=40, ha="right", fontsize=8.5)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows, fontsize=9)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return ax
