"""Charts of the incentives section (SPEC §4.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .theme import SIDE_COLORS, SIDE_LABELS, new_axes
from ..formatting import half_up

MEASURE_LABELS = {"contribution": "Contribution (share of won revenue sourced)",
                  "reward": "Reward (share of commission on won revenue)"}


def plot_contribution_reward(*, data: pd.DataFrame, ax=None, title: str | None =
                             "Contribution vs reward by side"):
    """Grouped bars of each side's contribution share and reward share (0..1).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format with columns ``side`` (``sales``/``marketing``), ``measure``
        (``contribution``/``reward``) and ``share`` (0..1; NaN = unknown, not drawn).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
        Solid bars are contributions, hatched lighter bars rewards; both in the side's
        colour (:data:`~toolkit.charts.theme.SIDE_COLORS`).
    """
    ax = new_axes(ax)
    sides = [s for s in ("sales", "marketing") if s in set(data["side"])]
    width = 0.38
    for i, side in enumerate(sides):
        for j, measure in enumerate(("contribution", "reward")):
            v = data.loc[(data["side"] == side) & (data["measure"] == measure), "share"]
            if v.empty or pd.isna(v.iloc[0]):
                continue
            x = i + (j - 0.5) * width
            ax.bar(x, v.iloc[0], width=width * 0.95, color=SIDE_COLORS[side],
                   alpha=1.0 if measure == "contribution" else 0.45,
                   hatch=None if measure == "contribution" else "//",
                   edgecolor=SIDE_COLORS[side])
            word = "of revenue\nsourced" if measure == "contribution" else "of\ncommission"
            ax.annotate(f"{half_up(100 * v.iloc[0]):.0f}%\n{word}", (x, v.iloc[0]), ha="center",
                        va="bottom", fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(np.arange(len(sides)), [SIDE_LABELS[s] for s in sides])
    ax.set_ylim(0, 1.3)   # room for the labels above a 100% bar; ticks stop at 100%
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.grid(axis="x", visible=False)
    ax.yaxis.set_major_formatter(lambda y, _: f"{half_up(100 * y):.0f}%")
    ax.set_ylabel("Share")
    # each bar says what it is (a grey legend swatch would not match the side colours)
    if title:
        ax.set_title(title)
    return ax


def plot_shared_outcome_weight(*, data: pd.DataFrame, ax=None, title: str | None =
                               "Shared-outcome weight by side"):
    """Horizontal bars of each side's shared-outcome weight (0..1).

    Parameters
    ----------
    data : pandas.DataFrame
        Columns ``side`` and ``sow`` (0..1; NaN rows are skipped).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(7.5, 2.4))
    d = data.dropna(subset=["sow"])
    y = np.arange(len(d))
    ax.barh(y, d["sow"], color=[SIDE_COLORS.get(s, SIDE_COLORS["all"]) for s in d["side"]])
    for yi, v in zip(y, d["sow"]):
        ax.annotate(f"{half_up(100 * v):.0f}%", (v, yi), va="center", xytext=(3, 0),
                    textcoords="offset points", fontsize=9)
    ax.set_yticks(y, [SIDE_LABELS.get(s, s) for s in d["side"]])
    ax.set_xlim(0, 1.1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{half_up(100 * x):.0f}%")
    ax.set_xlabel("Share of variable pay on outcomes both teams share")
    ax.invert_yaxis()
    if title:
        ax.set_title(title)
    return ax
