"""The report's HTML export: nbconvert with the report template and the practice's branding.

:func:`export_html` writes an executed notebook as the report page (no code, the template in
``templates/report/``, the branding of ``templates/report/branding.toml`` or the given
settings) and refuses a page holding markup the toolkit did not produce
(:func:`toolkit.report.safe.assert_safe_html`). :func:`toolkit.execute.run_notebook` calls it;
:func:`warm_html_export` pays its fixed costs ahead, in the notebook's child process.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping

from .paths import TEMPLATES_DIR, read_regular_bytes

REPORT_TEMPLATE = "aligndx"
BRANDING_FILE = TEMPLATES_DIR / "report" / "branding.toml"


def load_branding(path: Path | None = None) -> dict[str, Any]:
    """Read the practice's branding settings (name, logo, colours) for the HTML template.

    Settings are untrusted like any input (SPEC §8a): colours must be plain CSS colours
    (:func:`toolkit.report.safe.css_color`, else the default is used); the logo must be a
    PNG, JPEG, GIF or WebP file inside the branding file's folder, embedded as a ``data:``
    URI only when its bytes are a real raster image (SVG, remote URLs, ``data:`` strings and
    paths leaving the folder are ignored); the font is a plain typeface name; text is
    escaped by the template.

    Parameters
    ----------
    path : Path, optional
        A TOML file with a ``[branding]`` table; default ``templates/report/branding.toml``.

    Returns
    -------
    dict
        Keys ``practice``, ``logo`` (data URI or empty), ``primary``, ``accent``, ``footer``,
        ``font`` (the deck's typeface), ``pptx_template`` (absolute path of the practice's
        PowerPoint template, or empty for the built-in 16:9 design) and ``warnings``
        (settings that were ignored, with why).

    Raises
    ------
    toolkit.exceptions.ConfigError
        The file is not valid TOML, or ``pptx_template`` names a file that does not exist
        in the branding folder.
    """
    import re

    from .exceptions import ConfigError
    from .report.safe import css_color, image_data_uri

    defaults = {"practice": "aligndx", "logo": "", "primary": "#1f3a5f", "accent": "#e07b00",
                "footer": "Confidential — prepared for the client's leadership team.",
                "font": "Arial", "pptx_template": ""}
    out = dict(defaults)
    warnings: list[str] = []
    path = Path(path) if path else BRANDING_FILE
    if path.is_file():
        from .config import MAX_TOML_BYTES   # here: the notebook process imports this module

        try:
            doc = tomllib.loads(read_regular_bytes(path, MAX_TOML_BYTES).decode("utf-8-sig")
                                ).get("branding", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        if not isinstance(doc, dict):
            warnings.append("branding: [branding] is not a table of settings; the defaults "
                            "are used")
            doc = {}
        for k in doc:
            if k not in defaults:
                warnings.append(f"branding.{k}: unknown setting, ignored; expected one of "
                                f"{', '.join(defaults)}")
        for k in ("practice", "footer"):
            if isinstance(doc.get(k), str):
                out[k] = doc[k]
            elif k in doc:
                warnings.append(f"branding.{k}: expected text, got {doc[k]!r}; the default "
                                "is used")
        for k in ("primary", "accent"):
            if k in doc:
                out[k] = css_color(doc[k], defaults[k])
                if out[k] != str(doc[k]).strip():
                    warnings.append(f"branding.{k}: {doc[k]!r} is not a CSS colour; the default "
                                    "is used")
        font = doc.get("font")
        if isinstance(font, str) and re.fullmatch(r"[A-Za-z0-9 \-]{1,60}", font.strip()):
            out["font"] = font.strip()
        elif font is not None:
            warnings.append(f"branding.font: {font!r} is not a plain typeface name; "
                            f"{defaults['font']} is used")
        base = path.parent.resolve()
        logo = doc.get("logo") or ""
        if isinstance(logo, str) and logo:
            candidate = (base / logo).resolve()
            uri = None
            if ":" not in logo and candidate.is_relative_to(base):
                uri = image_data_uri(candidate)
            if uri:
                out["logo"] = uri
            else:
                warnings.append(f"branding.logo: {logo!r} is not a PNG, JPEG, GIF or WebP file "
                                "in the branding folder; no logo is shown")
        template = str(doc.get("pptx_template") or "")
        if template:
            tpath = (base / template).resolve()
            if ":" in template or not tpath.is_relative_to(base) or not tpath.is_file():
                raise ConfigError(f"{path}: pptx_template: {template} not found (a .pptx path "
                                  "relative to this file, inside its folder, or empty)")
            out["pptx_template"] = str(tpath)
    out["warnings"] = warnings
    return out


_EXPORTER: list = []
_EXPORTER_LOCK = __import__("threading").Lock()


def _html_exporter():
    """The report's nbconvert HTML exporter, made once per process (its Jinja templates are
    compiled on first use and kept; :func:`warm_html_export` does that ahead of time)."""
    with _EXPORTER_LOCK:
        if _EXPORTER:
            return _EXPORTER[0]
        from urllib.parse import quote

        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import Preprocessor
        from traitlets.config import Config

        class DropStderr(Preprocessor):
            def preprocess_cell(self, cell, resources, index):
                if cell.get("cell_type") == "code":
                    cell.outputs = [o for o in cell.get("outputs", [])
                                    if not (o.get("output_type") == "stream"
                                            and o.get("name") == "stderr")]
                return cell, resources

        c = Config()
        c.TemplateExporter.exclude_input = True
        c.TemplateExporter.exclude_input_prompt = True
        c.TemplateExporter.exclude_output_prompt = True
        # Never embed files named in the notebook: the charts are data URIs already, and an
        # <img src="..."> in client text must not pull a local file into the report.
        c.HTMLExporter.embed_images = False
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
        exporter = HTMLExporter(config=c, template_name=REPORT_TEMPLATE,
                                extra_template_basedirs=[str(TEMPLATES_DIR / "report")])
        exporter.register_preprocessor(DropStderr(), enabled=True)
        # the contents links point at nbconvert's heading ids (spaces to "-", URL-quoted)
        exporter.register_filter("aligndx_anchor", lambda text: quote(
            str(text).replace(" ", "-"), safe="?/:@!$&'()*+,;="))
        _EXPORTER.append(exporter)
        return exporter


def warm_html_export() -> None:
    """Prepare the HTML export ahead of time: build the exporter and export a two-cell
    notebook with it (compiles the report template and its parents, fills BeautifulSoup's
    and the safety check's tables). The notebook process of ``aligndx report`` runs this
    in a thread while it waits for ``results.json`` (issue 18); any failure is left to
    the real export."""
    try:
        import nbformat

        from .report.safe import assert_safe_html

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("## Warm-up\n\nText."),
                    nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
                        "display_data", data={"text/html": "<p>warm-up</p>"})])]
        body, _ = _html_exporter().from_notebook_node(
            nb, resources={"metadata": {"name": "warm-up"}, "aligndx": load_branding()})
        assert_safe_html(body, where="warm-up")
    except Exception:  # noqa: BLE001 - the real export will say what is wrong
        pass


def export_html(notebook_path: Path, html_path: Path, *, title: str | None = None,
                branding: Mapping[str, Any] | None = None,
                notebook: Mapping[str, Any] | None = None) -> Path:
    """Convert an executed notebook to self-contained HTML without code.

    Inputs and prompts are excluded, stderr streams (warnings) are dropped, images are
    embedded, and the ``templates/report/aligndx`` nbconvert template adds the branding,
    table of contents and print CSS.

    Parameters
    ----------
    notebook_path : Path
        Executed ``.ipynb``.
    html_path : Path
        Where to write the HTML.
    title : str, optional
        Document title.
    branding : mapping, optional
        Branding settings (see :func:`load_branding`).
    notebook : mapping, optional
        The content of *notebook_path* as a JSON dict, when the caller has it (it has been
        validated when papermill wrote it): it is not read and validated again.

    Returns
    -------
    Path
        *html_path*.
    """
    import nbformat

    if notebook is None:
        nb = nbformat.read(str(notebook_path), as_version=4)
    else:  # what nbformat.read does, without the second schema validation
        from nbformat.v4.nbjson import JSONReader

        nb = nbformat.convert(JSONReader().to_notebook(notebook), 4)  # copies
    exporter = _html_exporter()
    resources = {"metadata": {"name": title or notebook_path.stem},
                 "aligndx": dict(branding or load_branding())}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    from .report.safe import assert_safe_html

    assert_safe_html(body, where=str(html_path.name))
    html_path.write_text(body, encoding="utf-8")
    return html_path
