"""Charts drawn once (issue 18): cropped to the drawing, nothing cut off, as savefig tight."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from toolkit.charts import png as png_mod
from toolkit.charts.theme import apply_theme, pyplot


def _rgba(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def _tight(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=png_mod.DPI, bbox_inches="tight",
                pad_inches=png_mod.PAD_INCHES)
    return _rgba(buf.getvalue())


def _ink_box(a: np.ndarray) -> tuple[int, int, int, int]:
    ink = (a != a[0, 0]).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[0], a.shape[0] - 1 - rows[-1], cols[0], a.shape[1] - 1 - cols[-1]


def _bar_chart(label: str = "Marketing-sourced leads"):
    apply_theme()
    fig, ax = pyplot().subplots(figsize=(6, 3))
    ax.barh([label, "Other"], [3, 5], color="#1f5fa8")
    ax.set_xlabel("Leads")
    ax.set_title("Leads by source")
    return fig


def test_one_draw_matches_savefig_tight():
    fig = _bar_chart()
    calls = []
    orig = fig.draw

    def counting(renderer):
        calls.append(1)
        return orig(renderer)

    fig.draw = counting
    data = png_mod.figure_png(fig)
    assert len(calls) == 1  # savefig(bbox_inches="tight") lays out first, then draws
    fig.draw = orig
    new, old = _rgba(data), _tight(fig)
    pyplot().close(fig)
    # same picture: the sizes agree to a few pixels (ink box vs artist box; 6 at 110 dpi)
    tol = 6 * png_mod.DPI / 110
    assert abs(new.shape[0] - old.shape[0]) <= tol and abs(new.shape[1] - old.shape[1]) <= tol
    # the pad is blank and the drawing reaches it on every side
    pad = round(png_mod.PAD_INCHES * png_mod.DPI)
    assert _ink_box(new) == (pad, pad, pad, pad)
    # the label drawn on the left is there (dark text pixels in the left part)
    assert (new[:, : new.shape[1] // 4, :3] < 100).any()
    # written at the faster zlib level with its resolution recorded; the same pixels as
    # Pillow's default level gives
    img = Image.open(io.BytesIO(data))
    assert [round(v) for v in img.info["dpi"]] == [png_mod.DPI, png_mod.DPI]
    default = io.BytesIO()
    img.save(default, format="png")
    assert np.array_equal(_rgba(default.getvalue()), new)
    assert len(data) > len(default.getvalue())  # level 3 packs less tightly than 6


def test_figure_a_hair_short_of_a_whole_pixel_is_drawn_once():
    # the survey heatmap is 2.8 + 0.72 × 8 + 0.1 = 8.66 in wide: with the margins
    # (8.66 + 4) × 200 = 2531.99… pixels, which matplotlib's canvas rounds up to 2,532; the
    # canvas used to be taken as 2,531 wide, the buffer did not match and the chart was
    # laid out and drawn again by savefig(bbox_inches="tight")
    fig = _bar_chart()
    fig.set_size_inches(2.8 + 0.72 * 8 + 0.1, 3.0)
    width = (fig.get_size_inches()[0] + 2 * png_mod.MARGIN_INCHES) * png_mod.DPI
    assert int(width) != round(width)   # the case this test is about
    formats = []
    orig = fig.savefig

    def recording(*args, **kwargs):
        formats.append(kwargs.get("format"))
        return orig(*args, **kwargs)

    fig.savefig = recording
    data = png_mod.figure_png(fig)
    fig.savefig = orig
    assert formats == ["raw"]   # one draw, no savefig tight after it
    new = _rgba(data)
    pyplot().close(fig)
    pad = round(png_mod.PAD_INCHES * png_mod.DPI)
    assert _ink_box(new) == (pad, pad, pad, pad)


def test_label_longer_than_the_margin_is_not_cut_off():
    long = "A very long lead source label " * 6  # ~10 inches of text, margin is 2 in
    fig = _bar_chart(long)
    width_in = fig.get_size_inches()[0]
    new = _rgba(png_mod.figure_png(fig))
    old = _tight(fig)
    pyplot().close(fig)
    assert new.shape == old.shape  # the fallback is savefig tight itself
    assert new.shape[1] > (width_in + 2 * png_mod.MARGIN_INCHES) * png_mod.DPI


def test_layout_engine_figure_uses_savefig():
    apply_theme()
    fig, ax = pyplot().subplots(figsize=(4, 3), layout="constrained")
    ax.plot([0, 1], [0, 1])
    new, old = _rgba(png_mod.figure_png(fig)), _tight(fig)
    pyplot().close(fig)
    assert new.shape == old.shape


@pytest.mark.parametrize("facecolor", ["white", "#f4f1ea"])
def test_background_colour_is_kept(facecolor):
    fig = _bar_chart()
    fig.set_facecolor(facecolor)
    a = _rgba(png_mod.figure_png(fig))
    pyplot().close(fig)
    want = tuple(int(round(255 * c)) for c in __import__("matplotlib").colors.to_rgba(
        facecolor))
    assert tuple(a[0, 0]) == want
