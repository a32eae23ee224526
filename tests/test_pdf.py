"""Optional PDF export renders the report HTML (skipped without WeasyPrint)."""

import pytest

from toolkit.pdf import html_to_pdf


def test_pdf_from_html(tmp_path):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("WeasyPrint (pdf extra) not usable here")
    html = tmp_path / "r.html"
    html.write_text("<html><body><h1>Report</h1><p>Overall 39/100</p></body></html>")
    pdf = html_to_pdf(html, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 500
