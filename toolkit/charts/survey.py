"""Charts of the survey (SPEC §4.1): diverging Likert bars, perception gaps, frequency,
maturity and scale means. Sales and marketing keep their theme colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from .theme import LIKERT_COLORS, NEUTRAL, SIDE_COLORS, SIDE_LABELS, new_axes
from ..formatting import half_up

LIKERT_KEYS = ("1", "2", "3", "4", "5")
LIKERT_SHORT = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")
FREQ_LABELS = {"daily": "Daily", "several_weekly": "Several times a week",
               "weekly": "Weekly", "monthly": "Monthly", "rarely": "Rarely",
               "never": "Never"}
FREQ_COLORS = ["#08306b", "#2171b5", "#6baed6", "#fdae6b", "#e6550d", "#a63603"]
STAGE_BANDS = (("Undefined", 1.0, 2.0), ("Defined", 2.0, 3.0), ("Aligned", 3.0, 4.0),
               ("Integrated", 4.0, 5.0))
STAGE_COLORS = ("#f2f2f2", "#e3e3e3", "#d4d4d4", "#c5c5c5")


def _pct_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _: f"{half_up(abs(100 * v)):.0f}%")


def _fig_height(n_rows: int) -> tuple[float, float]:
    return (8.0, max(2.5, 0.32 * n_rows + 1.2))


def plot_likert_diverging(*, data: pd.DataFrame, ax=None, title: str | None = None):
    """Diverging stacked bars of 5-point agreement items, one bar per item and side.

    Disagreement extends left of zero, agreement right, the neutral share is split evenly
    across zero (the standard display of agreement scales; Robbins & Heiberger 2011).

    Parameters
    ----------
    data : DataFrame
        One row per bar: ``label`` (item text), ``side`` (``sales``, ``marketing`` or
        ``all``) and shares ``"1"`` … ``"5"`` (0..1, summing to 1); optional
        ``unhealthy_agree`` (bool) swaps the colours of a row so that blue always marks the
        healthy answer. Rows are drawn top to bottom in the given order.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    d = data.reset_index(drop=True)
    ax = new_axes(ax, figsize=_fig_height(len(d)))
    shares = d[list(LIKERT_KEYS)].astype(float).fillna(0.0).to_numpy()
    y = np.arange(len(d))[::-1]
    left = -(shares[:, 0] + shares[:, 1] + shares[:, 2] / 2)
    # blue is the healthy answer, red the unhealthy one: where agreeing is unhealthy
    # (statements worded negatively, conflict, blame) the colours run the other way
    flip = (d["unhealthy_agree"].fillna(False).astype(bool).to_numpy()
            if "unhealthy_agree" in d.columns else np.zeros(len(d), bool))
    for j in range(5):
        colors = [LIKERT_COLORS[4 - j] if f else LIKERT_COLORS[j] for f in flip]
        ax.barh(y, shares[:, j], left=left, color=colors, height=0.75,
                edgecolor="white", linewidth=0.5)
        left = left + shares[:, j]
    ax.axvline(0, color="#333333", linewidth=0.8)
    labels = [f"{r.label} — {SIDE_LABELS.get(r.side, r.side).split()[0]}"
              for r in d.itertuples()]
    ax.set_yticks(y, labels, fontsize=9)
    for tick, side in zip(ax.get_yticklabels(), d["side"]):
        tick.set_color(SIDE_COLORS.get(side, NEUTRAL))
    ax.set_xlim(-1, 1)
    _pct_axis(ax.xaxis)
    ax.set_xlabel("← disagree        share of answers        agree →")
    ax.grid(axis="y", visible=False)
    handles = ([Patch(color=c, label=lab) for c, lab in zip(LIKERT_COLORS, LIKERT_SHORT)]
               if not flip.any() else
               [Patch(color=LIKERT_COLORS[4], label="healthy answer"),
                Patch(color=LIKERT_COLORS[2], label="neutral"),
                Patch(color=LIKERT_COLORS[0], label="unhealthy answer")])
    ax.legend(handles=handles, ncol=5, fontsize=9, loc="upper center",
              bbox_to_anchor=(0.5, -0.12 if len(d) > 6 else -0.25), frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_perception_gaps(*, data: pd.DataFrame, ax=None,
                         title: str | None = "Largest perception gaps"):
    """Horizontal bars of item gaps (sales-side mean − marketing-side mean, 1..5 points).

    Parameters
    ----------
    data : DataFrame
        ``label`` and ``gap``; drawn top to bottom in the given order (pass them ranked).
        With a boolean ``unhealthy`` column (agreeing is the unhealthy answer), every bar
        reads the same way: it points to the side that answers more healthily (an unhealthy
        statement's gap is drawn reversed and its label says "agreeing is unhealthy").
        Without it, bars point to the side that agrees more. Bars are coloured by the side
        they point to.

    Returns
    -------
    Axes
    """
    d = data.reset_index(drop=True)
    oriented = "unhealthy" in d.columns
    bad = d["unhealthy"].fillna(False).astype(bool) if oriented else pd.Series(False, d.index)
    w, h = _fig_height(len(d))
    ax = new_axes(ax, figsize=(w, h + (0.1 * len(d) if bad.any() else 0)))
    y = np.arange(len(d))[::-1]
    value = np.where(bad, -d["gap"], d["gap"])
    labels = [f"{lab}\n(agreeing is unhealthy)" if b else str(lab)
              for lab, b in zip(d["label"], bad)]
    colors = [SIDE_COLORS["sales"] if g > 0 else SIDE_COLORS["marketing"] for g in value]
    ax.barh(y, value, color=colors, height=0.7)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=9.5)
    lim = max(1.0, float(np.nanmax(np.abs(value))) * 1.15) if len(d) else 1.0
    ax.set_xlim(-lim, lim)
    if oriented:
        ax.set_xlabel("← marketing answers healthier      gap in mean answer (points)      "
                      "sales answers healthier →")
    else:
        ax.set_xlabel("← marketing agrees more      gap in mean answer (points)      "
                      "sales agrees more →")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_frequency_by_side(*, data: pd.DataFrame, ax=None,
                           title: str | None = "How often the teams talk"):
    """100% stacked bars of contact frequency per side.

    Parameters
    ----------
    data : DataFrame
        ``side``, ``level`` (``daily`` … ``never``) and ``share`` (0..1).

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, figsize=(8.0, 2.8))
    wide = data.pivot(index="side", columns="level", values="share")
    wide = wide.reindex(columns=list(FREQ_LABELS)).fillna(0.0)
    order = [s for s in ("sales", "marketing", "all") if s in wide.index]
    wide = wide.loc[order]
    y = np.arange(len(wide))[::-1]
    left = np.zeros(len(wide))
    for j, level in enumerate(FREQ_LABELS):
        vals = wide[level].to_numpy()
        ax.barh(y, vals, left=left, color=FREQ_COLORS[j], label=FREQ_LABELS[level],
                height=0.6, edgecolor="white", linewidth=0.5)
        for yi, l0, v in zip(y, left, vals):
            if v >= 0.07:
                ax.text(l0 + v / 2, yi, f"{half_up(100 * v):.0f}%", ha="center", va="center",
                        fontsize=9.5, color="white" if j in (0, 1, 5) else "black")
        left += vals
    ax.set_yticks(y, [SIDE_LABELS.get(s, s) for s in wide.index])
    for tick, side in zip(ax.get_yticklabels(), wide.index):
        tick.set_color(SIDE_COLORS.get(side, NEUTRAL))
    ax.set_xlim(0, 1)
    _pct_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    ax.legend(ncol=6, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False, handlelength=1.2, columnspacing=1.0)
    if title:
        ax.set_title(title)
    return ax


def plot_maturity_by_side(*, data: pd.DataFrame, ax=None,
                          title: str | None = "Alignment maturity by side"):
    """Maturity mean (1..5) per side against the four stage bands.

    Parameters
    ----------
    data : DataFrame
        ``side`` and ``mean`` (1..5); optional ``ci_low``/``ci_high``.

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, figsize=(8.0, 2.6))
    d = data.reset_index(drop=True)
    for (name, lo, hi), c in zip(STAGE_BANDS, STAGE_COLORS):
        ax.axvspan(lo, hi, color=c, zorder=0)
        ax.text((lo + hi) / 2, len(d) - 0.35, name, ha="center", va="bottom", fontsize=9.5,
                color="#444444")
    y = np.arange(len(d))[::-1]
    for yi, r in zip(y, d.itertuples()):
        color = SIDE_COLORS.get(r.side, NEUTRAL)
        if "ci_low" in d and pd.notna(getattr(r, "ci_low", np.nan)):
            ax.plot([r.ci_low, r.ci_high], [yi, yi], color=color, linewidth=2, zorder=2)
        ax.plot([r.mean], [yi], "o", color=color, markersize=10, zorder=3)
        ax.text(r.mean, yi - 0.3, f"{half_up(r.mean, 2):.2f}", ha="center", va="top", fontsize=9.5)
    ax.set_yticks(y, [SIDE_LABELS.get(s, s) for s in d["side"]])
    ax.set_xlim(1, 5)
    ax.set_ylim(-0.8, len(d) - 0.1)
    ax.set_xlabel("Mean maturity answer (1 = strongly disagree … 5 = strongly agree)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title, pad=14)
    return ax


def plot_scale_means(*, data: pd.DataFrame, ax=None, title: str | None = None):
    """Dot-and-whisker chart of scale means (0..100) with 95% CIs, one dot per side.

    Parameters
    ----------
    data : DataFrame
        ``label`` (scale name), ``side``, ``index`` (0..100), ``ci_low``, ``ci_high``
        (0..100).

    Returns
    -------
    Axes
    """
    labels = list(dict.fromkeys(data["label"]))
    ax = new_axes(ax, figsize=(8.0, max(2.0, 0.42 * len(labels) + 0.9)))
    sides = [s for s in ("sales", "marketing", "all") if s in set(data["side"])]
    offs = {s: o for s, o in zip(sides, np.linspace(0.17, -0.17, len(sides)))}
    ypos = {lab: len(labels) - 1 - i for i, lab in enumerate(labels)}
    for r in data.itertuples():
        y = ypos[r.label] + offs[r.side]
        c = SIDE_COLORS.get(r.side, NEUTRAL)
        if pd.notna(r.ci_low):
            ax.plot([r.ci_low, r.ci_high], [y, y], color=c, linewidth=1.5)
        ax.plot([r.index], [y], "o", color=c, label=SIDE_LABELS.get(r.side, r.side))
    ax.set_yticks(list(ypos.values()), list(ypos.keys()))
    ax.set_xlim(0, 100)
    ax.axvline(50, color="#999999", linewidth=0.8, linestyle=":")
    ax.set_xlabel("Score 0–100 (50 = neutral); lines are 95% confidence intervals")
    handles, labs = ax.get_legend_handles_labels()
    uniq = dict(zip(labs, handles))
    # under the axis title, never over a dot (inside, "lower right" hid the high scores;
    # beside the plot it widened the figure, and print shrank its text under 7 pt)
    from matplotlib.transforms import offset_copy

    ax.legend(uniq.values(), uniq.keys(), fontsize=9.5, loc="upper center",
              bbox_to_anchor=(0.5, 0.0), ncol=len(uniq), frameon=False,
              bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-40, units="points"))
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax
