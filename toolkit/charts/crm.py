"""Charts of the CRM evidence (SPEC §4.2): funnel, Kaplan–Meier, dose–response, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, NullLocator

from .theme import ACCENT, NEUTRAL, SIDE_COLORS, WARNING, new_axes
from ..formatting import half_up

STAGE_LABELS = {"leads": "Leads", "mql": "MQL", "sal": "SAL (accepted)", "sql": "SQL",
                "opportunity": "Opportunity", "won": "Won"}

#: Tick marks of a time axis in hours, labelled in the words a reader uses.
#: Ticks at least four-fold apart on the log axis, so their labels never run together
#: (partner review: "3 days1 week 30 days90 days").
HOUR_TICKS = ((0, "0"), (1, "1 h"), (6, "6 h"), (24, "1 day"), (168, "1 week"),
              (720, "30 days"), (8760, "1 year"))


def _pct_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _: f"{half_up(100 * v):.0f}%")


def plot_funnel(*, data: pd.DataFrame, ax=None, title: str | None = "Lead funnel"):
    """Horizontal funnel bars with each stage's conversion from the previous stage.

    Parameters
    ----------
    data : DataFrame
        One row per stage in order: ``stage``, ``count``, and ``rate``, ``ci_low``,
        ``ci_high`` (conversion from the previous stage, 0..1; NaN for the first stage).
    ax : Axes, optional

    Returns
    -------
    Axes
        Bars are stage counts; the label gives the stage rate with its Wilson 95% interval.
    """
    ax = new_axes(ax)
    d = data.reset_index(drop=True)
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["count"], color=SIDE_COLORS["marketing"], alpha=0.85)
    top = float(d["count"].max()) if len(d) else 1.0
    for yi, (_, r) in zip(y, d.iterrows()):
        lab = f"{int(r['count']):,}"
        if pd.notna(r.get("rate")):
            lab += (f"  ({half_up(100 * r['rate']):.0f}% of previous, 95% interval "
                    f"{half_up(100 * r['ci_low']):.0f}–{half_up(100 * r['ci_high']):.0f}%)")
        ax.text(r["count"] + top * 0.01, yi, lab, va="center", fontsize=9)
    ax.set_yticks(y, [STAGE_LABELS.get(s, s) for s in d["stage"]])
    # Room on the right for the labels, but the axis (ticks and spine) stops at the largest
    # count: a scale running to 14,000 for 7,500 leads misreads as missing volume.
    ax.set_xlim(0, top * 1.9 if top else 1)
    ticks = MaxNLocator(nbins=5, integer=True).tick_values(0, top if top else 1)
    ticks = ticks[(ticks >= 0) & (ticks <= (top if top else 1))]
    ax.set_xticks(ticks, [f"{half_up(t):,.0f}" for t in ticks])
    ax.spines["bottom"].set_bounds(0, top if top else 1)
    ax.set_xlabel("Leads in the cohort reaching the stage")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_km(*, data: pd.DataFrame, sla_hours: float | None = None, ax=None,
            title: str | None = "Time to first sales touch: share of leads not yet touched"):
    """Kaplan–Meier curve of the share of leads still untouched, with the SLA marked.

    Parameters
    ----------
    data : DataFrame
        ``hours`` and ``survival`` (share still untouched, 0..1), ascending hours.
    sla_hours : float, optional
        First-touch SLA, drawn as a vertical line.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    ax.step(data["hours"], data["survival"], where="post", color=SIDE_COLORS["sales"], lw=2,
            label="Leads not yet touched")
    if sla_hours is not None:
        ax.axvline(sla_hours, color=WARNING, ls="--", lw=1.2, label=f"SLA {sla_hours:g} h")
    ax.axhline(0.5, color=NEUTRAL, ls=":", lw=1)
    ax.set_ylim(0, 1.02)
    _pct_axis(ax.yaxis)
    ax.set_xlabel("Hours from MQL (or creation) to first touch")
    ax.set_ylabel("Share still untouched")
    hi = float(data["hours"].max()) if len(data) else 1.0
    if hi > 24 * 14:
        ax.set_xscale("symlog", linthresh=1.0)
        # readable hours on the log part: 1 h, 6 h, 1 day … instead of 10⁰, 10¹, 10²
        ticks = [(t, lab) for t, lab in HOUR_TICKS if t <= hi]
        ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(left=0, right=hi if hi > 0 else 1)
    ax.legend(frameon=False, fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def plot_rate_buckets(*, data: pd.DataFrame, x: str = "bucket", hue: str | None = None,
                      ax=None, title: str | None = "Conversion to SQL by number of attempts",
                      xlabel: str = "Attempts"):
    """Conversion rate per bucket with Wilson 95% interval error bars.

    Parameters
    ----------
    data : DataFrame
        ``bucket``, ``rate``, ``ci_low``, ``ci_high``, ``n`` and optionally a ``band``
        column (score band) used as ``hue``.
    hue : str, optional
        Column splitting the series (e.g. ``"band"``).

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    d = data.dropna(subset=["rate"])
    cats = list(dict.fromkeys(data[x]))
    groups = list(dict.fromkeys(d[hue])) if hue else [None]
    # neutral grey without score bands: a bar's height, not its colour, says good or bad
    palette = {"low": "#9ecae1", "mid": "#4292c6", "high": "#08519c", None: "#6b7b8c"}
    width = 0.8 / max(len(groups), 1)
    for j, g in enumerate(groups):
        sub = d if g is None else d[d[hue] == g]
        pos = np.array([cats.index(c) for c in sub[x]]) + (j - (len(groups) - 1) / 2) * width
        err = np.vstack([sub["rate"] - sub["ci_low"], sub["ci_high"] - sub["rate"]])
        ax.bar(pos, sub["rate"], width=width * 0.92, color=palette.get(g, ACCENT),
               label=None if g is None else f"{g} score")
        ax.errorbar(pos, sub["rate"], yerr=err, fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_xticks(np.arange(len(cats)), cats)
    ax.set_ylim(0, min(1.0, float(d["ci_high"].max()) * 1.15 + 0.02) if len(d) else 1)
    _pct_axis(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Reached SQL")
    if hue:
        ax.legend(frameon=False, fontsize=9, title="Lead score band")
    if title:
        ax.set_title(title)
    return ax


def plot_reasons(*, data: pd.DataFrame, ax=None, title: str | None = "Why sales rejected leads"):
    """Pareto bars of rejection reasons, fit-related reasons highlighted.

    Parameters
    ----------
    data : DataFrame
        ``reason``, ``n``, ``share`` (0..1) and ``fit`` (bool or None), most frequent first.

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    d = data.reset_index(drop=True)
    y = np.arange(len(d))[::-1]
    colors = [WARNING if f is True else NEUTRAL for f in d["fit"]]
    ax.barh(y, d["share"], color=colors)
    for yi, s in zip(y, d["share"]):
        ax.text(s + 0.005, yi, f"{half_up(100 * s):.0f}%", va="center", fontsize=9)
    ax.set_yticks(y, [str(r)[:40][:1].upper() + str(r)[:40][1:] for r in d["reason"]])
    right = min(1.0, float(d["share"].max()) * 1.2 + 0.02) if len(d) else 1.0
    # ticks on whole percents (a 0.025 step would print 2% and 5% for 2.5% and 5%)
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True).tick_values(
        0, 100 * right) / 100
    ax.set_xticks(ticks[ticks <= right + 1e-9])
    _pct_axis(ax.xaxis)
    ax.set_xlim(0, right)
    ax.set_xlabel("Share of rejections with a reason (red = about fit)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax
