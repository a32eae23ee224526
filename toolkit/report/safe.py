"""The one escaping boundary between client data and every output medium (SPEC §8a).

Every value that comes from a client's files or settings is untrusted text. It reaches the
outputs only through the functions of this module:

=====================  ==================================================================
medium                 function
=====================  ==================================================================
HTML text / attribute  :func:`html_text`, :func:`attr` (``&``, ``<``, ``>``, quotes)
Markdown source        :func:`md_text` (Markdown punctuation, HTML, ``$`` math)
LaTeX                  :func:`latex_text` (the ten LaTeX specials)
CSS colour             :func:`css_color` (validated by regex, else the default)
CSS string             :func:`css_string`
Markdown → HTML        :func:`markdown_html` (the toolkit's own Markdown, rendered with raw
                       HTML escaped, links and images reduced to their text, math off)
spreadsheet / CSV      :func:`cell`, :func:`frame_cells` (formula-leading text
                       neutralised; see :func:`toolkit.privacy.neutralize_cell`)
images                 :func:`image_data_uri` (a real PNG/JPEG/GIF/WebP file → ``data:``)
=====================  ==================================================================

and after rendering, :func:`check_html` proves the result holds no markup the toolkit did not
write: no script, no event handler, no external or ``file:`` reference, no embedded image
other than the charts the toolkit drew (PNG) and the validated logo. The report, the
portfolio, the workshop views and the PDF are all checked; a failed check stops the run
(outputs complete or not at all).

The report renderers never build Markdown or HTML from client values by hand: they call
:func:`toolkit.report.display.show_markdown` (which renders through :func:`markdown_html`),
``show_table`` (escaped cells and headers) or put values through :func:`html_text`.
"""

from __future__ import annotations

import base64
import binascii
import html as _html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable

__all__ = ["html_text", "attr", "md_text", "latex_text", "css_color", "css_string",
           "markdown_html", "cell", "frame_cells", "image_data_uri", "check_html", "assert_safe_html",
           "UnsafeOutput", "NO_MATH_CLASS"]

#: Class that tells MathJax (2 and 3, as configured by Jupyter) not to typeset ``$...$`` in
#: a block: every block of toolkit HTML carries it, so a ``$`` in client text stays a ``$``.
NO_MATH_CLASS = "tex2jax_ignore mathjax_ignore"


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


def html_text(value: Any) -> str:
    """Escape *value* for an HTML text node or a quoted attribute value.

    Parameters
    ----------
    value : any
        ``None`` and NaN become ``""``; anything else its ``str``.

    Returns
    -------
    str
        With ``&``, ``<``, ``>``, ``"`` and ``'`` as character references.
    """
    return _html.escape(_str(value), quote=True)


def attr(value: Any) -> str:
    """Escape *value* for a double-quoted HTML attribute (same as :func:`html_text`)."""
    return html_text(value)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")


def md_text(value: Any) -> str:
    """Escape *value* so that Markdown shows it literally, as plain text.

    HTML metacharacters become character references (Markdown passes raw HTML through);
    Markdown punctuation (emphasis, links, images, headings, lists, tables, code) and ``$``
    (math delimiters in Jupyter) are backslash-escaped; line breaks become spaces, so a
    value cannot start a new block.

    Returns
    -------
    str
    """
    text = " ".join(_str(value).splitlines())
    # & < > only: a quote is text in Markdown, and its reference (&#x27;) would have its "#"
    # escaped below and show as "&#x27;" (attack 21, MK)
    text = _html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}"}
_LATEX_RE = re.compile(r"[\\&%$#_{}~^]")


def latex_text(value: Any) -> str:
    """Escape *value* for LaTeX text (the ten special characters; ``$`` included)."""
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], _str(value))


_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_RGB_COLOR = re.compile(r"rgba?\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?"
                        r"(?:\s*,\s*(?:0|1|0?\.\d+))?\s*\)")
_NAMED_COLOR = re.compile(r"[a-zA-Z]{3,20}")


def css_color(value: Any, default: str) -> str:
    """Return *value* when it is a plain CSS colour, else *default*.

    Accepted: ``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``, ``rgb(...)``/``rgba(...)`` with
    numbers only, or a colour keyword (letters only, e.g. ``navy``). Anything else —
    ``;``, ``}``, ``url(``, comments, quotes — is refused, so a setting cannot leave the
    declaration it is placed in.
    """
    s = _str(value).strip()
    if any(p.fullmatch(s) for p in (_HEX_COLOR, _RGB_COLOR, _NAMED_COLOR)):
        return s
    return default


def css_string(value: Any) -> str:
    """Return *value* as a double-quoted CSS string (every non-alphanumeric escaped)."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} "
                         for c in _str(value)) + '"'


def cell(value: Any) -> Any:
    """Return *value* safe for a CSV or spreadsheet cell (formula-leading text neutralised).

    See :func:`toolkit.privacy.neutralize_cell`.
    """
    from ..privacy import neutralize_cell

    return neutralize_cell(value)


def frame_cells(df):
    """Return a copy of DataFrame *df* with every text cell and header passed through
    :func:`cell` (for any CSV, xlsx or pptx table built from client values)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].map(cell).astype(object)
    out.columns = [cell(str(c)) for c in out.columns]
    return out


