"""A tampered results.json given to ``render`` or ``compare`` is refused with exit 2 naming
the file and the key, never "unexpected error", and never echoes the value (attack 6 RJ1;
SPEC §6, §7)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import set_key
from toolkit.cli import main
from toolkit.jsonio import load_results

PAYLOAD = '<img src=x onerror=alert(1)><script>fetch("http://evil.example/x")</script>'


@pytest.fixture
def real(followup_results) -> dict:
    return followup_results


def _write(tmp_path: Path, real: dict, muts: list, name="tampered.json", raw=None) -> Path:
    r = copy.deepcopy(real)
    for path, value in muts:
        set_key(r, path, value)
    text = json.dumps(r, allow_nan=True)
    for a, b in (raw or {}).items():
        text = text.replace(a, b)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


#: (mutations, the key the message must name, the text that must not be echoed)
CASES = {
    "payload_in_funnel_stage": ([("crm.funnel_drop.from", "sal" + PAYLOAD)],
                                "crm.funnel_drop.from", "onerror"),
    "payload_in_checked_stage": ([("crm.funnel_drop.checked.0.from", "mql" + PAYLOAD)],
                                 "crm.funnel_drop.checked.0.from", "onerror"),
    "huge_int_score": ([("scores.overall", 10 ** 4000)], "scores.overall", "0000000000"),
    "client_name_list": ([("client.name", ["a", "b"])], "client.name", "'a'"),
    "count_text": ([("crm.funnel.counts.won", "many")], "crm.funnel.counts.won", "many"),
    "negative_count": ([("crm.funnel.counts.leads", -5)], "crm.funnel.counts.leads", "-5"),
    "huge_scores": ([("scores.overall", -1e300), ("scores.incentives", 1e300)],
                    "scores.", "e+300"),
    "markup_score": ([("scores.overall", "<b>77</b>")], "scores.overall", "<b>"),
    "schema_future": ([("schema", 999)], "schema", "999"),
    "schema_markup": ([("schema", "2<script>")], "schema", "<script>"),
    "survey_list": ([("survey", [])], "survey", "[]"),
    "crm_text": ([("crm", "x")], "crm", "'x'"),
    "findings_object": ([("findings", {"x": 1})], "findings", "'x'"),
    "stage_markup": ([("scores.stage", PAYLOAD)], "scores.stage", "onerror"),
    "recommendation_step": ([("recommendations.0.step", "../../etc")],
                            "recommendations.0.step", "../../etc"),
    "huge_count_elsewhere": ([("data.privacy_audit.releases", 10 ** 16)],
                             "data.privacy_audit.releases", "10000000000000000"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_render_refuses_a_tampered_results_json_naming_the_key(tmp_path, real, case):
    muts, key, secret = CASES[case]
    src = _write(tmp_path, real, muts)
    res = _run("render", str(src), "-o", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert str(src) in res.output and key in res.output
    assert "shape this toolkit writes" in res.output and "expected" in res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output
    # the message quotes the file's path (pytest's temp folder may hold "-5"): judge the rest
    assert secret not in res.output.replace(str(tmp_path), "<tmp>")
    assert not (tmp_path / "out" / "followup-gap").exists()


def test_non_finite_literals_are_refused_naming_the_key(tmp_path, real):
    src = _write(tmp_path, real, [("scores.overall", "__NAN__"), ("scores.politics", 1.0)],
                 raw={'"__NAN__"': "NaN"})
    res = _run("render", str(src), "-o", str(tmp_path / "out"))
    assert res.exit_code == 2 and "scores.overall" in res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("case", ["huge_int_score", "huge_scores", "markup_score"])
def test_compare_refuses_tampered_scores_naming_the_key(tmp_path, real, case):
    muts, key, secret = CASES[case]
    before = tmp_path / "before.json"
    before.write_text(json.dumps(real), encoding="utf-8")
    after = _write(tmp_path, real, muts, name="after.json")
    for a, b in ((before, after), (after, before)):
        res = _run("compare", str(a), str(b), "-o", str(tmp_path / "cmp"))
        assert res.exit_code == 2, res.output
        assert str(after) in res.output and key in res.output
        assert "unexpected" not in res.output and "Traceback" not in res.output
        assert secret not in res.output.replace(str(tmp_path), "<tmp>")
    assert not (tmp_path / "cmp").exists()


def test_real_results_have_the_shape(real, tmp_path):
    from toolkit.results_shape import shape_problem

    assert shape_problem(real) is None
    fixture = Path(__file__).parent / "fixtures" / "results-0.1.0-well-aligned.json"
    assert load_results(fixture)["client"]["id"]       # the old layout still reads
    src = tmp_path / "results.json"
    src.write_text(json.dumps(real), encoding="utf-8")
    assert load_results(src) == real


def test_render_backstop_names_the_file_not_the_value(tmp_path, real, monkeypatch):
    """Whatever a renderer still trips on in an edited file becomes exit 2 naming the file
    and the step, with the exception's text (which may quote a value) left out."""
    import toolkit.reporting as reporting

    def boom(*a, **k):
        raise KeyError("sal" + PAYLOAD)

    monkeypatch.setattr(reporting, "render_results", boom)
    src = tmp_path / "results.json"
    src.write_text(json.dumps(real), encoding="utf-8")
    res = _run("render", str(src), "-o", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert str(src) in res.output and "shape this toolkit writes" in res.output
    assert "KeyError" in res.output and "onerror" not in res.output
    assert "unexpected" not in res.output


def test_compare_backstop_names_the_file_not_the_value(tmp_path, real, monkeypatch):
    import toolkit.compare as compare

    def boom(*a, **k):
        raise TypeError("unsupported operand '<b>77</b>'")

    monkeypatch.setattr(compare, "compare_paths", boom)
    src = tmp_path / "results.json"
    src.write_text(json.dumps(real), encoding="utf-8")
    res = _run("compare", str(src), str(src), "-o", str(tmp_path / "cmp"))
    assert res.exit_code == 2, res.output
    assert str(src) in res.output and "TypeError" in res.output
    assert "<b>" not in res.output and "unexpected" not in res.output


def test_portfolio_leaves_out_a_tampered_results_json_naming_the_key(tmp_path, real):
    from toolkit.report import portfolio as pf

    good = copy.deepcopy(real)
    (tmp_path / "followup-gap").mkdir()
    (tmp_path / "followup-gap" / "results.json").write_text(json.dumps(good))
    bad = copy.deepcopy(real)
    bad["client"]["id"] = "other"
    bad["scores"]["overall"] = "<b>77</b>"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "results.json").write_text(json.dumps(bad))
    results, warnings = pf.load_results(tmp_path)
    assert [r["client"]["id"] for r in results] == ["followup-gap"]
    assert len(warnings) == 1 and warnings[0].startswith("other: ")
    assert "scores.overall" in warnings[0] and "<b>" not in warnings[0]
