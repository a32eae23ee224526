"""Display helpers used by every report section.

Figures are embedded as base64 PNG ``<img>`` tags carrying alt text (so the HTML is
self-contained and accessible) and closed immediately after.

The helpers hand their output to :func:`toolkit.report.output.emit`; the public ``render*``
functions of the report modules are decorated with :func:`~toolkit.report.output.renders`,
so they *return* what they produced (a :class:`~toolkit.report.output.Rendered`, shown when
it ends a notebook cell) instead of displaying it as a side effect.
"""

from __future__ import annotations

import math
import re

import base64
from typing import Iterable

import pandas as pd
from IPython.display import HTML

from .safe import NO_MATH_CLASS, html_text, markdown_html

from .output import Rendered, collect, emit, renders  # noqa: F401  (re-exported)


def fmt_pct(x: float | None, digits: int = 0) -> str:
    """Format a 0..1 share as a percentage; ``None`` (or a non-finite value) as an em dash."""
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def fmt_pct_range(lo: float | None, hi: float | None) -> str:
    """A 95% interval of shares, ``"52%–59%"``; with one decimal when the whole-number
    bounds would read the same (``"1.6%–2.4%"``, never ``"2%–2%"``)."""
    a, b = fmt_pct(lo), fmt_pct(hi)
    if a == b and a != "—":
        a, b = fmt_pct(lo, 1), fmt_pct(hi, 1)
    return f"{a}–{b}"


def fmt_num(x: float | None, digits: int = 1) -> str:
    """Format a number with *digits* decimals and thousands separators; ``None`` (or a
    non-finite value) as —."""
    return "—" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def fmt_p(p: float | None) -> str:
    """Format a p-value the way reports do: ``<0.001`` below a thousandth, else 3 decimals."""
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


#: Longest category label drawn in a chart (tick labels, legend entries); longer ones end
#: in "…" (review 13, L3). Alt texts and takeaways are capped at MAX_ALT characters.
MAX_LABEL = 60
MAX_ALT = 2000


def _capped(text, limit: int):
    if isinstance(text, str) and len(text) > limit:
        return text[:limit - 1].rstrip() + "…"
    return text


def shorten_labels(fig, limit: int = MAX_LABEL) -> None:
    """Cut every tick label and legend entry of *fig* longer than *limit* characters to
    *limit* (ending in "…"): labels come from clients' files (regions, sources, stages,
    reasons) and a chart must stay a sane size whatever they hold."""
    from matplotlib.category import StrCategoryFormatter
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            old = axis.get_major_formatter()
            if not isinstance(old, (FixedFormatter, StrCategoryFormatter)):
                continue  # numbers, dates: never a client's text
            axis.set_major_formatter(
                FuncFormatter(lambda x, pos, f=old: _capped(f(x, pos), limit)))
            for t in axis.get_ticklabels():
                t.set_text(_capped(t.get_text(), limit))
        leg = ax.get_legend()
        for t in (leg.get_texts() if leg is not None else ()):
            t.set_text(_capped(t.get_text(), limit))
    for leg in getattr(fig, "legends", ()):
        for t in leg.get_texts():
            t.set_text(_capped(t.get_text(), limit))


#: Width of the printed page's text block (A4 less the report's margins), inches: a chart
#: wider than this is scaled down in print, its text with it (see :func:`fit_titles`).
PRINT_WIDTH_IN = 178 / 25.4


def fit_titles(fig) -> None:
    """Wrap an axes title longer than its figure onto two or more lines.

    A title wider than the figure widens the saved image, and the whole chart — every label
    with it — is then printed smaller to fit the page. The width is estimated from the
    character count (0.7 em per character of bold sans-serif), which errs long.
    """
    import textwrap

    width_in = fig.get_size_inches()[0]
    for ax in fig.axes:
        t = ax.title
        text = t.get_text()
        if not text or "\n" in text:
            continue
        chars = int(width_in * 72 / (0.7 * t.get_fontsize()))
        if len(text) <= chars:
            continue
        # two lines split after a comma or colon (the population on a line of its own),
        # else wrapped at spaces
        cuts = [m.end() for m in re.finditer(r"[,:;] ", text)]
        best = min(cuts, key=lambda c: max(c, len(text) - c), default=None)
        if best is not None and max(best, len(text) - best) <= chars:
            t.set_text(text[:best].rstrip() + "\n" + text[best:])
        else:
            t.set_text("\n".join(textwrap.wrap(text, chars, break_long_words=False)))


