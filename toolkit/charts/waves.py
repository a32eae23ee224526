"""Chart of a wave comparison: each figure's change with its likely range (SPEC §12)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .theme import ACCENT, NEUTRAL, WARNING, new_axes

_COLORS = {"improved": ACCENT, "worsened": WARNING}


def plot_changes(*, data: pd.DataFrame, unit_label: str, ax=None):
    """Dot-and-range chart of changes of one population, zero line marked.

    Parameters
    ----------
    data : DataFrame
        One row per figure with ``label`` (str), ``change``, ``ci_low``, ``ci_high`` (same
        unit) and ``status`` (``improved``, ``worsened``, ``no_detectable_change``); rows
        are drawn top to bottom in order.
    unit_label : str
        Axis label naming the unit (e.g. "Change in the average answer (1–5 scale)").
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, figsize=(7.5, 0.42 * max(len(data), 3) + 1.2))
    y = np.arange(len(data))[::-1]
    for yi, (_, r) in zip(y, data.iterrows()):
        color = _COLORS.get(r["status"], NEUTRAL)
        ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=color, lw=3, alpha=0.45,
                solid_capstyle="butt")
        ax.plot(r["change"], yi, "o", color=color, ms=7)
    ax.axvline(0, color=".3", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(data["label"])
    ax.set_xlabel(unit_label)
    ax.grid(axis="y", visible=False)
    return ax
