"""A chart as PNG bytes, drawn once and cropped to what was drawn (issue 18).

``savefig(bbox_inches="tight")`` lays the figure out twice before it rasterises it: a draw
without rendering (to place titles and tick labels), then the tight bounding box of every
artist, then the real draw — about 40 % of a report's chart time goes to the first two.
:func:`figure_png` draws the figure once, on a canvas larger than the figure by a margin on
every side (the figure keeps its size and layout; only the canvas around it grows, as
``bbox_inches`` does), and crops the pixels to what was drawn plus the same 0.1 in pad. A chart
whose drawing reaches the edge of that canvas (a label longer than the margin) is saved
with ``bbox_inches="tight"`` as before, so nothing is ever cut off.
"""

from __future__ import annotations

import io

#: Resolution of the report's charts (dots per inch): sharp in print (partner review 16c:
#: 118–140 ppi looked soft), while the page shows each chart at :data:`DISPLAY_DPI`.
DPI = 200
#: CSS pixels per inch of figure on the page (the size the report has always shown its
#: charts at); :func:`display_width` gives an image's width at this scale.
DISPLAY_DPI = 110
#: Blank space kept around the drawing, as ``savefig``'s ``pad_inches``.
PAD_INCHES = 0.1
#: Canvas added on every side of the figure (inches); 2 in × 200 dpi = 400 whole pixels, so
#: the figure is not shifted by a fraction of a pixel.
MARGIN_INCHES = 2.0
#: zlib level of the PNG files (Pillow's default is 6): the same pixels; at 200 dpi level 3
#: encodes the report's ~15 megapixels of charts in about two thirds of the time for ~8 %
#: more bytes (issue 18).
PNG_COMPRESS_LEVEL = 3


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG bytes, from the IHDR chunk."""
    import struct

    return struct.unpack(">II", png[16:24])


def display_width(png: bytes, *, dpi: int = DPI) -> int:
    """The CSS width (px) at which the page shows a chart drawn at *dpi*: the width it had
    at :data:`DISPLAY_DPI`, so a sharper image does not make a larger chart."""
    return max(1, round(png_size(png)[0] * DISPLAY_DPI / dpi))


def figure_png(fig, *, dpi: int = DPI, pad_inches: float = PAD_INCHES,
               margin_inches: float = MARGIN_INCHES) -> bytes:
    """Return *fig* as PNG bytes, cropped to its drawing plus *pad_inches*, in one draw.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure without a layout engine (a constrained or tight layout engine needs its own
        layout pass: such a figure, like one whose drawing reaches past *margin_inches*, is
        saved with ``bbox_inches="tight"``).
    dpi : int
        Dots per inch.
    pad_inches : float
        Blank space kept around the drawing.
    margin_inches : float
        Canvas added on every side of the figure before cropping.

    Returns
    -------
    bytes
        A PNG image (RGBA, *dpi* recorded), the figure's background colour around the
        drawing.
    """
    import numpy as np
    from matplotlib import image as mimage
    from matplotlib.transforms import Bbox

    w, h = fig.get_size_inches()
    if fig.get_layout_engine() is None:
        m = margin_inches
        raw = io.BytesIO()
        fig.savefig(raw, format="raw", dpi=dpi, bbox_inches=Bbox.from_extents(
            -m, -m, w + m, h + m))
        # the canvas in whole pixels as matplotlib sizes it (truncated, but rounded up
        # within 1e-8 of a whole pixel: FigureCanvasBase.get_width_height); a figure of
        # 8.66 in is 2,532 pixels wide with the margins, not int(2531.99…) = 2,531
        width, height = int((w + 2 * m) * dpi + 1e-8), int((h + 2 * m) * dpi + 1e-8)
        buf = raw.getbuffer()
        if len(buf) == width * height * 4:
            rgba = np.frombuffer(buf, dtype=np.uint8).reshape(height, width, 4)
            px = rgba.view(np.uint32).reshape(height, width)
            ink = px != px[0, 0]  # anything that is not the background
            rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            if (rows.size and 0 < rows[0] and rows[-1] < height - 1 and 0 < cols[0]
                    and cols[-1] < width - 1):
                pad = int(round(pad_inches * dpi))
                crop = rgba[max(rows[0] - pad, 0):rows[-1] + pad + 1,
                            max(cols[0] - pad, 0):cols[-1] + pad + 1]
                out = io.BytesIO()
                mimage.imsave(out, np.ascontiguousarray(crop), format="png",
                              origin="upper", dpi=dpi,
                              pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
                return out.getvalue()
    out = io.BytesIO()  # a layout engine, or a drawing larger than the canvas
    fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight", pad_inches=pad_inches,
                pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return out.getvalue()