def figure_html(fig, *, alt: str, takeaway: str | None = None) -> str:
    """Return an HTML ``<figure>`` embedding *fig* as PNG with alt text, and close it."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):  # client text in labels is text, never mathtext ("$")
        t.set_parse_math(False)
    shorten_labels(fig)  # a 35,000-character region must not make a 274,856-pixel chart
    alt, takeaway = _capped(alt, MAX_ALT), _capped(takeaway, MAX_ALT)
    fit_titles(fig)
    from ..charts.png import figure_png
    from ..charts.theme import pyplot

    png = figure_png(fig)  # one draw, cropped as bbox_inches="tight" would
    pyplot().close(fig)
    b64 = base64.b64encode(png).decode("ascii")
    cap = (f'<figcaption class="takeaway">{html_text(takeaway)}</figcaption>'
           if takeaway else "")
    return (f'<figure class="chart {NO_MATH_CLASS}"><img src="data:image/png;base64,{b64}" '
            f'alt="{html_text(alt)}" style="max-width:100%;height:auto"/>'
            f"{cap}</figure>")


def show_figure(fig_or_ax, *, alt: str, takeaway: str | None = None) -> None:
    """Display a chart (Figure or Axes) with alt text and a one-line takeaway, then close it.

    Parameters
    ----------
    fig_or_ax : matplotlib Figure or Axes
    alt : str
        Alternative text describing what the chart shows.
    takeaway : str, optional
        One sentence computed from the data, shown under the chart.
    """
    fig = getattr(fig_or_ax, "figure", fig_or_ax)
    emit(HTML(figure_html(fig, alt=alt, takeaway=takeaway)))


def show_markdown(text: str) -> None:
    """Display the toolkit's Markdown *text*, rendered safely to HTML.

    Client values inside *text* cannot become markup: raw HTML is shown as text, links and
    images keep only their text, ``$`` is not typeset (see
    :func:`toolkit.report.safe.markdown_html`). Values are still best passed through
    :func:`toolkit.report.safe.md_text` so that ``*`` or ``_`` in them stay literal.
    """
    emit(HTML(markdown_html(text)))


def show_html(fragment: str) -> None:
    """Display an HTML *fragment* built by a renderer (values escaped with ``html_text``)."""
    emit(HTML(f'<div class="{NO_MATH_CLASS}">{fragment}</div>'))


def show_table(df: pd.DataFrame, *, caption: str | None = None, index: bool = False) -> None:
    """Display a DataFrame as a plain, print-friendly HTML table."""
    shown = df.astype(object).where(df.notna(), "—")  # None and NaN alike read "—"
    # headers as a document writes them: capitalised ("source" → "Source")
    shown.columns = [c[:1].upper() + c[1:] if isinstance(c, str) else c for c in shown.columns]
    styler_html = shown.to_html(index=index, border=0, classes="table", escape=True)
    cap = f"<p class='caption'>{html_text(caption)}</p>" if caption else ""
    emit(HTML(cap + styler_html))


def show_not_assessed(title: str, reasons: Iterable[str]) -> None:
    """Say plainly that a section could not be assessed, and why."""
    items = "".join(f"<li>{html_text(r)}</li>" for r in reasons) or "<li>No data.</li>"
    emit(HTML(f"<div class='not-assessed {NO_MATH_CLASS}'><strong>{html_text(title)} — not assessed."
                 f"</strong><ul>{items}</ul></div>"))
