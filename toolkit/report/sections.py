"""The report's sections, in SPEC §6 order, rendered from the results dict.

The notebook calls :func:`load` once and then :func:`render` for each section; this module
dispatches to the domain renderers (:mod:`toolkit.report.survey`, ``crm``, ``verdict``,
``incentives``, ...). A section whose measures are missing says plainly why.
"""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path

from IPython.display import HTML, display

from .display import show_not_assessed

#: Section keys in report order, with their headings (SPEC §6).
SECTIONS = {
    "executive_summary": "Executive summary",
    "politics": "Company politics",
    "incentives": "Incentives",
    "communication": "Communication",
    "blame_game": "The blame game: evidence and verdict",
    "recommendations": "Recommendations",
    "appendix_data_quality": "Appendix A — Data quality",
    "appendix_methodology": "Appendix B — Methodology",
    "appendix_sources": "Appendix C — Sources",
}
#: Sections shown only when their input exists, with their headings: "since_last" when
#: the engagement has a ``[baseline]`` (SPEC §12); it renders its own heading.
OPTIONAL_SECTIONS = {"since_last": "Since the last assessment"}


def load(engagement: str = "", results_path: str = "") -> dict:
    """Return the results dict for the notebook.

    Parameters
    ----------
    engagement : str
        Engagement folder; empty means the first sample engagement (for a standalone run).
    results_path : str
        A ``results.json`` written by ``aligndx report``; when empty the engagement is
        analysed here (same code path as the CLI).

    Returns
    -------
    dict
    """
    if results_path:
        return json.loads(Path(results_path).read_text(encoding="utf-8"))
    from ..paths import sample_engagements
    from ..pipeline import analyse_folder

    if not engagement:
        samples = sample_engagements()
        if not samples:
            raise FileNotFoundError("no engagement given and no sample engagements found")
        engagement = str(samples[0])
    return analyse_folder(engagement)


def title(results: dict) -> None:
    """Display the report title block."""
    c = results.get("client") or {}
    period = ""
    if c.get("period_start") or c.get("period_end"):
        period = f"Analysis period {c.get('period_start') or '…'} to {c.get('period_end') or '…'}. "
    display(HTML(
        f"<h1>{html.escape(c.get('name') or c.get('id') or 'Client')}: sales &amp; marketing "
        f"alignment diagnostic</h1><p class='subtitle'>{html.escape(period)}"
        f"Generated {html.escape(str(results.get('generated_at', ''))[:10])} with aligndx "
        f"{html.escape(str(results.get('toolkit_version', '')))}.</p>"))


def _domain(name: str):
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(f"report.{name}"):
            return None
        raise


def _call(module: str, func: str, results: dict) -> bool:
    mod = _domain(module)
    fn = getattr(mod, func, None) if mod else None
    if fn is None:
        return False
    fn(results)
    return True


def _reasons(results: dict, *sections: str) -> list[str]:
    warnings = (results.get("data") or {}).get("warnings") or []
    out = [w for w in warnings if any(w.lower().startswith(s) for s in sections)]
    return out or ["Not yet assessed in this version of the toolkit."]


def executive_summary(results: dict) -> None:
    """Overall score and stage, the verdict in one sentence, the findings that matter most."""
    _call("summary", "render", results)


def since_last(results: dict) -> None:
    """What changed since the last assessment (only with a ``[baseline]``, SPEC §12)."""
    if results.get("comparison"):
        _call("waves", "render", results)


def politics(results: dict) -> None:
    """Company politics: FAIR, TRUST, CONF, SUPP and the maturity stage."""
    if results.get("survey") is None:
        show_not_assessed("Company politics", _reasons(results, "survey"))
        return
    if not _call("survey", "render_politics", results):
        _call("survey", "render", results)


def incentives(results: dict) -> None:
    """Incentives: plan structure, reward split and the survey's view."""
    if results.get("incentives") is None:
        show_not_assessed("Incentives (compensation plan)", _reasons(results, "incentives"))
    else:
        _call("incentives", "render", results)
    if results.get("survey") is not None:
        _call("survey", "render_incentives", results)


def communication(results: dict) -> None:
    """Communication: survey scales, frequency, hand-off evidence."""
    if results.get("survey") is None and results.get("crm") is None:
        show_not_assessed("Communication", _reasons(results, "survey", "crm"))
        return
    if results.get("survey") is not None:
        _call("survey", "render_communication", results)
    if results.get("crm") is not None:
        _call("crm", "render_handoff", results)


def blame_game(results: dict) -> None:
    """CRM evidence and the verdict on both claims, with the survey's beliefs."""
    if results.get("survey") is not None:
        _call("survey", "render_claims", results)
    if results.get("crm") is None:
        show_not_assessed("The blame game (CRM evidence)", _reasons(results, "crm", "verdict"))
        return
    _call("crm", "render", results)
    _call("verdict", "render", results)


def recommendations(results: dict) -> None:
    """Recommendations by step, prioritized, each tied to evidence."""
    if results.get("recommendations") is None:
        show_not_assessed("Recommendations", _reasons(results, "recommendations"))
        return
    _call("recommendations", "render", results)


def appendix_data_quality(results: dict) -> None:
    """Intake summary, warnings, and what the anonymity rule hid."""
    _call("appendix", "render_data_quality", results)


def appendix_methodology(results: dict) -> None:
    """Every measure, threshold and weight."""
    _call("appendix", "render_methodology", results)
    if results.get("survey") is not None:
        _call("survey", "render_reliability", results)


def appendix_sources(results: dict) -> None:
    """External reference figures with their provenance."""
    _call("appendix", "render_sources", results)


def render(section: str, results: dict) -> None:
    """Render one report section by key (see :data:`SECTIONS`)."""
    if section not in SECTIONS and section not in OPTIONAL_SECTIONS:
        raise KeyError(f"unknown report section {section!r}; expected one of "
                       f"{[*SECTIONS, *OPTIONAL_SECTIONS]}")
    globals()[section](results)
