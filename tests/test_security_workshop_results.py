"""Attack 7, WJ1: ``aligndx workshop --results F`` reads results.json through the one reader
(:func:`toolkit.jsonio.load_results`: plain text, finite numbers, the shape the toolkit
writes — the workshop section included), so a tampered file is refused with exit 2 naming
the file and the key (never the value) before the app opens; and no results.json lowers
the workshop's anonymity threshold below the engagement's ``min_group_size`` (SPEC §7, §8,
§8a)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES, set_key
from toolkit.cli import main
from toolkit.exceptions import InputError
from toolkit.results_shape import shape_problem

PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture
def real(followup_results) -> dict:
    return followup_results


def _write(tmp_path: Path, real: dict, path: str, value, name="tampered.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(set_key(copy.deepcopy(real), path, value)), encoding="utf-8")
    return p


#: (dotted key, tampered value, the key the message names, text that must not be echoed):
#: the attacker's mutations that the workshop accepted and that crashed app sections.
CASES = {
    "views_text": ("workshop.reveal.views", "x" + PAYLOAD, "workshop.reveal.views",
                   "onerror"),
    "codes_number": ("workshop.reveal.codes", 5, "workshop.reveal.codes", None),
    "options_list": ("workshop.reveal.options", [1, 2], "workshop.reveal.options", None),
    "threshold_text": ("workshop.reveal.min_group_size", "five",
                       "workshop.reveal.min_group_size", "five"),
    "threshold_zero": ("workshop.reveal.min_group_size", 0,
                       "workshop.reveal.min_group_size", None),
    "threshold_negative": ("workshop.reveal.min_group_size", -3,
                           "workshop.reveal.min_group_size", "-3"),
    "threshold_bool": ("workshop.reveal.min_group_size", True,
                       "workshop.reveal.min_group_size", None),
    "sla_text": ("workshop.sla", "x", "workshop.sla", None),
    "sla_tables_text": ("workshop.sla.tables", PAYLOAD, "workshop.sla.tables", "onerror"),
    "sla_hours_huge": ("workshop.sla.hours.0", 1e300, "workshop.sla.hours.0", "e+300"),
    "view_side_markup": ("workshop.reveal.views.0.side", PAYLOAD,
                         "workshop.reveal.views.0.side", "onerror"),
    "view_shown_text": ("workshop.reveal.views.0.shown", "yes",
                        "workshop.reveal.views.0.shown", None),
    "view_count_text": ("workshop.reveal.views.0.reveals.FAIR.by_side.sales.n", "56",
                        "workshop.reveal.views.0.reveals.FAIR.by_side.sales.n", None),
    "status_markup": ("workshop.reveal.status", PAYLOAD, "workshop.reveal.status",
                      "onerror"),
    "incentives_text": ("incentives", "x", "incentives", None),
    "score_markup": ("scores.overall", "<b>77</b>", "scores.overall", "<b>"),
}


def _workshop(eng: Path, results: Path, out: Path):
    return CliRunner().invoke(main, ["workshop", str(eng), "--results", str(results),
                                     "-o", str(out), "--dry-run", "--no-browser"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_shape_names_the_workshop_key(real, case):
    path, value, key, _ = CASES[case]
    problem = shape_problem(set_key(copy.deepcopy(real), path, value))
    assert problem is not None and problem.startswith(f"key '{key}': expected ")


@pytest.mark.parametrize("case", ["views_text", "threshold_text", "threshold_zero",
                                  "sla_text", "view_side_markup", "incentives_text",
                                  "score_markup"])
def test_workshop_refuses_a_tampered_results_json_naming_the_key(tmp_path, real, case):
    path, value, key, secret = CASES[case]
    src = _write(tmp_path, real, path, value)
    res = _workshop(SAMPLES / "followup-gap", src, tmp_path / "ws")
    assert res.exit_code == 2, res.output
    assert f"{src}: results.json does not have the shape this toolkit writes (key '{key}'" \
        in res.output
    assert "Traceback" not in res.output and "unexpected" not in res.output
    if secret:     # judged without the quoted temp path (it may hold "-3")
        assert secret not in res.output.replace(str(tmp_path), "<tmp>")
    assert not list((tmp_path / "ws").rglob("workshop.ipynb"))


def test_workshop_refuses_a_non_finite_number_naming_the_key(tmp_path, real):
    src = tmp_path / "nan.json"
    src.write_text(json.dumps(set_key(copy.deepcopy(real), "scores.overall", float("nan")),
                              allow_nan=True), encoding="utf-8")
    res = _workshop(SAMPLES / "followup-gap", src, tmp_path / "ws")
    assert res.exit_code == 2, res.output
    assert "scores.overall is not finite" in res.output and str(src) in res.output


def test_a_lowered_threshold_in_results_json_is_refused(tmp_path, real):
    """``workshop.reveal.min_group_size = 1`` (a whole number: the shape allows it) against
    an engagement whose min_group_size is 5: exit 2 naming the key and the command that
    regenerates the views; nothing prepared."""
    src = _write(tmp_path, real, "workshop.reveal.min_group_size", 1)
    res = _workshop(SAMPLES / "followup-gap", src, tmp_path / "ws")
    assert res.exit_code == 2, res.output
    assert (f"{src}: the workshop views in these results (key "
            "'workshop.reveal.min_group_size') were computed with a smaller anonymity "
            "threshold than this engagement's min_group_size (5)") in res.output
    assert "aligndx report ENGAGEMENT -o OUT" in res.output
    assert not list((tmp_path / "ws").rglob("workshop.ipynb"))


def test_a_stored_figure_under_the_threshold_is_refused(tmp_path, real):
    key = "workshop.reveal.views.0.reveals.FAIR.by_side.sales.n"
    src = _write(tmp_path, real, key, 2)
    res = _workshop(SAMPLES / "followup-gap", src, tmp_path / "ws")
    assert res.exit_code == 2, res.output
    assert f"key '{key}' shows a group smaller than this engagement's min_group_size (5)" \
        in res.output


def test_an_engagement_threshold_above_the_stored_one_is_refused(tmp_path, real):
    """The consultant raised ``min_group_size`` to 7 after the report: the stored views
    (computed with 5) are refused by the session as well as by the CLI."""
    from toolkit.workshop.context import open_workshop

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    toml = eng / "engagement.toml"
    text = toml.read_text(encoding="utf-8")
    assert "min_group_size = 5" in text
    toml.write_text(text.replace("min_group_size = 5", "min_group_size = 7"),
                    encoding="utf-8")
    src = tmp_path / "results.json"
    src.write_text(json.dumps(real), encoding="utf-8")
    with pytest.raises(InputError, match=r"smaller anonymity threshold than this "
                                         r"engagement's min_group_size \(7\)"):
        open_workshop(eng, src)


def test_the_session_threshold_is_never_below_the_engagement(tmp_path, real):
    """The guess round's threshold (:attr:`Workshop.min_group_size`) is the engagement's
    even for a store claiming 1 (the attacker's two phones, one per side, stay hidden), and
    a store's larger threshold is kept."""
    from toolkit.workshop.context import Workshop, open_workshop
    from toolkit.workshop.guess import guess_reveal, make_questions

    src = tmp_path / "results.json"
    src.write_text(json.dumps(real), encoding="utf-8")
    s = open_workshop(SAMPLES / "followup-gap", src)
    assert s.min_group_size == 5
    low = Workshop(engagement=s.engagement, data=s.data,
                   results=set_key(copy.deepcopy(real), "workshop.reveal.min_group_size", 1))
    assert low.min_group_size == 5
    high = Workshop(engagement=s.engagement, data=s.data,
                    results=set_key(copy.deepcopy(real), "workshop.reveal.min_group_size", 8))
    assert high.min_group_size == 8
    qs = make_questions([("CLAIM_FOLLOW", "marketing")])
    answers = [{"side": "sales", "answers": {qs[0]["id"]: 13.0}},
               {"side": "marketing", "answers": {qs[0]["id"]: 87.0}}]
    rev = guess_reveal(low.survey_reveal, qs, answers, min_group_size=low.min_group_size)
    shown = json.dumps(rev["questions"][0]["by_side"])
    assert "13.0" not in shown and "87.0" not in shown


def test_render_refuses_a_tampered_workshop_section(tmp_path, real):
    """``aligndx render`` copies the workshop section into a new results.json: it reads it
    through the same check."""
    src = _write(tmp_path, real, "workshop.reveal.views", "x")
    res = CliRunner().invoke(main, ["render", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "key 'workshop.reveal.views': expected a list" in res.output
    assert not (tmp_path / "out" / "followup-gap").exists()


def test_every_sample_results_json_has_the_shape(real):
    assert shape_problem(real) is None
    assert real["workshop"]["reveal"]["min_group_size"] == 5
