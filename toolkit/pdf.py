"""Optional PDF of the report (``aligndx report --pdf``), via WeasyPrint.

WeasyPrint is an optional extra (``pip install -e ".[pdf]"``); it renders the same
self-contained HTML with the print CSS of ``templates/report/aligndx/report.css``.
"""

from __future__ import annotations

from pathlib import Path

from .exceptions import InputError


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
    """
    try:
        from weasyprint import HTML
    except ImportError:
        raise InputError("--pdf needs WeasyPrint: pip install -e \".[pdf]\"") from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(str(pdf_path))
    return pdf_path
