"""Workshop mode (SPEC §0, §7): the code-free app consultants run live with both teams.

``aligndx workshop`` serves ``notebooks/workshop.ipynb`` as a Voilà app; the notebook is
prose plus one call per block of :mod:`toolkit.workshop.app`:

* :func:`open_workshop` — the session: results.json (the one door), the survey, the plan;
* :func:`perception_reveal`, :func:`score_guesses` — the perception-gap reveal and typed
  guesses;
* :func:`make_questions`, :func:`guess_reveal` and :mod:`toolkit.workshop.room` — the
  "guess the other side" round answered on phones;
* :func:`filter_options`, :func:`filter_respondents` — side / level / region views that
  never show a group under the anonymity threshold;
* :func:`simulate_from_results` (and :func:`simulate`) — the report's incentive what-if
  behind the sliders;
* :func:`design_sla_from_results` (and :func:`design_sla`) — extra conversions, cost and
  evidence of a first-touch / attempts target;
* :func:`live_output` — a widget view re-rendered when its controls change (no output
  capture, so it also executes headless);
* :func:`prepare_workshop`, :func:`build_command` — ``aligndx workshop``.
"""

from .context import Workshop, open_workshop
from .filters import FilterResult, filter_options, filter_respondents
from .guess import guess_reveal, make_questions
from .launch import build_command, is_loopback, prepare_workshop
from .live import live_output, render_html
from .reveal import GUESS_MEASURES, perception_reveal, reveal_options, score_guesses
from .simulator import (SLIDER_RANGES, changes_from_sliders, plan_baseline, simulate,
                        simulate_from_results)
from .sla import design_sla, design_sla_from_results

__all__ = ["FilterResult", "GUESS_MEASURES", "SLIDER_RANGES", "Workshop", "build_command",
           "changes_from_sliders", "design_sla", "design_sla_from_results", "filter_options",
           "filter_respondents", "guess_reveal", "is_loopback", "live_output",
           "make_questions", "open_workshop", "perception_reveal", "plan_baseline",
           "prepare_workshop", "render_html", "reveal_options", "score_guesses", "simulate",
           "simulate_from_results"]
