"""Workshop mode (SPEC §0, §7): the notebook consultants run live with both teams.

The notebook ``notebooks/workshop.ipynb`` only wires ipywidgets to these functions:

* :func:`open_workshop` — load an engagement once;
* :func:`perception_reveal`, :func:`score_guesses` — the perception-gap reveal and the
  "guess the other side" round;
* :func:`filter_options`, :func:`filter_respondents` — side / level / region views that
  never show a group under the anonymity threshold;
* :func:`simulate` — the report's incentive what-if behind the sliders;
* :func:`design_sla` — extra conversions suggested by a first-touch / attempts target;
* :func:`live_output` — a widget view re-rendered when its controls change (no output
  capture, so it also executes headless);
* :func:`prepare_workshop`, :func:`build_command` — ``aligndx workshop``.
"""

from .context import Workshop, open_workshop
from .filters import FilterResult, filter_options, filter_respondents
from .launch import build_command, is_loopback, prepare_workshop
from .live import live_output, render_html
from .reveal import GUESS_MEASURES, perception_reveal, reveal_options, score_guesses
from .simulator import SLIDER_RANGES, changes_from_sliders, plan_baseline, simulate
from .sla import design_sla

__all__ = ["FilterResult", "GUESS_MEASURES", "SLIDER_RANGES", "Workshop", "build_command",
           "changes_from_sliders", "design_sla", "filter_options", "filter_respondents",
           "is_loopback", "live_output", "open_workshop", "perception_reveal", "plan_baseline",
           "prepare_workshop", "render_html", "reveal_options", "score_guesses",
           "simulate"]