#: Output type a report notebook displays (via :func:`announce_run`) to say which client's
#: results it loaded; :func:`toolkit.execute.run_notebook` checks it (SPEC §8a) and moves it
#: into the cell's metadata.
RUN_MIME = "application/vnd.aligndx.run+json"


def announce_run(results) -> None:
    """Tell the runner which engagement's results the notebook loaded (call in the kernel).

    :func:`toolkit.execute.run_notebook` with ``expect_client_id`` refuses a notebook that
    never called this or that loaded another client's results.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return  # not in a notebook kernel: nobody to tell
    from IPython.display import display

    cid = str(((results or {}).get("client") or {}).get("id") or "")
    display({RUN_MIME: {"client_id": cid}}, raw=True)


# ---------------------------------------------------------------------------------------
# Markdown → HTML
# ---------------------------------------------------------------------------------------

def _markdown():
    import mistune
    from mistune.util import safe_entity

    class _Renderer(mistune.HTMLRenderer):
        """Raw HTML escaped; links, images and math reduced to plain text."""

        def link(self, text, url, title=None):  # noqa: D102 - mistune hook
            return text

        def text(self, text):  # noqa: D102
            # entities decoded, then everything escaped once (no "&amp;lt;" for "&lt;")
            return safe_entity(text)

        def image(self, text, url, title=None):  # noqa: D102
            return _html.escape(_str(text))

        def inline_html(self, html):  # noqa: D102
            return _html.escape(html)

        def block_html(self, html):  # noqa: D102
            return "<p>" + _html.escape(html) + "</p>\n"

    return mistune.create_markdown(renderer=_Renderer(escape=True),
                                   plugins=["table", "strikethrough"])


_MD = None


def markdown_html(text: Any, *, block: bool = True) -> str:
    """Render the toolkit's Markdown to HTML that carries no client markup.

    Raw HTML in *text* is escaped (shown as text, never parsed), links and images keep only
    their text (nothing is fetched or linked), and the result is wrapped in a block that
    MathJax ignores (``$`` stays a dollar sign). Emphasis, lists, headings and tables work
    as usual.

    Parameters
    ----------
    text : str
        Markdown written by the toolkit, possibly with client values inside.
    block : bool
        Wrap in ``<div class="aligndx-md tex2jax_ignore mathjax_ignore">``.

    Returns
    -------
    str
        HTML.
    """
    global _MD
    if _MD is None:
        _MD = _markdown()
    body = _MD(_str(text))
    if not block:
        return body
    return f'<div class="aligndx-md {NO_MATH_CLASS}">{body}</div>'


# ---------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------

_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
          b"GIF87a": "image/gif", b"GIF89a": "image/gif"}


def _raster_mime(data: bytes) -> str | None:
    for magic, mime in _MAGIC.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_data_uri(path: Path, *, max_bytes: int = 2_000_000) -> str | None:
    """Return a ``data:`` URI for a real raster image file, else ``None``.

    The file must be a regular file of at most *max_bytes* whose content starts like a PNG,
    JPEG, GIF or WebP and that Pillow can open; SVG (which can carry scripts and fetches) and
    anything else is refused.
    """
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size > max_bytes:
            return None
        data = p.read_bytes()
    except OSError:
        return None
    mime = _raster_mime(data)
    if mime is None:
        return None
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except Exception:  # noqa: BLE001 - not an image Pillow can read
        return None
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


_DATA_IMG = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]*)\Z")


def _valid_data_image(src: str) -> bool:
    m = _DATA_IMG.match(src.strip())
    if not m:
        return False
    try:
        head = base64.b64decode(m.group(2)[:64] + "=" * (-len(m.group(2)[:64]) % 4))
    except (binascii.Error, ValueError):
        return False
    return _raster_mime(head) == m.group(1)


# ---------------------------------------------------------------------------------------
# The post-render check
# ---------------------------------------------------------------------------------------

class UnsafeOutput(Exception):
    """A rendered output holds markup the toolkit did not write (see :func:`check_html`)."""


#: Elements the toolkit's templates and renderers produce.
ALLOWED_TAGS = frozenset("""
a abbr b blockquote body br caption code col colgroup dd details div dl dt em figcaption
figure footer h1 h2 h3 h4 h5 h6 head header hr html i img li main meta nav ol p pre section
small span strong style sub summary sup table tbody td tfoot th thead title tr u ul del s
""".split())
_URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "cite",
              "longdesc", "srcset", "data", "xlink:href", "manifest", "ping", "icon"}
_STYLE_BAD = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding",
                        re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\r\n|[\n\r\f])|(.))",
                         re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)


def css_unescape(css: str) -> str:
    """CSS text as a CSS tokenizer reads it: comments removed, escapes decoded.

    ``u\\72l(`` is ``url(`` and ``@\\69mport`` is ``@import`` to a browser (CSS Syntax
    Level 3, §4.3.7 "consume an escaped code point"), so the checks run on the decoded text.
    A removed comment may join tokens a browser keeps apart; that can only make the check
    stricter.

    Parameters
    ----------
    css : str

    Returns
    -------
    str
    """
    def one(m: re.Match) -> str:
        if m.group(1):
            cp = int(m.group(1), 16)
            return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else "\ufffd"
        if m.group(2):
            return ""
        return m.group(3)

    return _CSS_ESCAPE.sub(one, _CSS_COMMENT.sub("", css))


class _Checker(HTMLParser):
    def __init__(self, allow_style_data_svg: bool):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.allow_svg = allow_style_data_svg
        self._in_style = False

    def _bad(self, what: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(what)

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._check_css(data, "<style>")

    def handle_decl(self, decl):
        if decl.strip().lower() != "doctype html":
            self._bad(f"declaration <!{decl[:40]}>")

    def handle_pi(self, data):
        self._bad(f"processing instruction <?{data[:40]}>")

    def _check_css(self, css: str, where: str) -> None:
        css = css_unescape(css)
        if _STYLE_BAD.search(css):
            self._bad(f"{where}: forbidden CSS ({_STYLE_BAD.search(css).group(0)})")
        for m in _CSS_URL.finditer(css):
            url = m.group(2).strip()
            if url.lower().startswith("data:image/png") or (
                    self.allow_svg and where == "<style>"
                    and url.lower().startswith("data:image/svg+xml")):
                continue
            self._bad(f"{where}: CSS reference url({url[:60]})")

    def _check(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self._bad(f"element <{tag}>")
            return
        d = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._bad(f"<{tag}> event handler {name}")
            elif name == "style":
                self._check_css(value, f"<{tag} style>")
            elif name in _URL_ATTRS:
                if tag == "img" and name == "src":
                    if not _valid_data_image(value):
                        self._bad(f"<img> source {value[:60]!r} (only images the toolkit "
                                  "drew are allowed)")
                elif tag == "a" and name == "href" and value.startswith("#"):
                    pass
                else:
                    self._bad(f"<{tag} {name}={value[:60]!r}>")
        if tag == "meta" and ("http-equiv" in d or d.get("content", "").lower().startswith(
                ("0;", "refresh"))):
            self._bad("<meta http-equiv>")
        if tag == "img" and "src" not in d:
            self._bad("<img> without an embedded source")


def check_html(text: str, *, allow_style_data_svg: bool = True) -> list[str]:
    """List what in *text* (a rendered HTML document or fragment) was not written by the
    toolkit's templates and renderers.

    Allowed: the elements of :data:`ALLOWED_TAGS` without event handlers; links to anchors
    of the same page (``#...``); ``<img>`` only with an embedded PNG, JPEG, GIF or WebP whose
    bytes match its type (the charts and the validated logo); CSS without ``@import``,
    ``expression()`` or ``url()`` other than embedded images (the template's own
    stylesheet may embed its SVG icons when *allow_style_data_svg*).

    Refused: ``<script>``, ``<iframe>``, ``<object>``, ``<embed>``, ``<link>``, ``<svg>``,
    ``<math>``, forms, ``<base>``, ``<meta http-equiv>``, ``javascript:``/``file:``/``http:``
    references of any kind, ``data:`` URIs that are not raster images.

    Parameters
    ----------
    text : str
        HTML.
    allow_style_data_svg : bool
        Let ``<style>`` blocks embed ``data:image/svg+xml`` icons (the JupyterLab theme).

    Returns
    -------
    list of str
        One line per problem (at most 20); empty when the document is clean.
    """
    checker = _Checker(allow_style_data_svg)
    checker.feed(text)
    checker.close()
    return checker.problems


def assert_safe_html(text: str, *, where: str, allow_style_data_svg: bool = True) -> None:
    """Raise :class:`UnsafeOutput` naming *where* when :func:`check_html` finds a problem."""
    problems = check_html(text, allow_style_data_svg=allow_style_data_svg)
    if problems:
        raise UnsafeOutput(f"{where}: refused to write output holding markup the toolkit did "
                           "not produce: " + "; ".join(problems[:5]))


def check_notebook_outputs(nb: dict) -> list[str]:
    """Run :func:`check_html` on every HTML and Markdown output of an executed notebook.

    Markdown outputs are rendered the way Jupyter would (raw HTML passes through), so a
    Markdown output holding client markup is reported. Returns the problems found.
    """
    import mistune

    problems: list[str] = []
    for i, c in enumerate(nb.get("cells", [])):
        for o in c.get("outputs", []) or []:
            data = o.get("data") or {}
            for mime, fragment in _iter_mime(data):
                if mime == "text/markdown":
                    fragment = mistune.html(fragment)
                for p in check_html(fragment, allow_style_data_svg=False):
                    problems.append(f"cell {i + 1} ({mime}): {p}")
    return problems


def _iter_mime(data: dict) -> Iterable[tuple[str, str]]:
    for mime in ("text/html", "text/markdown", "image/svg+xml"):
        if mime in data:
            v = data[mime]
            v = "".join(v) if isinstance(v, list) else str(v)
            if mime == "image/svg+xml":
                yield "text/html", "<svg>"  # never produced by the toolkit
            else:
                yield mime, v
