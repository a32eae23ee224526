"""Charts of the survey analytics: drivers by dominance and the group heatmap.

Seaborn-style: keyword-only ``data=``, optional ``ax=``, the Axes returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.patches import Rectangle

from .theme import ACCENT, NEUTRAL, SIDE_COLORS, WARNING, new_axes
from ..formatting import half_up

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
    ax = new_axes(ax, figsize=(7.0, max(2.4, 0.36 * len(d) + 1.0)))
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["share"], color=SIDE_COLORS["all"], height=0.6, alpha=0.85)
    lo = (d["share"] - d["ci_low"]).clip(lower=0)
    hi = (d["ci_high"] - d["share"]).clip(lower=0)
    ax.errorbar(d["share"], y, xerr=[lo, hi], fmt="none", ecolor="#222222", capsize=3,
                linewidth=1)
    for yy, s in zip(y, d["share"]):
        if s < 0.04:
            continue
        ax.text(0.005, yy, f"{half_up(100 * s):.0f}%", va="center", ha="left", color="white",
                fontsize=9.5, fontweight="bold")
    import textwrap

    ax.set_yticks(y, ["\n".join(textwrap.wrap(str(t), 30, break_long_words=False))
                      for t in d["label"]])
    ax.set_xlim(0, max(0.5, float(np.nanmax(d["ci_high"])) * 1.05 if len(d) else 0.5))
    ax.xaxis.set_major_formatter(lambda v, _: f"{half_up(100 * v):.0f}%")
    ax.set_xlabel("Share of what the model explains (line: 95% interval)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


#: Font size (pt) of the heatmap's cells and labels: at the figure's widest (ten groups,
#: about 9.1 in) the A4 text block (7 in) prints it at 8 pt or more.
HEAT_FONT = 10.5
#: Smallest size (pt) the heatmap's labels print at (the report asks its page for the room).
HEAT_MIN_PT = 8.0


def plot_group_heatmap(*, data: pd.DataFrame, ax=None, title: str | None = None,
                       healthier_when_lower: tuple[str, ...] = ("CONF",)):
    """Heatmap of group scores minus the whole, coloured only where the difference is clear.

    Scores run down the rows (their full names, read horizontally) and groups across the
    columns, under a header per breakdown (level, tenure, region): 13 scores and up to ten
    groups fit an A4 page's width with every label at 8 pt or more in print
    (:data:`HEAT_FONT` points drawn, the figure at most about 9.1 in wide).

    Parameters
    ----------
    data : DataFrame
        One row per cell: ``row`` (group label, e.g. "Region: EMEA (n = 44)"), ``scale``
        (code), ``column`` (score label), ``diff`` (points on 0–100 vs the whole; NaN when
        not computed), ``marked`` (bool: the difference holds after adjustment), ``shown``
        (False = hidden for anonymity). Optional ``dimension``, ``group`` and ``n`` (the
        parts of the group label) give the column headers; without them the label before
        ":" is the breakdown. Groups and scores keep their first-seen order.
    ax : Axes, optional
    title : str, optional
    healthier_when_lower : tuple of str
        Scales where a lower score is healthier (conflict); their colour is flipped.

    Returns
    -------
    Axes
    """
    import textwrap

    d = data.reset_index(drop=True)
    groups = list(dict.fromkeys(d["row"]))
    scales = list(dict.fromkeys(d["column"]))
    scale_of = dict(zip(d["column"], d["scale"]))
    first = d.drop_duplicates("row").set_index("row")

    def parts(label):
        if {"dimension", "group"} <= set(d.columns):
            r = first.loc[label]
            n = r.get("n")
            return str(r["dimension"]), str(r["group"]), ("" if pd.isna(n) else f"n = {int(n)}")
        dim, _, rest = str(label).partition(": ")
        name, _, n = rest.partition(" (")
        return (dim, name, n.rstrip(")")) if rest else ("", str(label), "")

    cw = max(0.5, min(0.72, 6.2 / max(len(groups), 1)))   # column width (in)
    label_w, head_h, row_h = 2.8, 1.1, 0.29                 # inches
    width, height = label_w + cw * len(groups) + 0.1, row_h * len(scales) + head_h
    own = ax is None
    ax = new_axes(ax, figsize=(width, height))
    if own:   # the grid exactly where its labels need it: the figure is the page's width
        ax.figure.subplots_adjust(left=label_w / width, right=1 - 0.1 / width,
                                  top=1 - head_h / height, bottom=0.02)
    norm = Normalize(-HEAT_LIMIT, HEAT_LIMIT)
    for _, c in d.iterrows():
        i, j = scales.index(c["column"]), groups.index(c["row"])
        if not c["shown"]:
            face, text, colour = HIDDEN_COLOR, "–", NEUTRAL
        else:
            v = c["diff"]
            text = "" if pd.isna(v) else ("0" if half_up(v) == 0 else f"{half_up(v):+.0f}")
            if c["marked"] and not pd.isna(v):
                sign = -1.0 if scale_of[c["column"]] in healthier_when_lower else 1.0
                face = HEAT_CMAP(norm(sign * v))
                colour = "#111111"
            else:
                face, colour = "#ffffff", "#9a9a9a"
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="#cccccc",
                               linewidth=0.6))
        ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=HEAT_FONT,
                color=colour, fontweight="bold" if c["marked"] else "normal")
    ax.set_xlim(0, len(groups))
    ax.set_ylim(len(scales), 0)
    wrap = max(5, int(cw * 10.5))
    labels = []
    for g in groups:
        _, name, n = parts(g)
        labels.append("\n".join(textwrap.wrap(name, wrap, break_long_words=False)
                                 + ([n] if n else [])))
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(len(groups)) + 0.5, labels, fontsize=HEAT_FONT)
    ax.set_yticks(np.arange(len(scales)) + 0.5, scales, fontsize=HEAT_FONT)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    # one header per breakdown over its columns, with a rule under it
    spans: dict[str, list[int]] = {}
    for j, g in enumerate(groups):
        spans.setdefault(parts(g)[0], []).append(j)
    from matplotlib.transforms import blended_transform_factory

    tr = blended_transform_factory(ax.transData, ax.transAxes)
    top = 1.0 + (0.3 + 0.15 * max(lab.count("\n") for lab in labels)) / (
        row_h * len(scales))
    for dim, cols in spans.items():
        if not dim:
            continue
        lo, hi = min(cols), max(cols) + 1
        ax.plot([lo + 0.08, hi - 0.08], [top, top], color=NEUTRAL, linewidth=1,
                transform=tr, clip_on=False)
        ax.text((lo + hi) / 2, top + 0.01, dim, ha="center", va="bottom",
                fontsize=HEAT_FONT + 0.5,
                fontweight="bold", transform=tr, clip_on=False)
    if title:
        ax.set_title(title, pad=40)
    return ax
