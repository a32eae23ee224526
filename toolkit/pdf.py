"""Optional PDF of the report (``aligndx report --pdf``), via WeasyPrint.

WeasyPrint is an optional extra (``pip install -e ".[pdf]"``); it renders the same
self-contained HTML with the print CSS of ``templates/report/aligndx/report.css``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .exceptions import InputError, ReportError

#: ``data:`` media types the PDF may load: the charts (PNG), the logo, and the SVG icons of
#: the report stylesheet. Nothing else is fetched: no ``file:``, no network.
ALLOWED_DATA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")


class RefusedFetch(ValueError):
    """WeasyPrint asked for a resource outside the report (see :func:`report_url_fetcher`)."""


def check_fetch(url: str) -> None:
    """Allow only the report's own embedded images; raise :class:`RefusedFetch` otherwise.

    Parameters
    ----------
    url : str
        What the document asks for.

    Raises
    ------
    RefusedFetch
        For everything but ``data:`` URIs of the media types in
        :data:`ALLOWED_DATA_TYPES` (``file:``, ``http(s):``, relative paths, other ``data:``
        types), so nothing outside the report is read or requested and nothing can be
        attached to the PDF.
    """
    u = str(url).strip()
    if u.lower().startswith("data:"):
        mime = u[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        if mime in ALLOWED_DATA_TYPES:
            return
    raise RefusedFetch(f"refused to fetch {u[:80]!r}: the PDF embeds only the report's own "
                       "images")


def report_url_fetcher(refused: list[str] | None = None):
    """Return a WeasyPrint URL fetcher that loads only the report's embedded images.

    Parameters
    ----------
    refused : list, optional
        Every refused request is appended to it (as a message).

    Returns
    -------
    weasyprint.urls.URLFetcher
        Limited to the ``data`` protocol, and within it to :data:`ALLOWED_DATA_TYPES`
        (:func:`check_fetch`).
    """
    from weasyprint.urls import URLFetcher

    class ReportURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                check_fetch(url)
            except RefusedFetch as exc:
                if refused is not None:
                    refused.append(str(exc))
                raise
            return super().fetch(url, headers)

    return ReportURLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Render *html_path* to *pdf_path*.

    Parameters
    ----------
    html_path : Path
        The self-contained report HTML.
    pdf_path : Path
        Output PDF.

    Returns
    -------
    Path
        *pdf_path*.

    Raises
    ------
    InputError
        WeasyPrint is not installed (install the ``pdf`` extra).
    ReportError
        The HTML asked for a resource outside the report (never the case for a report the
        toolkit wrote; :mod:`toolkit.report.safe` checks it first).
    """
    try:
        from weasyprint import HTML
    except ImportError:
        raise InputError("--pdf needs WeasyPrint: pip install -e \".[pdf]\"") from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    from .report.safe import check_html

    text = Path(html_path).read_text(encoding="utf-8")
    problems = check_html(text)
    if problems:
        raise ReportError(f"{Path(html_path).name}: refused to render a PDF of HTML holding "
                          "markup the toolkit did not produce: " + "; ".join(problems[:5]))
    # Heading ids are percent-encoded ("Appendix-A-%E2%80%94-…"). WeasyPrint decodes a
    # link's href but not the contents' target-counter(attr(href)), so neither matches the
    # id; ids and in-page hrefs get the same plain-ASCII form instead.
    def _plain_anchor(m: re.Match) -> str:
        return m.group(1) + re.sub(r"%[0-9A-Fa-f]{2}", "", m.group(2)) + m.group(3)

    text = re.sub(r'(\sid="|\shref="#)([^"]*%[0-9A-Fa-f]{2}[^"]*)(")', _plain_anchor, text)
    refused: list[str] = []
    # No base URL: a relative reference resolves to nothing rather than to a local file.
    doc = HTML(string=text, base_url=None, url_fetcher=report_url_fetcher(refused))
    doc.write_pdf(str(pdf_path), attachments=[])
    if refused:
        Path(pdf_path).unlink(missing_ok=True)
        raise ReportError(f"{Path(html_path).name}: " + "; ".join(refused[:3]))
    return pdf_path
