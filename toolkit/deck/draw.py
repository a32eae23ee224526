"""Drawing the slides with python-pptx: text sized to fit, native charts, tables, notes.

Geometry is proportional to the slide, so a practice template of any size (16:9 or 4:3)
gets a sensible layout. Text is sized with :func:`toolkit.deck.fit.fit_size`; charts are
python-pptx chart objects (editable in PowerPoint, data in the embedded workbook).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Pt

from ..formatting import half_up
from ..privacy import neutralize_cell
from .content import ChartSpec, SlideSpec
from .fit import EMU_PER_PT, Para, fit_or_shorten, text_height

MARGIN = 0.0375  # of the slide width
GREY = "595959"


@dataclass
class Style:
    """Colours (hex without #) and the font the deck is set in."""

    primary: str = "1f3a5f"
    accent: str = "e07b00"
    sales: str = "1f5fa8"
    marketing: str = "e07b00"
    muted: str = "a6a6a6"
    font: str = "Arial"

    def colour(self, key: str) -> RGBColor:
        return RGBColor.from_string(getattr(self, key, key).lstrip("#").upper())


@dataclass
class Box:
    """A rectangle in EMU."""

    x: int
    y: int
    w: int
    h: int

    def pt(self) -> tuple[float, float]:
        return self.w / EMU_PER_PT, self.h / EMU_PER_PT


def _inner(box: Box, tf) -> tuple[float, float]:
    w, h = box.pt()
    return w - 14.4, h - 7.2  # default insets: 0.1 in left/right, 0.05 in top/bottom


def text_box(slide, box: Box, paras: list[Para], style: Style, *, max_pt: float,
             min_pt: float, colour: str = GREY, anchor=MSO_ANCHOR.TOP, align=None,
             shape=None, tail: str = ""):
    """Write *paras* into *shape* (or a new text box at *box*), at the largest size that fits.

    The first paragraph's size becomes the largest that fits between *max_pt* and *min_pt*;
    the others keep their ratio to it; text that does not fit at *min_pt* is shortened with
    an ellipsis (:func:`~toolkit.deck.fit.fit_or_shorten`), never its *tail* (appended to
    the first paragraph). Returns the shape.
    """
    if shape is None:
        shape = slide.shapes.add_textbox(box.x, box.y, box.w, box.h)
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = None
    tf.vertical_anchor = anchor
    w, h = _inner(box, tf)
    # too long even at min_pt (a client's 1,000-character name): shortened with "…"
    size, paras = fit_or_shorten(paras, w, h, max_pt=max_pt, min_pt=min_pt, font=style.font,
                                 tail=tail)
    k = size / paras[0].size
    tf.clear()
    for i, p in enumerate(paras):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            para.alignment = align
        if p.space_before and i:
            para.space_before = Pt(round(p.space_before * k, 1))
        run = para.add_run()
        run.text = p.text
        run.font.size = Pt(round(p.size * k, 1))
        run.font.bold = p.bold
        run.font.name = style.font
        run.font.color.rgb = style.colour(colour)
    return shape


def title(slide, box: Box, text: str, style: Style) -> None:
    """The action title: the title placeholder when the layout has one, else a text box."""
    ph = slide.shapes.title
    if ph is not None:
        box = Box(ph.left, ph.top, ph.width, ph.height)
    text_box(slide, box, [Para(text, 26, bold=True)], style, max_pt=26, min_pt=18,
             colour="primary", anchor=MSO_ANCHOR.BOTTOM, shape=ph)


def bullets(slide, box: Box, items: list[str], style: Style, *, max_pt: float = 18,
            min_pt: float = 11) -> None:
    """Bulleted plain sentences, sized to fit *box*."""
    if not items:
        return
    paras = [Para(f"• {t}", 18, space_before=8, indent=18 * 1.2) for t in items]
    text_box(slide, box, paras, style, max_pt=max_pt, min_pt=min_pt)


def caption(slide, box: Box, text: str, style: Style) -> None:
    text_box(slide, box, [Para(text, 12, bold=True)], style, max_pt=12, min_pt=9)


def chart(slide, box: Box, spec: ChartSpec, style: Style) -> None:
    """A native bar/column chart with value labels and no value axis (labels carry values)."""
    fmt = ("0%" if spec.decimals == 0 else "0.0%") if spec.percent else (
        "#,##0" if spec.decimals == 0 else "#,##0.0")
    data = CategoryChartData(number_format=fmt)
    # the chart's data also lives in an embedded workbook ("Edit Data" opens it in Excel):
    # labels from client data are neutralised there like every other spreadsheet (SPEC §8a)
    # and a label from a client's file is cut to a chart's size (review 13, L3)
    data.categories = [neutralize_cell(str(c) if len(str(c)) <= 60 else
                                       str(c)[:59].rstrip() + "…") for c in spec.categories]
    # values rounded once, by the rule of every displayed figure (half up, as the text and tiles
    # round them), so a label never reads 43 beside a "42" in the text (review 16d, M1)
    places = spec.decimals + (2 if spec.percent else 0)
    for name, values, _ in spec.series:
        data.add_series(neutralize_cell(str(name)),
                        [None if v is None else half_up(v, places) for v in values])
    kind = XL_CHART_TYPE.BAR_CLUSTERED if spec.kind == "bar" else XL_CHART_TYPE.COLUMN_CLUSTERED
    ch = slide.shapes.add_chart(kind, box.x, box.y, box.w, box.h, data).chart
    ch.font.size = Pt(12)
    ch.font.name = style.font
    ch.has_title = False
    ch.has_legend = len(spec.series) > 1
    if ch.has_legend:
        ch.legend.position = XL_LEGEND_POSITION.BOTTOM
        ch.legend.include_in_layout = False
        ch.legend.font.size = Pt(12)
    plot = ch.plots[0]
    plot.gap_width = 60
    if len(spec.series) > 1:
        plot.overlap = -10
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = fmt
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(12)
    for series, (_, _, colour) in zip(plot.series, spec.series):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = style.colour(colour)
    if spec.highlight and any(spec.highlight):
        for i, hot in enumerate(spec.highlight):
            point = plot.series[0].points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = style.colour("accent" if hot else "muted")
    va = ch.value_axis
    top = max([v for _, vals, _ in spec.series for v in vals if v is not None] or [1])
    va.minimum_scale = 0
    # room for the labels above the tallest bar, on the full scale when one is given
    va.maximum_scale = (max(spec.maximum, top) * 1.08 if spec.maximum else top * 1.18)
    va.visible = False
    va.has_major_gridlines = False
    ca = ch.category_axis
    ca.tick_labels.font.size = Pt(12)
    ca.format.line.color.rgb = style.colour("muted")
    if spec.kind == "bar":
        ca.reverse_order = True  # read top-down, in the order given


def table(slide, box: Box, rows: list[list[str]], style: Style,
          widths: list[float]) -> None:
    """A plain table (header row in the primary colour), font sized so the rows fit *box*."""
    n_rows, n_cols = len(rows), len(rows[0])
    col_w = [int(box.w * f) for f in widths]
    size = 14.0
    while size > 9:
        need = sum(max(text_height([Para(c, size, bold=(r == 0))], col_w[j] / EMU_PER_PT - 14.4,
                                   font=style.font) + 7.2 for j, c in enumerate(row))
                   for r, row in enumerate(rows))
        if need <= box.h / EMU_PER_PT:
            break
        size -= 0.5
    shape = slide.shapes.add_table(n_rows, n_cols, box.x, box.y, box.w,
                                   int(n_rows * size * 1.6 * EMU_PER_PT))
    tbl = shape.table
    for j, w in enumerate(col_w):
        tbl.columns[j].width = w
    for r, row in enumerate(rows):
        tbl.rows[r].height = int(size * 1.6 * EMU_PER_PT)
        for j, value in enumerate(row):
            cell = tbl.cell(r, j)
            cell.text = ""
            para = cell.text_frame.paragraphs[0]
            run = para.add_run()
            run.text = value
            run.font.size = Pt(size)
            run.font.name = style.font
            run.font.bold = r == 0
            run.font.color.rgb = style.colour("FFFFFF" if r == 0 else GREY)
            cell.fill.solid()
            cell.fill.fore_color.rgb = style.colour("primary" if r == 0 else
                                                    ("F2F2F2" if r % 2 == 0 else "FFFFFF"))


def footer(slide, W: int, H: int, left: str, right: str, style: Style, *,
           left_tail: str = "") -> None:
    """The footer line: *left* then *left_tail* (kept whole when *left*, the client's
    name, is shortened to fit), and *right*."""
    m = int(W * MARGIN)
    y = H - int(H * 0.065)
    h = int(H * 0.05)
    half = (W - 2 * m) // 2
    text_box(slide, Box(m, y, half, h), [Para(left, 10)], style, max_pt=10, min_pt=7,
             colour="7f7f7f", tail=left_tail)
    text_box(slide, Box(m + half, y, half, h), [Para(right, 10)], style, max_pt=10, min_pt=7,
             colour="7f7f7f", align=PP_ALIGN.RIGHT)


def notes(slide, lines: list[str]) -> None:
    """Speaker notes: the evidence behind the slide, one line per figure."""
    if lines:
        slide.notes_slide.notes_text_frame.text = "\n".join(x for x in lines if x)


def logo(slide, data_uri: str, box: Box) -> None:
    """Place the practice's PNG logo (a ``data:image/png`` URI) inside *box*, keeping aspect."""
    if not data_uri.startswith("data:image/png;base64,"):
        return  # SVG logos cannot go into PowerPoint; the practice name stands instead
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    pic = slide.shapes.add_picture(io.BytesIO(raw), box.x, box.y, height=box.h)
    if pic.width > box.w:
        ratio = box.w / pic.width
        pic.width, pic.height = box.w, int(pic.height * ratio)
    pic.left = box.x + box.w - pic.width


def body_slide(slide, spec: SlideSpec, W: int, H: int, style: Style, *,
               title_box: Box) -> None:
    """Lay out a content slide: title on top, bullets left and charts right (or full width)."""
    m = int(W * MARGIN)
    top = title_box.y + title_box.h + int(H * 0.03)
    bottom = H - int(H * 0.085)
    title(slide, title_box, spec.title, style)
    if spec.table:
        cols = len(spec.table[0])
        widths = [0.05, 0.38, 0.14, 0.43] if cols == 4 else [1 / cols] * cols
        table(slide, Box(m, top, W - 2 * m, bottom - top), spec.table, style, widths)
        return
    if not spec.charts:
        bullets(slide, Box(m, top, W - 2 * m, bottom - top), spec.bullets, style, max_pt=20)
        return
    text_w = int((W - 2 * m) * 0.36) if spec.bullets else 0
    bullets(slide, Box(m, top, text_w, bottom - top), spec.bullets, style, max_pt=18)
    cx = m + text_w + (int(W * 0.02) if text_w else 0)
    cw = W - m - cx
    n = len(spec.charts)
    each = (cw - int(W * 0.02) * (n - 1)) // n
    cap_h = int(H * 0.075)
    for i, c in enumerate(spec.charts):
        x = cx + i * (each + int(W * 0.02))
        caption(slide, Box(x, top, each, cap_h), c.title, style)
        chart(slide, Box(x, top + cap_h, each, bottom - top - cap_h), c, style)


def summary_slide(slide, spec: SlideSpec, W: int, H: int, style: Style, *,
                  title_box: Box) -> None:
    """The executive summary: verdict, score tiles, findings and actions side by side."""
    m = int(W * MARGIN)
    gap = int(W * 0.02)
    title(slide, title_box, spec.title, style)
    y = title_box.y + title_box.h + int(H * 0.015)
    if spec.subtitle:
        h = int(H * 0.11)
        text_box(slide, Box(m, y, W - 2 * m, h), [Para(spec.subtitle, 16)], style,
                 max_pt=16, min_pt=11)
        y += h + int(H * 0.01)
    n = len(spec.tiles)
    if n:
        tw = (W - 2 * m - gap * (n - 1)) // n
        th = int(H * 0.16)
        for i, (label, value, sub) in enumerate(spec.tiles):
            x = m + i * (tw + gap)
            tile = slide.shapes.add_shape(1, x, y, tw, th)
            tile.fill.solid()
            tile.fill.fore_color.rgb = style.colour("F2F2F2")
            tile.line.fill.background()
            tile.shadow.inherit = False
            # the label keeps a readable size when projected (review 16d: 8 pt under the
            # money figure): 14 to 24 beside the value, so it stays at 10 pt or more
            paras = [Para(value, 24, bold=True), Para(label + (f" · {sub}" if sub else ""), 14)]
            text_box(slide, Box(x, y, tw, th), paras, style, max_pt=24, min_pt=17.2,
                     colour="primary", shape=tile, align=PP_ALIGN.CENTER,
                     anchor=MSO_ANCHOR.MIDDLE)
        y += th + int(H * 0.03)
    bottom = H - int(H * 0.085)
    cols = spec.columns
    cw = (W - 2 * m - gap * (len(cols) - 1)) // max(len(cols), 1)
    for i, (heading, items) in enumerate(cols):
        x = m + i * (cw + gap)
        paras = [Para(heading, 18, bold=True)] + [
            Para(f"{k}. {t}", 15, space_before=6, indent=15 * 1.2)
            for k, t in enumerate(items, 1)]
        text_box(slide, Box(x, y, cw, bottom - y), paras, style, max_pt=18, min_pt=11)


def cover_slide(slide, spec: SlideSpec, W: int, H: int, style: Style, brand: dict) -> None:
    """Client name, what this is, period, the practice and "Confidential"."""
    m = int(W * MARGIN)
    ph_title = slide.shapes.title
    subtitle_ph = next((p for p in slide.placeholders if p.placeholder_format.idx == 1), None)
    if ph_title is None:  # our own cover: a band in the brand colour on the left
        band = slide.shapes.add_shape(1, 0, 0, int(W * 0.02), H)
        band.fill.solid()
        band.fill.fore_color.rgb = style.colour("primary")
        band.line.fill.background()
    tb = (Box(ph_title.left, ph_title.top, ph_title.width, ph_title.height) if ph_title
          else Box(m * 2, int(H * 0.28), W - 4 * m, int(H * 0.2)))
    text_box(slide, tb, [Para(spec.title, 40, bold=True)], style, max_pt=40, min_pt=24,
             colour="primary", anchor=MSO_ANCHOR.BOTTOM, shape=ph_title)
    sb = (Box(subtitle_ph.left, subtitle_ph.top, subtitle_ph.width, subtitle_ph.height)
          if subtitle_ph is not None else Box(m * 2, tb.y + tb.h, W - 4 * m, int(H * 0.3)))
    paras = [Para(spec.subtitle, 24, bold=False)] + [
        Para(x, 16, space_before=10 if i == 0 else 2) for i, x in enumerate(spec.bullets)]
    text_box(slide, sb, paras, style, max_pt=24, min_pt=14, colour="accent" if not subtitle_ph
             else GREY, shape=subtitle_ph)
    if brand.get("logo"):
        logo(slide, brand["logo"], Box(W - m - int(W * 0.2), m, int(W * 0.2), int(H * 0.12)))
    for ph in list(slide.placeholders):  # empty placeholders would show "Click to add…"
        if not ph.has_text_frame or not ph.text_frame.text.strip():
            ph._element.getparent().remove(ph._element)


def clear_slides(prs) -> None:
    """Remove the sample slides a practice template may carry."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def layout(prs, names: tuple[str, ...], *, want_title: bool):
    """The first layout named like one of *names*; else one with (or without) a title."""
    lays = list(prs.slide_layouts)
    for name in names:
        for lay in lays:
            if lay.name.strip().lower() == name:
                return lay
    def has_title(lay):
        return any(p.placeholder_format.type in (1, 3) for p in lay.placeholders)
    fits = [lay for lay in lays if has_title(lay) == want_title]
    return min(fits or lays, key=lambda lay: len(lay.placeholders))


