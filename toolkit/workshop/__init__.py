"""Workshop mode (SPEC §0, §7): the code-free app consultants run live with both teams.

``aligndx workshop`` serves ``notebooks/workshop.ipynb`` as a Voilà app; the notebook is
prose plus one call per block of :mod:`toolkit.workshop.app`:

* :func:`open_workshop` — the session: results.json (the one door) and the plan; the
  survey views it serves are computed at analysis time (:mod:`toolkit.workshop.store`);
* :func:`perception_reveal`, :func:`score_guesses` — the perception-gap reveal and typed
  guesses;
* :func:`make_questions`, :func:`guess_reveal` and :mod:`toolkit.workshop.room` — the
  "guess the other side" round answered on phones;
* :func:`filter_options`, :func:`filter_respondents` — side / level / region views that
  never show a group under the anonymity threshold (run at analysis time; the session
  serves what they decided from results.json);
* :func:`simulate_from_results` (and :func:`simulate`) — the report's incentive what-if
  behind the sliders;
* :func:`design_sla_from_results` (and :func:`design_sla`) — extra conversions, cost and
  evidence of a first-touch / attempts target;
* :func:`live_output` — a widget view re-rendered when its controls change (no output
  capture, so it also executes headless);
* :func:`prepare_workshop`, :func:`build_command` — ``aligndx workshop``.
"""

from importlib import import_module

#: Public name -> submodule; imported on first use (PEP 562), so that ``aligndx workshop``
#: and ``toolkit.workshop.launch`` start without pandas, matplotlib or the analysis.
_EXPORTS = {
    "Workshop": "context", "open_workshop": "context",
    "FilterResult": "filters", "filter_options": "filters", "filter_respondents": "filters",
    "guess_reveal": "guess", "make_questions": "guess",
    "build_command": "launch", "is_loopback": "launch", "prepare_workshop": "launch",
    "live_output": "live", "render_html": "live",
    "GUESS_MEASURES": "reveal", "perception_reveal": "reveal", "reveal_options": "reveal",
    "score_guesses": "reveal",
    "SLIDER_RANGES": "simulator", "changes_from_sliders": "simulator",
    "plan_baseline": "simulator", "simulate": "simulator",
    "simulate_from_results": "simulator",
    "design_sla": "sla", "design_sla_from_results": "sla",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
