"""Where the project's notebooks, templates and sample engagements live.

The toolkit is installed from a clone of the repository (``pip install -e .``); notebooks and
templates are read from the clone. ``ALIGNDX_HOME`` overrides the location.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("ALIGNDX_HOME", Path(__file__).resolve().parents[1]))
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = REPO_ROOT / "templates"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"

DIAGNOSTIC_NOTEBOOK = NOTEBOOKS_DIR / "diagnostic.ipynb"
PORTFOLIO_NOTEBOOK = NOTEBOOKS_DIR / "portfolio.ipynb"
WORKSHOP_NOTEBOOK = NOTEBOOKS_DIR / "workshop.ipynb"
SCAFFOLD_DIR = TEMPLATES_DIR / "engagement"
#: A results.json of the well-aligned sample, rendered when the report notebook is opened
#: without a ``results_path`` (regenerate: ``aligndx report data/samples/well-aligned -o
#: /tmp/x`` and copy ``/tmp/x/well-aligned/results.json`` here).
EXAMPLE_RESULTS = REPO_ROOT / "data" / "examples" / "results.json"


def sample_engagements() -> list[Path]:
    """Return the sample engagement folders (those holding an ``engagement.toml``), sorted."""
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p.parent for p in SAMPLES_DIR.glob("*/engagement.toml"))
