"""The one path that runs a notebook: papermill, then nbconvert to HTML.

The CLI, the batch runner, the workshop launcher and the tests all call
:func:`run_notebook`. It validates and coerces parameters to plain JSON types (papermill turns
numpy scalars, paths and tuples into strings otherwise), names the kernel explicitly, sets a
cell timeout, keeps the partial notebook when a cell fails and exports HTML without code,
through the template in ``templates/report/``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from .exceptions import InputError, ReportError
from .paths import TEMPLATES_DIR

KERNEL_NAME = "python3"
DEFAULT_CELL_TIMEOUT = 600  # seconds per cell
REPORT_TEMPLATE = "aligndx"
BRANDING_FILE = TEMPLATES_DIR / "report" / "branding.toml"


def _quiet_kernel_manager():
    """A kernel manager whose kernel writes nothing to our terminal.

    Cell errors still reach the notebook as outputs; what is silenced is the kernel's own
    console chatter (e.g. the ZMQ traceback it prints when it is stopped after a timeout).
    """
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def coerce_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return *parameters* as plain JSON types papermill can inject faithfully.

    Parameters
    ----------
    parameters : mapping
        Parameter name to value. Paths become strings, tuples become lists, numpy scalars
        become Python numbers, dates become ISO strings.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        When a name is not a Python identifier or a value has no JSON form (e.g. NaN or an
        arbitrary object).
    """
    def conv(name: str, v: Any) -> Any:
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, os.PathLike):
            return os.fspath(v)
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if hasattr(v, "item") and callable(v.item) and not isinstance(v, (list, dict)):
            v = v.item()  # numpy scalar
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise InputError(f"parameter '{name}': {v!r} has no JSON form")
            return float(v)
        if isinstance(v, (list, tuple)):
            return [conv(name, x) for x in v]
        if isinstance(v, dict):
            return {str(k): conv(name, x) for k, x in v.items()}
        raise InputError(f"parameter '{name}': cannot pass a {type(v).__name__} to a notebook; "
                         "use text, numbers, lists or tables")

    out = {}
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError(f"parameter name {name!r} is not a valid identifier")
        out[name] = conv(name, value)
    json.dumps(out)  # guaranteed to succeed by construction
    return out


def load_branding(path: Path | None = None) -> dict[str, Any]:
    """Read the practice's branding settings (name, logo, colours) for the HTML template.

    Parameters
    ----------
    path : Path, optional
        A TOML file with a ``[branding]`` table; default ``templates/report/branding.toml``.

    Returns
    -------
    dict
        Keys ``practice``, ``logo`` (data URI or empty), ``primary``, ``accent``, ``footer``.
    """
    defaults = {"practice": "aligndx", "logo": "", "primary": "#1f3a5f", "accent": "#e07b00",
                "footer": "Confidential — prepared for the client's leadership team."}
    path = Path(path) if path else BRANDING_FILE
    if path.is_file():
        doc = tomllib.loads(path.read_text(encoding="utf-8")).get("branding", {})
        defaults.update({k: v for k, v in doc.items() if k in defaults})
        logo = defaults["logo"]
        if logo and not logo.startswith("data:"):
            logo_path = (path.parent / logo)
            if logo_path.is_file():
                import base64
                mime = "image/svg+xml" if logo_path.suffix == ".svg" else "image/png"
                defaults["logo"] = (f"data:{mime};base64,"
                                    + base64.b64encode(logo_path.read_bytes()).decode())
            else:
                defaults["logo"] = ""
    return defaults


def export_html(notebook_path: Path, html_path: Path, *, title: str | None = None,
                branding: Mapping[str, Any] | None = None) -> Path:
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

    Returns
    -------
    Path
        *html_path*.
    """
    import nbformat
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

    nb = nbformat.read(str(notebook_path), as_version=4)
    c = Config()
    c.TemplateExporter.exclude_input = True
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    exporter = HTMLExporter(config=c, template_name=REPORT_TEMPLATE,
                            extra_template_basedirs=[str(TEMPLATES_DIR / "report")])
    exporter.register_preprocessor(DropStderr(), enabled=True)
    resources = {"metadata": {"name": title or notebook_path.stem},
                 "aligndx": dict(branding or load_branding())}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def run_notebook(notebook: str | Path, output: str | Path, *,
                 parameters: Mapping[str, Any] | None = None,
                 html: str | Path | None = None,
                 cwd: str | Path | None = None,
                 timeout: int = DEFAULT_CELL_TIMEOUT,
                 kernel_name: str = KERNEL_NAME,
                 title: str | None = None,
                 partial_dir: str | Path | None = None,
                 progress: bool = False) -> Path:
    """Execute a parameterised notebook with papermill and optionally export it to HTML.

    Parameters
    ----------
    notebook : path
        Input notebook with a cell tagged ``parameters``.
    output : path
        Where the executed notebook is written.
    parameters : mapping, optional
        Parameters to inject; coerced by :func:`coerce_parameters`.
    html : path, optional
        When given, the executed notebook is also exported there (see :func:`export_html`).
    cwd : path, optional
        Working directory of the kernel; default the output's folder.
    timeout : int
        Seconds allowed per cell.
    kernel_name : str
        Jupyter kernel; always passed explicitly.
    title : str, optional
        HTML document title.
    partial_dir : path, optional
        Where the partially executed notebook is kept when a cell fails; default next to
        *output* as ``<stem>.failed.ipynb``.
    progress : bool
        Show papermill's per-cell progress bar.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    InputError
        Bad parameters or a missing notebook.
    ReportError
        A cell failed or timed out, or HTML export failed; the partial notebook is kept and
        its path is given in the message.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook, output = Path(notebook), Path(output)
    if not notebook.is_file():
        raise InputError(f"{notebook}: notebook not found")
    params = coerce_parameters(parameters or {})
    output.parent.mkdir(parents=True, exist_ok=True)
    # An MPLBACKEND inherited from the caller would leave the notebook without images.
    env_backend = os.environ.pop("MPLBACKEND", None)
    # papermill/nbclient log timeouts themselves; our ReportError says it once, readably.
    import logging

    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    pm_log.setLevel(logging.CRITICAL)
    try:
        pm.execute_notebook(
            str(notebook), str(output), parameters=params, kernel_name=kernel_name,
            execution_timeout=timeout, progress_bar=progress, log_output=False,
            cwd=str(cwd or output.parent), report_mode=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=_quiet_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        kept = _keep_partial(output, partial_dir)
        raise ReportError(f"{notebook.name}: cell {exc.exec_count} failed: {exc.ename}: "
                          f"{exc.evalue}", partial_notebook=str(kept)) from None
    except Exception as exc:  # timeouts, dead kernels
        kept = _keep_partial(output, partial_dir) if output.exists() else None
        if type(exc).__name__ == "CellTimeoutError":
            msg = (f"the report notebook ({notebook.name}) stopped: a step took longer than "
                   f"the {timeout} s allowed per step (raise it with --timeout)")
        else:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            msg = f"the report notebook ({notebook.name}) failed: {type(exc).__name__}: {first}"
        raise ReportError(msg, partial_notebook=str(kept) if kept else None) from None
    finally:
        pm_log.setLevel(pm_level)
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    if html is not None:
        try:
            export_html(output, Path(html), title=title)
        except Exception as exc:
            raise ReportError(f"HTML export failed: {type(exc).__name__}: {exc}") from None
    return output


def _keep_partial(output: Path, partial_dir: str | Path | None) -> Path:
    target_dir = Path(partial_dir) if partial_dir else output.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{output.stem}.failed.ipynb"
    if output.exists():
        os.replace(output, target)
    return target
