"""Every chart of the report is legible in print: no text under 7 pt on the A4 page.

A chart's PNG is printed at its natural size (96 px to the inch) scaled down to the text
block's width (178 mm: A4 less the margins of report.css) and to the print stylesheet's
maximum chart height; every text in it shrinks by the same factor. The test draws every
chart of two sample reports and computes the printed size of its smallest text.
"""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

import toolkit.report.display as display
from tests.conftest import SAMPLES

CSS = Path(__file__).resolve().parents[1] / "templates/report/aligndx/report.css"
MIN_PT = 7.0


def _print_limits() -> tuple[float, float]:
    css = CSS.read_text(encoding="utf-8")
    heights = re.findall(r"figure\.chart img \{[^}]*max-height:\s*([\d.]+)mm", css)
    return display.PRINT_WIDTH_IN, float(heights[-1]) / 25.4   # the last rule wins


@pytest.mark.parametrize("sample", ["followup-gap", "followup-gap-after"])
def test_no_chart_text_under_7_pt_in_print(sample, monkeypatch):
    from matplotlib.text import Text

    from toolkit.pipeline import analyse_folder
    from toolkit.report import sections

    width_in, max_h_in = _print_limits()
    seen = []
    draw = display.figure_html

    def measured(fig, *, alt, takeaway=None):
        html = draw(fig, alt=alt, takeaway=takeaway)   # titles are fitted in there
        sizes = [t.get_fontsize() for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip()]
        png = base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1))
        w_px, h_px = struct.unpack(">II", png[16:24])
        dpi = 110
        natural_w, natural_h = w_px / 96, h_px / 96
        shrink = min(1.0, width_in / natural_w, max_h_in / natural_h)
        printed_per_inch = natural_w * shrink / (w_px / dpi)
        seen.append((min(sizes) * printed_per_inch, alt[:50]))
        return html

    monkeypatch.setattr(display, "figure_html", measured)   # waves.py imports it per call
    results = analyse_folder(SAMPLES / sample)
    for _ in sections.render_all(results).values():
        pass
    assert len(seen) >= 10
    small = [s for s in seen if s[0] < MIN_PT]
    assert not small, small
