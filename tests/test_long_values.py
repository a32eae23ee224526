"""Very long client values keep the outputs a sane size (review 13 L3): chart labels are cut
with an ellipsis, quoted comments are capped."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd


def _png_size(html: str) -> tuple[int, int]:
    from PIL import Image

    b64 = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    return Image.open(io.BytesIO(base64.b64decode(b64))).size


def test_a_huge_category_label_does_not_make_a_huge_chart():
    import matplotlib.pyplot as plt

    from toolkit.charts.png import DPI
    from toolkit.report.display import MAX_LABEL, figure_html

    k = DPI / 110            # pixel sizes below were set at 110 dpi
    long = "Europe " * 5000
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh([long, "NA"], [1, 2], label=long)
    ax.legend()
    html = figure_html(fig, alt="regions " + long, takeaway=long)
    w, h = _png_size(html)
    assert w < 2500 * k and h < 1500 * k, (w, h)
    assert len(html) < 200_000
    assert re.search(r'alt="regions (Europe ){10}', html) and "…" in html
    # the same chart with short labels is unchanged in size class (labels kept whole)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(["Europe", "NA"], [1, 2])
    assert _png_size(figure_html(fig, alt="x"))[0] < 1000 * k
    assert MAX_LABEL == 60


def test_shorten_labels_keeps_numbers_and_short_labels():
    import matplotlib.pyplot as plt

    from toolkit.report.display import shorten_labels

    fig, ax = plt.subplots()
    ax.bar(["a" * 100, "b"], [1000000.0, 2.0])
    shorten_labels(fig)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["a" * 59 + "…", "b"]
    assert any("1" in t.get_text() for t in ax.get_yticklabels())   # numeric axis as before
    plt.close(fig)


def test_a_huge_comment_is_quoted_capped():
    from toolkit.survey.sections import MAX_COMMENT, comments

    n = 10
    survey = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(n)],
                           "OPEN1": ["word " * 200_000] + [f"fine {i}" for i in range(n - 1)]})
    side = pd.Series(["sales"] * n)
    out, _ = comments(survey, side, 8)
    texts = out["by_side"]["sales"]["OPEN1"]
    assert max(len(t) for t in texts) == MAX_COMMENT
    assert any(t.endswith("…") for t in texts) and len(texts) == n
    assert np.sum([len(t) for t in texts]) < 3 * MAX_COMMENT
