"""Attack 21, MK: client values quoted in warnings (and in plan flags, plan notes, a
portfolio's warnings) were rendered as live Markdown: ``**x**``, ``~~x~~``, backticks and
``*x*`` became elements, and an entity spelling such as ``R&#95;25275`` — which the id mask
and the name redactor do not read as the id — was decoded back into it. They are shown
literally now (:func:`toolkit.report.safe.md_text`), so what the mask saw is what the reader
sees."""

from __future__ import annotations

import copy
import re

import pytest

from tests.conftest import SAMPLES

PAYLOAD = "'**URGENT** ~~old~~ `x` *em*', 'R&#95;25275 touch', 'Th**eo Kh**an'"
LIVE = re.compile(r"<(strong|em|del|s|code)>(URGENT|old|x|em|eo Kh)</\1>")


@pytest.fixture(scope="module")
def results():
    from toolkit.pipeline import analyse_folder

    return analyse_folder(SAMPLES / "followup-gap")


def _html(rendered) -> str:
    return rendered.html()


def _check(html: str) -> None:
    assert not LIVE.search(html), LIVE.search(html).group(0)
    assert "R_25275" not in html            # the entity is shown as typed, not decoded
    assert "Theo Khan" not in html
    assert "URGENT" in html                 # the value is still shown, literally
    assert "&amp;#x27;" not in html   # quotes read as quotes


def test_data_warnings_are_shown_literally(results):
    from toolkit.report.appendix import render_data_quality

    res = copy.deepcopy(results)
    res["data"]["warnings"] = [f"crm/activities.csv: type: 3 activities of unknown type "
                               f"({PAYLOAD}) counted as 'other'"]
    _check(_html(render_data_quality(res)))


def test_plan_flags_and_notes_are_shown_literally(results):
    from toolkit.report.incentives import render

    res = copy.deepcopy(results)
    assert res["incentives"]["flags"], "the sample raises plan flags"
    res["incentives"]["flags"][0]["title"] = f"Role ({PAYLOAD})"
    res["incentives"]["flags"][0]["sentence"] = f"The role {PAYLOAD} is paid on volume."
    res["incentives"]["warnings"] = [f"plan row for {PAYLOAD} ignored"]
    _check(_html(render(res)))


def test_portfolio_warnings_are_shown_literally():
    from toolkit.report.portfolio import render_overview

    pf = {"n_clients": 0, "warnings": [f"engagement ({PAYLOAD}) skipped"],
          "score_stats": {"overall": {"n": 0, "median": None, "p25": None, "p75": None}}}
    _check(_html(render_overview(pf)))
