"""Every chart of the report is legible in print: no text under 7 pt on the A4 page.

A chart's PNG (drawn at 200 dpi) is printed at its frame's width (96 px to the inch) scaled
down to the text block's width (178 mm: A4 less the margins of report.css) and to its height
cap (class ``cap-<mm>`` of report.css); every text in it shrinks by the same factor. The test draws every
chart of two sample reports and computes the printed size of its smallest text.
"""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

import toolkit.report.display as display
from toolkit.charts.png import DPI
from tests.conftest import SAMPLES

CSS = Path(__file__).resolve().parents[1] / "templates/report/aligndx/report.css"
MIN_PT = 7.0


def test_css_caps_are_the_ones_the_report_reckons_with():
    for cap in display.PRINT_CAPS_MM:
        assert _print_limits(cap)[1] * 25.4 == pytest.approx(cap)


def _print_limits(cap: int | None = None) -> tuple[float, float]:
    """(text block width, height cap) in inches: of the chart class ``cap-<mm>``, or of a
    chart without one."""
    css = CSS.read_text(encoding="utf-8")
    sel = rf"figure\.chart\.cap-{cap} img" if cap else r"figure\.chart img"
    heights = re.findall(sel + r" \{[^}]*max-height:\s*([\d.]+)mm", css)
    return display.PRINT_WIDTH_IN, float(heights[-1]) / 25.4   # the last rule wins


@pytest.mark.parametrize("sample", ["followup-gap", "followup-gap-after"])
def test_no_chart_text_under_7_pt_in_print(sample, monkeypatch):
    from matplotlib.text import Text

    from toolkit.pipeline import analyse_folder
    from toolkit.report import sections

    seen = []
    draw = display.figure_html

    def measured(fig, *, alt, takeaway=None, **kw):
        html = draw(fig, alt=alt, takeaway=takeaway, **kw)   # titles are fitted in there
        cap = int(re.search(r'class="chart cap-(\d+)', html).group(1))
        width_in, max_h_in = _print_limits(cap)
        sizes = [t.get_fontsize() for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip()]
        png = base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1))
        w_px, h_px = struct.unpack(">II", png[16:24])
        # drawn at DPI, shown in a frame as wide as the chart was at 110 px per inch
        frame_px = int(re.search(r'class="chart-frame" style="max-width:(\d+)px"',
                                 html).group(1))
        assert w_px / DPI >= 0.99 * frame_px / 110 and DPI >= 200      # sharp: ≥ 200 ppi
        natural_w = frame_px / 96
        natural_h = natural_w * h_px / w_px
        shrink = min(1.0, width_in / natural_w, max_h_in / natural_h)
        printed_per_inch = natural_w * shrink / (w_px / DPI)
        seen.append((min(sizes) * printed_per_inch, alt[:50]))
        return html

    monkeypatch.setattr(display, "figure_html", measured)   # waves.py imports it per call
    results = analyse_folder(SAMPLES / sample)
    for _ in sections.render_all(results).values():
        pass
    assert len(seen) >= 10
    small = [s for s in seen if s[0] < MIN_PT]
    assert not small, small
    heat = [pt for pt, alt in seen if alt.lower().startswith("heatmap")]
    assert heat and min(heat) >= 8.0, heat       # its cell labels: 8 pt or more in print


def test_heatmap_labels_print_at_8_pt_with_ten_groups():
    """The widest heatmap (13 scores, ten groups) still prints its labels at 8 pt or more."""
    import pandas as pd

    from toolkit.charts.survey_analytics import HEAT_FONT, HEAT_MIN_PT, plot_group_heatmap

    scales = [f"Score with a longish name {i}" for i in range(13)]
    rows = [{"row": f"Region: Group {g} (n = 20)", "scale": f"S{i}", "column": name,
             "diff": (-1) ** i * 3.0, "marked": i == g, "shown": True}
            for g in range(10) for i, name in enumerate(scales)]
    ax = plot_group_heatmap(data=pd.DataFrame(rows))
    html = display.figure_html(ax.figure, alt="Heatmap", min_pt=HEAT_MIN_PT)
    png = base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1))
    w_px, h_px = struct.unpack(">II", png[16:24])
    frame_in = int(re.search(r'max-width:(\d+)px', html).group(1)) / 96
    cap = int(re.search(r'class="chart cap-(\d+)', html).group(1))
    width_in, cap_in = _print_limits(cap)
    printed = HEAT_FONT * min(frame_in, width_in, cap_in * w_px / h_px) / (w_px / DPI)
    assert printed >= 8.0, printed
