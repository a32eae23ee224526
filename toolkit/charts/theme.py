"""One theme and palette for every chart of the report.

Sales and marketing always have the same two colours, everywhere.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)  # no display needed; the report embeds PNGs itself

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

SIDE_COLORS = {
    "sales": "#1f5fa8",       # blue
    "marketing": "#e07b00",   # orange
    "all": "#5b5b5b",         # grey
}
SIDE_LABELS = {"sales": "Sales side", "marketing": "Marketing side", "all": "All respondents"}

#: Diverging 5-point agreement palette (strongly disagree … strongly agree).
LIKERT_COLORS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]
LIKERT_LABELS = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]

ACCENT = "#2e7d32"     # good / within target
WARNING = "#c62828"    # bad / outside target
NEUTRAL = "#7f7f7f"

FIGSIZE = (7.5, 4.0)


def apply_theme() -> None:
    """Set the report's matplotlib/seaborn style (idempotent)."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95,
                  rc={"figure.figsize": FIGSIZE, "axes.titleweight": "bold",
                      "axes.titlesize": 12, "axes.spines.top": False,
                      "axes.spines.right": False, "figure.dpi": 110,
                      "savefig.bbox": "tight"})


def new_axes(ax=None, *, figsize=FIGSIZE):
    """Return ``ax`` or a fresh Axes on a new figure with the theme applied."""
    if ax is not None:
        return ax
    apply_theme()
    _, ax = plt.subplots(figsize=figsize)
    return ax
