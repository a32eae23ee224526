"""Charts of the portfolio report (many clients side by side)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from .theme import ACCENT, NEUTRAL, WARNING, new_axes

_PILLARS = ("overall", "politics", "incentives", "communication")
_STAGES = ("Undefined", "Defined", "Aligned", "Integrated")
_STATUS_COLORS = {"supported": WARNING, "not_supported": ACCENT, "inconclusive": "#bdbdbd",
                  "not_assessed": "#eeeeee"}
_STATUS_LABELS = {"supported": "Supported", "not_supported": "Not supported",
                  "inconclusive": "Cannot be settled", "not_assessed": "Not assessed"}
_PILLAR_LABELS = {"overall": "Overall", "politics": "Company politics",
                  "incentives": "Incentives", "communication": "Communication"}


def plot_score_distribution(*, data: pd.DataFrame, ax=None):
    """Box and dot plot of the clients' scores per pillar.

    Parameters
    ----------
    data : DataFrame
        One row per client with numeric columns ``overall``, ``politics``, ``incentives``,
        ``communication`` (0..100, NaN when not assessed).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    cols = [c for c in _PILLARS if c in data.columns]
    long = data[cols].melt(var_name="pillar", value_name="score").dropna()
    sns.boxplot(data=long, x="pillar", y="score", order=cols, color="#dddddd",
                showfliers=False, width=0.5, ax=ax)
    # the clients' dots, jittered sideways by a seeded generator: the same chart in every run
    # (seaborn's stripplot draws its jitter from NumPy's global random state)
    rng = np.random.default_rng(0)
    for i, col in enumerate(cols):
        y = long.loc[long["pillar"] == col, "score"].to_numpy(dtype=float)
        x = i + (rng.uniform(-0.15, 0.15, size=len(y)) if len(y) > 1 else np.zeros(len(y)))
        ax.scatter(x, y, s=25, color=NEUTRAL, linewidths=0, zorder=3)
    for cut in (25, 50, 75):
        ax.axhline(cut, color="#999999", lw=0.8, ls="--", zorder=0)
    ax.set_ylim(0, 100)
    ax.set_xticks(range(len(cols)), [_PILLAR_LABELS.get(c, c) for c in cols])
    ax.set_xlabel("")
    ax.set_ylabel("Score (0–100)")
    ax.set_title("Alignment scores across clients")
    return ax


def plot_stage_counts(*, data: pd.DataFrame, ax=None):
    """Bar chart of the number of clients per alignment stage.

    Parameters
    ----------
    data : DataFrame
        Columns ``stage`` and ``clients`` (count).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    data = data.assign(stage=data["stage"].replace({"not_assessed": "Not assessed"}))
    data = data[(data["clients"] > 0) | data["stage"].isin(_STAGES)]
    order = [s for s in _STAGES if s in set(data["stage"])] + \
        [s for s in data["stage"] if s not in _STAGES]
    sns.barplot(data=data, x="stage", y="clients", order=order, color=NEUTRAL, ax=ax)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # clients are counted whole
    ax.set_xlabel("")
    ax.set_ylabel("Clients")
    ax.set_title("Clients by alignment stage")
    return ax


def plot_verdicts(*, data: pd.DataFrame, ax=None):
    """Stacked horizontal bars of verdict statuses per blame-game claim.

    Parameters
    ----------
    data : DataFrame
        Columns ``claim``, ``status`` (supported, not_supported, inconclusive,
        not_assessed; shown in plain words) and ``clients`` (count). Statuses no client has
        are left out of the legend; the legend sits below the bars.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    wide = data.pivot_table(index="claim", columns="status", values="clients",
                            aggfunc="sum", sort=False).fillna(0)
    left = pd.Series(0.0, index=wide.index)
    for status, color in _STATUS_COLORS.items():
        if status in wide.columns:
            if not wide[status].any():
                continue
            ax.barh(wide.index, wide[status], left=left, color=color,
                    label=_STATUS_LABELS[status], edgecolor="#999999", linewidth=0.5)
            left = left + wide[status]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # clients are counted whole
    ax.set_xlabel("Clients")
    ax.set_title("Blame-game verdicts across clients")
    # below the bars, never over them
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize="small",
              frameon=False)
    return ax
