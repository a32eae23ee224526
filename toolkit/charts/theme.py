"""One theme and palette for every chart of the report.

Sales and marketing always have the same two colours, everywhere.

Importing this module loads no plotting library (the deck and the analysis read the colours
here without paying for matplotlib's import, issue 18); :func:`apply_theme`,
:func:`new_axes` and :func:`pyplot` load matplotlib, with the Agg backend (the report embeds
PNGs itself; no display is needed).
"""

from __future__ import annotations

from cycler import cycler

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

FIGSIZE = (7.5, 3.3)   # printed about 7 in × 3 in on A4: a third of a page


def _rgb(color: str) -> tuple[float, float, float]:
    """``#rrggbb`` as an RGB triple of 0..1 floats (what ``matplotlib.colors.to_rgb`` gives)."""
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))


#: seaborn's "deep" palette (seaborn 0.13), the default colour cycle of the charts.
DEEP_PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
                "#8c8c8c", "#ccb974", "#64b5cd"]

#: The matplotlib settings of ``seaborn.set_theme(context="notebook", style="whitegrid",
#: font_scale=0.95, rc=...)`` (seaborn 0.13.2), written out so that drawing a chart does not
#: import seaborn (and, through it, ``scipy.stats``: 1.4 s per report kernel). Two seaborn
#: side effects are left out: ``image.cmap = "rocket"`` (a seaborn colormap; the report draws
#: no images) and the remapping of the one-letter colour codes ("b", "g", ...; unused).
#: ``tests/test_charts_theme.py`` checks this against seaborn itself.
THEME_RC = {
    # seaborn.axes_style("whitegrid")
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15",
    "axes.axisbelow": True, "grid.linestyle": "-", "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "xtick.top": False, "ytick.right": False, "axes.grid": True, "axes.facecolor": "white",
    "axes.edgecolor": ".8", "grid.color": ".8", "axes.spines.left": True,
    "axes.spines.bottom": True, "xtick.bottom": False, "ytick.left": False,
    # seaborn.plotting_context("notebook", font_scale=0.95)
    "axes.linewidth": 1.25, "grid.linewidth": 1.0, "lines.linewidth": 1.5,
    "lines.markersize": 6.0, "patch.linewidth": 1.0, "xtick.major.width": 1.25,
    "ytick.major.width": 1.25, "xtick.minor.width": 1.0, "ytick.minor.width": 1.0,
    "xtick.major.size": 6.0, "ytick.major.size": 6.0, "xtick.minor.size": 4.0,
    "ytick.minor.size": 4.0, "font.size": 12 * 0.95, "axes.labelsize": 12 * 0.95,
    "xtick.labelsize": 11 * 0.95, "ytick.labelsize": 11 * 0.95,
    "legend.fontsize": 11 * 0.95, "legend.title_fontsize": 12 * 0.95,
    # seaborn.set_palette("deep")
    "axes.prop_cycle": cycler("color", [_rgb(c) for c in DEEP_PALETTE]),
    # the report's own settings
    "figure.figsize": FIGSIZE, "axes.titleweight": "bold", "axes.titlesize": 12,
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 110,
    "savefig.bbox": "tight",
    # labels carry client text (sources, stages, roles): a "$" must not start mathtext
    # (a malformed expression would stop the report; SPEC §8a)
    "text.parse_math": False,
}


_AGG = []


def pyplot():
    """Return ``matplotlib.pyplot`` with the Agg backend (chosen on the first call; no
    display is needed, the report embeds PNGs itself)."""
    import matplotlib

    if not _AGG:
        matplotlib.use("Agg", force=False)
        _AGG.append(True)
    import matplotlib.pyplot as plt

    return plt


def apply_theme() -> None:
    """Set the report's matplotlib style (idempotent).

    The style is seaborn's ``whitegrid`` theme at the ``notebook`` context scaled by 0.95,
    with bold 12 pt titles, no top/right spines and 110 dpi (see :data:`THEME_RC`).
    """
    pyplot().rcParams.update(THEME_RC)


def new_axes(ax=None, *, figsize=FIGSIZE):
    """Return ``ax`` or a fresh Axes on a new figure with the theme applied."""
    if ax is not None:
        return ax
    apply_theme()
    _, ax = pyplot().subplots(figsize=figsize)
    return ax
