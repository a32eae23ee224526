"""The report's sections, in SPEC §6 order, rendered from a ``results.json`` alone.

The notebook calls :func:`load` once with the results path (its only parameter) and then
:func:`render` for each section. :data:`RENDERERS` is the explicit dispatch table: each
section names the renderer functions it runs, imported here, so a renamed or missing renderer
fails at import — it never drops a section silently. :func:`render` returns the section's
displayable objects (a :class:`~toolkit.report.display.Rendered`); nothing is displayed as a
side effect, so the notebook shows the section by ending its cell with the call and tests read
the returned objects.

No analysis module is imported here or anywhere in :mod:`toolkit.report` (a test checks it):
what the analysis concluded — findings, recommendations, thresholds, weights — is in the
results.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

from IPython.display import HTML

from ..exceptions import InputError
from ..jsonio import RESULTS_SCHEMA, load_results
from ..paths import EXAMPLE_RESULTS  # noqa: F401  (the notebook's default)
from . import (appendix, crm, incentives, recommendations, sowhat, summary, survey,
               survey_analytics, verdict, waves)
from .display import Rendered, collect, emit, show_not_assessed

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
#: The sections the kernel's helper renders first, in turn (:mod:`toolkit.report.parallel`):
#: "incentives", then "communication" (the one with the most chart work: the survey heatmap
#: and the hand-off charts). The kernel meanwhile renders "politics", takes "incentives" and
#: renders "blame_game" while the helper finishes "communication": the two processes' shares
#: of a typical report's charts are then about equal (kernel ~1.8 s, helper ~1.8 s of CPU;
#: with "communication" alone first the kernel rendered "politics", "incentives" and
#: "blame_game", ~2.3 s, while the helper idled; issue 18).
HELPER_FIRST = ("incentives", "communication")
#: Sections shown only when their input exists, with their headings: "since_last" when the
#: engagement has a ``[baseline]`` (SPEC §12); it renders its own heading, after the
#: executive summary.
OPTIONAL_SECTIONS = {"since_last": "Since the last assessment"}


def load(results_path: str | Path) -> dict:
    """Return the results dict the report renders.

    Parameters
    ----------
    results_path : str or Path
        A ``results.json`` in the current layout, as written by ``aligndx report`` or
        ``aligndx render`` (which upgrades files of earlier versions).

    Returns
    -------
    dict

    Raises
    ------
    toolkit.exceptions.InputError
        No path, an unreadable file, or a file of an earlier layout (the message says to
        run ``aligndx render``). The report never analyses an engagement itself.
    """
    if not results_path:
        raise InputError("no results.json given: set the notebook's results_path parameter "
                         "(aligndx report and aligndx render do)")
    from ..trace import mark

    mark("kernel", "reading results.json")
    results = load_results(results_path)
    schema = results.get("schema")
    if not isinstance(schema, int) or schema < RESULTS_SCHEMA:
        raise InputError(f"{results_path}: written by aligndx "
                         f"{results.get('toolkit_version') or 'an earlier version'} without "
                         "findings and method; render it with 'aligndx render "
                         f"{results_path} -o OUT', which brings it up to date")
    from . import parallel
    from .safe import announce_run

    announce_run(results)  # the runner checks the notebook loaded this engagement's results
    # in a report kernel, a forked helper renders sections from the end meanwhile (issue 18)
    parallel.start(results, section_order(results), _render_here, first=HELPER_FIRST)
    mark("kernel", "results loaded, helper started")
    return results


def title(results: dict) -> Rendered:
    """The cover block: client, what this is, period, date, confidentiality.

    The client's name carries the class ``cover-client``, which the print CSS repeats in the
    running header of every page.
    """
    c = results.get("client") or {}
    name = html.escape(c.get("name") or c.get("id") or "Client")
    lines = []
    if c.get("period_start") or c.get("period_end"):
        lines.append(f"Analysis period {html.escape(long_date(c.get('period_start')))} to "
                     f"{html.escape(long_date(c.get('period_end')))}")
    extract = ((results.get("crm") or {}).get("cohort") or {}).get("extract_date")
    if extract:   # how old the data is, beside when the report was written
        lines.append(f"Data as of {html.escape(long_date(extract))}")
    if results.get("generated_at"):
        lines.append(f"Prepared {html.escape(long_date(results['generated_at']))}")
    age = data_age_note(results)
    if age:
        lines.append(html.escape(age))
    with collect() as out:
        emit(HTML(
            "<section class='cover'><p class='cover-kicker'>Sales and marketing alignment "
            f"diagnostic</p><h1 class='cover-client'>{name}</h1>"
            + "".join(f"<p class='cover-line'>{x}</p>" for x in lines)
            + f"<p class='cover-confidential'>Confidential — prepared for the leadership of "
              f"{name}{'' if name.endswith('.') else '.'} Not for distribution beyond it."
              "</p></section>"))
    return out


def data_age_note(results: dict) -> str | None:
    """One plain sentence when the CRM extract is older than the ``stale_extract_days``
    threshold at the time the report was prepared (partner review 16c: "Data as of 15
    January 2026 · Prepared 3 December 2026" prompts "is this stale?"); ``None`` when it is
    recent, when a date is missing or when the results do not record the threshold."""
    import datetime as dt

    extract = ((results.get("crm") or {}).get("cohort") or {}).get("extract_date")
    made = results.get("generated_at")
    limit = next((row.get("value") for row in (results.get("method") or {}).get("thresholds")
                  or [] if isinstance(row, dict) and row.get("name") == "stale_extract_days"),
                 None)
    if not extract or not made or limit is None:
        return None
    try:
        days = (dt.date.fromisoformat(str(made)[:10])
                - dt.date.fromisoformat(str(extract)[:10])).days
    except ValueError:
        return None
    if days <= limit:
        return None
    months = round(days / 30.44)
    return (f"The data was extracted about {months} months before this report was prepared; "
            f"the figures describe the client as of {long_date(extract)}.")


def long_date(value) -> str:
    """A date as a reader writes it ("3 December 2026"); "…" when missing; text that is not
    an ISO date is returned as given."""
    import datetime as dt

    if value is None or value == "":
        return "…"
    text = str(value)
    try:
        d = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _reasons(results: dict, *sections: str) -> list[str]:
    warnings = (results.get("data") or {}).get("warnings") or []
    out = [w for w in warnings if any(w.lower().startswith(s) for s in sections)]
    return out or ["Not assessed: the data needed is not in the engagement."]


def _needs(*keys: str, title: str, reasons: tuple[str, ...]):
    """A step that shows 'not assessed' (with the data-quality reasons) unless every
    results section in *keys* is present."""
    def step(results: dict) -> bool:
        if all(results.get(k) is not None for k in keys):
            return True
        show_not_assessed(title, _reasons(results, *reasons))
        return False
    return step


def _anchor(heading: str) -> Callable[[dict], None]:
    """An empty element carrying the id the contents link to, for a section that draws its
    own heading (the PDF's contents then give its page number)."""
    from urllib.parse import quote

    ident = html.escape(quote(heading.replace(" ", "-"), safe="?/:@!$&'()*+,;="))

    def emit_anchor(results: dict) -> None:
        emit(HTML(f'<span id="{ident}"></span>'))
    return emit_anchor


def _when(*keys: str, fn: Callable[[dict], None]):
    """Run *fn* only when every results section in *keys* is present (no message)."""
    def step(results: dict) -> bool:
        if all(results.get(k) is not None for k in keys):
            fn(results)
        return True
    return step


def _either(key: str, *, fn: Callable[[dict], None], title: str, reasons: tuple[str, ...]):
    """Run *fn* when results section *key* is present, else say it was not assessed; the
    section continues either way."""
    def step(results: dict) -> bool:
        if results.get(key) is not None:
            fn(results)
        else:
            show_not_assessed(title, _reasons(results, *reasons))
        return True
    return step


def _run(fn: Callable[[dict], None]):
    def step(results: dict) -> bool:
        fn(results)
        return True
    return step


def _communication_gate(results: dict) -> bool:
    if results.get("survey") is None and results.get("crm") is None:
        show_not_assessed("Communication", _reasons(results, "survey", "crm"))
        return False
    return True


#: The explicit dispatch table: section → steps, run in order. A step returning False stops
#: the section (it has said why). Every renderer is a direct reference, so a missing one is an
#: import error, never a silently dropped section.
RENDERERS: dict[str, tuple[Callable[[dict], bool], ...]] = {
    "executive_summary": (_run(summary.render),),
    "politics": (_needs("survey", title="Company politics", reasons=("survey",)),
                 _run(sowhat.lead(sowhat.politics)), _run(survey.render_politics)),
    "incentives": (_run(sowhat.lead(sowhat.incentives)),
                   _either("incentives", fn=incentives.render,
                           title="Incentives (compensation plan)", reasons=("incentives",)),
                   _when("survey", fn=survey.render_incentives)),
    "communication": (_communication_gate, _run(sowhat.lead(sowhat.communication)),
                      _when("survey", fn=survey.render_communication),
                      _when("crm", fn=crm.render_handoff)),
    "blame_game": (_run(sowhat.lead(sowhat.blame_game)),
                   _when("survey", fn=survey.render_claims),
                   _needs("crm", title="The blame game (CRM evidence)",
                          reasons=("crm", "verdict")),
                   _run(crm.render), _run(verdict.render)),
    "recommendations": (_needs("recommendations", title="Recommendations",
                               reasons=("recommendations",)),
                        _run(recommendations.render)),
    "appendix_data_quality": (_run(appendix.render_data_quality),),
    "appendix_methodology": (_run(appendix.render_methodology),
                             _when("crm", fn=appendix.render_handoff_score),
                             _run(appendix.render_priorities),
                             _when("survey", fn=survey.render_tests),
                             _when("survey", fn=survey_analytics.render_methods),
                             _when("survey", fn=survey.render_reliability)),
    "appendix_sources": (_run(appendix.render_sources),),
    "since_last": (_when("comparison", fn=_anchor(OPTIONAL_SECTIONS["since_last"])),
                   _when("comparison", fn=waves.render)),
}

assert set(RENDERERS) == set(SECTIONS) | set(OPTIONAL_SECTIONS), \
    "every section needs renderers"  # noqa: S101


def render(section: str, results: dict) -> Rendered:
    """Render one report section by key (see :data:`SECTIONS`) and return its displayables.

    In a report kernel, a section the helper of :mod:`toolkit.report.parallel` has rendered
    already (from the same results) is returned from there.

    Raises
    ------
    KeyError
        For an unknown section key.
    """
    if section not in RENDERERS:
        raise KeyError(f"unknown report section {section!r}; expected one of "
                       f"{[*SECTIONS, *OPTIONAL_SECTIONS]}")
    from . import parallel

    from ..trace import mark

    done = parallel.take(section, results)
    if done is not None:
        mark("kernel", f"{section}: taken from the helper")
        return done
    out = _render_here(section, results)
    mark("kernel", f"{section}: rendered")
    return out


def _render_here(section: str, results: dict) -> Rendered:
    """Run *section*'s renderers in this process."""
    with collect() as out:
        for step in RENDERERS[section]:
            if not step(results):
                break
    return out


def section_order(results: dict) -> list[str]:
    """The section keys in report order ("since_last" after the executive summary when the
    results carry a comparison), as the notebook renders them."""
    order = list(SECTIONS)
    if results.get("comparison"):
        order.insert(1, "since_last")
    return order


def render_all(results: dict) -> dict[str, Rendered]:
    """Every section in report order: ``{section: Rendered}`` (with "since_last" after the
    executive summary when the results carry a comparison)."""
    return {s: render(s, results) for s in section_order(results)}


def _load_chart_stack() -> None:
    """In a notebook kernel, load matplotlib now (Agg, the report's theme; issue 18).

    The notebook imports this module in its first cell, which ``aligndx report`` runs while
    ``results.json`` is being computed; loading the chart stack there takes it off the time
    after the results (~0.3 s of CPU), and the section helper forked by :func:`load`
    inherits it instead of importing it again. Outside a kernel (tests, the analysis
    process) nothing is loaded.
    """
    from . import parallel

    if parallel.in_kernel():
        _exit_without_teardown()
        import matplotlib.image  # noqa: F401  (used by toolkit.charts.png)
        import matplotlib.transforms  # noqa: F401

        from ..charts.theme import apply_theme

        apply_theme()


_EXITING: list = []


def _exit_without_teardown() -> None:
    """Make this kernel end quickly when the runner shuts it down: at exit, run every other
    exit handler (as a normal exit does), then end the process without the interpreter's
    teardown of pandas, matplotlib and the results (~0.3 s the runner waits for after the
    last cell; issue 18). Registered last, so it runs first and calls the others itself."""
    import atexit

    def handler() -> None:
        if _EXITING:
            return
        _EXITING.append(True)
        from ..runsafe import exit_now

        exit_now(0)

    atexit.register(handler)


_load_chart_stack()
