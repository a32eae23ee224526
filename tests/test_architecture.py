"""Layering rules of the toolkit (docs/architecture.md), checked on the source.

* ``toolkit/report`` renders results; it imports no analysis module — neither at the top of a
  file nor inside a function, nor transitively;
* the report's dispatch table names a renderer for every section;
* there is one JSON coercer.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "toolkit" / "report"

#: What the renderers may import from the toolkit: themselves, the charts, and the neutral
#: modules that hold no analysis (vocabularies, results reading, display-only helpers).
ALLOWED = {"toolkit.report", "toolkit.charts", "toolkit.vocab", "toolkit.lookup",
           "toolkit.jsonio", "toolkit.exceptions", "toolkit.formatting", "toolkit.paths",
           "toolkit.instrument", "toolkit.privacy", "toolkit.trace",
           "toolkit.runsafe",   # process and temporary-folder safety (the section helper)
           "toolkit.results_shape"}   # the shape of a results.json read back (no analysis)
#: Analysis modules (everything that measures, judges or reads an engagement).
ANALYSIS = ("toolkit.pipeline", "toolkit.findings", "toolkit.recommend", "toolkit.verdict",
            "toolkit.scores", "toolkit.method", "toolkit.benchmarks", "toolkit.survey",
            "toolkit.crm", "toolkit.incentives", "toolkit.intake", "toolkit.config",
            "toolkit.upgrade", "toolkit.generate", "toolkit.workshop", "toolkit.batch",
            "toolkit.reporting", "toolkit.deliverables")


def _imports(path: Path) -> set[str]:
    """Absolute names of every toolkit module *path* imports (any depth in the file)."""
    pkg = "toolkit." + ".".join(path.relative_to(ROOT / "toolkit").with_suffix("").parts[:-1])
    pkg = pkg.rstrip(".")
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("toolkit")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [f"{mod}.{a.name}" for a in node.names]  # module.attr or package.module
            out |= {n for n in names if n.startswith("toolkit")}
    return out


def test_report_imports_no_analysis_module():
    bad = {}
    for f in sorted(REPORT.glob("*.py")):
        for name in _imports(f):
            if not any(name == a or name.startswith(a + ".") for a in ALLOWED):
                bad.setdefault(f.name, []).append(name)
    assert not bad, f"toolkit/report imports analysis modules: {bad}"


def test_report_modules_load_no_analysis_module_transitively():
    code = ("import sys, importlib, pkgutil, toolkit.report as r\n"
            "for m in pkgutil.iter_modules(r.__path__):\n"
            "    importlib.import_module('toolkit.report.' + m.name)\n"
            "print('\\n'.join(sorted(k for k in sys.modules if k.startswith('toolkit'))))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    loaded = p.stdout.split()
    assert "toolkit.report.sections" in loaded
    leaked = [m for m in loaded if any(m == a or m.startswith(a + ".") for a in ANALYSIS)]
    assert not leaked, f"importing toolkit.report loads analysis modules: {leaked}"


def test_the_import_checker_sees_function_level_imports(tmp_path):
    # the checker itself must be able to fail
    f = REPORT / "_probe_for_test.py"
    try:
        f.write_text("def f():\n    from ..verdict import judge\n    from toolkit import scores\n")
        assert _imports(f) >= {"toolkit.verdict.judge", "toolkit.scores"}
    finally:
        f.unlink()


def test_dispatch_table_covers_every_section_and_returns_displayables():
    from toolkit.report import sections
    from toolkit.report.display import Rendered

    assert set(sections.RENDERERS) == set(sections.SECTIONS) | set(sections.OPTIONAL_SECTIONS)
    with pytest.raises(KeyError, match="unknown report section"):
        sections.render("politcs", {})
    out = sections.render("recommendations", {"recommendations": None, "data": {
        "warnings": ["recommendations: not assessed — no data"]}})
    assert isinstance(out, Rendered) and len(out) == 1
    assert "not assessed" in out.html() and "no data" in out.html()


def test_every_section_renders_the_example_results():
    from toolkit.paths import EXAMPLE_RESULTS
    from toolkit.report import sections

    results = sections.load(EXAMPLE_RESULTS)
    out = sections.render_all(results)
    assert list(out) == list(sections.SECTIONS)
    assert all(len(r) > 0 for r in out.values())
    assert results["client"]["id"] == "well-aligned"


def test_notebook_takes_one_parameter():
    nb = json.loads((ROOT / "notebooks" / "diagnostic.ipynb").read_text())
    params = [c for c in nb["cells"] if "parameters" in (c.get("metadata") or {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    assigned = [n.targets[0].id for n in ast.parse(src).body if isinstance(n, ast.Assign)]
    assert assigned == ["results_path"]
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "pipeline" not in code and "analyse(" not in code and "analyse_folder" not in code


def test_report_load_refuses_an_old_layout(tmp_path):
    from toolkit.exceptions import InputError
    from toolkit.report import sections

    with pytest.raises(InputError, match="aligndx render"):
        sections.load(ROOT / "tests" / "fixtures" / "results-0.1.0-well-aligned.json")
    with pytest.raises(InputError, match="results_path"):
        sections.load("")


# --- one JSON coercer ---------------------------------------------------------------------------

def test_jsonable_coerces_every_scalar_kind():
    from toolkit.jsonio import jsonable

    obj = {1: np.float64(0.5), "i": np.int64(3), "b": np.bool_(True), "nan": float("nan"),
           "inf": np.float32("inf"), "nat": pd.NaT, "na": pd.NA,
           "ts": pd.Timestamp("2025-03-14 09:30"), "d": dt.date(2025, 1, 2),
           "p": Path("a/b"), "t": (1, 2), "s": {3}, "arr": np.array([1.5, 2.0])}
    out = jsonable(obj)
    assert out == {"1": 0.5, "i": 3, "b": True, "nan": None, "inf": None, "nat": None,
                   "na": None, "ts": "2025-03-14T09:30:00", "d": "2025-01-02", "p": "a/b",
                   "t": [1, 2], "s": [3], "arr": [1.5, 2.0]}
    assert type(out["i"]) is int and type(out["b"]) is bool
    json.dumps(out, allow_nan=False)


def test_jsonable_strict_refuses_what_has_no_json_form():
    from toolkit.jsonio import jsonable

    assert jsonable({"x": np.int32(2)}, strict=True) == {"x": 2}
    for bad in (math.nan, pd.NaT, object()):
        with pytest.raises(ValueError):
            jsonable({"x": bad}, strict=True)


def test_one_json_coercer():
    import toolkit.crm.measures as cm
    import toolkit.pipeline as pl
    from toolkit.jsonio import jsonable

    assert pl.jsonable is jsonable and cm.json_safe is jsonable
    defs = []
    for f in (ROOT / "toolkit").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and ("json_safe" in node.name
                                                      or node.name == "jsonable"):
                defs.append(f"{f.relative_to(ROOT)}:{node.name}")
    assert defs == ["toolkit/jsonio.py:jsonable"]


# --- importers: one registry, no import circle ------------------------------------------------

@pytest.mark.parametrize("module", ["toolkit.intake.answers", "toolkit.intake.matching",
                                    "toolkit.intake.surveybuild", "toolkit.intake.qualtrics"])
def test_intake_modules_import_alone(module):
    # formerly `from toolkit.intake.answers import map_agreement` failed on its own
    # (answers <-> matching imported each other)
    p = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr


def test_every_registered_format_resolves_to_its_importer():
    import inspect

    from toolkit import formats

    for kind, table in (("survey", formats.SURVEY_IMPORTERS), ("crm", formats.CRM_IMPORTERS)):
        for name in table:
            fn = formats.importer(kind, name)
            params = list(inspect.signature(fn).parameters)
            assert params[:2] == (["path", "config"] if kind == "survey"
                                  else ["path", "table"]), (kind, name)
            assert "display_path" in params
    with pytest.raises(formats.UnknownFormat, match="expected one of auto, canonical, "
                       "salesforce, hubspot"):
        formats.importer("crm", "zoho")


def test_config_accepts_exactly_the_registered_formats():
    from toolkit import config, formats

    assert config.SURVEY_FORMATS == ("auto", "canonical", *formats.SURVEY_IMPORTERS)
    assert config.CRM_FORMATS == ("auto", "canonical", *formats.CRM_IMPORTERS)


def test_importer_modules_register_nothing_on_import():
    # the registry is the one list: no module adds to it as a side effect of being imported
    for f in (ROOT / "toolkit" / "intake").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        assert "_IMPORTERS[" not in src, f.name


def test_renderers_return_displayables_without_displaying(monkeypatch):
    import IPython.display

    from toolkit.paths import EXAMPLE_RESULTS
    from toolkit.report import recommendations, sections, summary
    from toolkit.report.output import Rendered

    def no_display(*a, **k):
        raise AssertionError("a renderer displayed as a side effect")

    monkeypatch.setattr(IPython.display, "display", no_display)
    results = sections.load(EXAMPLE_RESULTS)
    out = summary.render(results)
    assert isinstance(out, Rendered) and "Overall alignment" in out.html()
    recs = recommendations.render(results)
    assert isinstance(recs, Rendered) and len(recs) >= 1
    # nested renderers hand their output to the enclosing section as well
    sec = sections.render("executive_summary", results)
    assert sec.texts() == out.texts()
