"""Wave comparison end to end: planted changes found, anonymity kept, CLI, config, report,
portfolio (SPEC §12)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import comparison_entries

from toolkit.compare import audit_comparison, compare_results, write_comparison
from toolkit.config import AnalysisSettings, load_engagement
from toolkit.exceptions import ConfigError
from toolkit.generate.waves import (FOLLOWUP_AFTER, SAMPLE_PAIR, planted_changes,
                                    survey_wave_pair, write_after_wave)
from toolkit.lookup import get
from toolkit.pipeline import analyse_folder
from toolkit.survey import measure_survey

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
AFTER = SAMPLES / SAMPLE_PAIR["after"]
EXPECTED = {"improved": "improved", "worsened": "worsened", "unchanged": "no_detectable_change"}


def _status(comp: dict, key: str) -> str:
    entry = get(comp, key)
    assert entry is not None, key
    return entry["status"]


def _mismatches(comp: dict, truth: dict) -> tuple[list, list]:
    """(planted changes not found, unplanted figures called detectable)."""
    missed, false = [], []
    for key, state in truth.items():
        st = _status(comp, key)
        if state == "unchanged" and st != "no_detectable_change":
            false.append((key, st))
        elif state != "unchanged" and st != EXPECTED[state]:
            missed.append((key, st))
    return missed, false


@pytest.fixture(scope="module")
def sample_pair():
    if not (AFTER / "engagement.toml").is_file():
        pytest.skip("sample pair not generated")
    after = analyse_folder(AFTER)
    baseline = json.loads((AFTER / "baseline/results.json").read_text())
    return baseline, after


def test_committed_pair_finds_exactly_the_planted_changes(sample_pair):
    baseline, after = sample_pair
    comp = after["comparison"]                      # computed by the pipeline from [baseline]
    truth = json.loads((AFTER / "planted.json").read_text())["changes"]
    assert truth == planted_changes(FOLLOWUP_AFTER, list(t for t in truth if
                                                         t.startswith("crm.")))
    missed, false = _mismatches(comp, truth)
    assert missed == [] and false == []
    counts = comp["summary"]["counts"]
    assert (counts["improved"], counts["no_detectable_change"]) == (24, 34)
    assert sum(v != "unchanged" for v in truth.values()) == 24
    # counted once per measure (a scale's three lines are one measure): 4 scales, 2 pillar
    # indexes, 1 claim, 5 CRM figures improved; 9 scales, 1 pillar, 1 claim, 1 CRM did not
    assert comp["summary"]["measures"]["counts"] == {"improved": 12, "no_detectable_change": 12}
    # 34 unchanged figures in the tested family and the 3 maturity lines repeating one
    assert sum(v == "unchanged" for v in truth.values()) == 34 + 3
    # the same figures from a stand-alone comparison of the two results files
    again = compare_results(baseline, {k: v for k, v in after.items() if k != "comparison"})
    assert again["summary"]["counts"] == comp["summary"]["counts"]
    # every planted survey scale moved on both sides and overall; 4 scales x 3 sides
    assert comp["summary"]["counts"]["improved"] == sum(
        v != "unchanged" for k, v in truth.items() if not k.startswith("survey.maturity"))
    for e in (comp["survey"]["scales"]["FAIR"]["by_side"].values()):
        assert e["detectable"] is False and e["ci_low"] < 0 < e["ci_high"]
    assert audit_comparison(comp, baseline, after) == []


def test_entries_carry_the_contract_keys(sample_pair):
    comp = sample_pair[1]["comparison"]
    keys = {"before", "after", "change", "ci_low", "ci_high", "p", "effect", "detectable"}
    for key in ("survey.scales.TRUST.by_side.sales", "survey.pillars.politics.by_side.all",
                "survey.claims.marketing_blame_followup_share", "survey.maturity.by_side.all",
                "crm.untouched_share", "crm.within_sla_share", "crm.single_attempt_share",
                "crm.acceptance_rate", "crm.worked_conversion.marketing",
                "crm.speed_median_hours", "scores.overall"):
        assert keys <= set(get(comp, key)), key
    trust = get(comp, "survey.scales.TRUST.by_side.sales")
    assert trust["change"] == pytest.approx(trust["after"] - trust["before"])
    assert trust["ci_low"] < trust["change"] < trust["ci_high"]
    assert trust["effect_kind"] == "hedges_g" and trust["effect"] > 0.8
    # detectable ⇔ the interval excludes zero ⇔ Holm-adjusted p < α (Holm-level intervals)
    m = comp["method"]
    assert m["alpha"] == 0.05 and m["family_size"] == 58 and m["detected"] == 24
    assert m["ci_level"] == pytest.approx(1 - 0.05 / (58 - 24))
    assert m["ci_level_max"] == pytest.approx(1 - 0.05 / 58)
    for e in _walk(comp):
        if e.get("detectable") is not None and e.get("p_adj") is not None:
            excl = e["ci_low"] > 0 or e["ci_high"] < 0
            assert e["detectable"] == excl == (e["p_adj"] < 0.05), e["label"]
            assert m["ci_level"] <= e["ci_level"] <= m["ci_level_max"]
    mat = get(comp, "survey.maturity.by_side.sales")
    assert mat["before_stage"] and mat["after_stage"]
    assert get(comp, "scores.overall")["detectable"] is None      # composites not tested


_walk = comparison_entries


def _survey_results(df, hc, cid="acme") -> dict:
    return {"client": {"id": cid, "name": "Acme"}, "survey": measure_survey(
        df, settings=AnalysisSettings(), headcount=hc)}


SURVEY_KEYS = [k for k in planted_changes(FOLLOWUP_AFTER, []) if k.startswith("survey.")]


def test_no_change_at_all_is_not_detectable():
    from toolkit.generate.waves import WavePlant

    before, after, hc = survey_wave_pair("well-aligned", seed=7411,
                                         plant=WavePlant(scale_shifts={}))
    comp = compare_results(_survey_results(before, hc), _survey_results(after, hc))
    tested = [e for e in _walk(comp) if e.get("detectable") is not None]
    assert len(tested) >= 40
    # nothing planted: Holm keeps P(any detectable) ≤ 5 % (this fixed seed: none)
    assert sum(e["detectable"] for e in tested) == 0


def test_a_decline_is_reported_as_worse():
    from toolkit.generate.waves import WavePlant

    plant = WavePlant(scale_shifts={"SUPP": -0.8, "FAIR": -0.8})
    before, after, hc = survey_wave_pair("well-aligned", seed=7412, plant=plant)
    comp = compare_results(_survey_results(before, hc), _survey_results(after, hc))
    for scale in ("SUPP", "FAIR"):
        for side in ("sales", "marketing", "all"):
            assert _status(comp, f"survey.scales.{scale}.by_side.{side}") == "worsened"
    assert _status(comp, "survey.pillars.politics.by_side.all") == "worsened"
    assert comp["summary"]["counts"]["worsened"] >= 9


def test_group_hidden_in_one_wave_is_hidden_in_the_comparison():
    before, after, hc = survey_wave_pair("followup-gap", seed=7413)
    # the after wave: only 3 marketing respondents -> both sides hidden in that wave
    mk = after.index[after["team"] == "marketing"]
    after = after.drop(index=mk[3:]).reset_index(drop=True)
    rb, ra = _survey_results(before, hc), _survey_results(after, hc)
    assert ra["survey"]["scales"]["TRUST"]["by_side"]["marketing"]["mean"] is None
    assert rb["survey"]["scales"]["TRUST"]["by_side"]["marketing"]["mean"] is not None
    comp = compare_results(rb, ra)
    assert audit_comparison(comp, rb, ra) == []
    for side in ("sales", "marketing"):
        e = get(comp, f"survey.scales.TRUST.by_side.{side}")
        assert e["status"] == "hidden" and e["before"] is None and e["n_before"] is None
    assert get(comp, "survey.claims.marketing_blame_followup_share")["status"] == "hidden"
    # the before wave's side means appear nowhere in the comparison
    text = json.dumps(comp)
    for scale, entry in rb["survey"]["scales"].items():
        for side in ("sales", "marketing"):
            m = entry["by_side"][side]["mean"]
            assert repr(m) not in text, (scale, side)
    # everyone (shown in both waves) is still compared
    assert get(comp, "survey.scales.TRUST.by_side.all")["status"] in (
        "improved", "no_detectable_change")
    # the audit catches a comparison that leaks a hidden group
    bad = copy.deepcopy(comp)
    bad["survey"]["scales"]["TRUST"]["by_side"]["sales"]["before"] = 2.5
    assert audit_comparison(bad, rb, ra)


def test_figure_absent_in_one_wave_is_not_measured(sample_pair):
    baseline, after = sample_pair
    after = {k: v for k, v in after.items() if k != "comparison"}
    after = copy.deepcopy(after)
    after["crm"]["lead_quality"].pop("marketing", None)
    after["crm"]["lead_quality"].pop("worked_conversion", None)
    after["crm"]["speed"]["median_hours"] = None
    comp = compare_results(baseline, after)
    e = get(comp, "crm.worked_conversion.marketing")
    assert e["status"] == "not_measured" and "later wave" in e["note"]
    assert e["change"] is None and e["detectable"] is None
    assert get(comp, "crm.speed_median_hours")["status"] == "not_measured"


def test_unseen_full_pair_with_crm(tmp_path):
    """A full pair (survey + CRM) from seeds never used in development."""
    from toolkit.generate import generate_engagement

    before = generate_engagement(tmp_path / "acme", "followup-gap", seed=7501, n_leads=2500)
    base = analyse_folder(before)
    after = write_after_wave(before, tmp_path / "acme-after", profile="followup-gap",
                             before_seed=7501, seed=7502, baseline=base)
    res = analyse_folder(after)
    truth = json.loads((after / "planted.json").read_text())["changes"]
    missed, false = _mismatches(res["comparison"], truth)
    assert missed == [] and false == [], (missed, false)
    assert load_engagement(after).baseline.results == (after / "baseline/results.json").resolve()


def test_cli_compare_writes_both_files(tmp_path, sample_pair):
    baseline, after = sample_pair
    b = tmp_path / "before.json"
    a = tmp_path / "after.json"
    b.write_text(json.dumps(baseline))
    a.write_text(json.dumps({k: v for k, v in after.items() if k != "comparison"}))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "toolkit.cli", "compare", str(b), str(a), "-o",
                        str(out)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    folder = out / after["client"]["id"]
    comp = json.loads((folder / "comparison.json").read_text())
    assert comp["summary"]["counts"]["improved"] > 10
    html = (folder / "comparison.html").read_text()
    assert "what changed since the last assessment" in html
    assert "no detectable change" in html and "Trust" in html
    # the stand-alone page keeps its methods in a list at its end, after the plain note
    body, _, methods = html.partition("<h2>Methods</h2>")
    assert "Holm" in methods and "Welch" in methods
    for word in METHOD_NAMES:
        assert word not in body, word
    assert "comparison.json" not in html
    assert "survey.scales" not in html and "TRUST" not in html        # no codes or keys
    assert "<script" not in html and "http" not in html.split("</head>")[0]
    assert 'src="data:image/png;base64,' in html and 'alt="Dot chart' in html


def test_a_baseline_group_under_this_threshold_is_hidden_whatever_its_records_say():
    """An earlier results.json written with a lower threshold (or edited, or from
    elsewhere) whose records hide nothing: a side on 4 answers is hidden in a comparison
    whose threshold is 5, and its figures appear nowhere (review 13b, F8)."""
    from toolkit.compare.figures import group_threshold

    before, after, hc = survey_wave_pair("followup-gap", seed=7413)
    rb, ra = _survey_results(before, hc), _survey_results(after, hc)
    rb["survey"]["suppressed"] = []
    rb["survey"]["min_group_size"] = 3
    block = rb["survey"]["scales"]["TRUST"]["by_side"]["marketing"]
    block.update(n=4, mean=2.449)
    rb["survey"]["scales"]["FEED"]["by_side"]["sales"].pop("n")     # size not stated
    assert group_threshold(rb, ra) == 5
    comp = compare_results(rb, ra)
    assert get(comp, "survey.scales.TRUST.by_side.marketing")["status"] == "hidden"
    assert get(comp, "survey.scales.FEED.by_side.sales")["status"] == "hidden"
    assert "2.449" not in json.dumps(comp)
    assert get(comp, "survey.scales.TRUST.by_side.sales")["status"] != "hidden"


def test_waves_without_a_client_id_are_refused():
    """A results.json naming no client cannot be shown to be this client's (review 13b, F8)."""
    from toolkit.compare.io import check_same_client
    from toolkit.exceptions import InputError

    for before in ({"client": {}}, {"client": {"id": ""}}, {}, {"client": {"id": 7}}):
        with pytest.raises(InputError, match="names no client id"):
            check_same_client(before, {"client": {"id": "acme"}}, "baseline/results.json")
    check_same_client({"client": {"id": "acme"}}, {"client": {"id": "acme"}}, "b.json")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"client": {}, "toolkit_version": ' + "9" * 5000 + "}"])
def test_a_hostile_results_json_is_a_readable_error(tmp_path, text):
    """Nesting beyond the parser's recursion limit, an integer beyond Python's digit limit:
    exit-2 errors naming the file, not "unexpected" (review 13b, F7c)."""
    from toolkit.exceptions import InputError
    from toolkit.jsonio import load_results

    p = tmp_path / "results.json"
    p.write_text(text)
    with pytest.raises(InputError, match="results.json: not a results.json"):
        load_results(p)


def test_cli_compare_bad_input(tmp_path, sample_pair):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    other = tmp_path / "other.json"
    doc = copy.deepcopy(sample_pair[0])
    doc["client"]["id"] = "someone-else"
    other.write_text(json.dumps(doc))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample_pair[0]))
    for args, text in (([str(bad), str(good)], "not valid JSON"),
                       ([str(tmp_path / "missing"), str(good)], "expected an engagement"),
                       ([str(other), str(good)], "different clients")):
        r = subprocess.run([sys.executable, "-m", "toolkit.cli", "compare", *args, "-o",
                            str(tmp_path / "o")], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 2 and text in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("comparison.*"))


def test_client_name_is_escaped(tmp_path, sample_pair):
    baseline, after = sample_pair
    comp = copy.deepcopy(after["comparison"])
    comp["client"]["name"] = "<img src=x onerror=alert(1)>"
    folder = write_comparison(comp, tmp_path)
    html = (folder / "comparison.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_baseline_path_must_stay_inside_the_engagement(tmp_path):
    import shutil

    if not (AFTER / "engagement.toml").is_file():
        pytest.skip("sample pair not generated")
    eng = tmp_path / "eng"
    shutil.copytree(AFTER, eng)
    toml = (eng / "engagement.toml").read_text()
    for value, msg in (("../x/results.json", "leaves the engagement folder"),
                       ("/etc/passwd", "absolute paths are refused"),
                       ("baseline/nope.json", "file not found")):
        (eng / "engagement.toml").write_text(toml.replace('results = "baseline/results.json"',
                                                          f'results = "{value}"'))
        with pytest.raises(ConfigError, match=msg):
            load_engagement(eng)


#: Method names and files that stay out of the reader's body text (SPEC §13).
METHOD_NAMES = ("Welch", "Newcombe", "Benjamini", "Hochberg", "Holm", "Brookmeyer", "Hedges",
                "Cohen", "comparison.json", "comparison.html", "results.json")


def without_cmp(results: dict) -> dict:
    return {k: v for k, v in results.items() if k != "comparison"}


def test_report_section_and_portfolio_column(sample_pair):
    from toolkit.report import sections
    from toolkit.report.portfolio import client_table

    after = sample_pair[1]
    html = "".join(o.data for o in sections.render("since_last", after))
    assert "Since the last assessment" in html and "What improved" in html
    assert "<h2>" in html and "TRUST" not in html
    # plain words in the body; the named methods go to the methodology appendix
    for word in METHOD_NAMES:
        assert word not in html, word
    assert "stays at 5% or less" in html and "methodology appendix" in html
    appendix = "".join(str(getattr(o, "data", o)) for o in
                       sections.render("appendix_methodology", after))
    assert "Comparison with the last assessment" in appendix
    assert "Holm" in appendix and "Welch" in appendix and "comparison.json" not in appendix
    plain = sections.render("appendix_methodology", without_cmp(after))
    assert "Comparison with the last assessment" not in "".join(
        str(getattr(o, "data", o)) for o in plain)
    order = list(sections.render_all(after))
    assert order[:2] == ["executive_summary", "since_last"]
    without = {k: v for k, v in after.items() if k != "comparison"}
    assert not sections.render("since_last", without)
    assert "since_last" not in sections.render_all(without)
    df = client_table([after, sample_pair[0]])
    line = df.set_index("client_id")["change_since_last"]
    assert line.notna().sum() == 1 and "better" in line.dropna().iloc[0]


def test_plot_changes_returns_axes():
    import matplotlib.pyplot as plt
    import pandas as pd

    from toolkit.charts.waves import plot_changes

    data = pd.DataFrame({"label": ["Trust", "Fairness"], "change": [0.8, 0.0],
                         "ci_low": [0.6, -0.1], "ci_high": [1.0, 0.1],
                         "status": ["improved", "no_detectable_change"]})
    ax = plot_changes(data=data, unit_label="Change")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Trust", "Fairness"][::-1] or \
        [t.get_text() for t in ax.get_yticklabels()] == ["Trust", "Fairness"]
    assert len(ax.lines) == 5          # 2 ranges, 2 dots, the zero line
    plt.close(ax.figure)


def test_deck_gains_a_since_last_slide(sample_pair):
    from toolkit.deck.content import deck_content

    after = sample_pair[1]
    slides = deck_content(after)
    assert slides[2].title.startswith("Since the last assessment")
    counts = after["comparison"]["summary"]["counts"]
    assert counts["improved"] == 24      # lines: 4 scales × 3 populations, 2 pillars × 3, ...
    # ... but one measure counts once: 4 scales, 2 pillar indexes, 1 claim, 5 CRM figures
    assert slides[2].title == ("Since the last assessment 12 measures improved (4 survey "
                               "scales, 2 pillar indexes, 1 blame claim and 5 CRM figures); 12 "
                               "show no detectable change")
    text = " ".join(slides[2].bullets)
    assert "leads handed to sales (all sources) never touched" in text and "Trust" in text
    assert "service level" not in text and "Freedom from conflict and blame" in text
    assert "first touched within the SLA" in text and "MQLs (all sources) accepted" in text
    assert "No detectable change" in text and "TRUST" not in text
    said = " ".join([slides[2].title, text, *slides[2].notes])
    for word in METHOD_NAMES:
        assert word not in said, word
    assert len(deck_content({k: v for k, v in after.items() if k != "comparison"})) == \
        len(slides) - 1


@pytest.mark.slow
def test_report_of_the_after_wave_has_the_section_in_its_contents(tmp_path):
    """The real report (notebook, HTML export) of the sample with [baseline]."""
    import re

    from toolkit.reporting import build_report

    if not (AFTER / "engagement.toml").is_file():
        pytest.skip("sample pair not generated")
    outcome = build_report(AFTER, tmp_path, timeout=600)
    html = (outcome.folder / "report.html").read_text()
    toc = re.findall(r'class="toc-link"[^>]*>([^<]+)<', html)
    heads = [h.strip() for h in re.findall(r"<h2[^>]*>([^<]+)", html.split("<main>", 1)[1])]
    assert toc == heads and heads[:2] == ["Executive summary", "Since the last assessment"]
    assert "no detectable change" in html and "What improved" in html
    results = json.loads((outcome.folder / "results.json").read_text())
    assert results["comparison"]["summary"]["counts"]["improved"] > 0


def test_shown_changes_match_the_shown_figures():
    """The reader subtracts the figures on the page: the change must agree with them."""
    from toolkit.report.waves import change_text, fmt_change, fmt_value

    cases = [({"before": 0.4949, "after": 0.1751, "unit": "share"}, "49%", "18%", "−31 pts"),
             ({"before": 35.4, "after": 43.2, "unit": "index"}, "35", "43", "+8"),
             ({"before": 32.4, "after": 31.6, "unit": "index"}, "32", "32", "±0"),
             ({"before": 2.434, "after": 3.176, "unit": "scale"}, "2.43", "3.18", "+0.75"),
             ({"before": 38.04, "after": 9.84, "unit": "hours"}, "38 h", "9.8 h", "−28.2 h")]
    for e, b, a, ch in cases:
        e["change"] = e["after"] - e["before"]
        u = e["unit"]
        assert (fmt_value(e["before"], u), fmt_value(e["after"], u),
                change_text(e)) == (b, a, ch), e
    # unrounded, the share would read −32 pts and the index +7.8
    assert fmt_change(cases[0][0]["change"], "share") == "−32 pts"


# --------------------------------------------- partner review 16c: one reading of each figure
def test_conflict_is_compared_as_freedom_from_conflict(sample_pair):
    """The comparison names and orients the conflict scale as the rest of the report does
    ("Freedom from conflict and blame", higher = healthier): right is better on every line."""
    from toolkit.report.waves import fragment, page

    baseline, after = sample_pair
    comp = after["comparison"]
    conf = comp["survey"]["scales"]["CONF"]
    assert conf["name"] == "Freedom from conflict and blame" and conf["mirrored"] is True
    for side in ("sales", "marketing", "all"):
        e = conf["by_side"][side]
        raw_before = baseline["survey"]["scales"]["CONF"]["by_side"][side]["mean"]
        raw_after = after["survey"]["scales"]["CONF"]["by_side"][side]["mean"]
        assert e["before"] == pytest.approx(6 - raw_before)
        assert e["after"] == pytest.approx(6 - raw_after)
        assert e["better"] == "higher" and e["status"] == "improved"
        assert e["change"] > 0 and 0 < e["ci_low"] < e["ci_high"]     # planted −0.8 raw
    assert all(e["better"] == "higher" for sc in comp["survey"]["scales"].values()
               for e in sc["by_side"].values())
    for html in (fragment(comp), page(comp)):
        assert "Dysfunctional" not in html and "lower is healthier" not in html
        assert "Freedom from conflict and blame" in html
        assert "higher is healthier on every line" in html
        assert "Design: Independent samples:" not in html
    assert "Design: Independent samples — respondents are not matched" in page(comp)


def test_an_older_comparison_with_the_raw_conflict_scale_is_shown_mirrored():
    from toolkit.report.waves import fragment, healthy

    e = {"label": "Dysfunctional conflict — everyone", "unit": "scale", "better": "lower",
         "before": 3.8, "after": 2.9, "change": -0.9, "ci_low": -1.2, "ci_high": -0.7,
         "effect": -1.1, "status": "improved"}
    comp = {"survey": {"scales": {"CONF": {"name": "Dysfunctional conflict",
                                           "by_side": {"all": e}}}}}
    m = healthy(comp)["survey"]["scales"]["CONF"]["by_side"]["all"]
    assert (m["before"], m["after"]) == (pytest.approx(2.2), pytest.approx(3.1))
    assert (m["change"], m["ci_low"], m["ci_high"]) == (0.9, 0.7, 1.2)
    assert m["label"] == "Freedom from conflict and blame — everyone"
    assert m["status"] == "improved" and e["before"] == 3.8      # the input is not changed
    html = fragment(comp)
    assert "Dysfunctional" not in html and "2.20 → 3.10" in html
    comp["summary"] = {"improved": [{"key": "survey.scales.CONF.by_side.all", "area": "survey",
                                     "label": "Dysfunctional conflict — everyone"}],
                       "measures": {"improved": [{"label": "Dysfunctional conflict",
                                                  "kind": "survey scales"}]}}
    m = healthy(comp)
    assert m["summary"]["improved"][0]["label"] == "Freedom from conflict and blame — everyone"
    assert m["summary"]["measures"]["improved"][0]["label"] == \
        "Freedom from conflict and blame"
    from toolkit.deck.waves import since_last
    slide = since_last({"comparison": comp})
    assert "Dysfunctional" not in " ".join([slide.title, *slide.bullets, *slide.notes])


def test_a_score_resting_on_the_survey_alone_carries_its_pillars_verdict(sample_pair):
    """The politics score is the politics index for everyone (its only input): one figure,
    one verdict, in the scores table as in the pillar table."""
    from toolkit.report.waves import fragment

    comp = sample_pair[1]["comparison"]
    score, pillar = comp["scores"]["politics"], comp["survey"]["pillars"]["politics"]["by_side"]["all"]
    assert round(score["before"]) == round(pillar["before"]) == 37
    assert score["status"] == pillar["status"] == "improved"
    assert (score["ci_low"], score["ci_high"]) == (pillar["ci_low"], pillar["ci_high"])
    for key in ("incentives", "communication", "overall"):     # composites stay untested
        assert comp["scores"][key]["status"] == "not_tested", key
    # counted once, as the pillar (12 measures, 24 lines as before)
    assert comp["summary"]["counts"]["improved"] == 24
    assert "scores.politics" not in [i["key"] for i in comp["summary"]["improved"]]
    html = fragment(comp)
    scores_table = html.split("Overall scores", 1)[1].split("</table>", 1)[0]
    row = scores_table.split("Politics score", 1)[1].split("</tr>", 1)[0]
    assert "improved" in row and "not tested" not in row
    assert "What improved" in html and "<b>Politics score</b>" not in html
    from toolkit.report.waves import scores_note
    assert scores_note(comp) == (
        "The politics score rests on the survey alone: it is the same figure as the company "
        "politics index for everyone and carries the same verdict. The other scores combine "
        "the survey with CRM and compensation evidence and are shown without a test; the "
        "tested figures say what changed detectably.")


def test_every_before_figure_is_the_figure_the_baseline_report_published(sample_pair):
    """The committed baseline is the before sample's results as the toolkit computes them
    now: the after-report's "before" of every figure is what the baseline report shows."""
    from toolkit.report.display import fmt_num
    from toolkit.report.waves import fmt_value

    comp = sample_pair[1]["comparison"]
    published = analyse_folder(SAMPLES / SAMPLE_PAIR["before"])
    for key in ("politics", "incentives", "communication", "overall"):
        assert fmt_value(comp["scores"][key]["before"], "index") == \
            fmt_num(published["scores"][key], 0), key
    published["client"]["id"] = SAMPLE_PAIR["after"]
    again = compare_results(published, {k: v for k, v in sample_pair[1].items()
                                        if k != "comparison"})
    n = 0
    for e, f in zip(_walk(comp), _walk(again)):
        assert e["label"] == f["label"]
        assert fmt_value(e["before"], e["unit"]) == fmt_value(f["before"], f["unit"]), e["label"]
        n += e["before"] is not None
    assert n >= 60
    # the communication score the baseline report showed (the hand-off score counts
    # accepted leads never touched; every survey figure answers the same-people rule)
    assert fmt_value(comp["scores"]["communication"]["before"], "index") == "52"


def test_basis_says_when_the_periods_differ_in_length(sample_pair):
    from toolkit.report.waves import basis_text, months

    comp = sample_pair[1]["comparison"]
    assert (months(comp["before"]), months(comp["after"])) == (12, 9)
    text = basis_text(comp)
    assert text.startswith("Earlier assessment: 1 January 2025 to 31 December 2025 "
                           "(12 months). This assessment: 1 January 2026 to 30 September "
                           "2026 (9 months).")
    assert "totals (leads, deals and revenue won) are not" in text
    same = {"before": {"period_start": "2025-01-01", "period_end": "2025-12-31"},
            "after": {"period_start": "2026-01-01", "period_end": "2026-12-31"}}
    assert "differ in length" not in basis_text(same) and "months" not in basis_text(same)


def test_workbook_has_the_since_last_sheet(sample_pair, tmp_path):
    from openpyxl import load_workbook

    from toolkit.workbook import write_workbook

    after = copy.deepcopy(sample_pair[1])
    comp = after["comparison"]
    comp["crm"]["untouched_share"]["label"] = "=HYPERLINK(\"x\")"   # a hostile label
    path = write_workbook(after, tmp_path / "a.xlsx")
    ws = load_workbook(path)["Since the last assessment"]
    head = [c.value for c in ws[4]]
    assert head == ["Figure", "Population", "Before", "After", "Change", "Likely range from",
                    "Likely range to", "Verdict"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=5)}
    comm = rows[("Communication score", None)]
    assert comm[2].value == round(comp["scores"]["communication"]["before"]) == 52
    assert comm[7].value == "not tested"
    pol = rows[("Politics score", None)]
    assert pol[7].value == "improved (tested as the company politics index for everyone)"
    assert pol[5].value > 0
    conf = rows[("Freedom from conflict and blame", "Everyone")]
    e = comp["survey"]["scales"]["CONF"]["by_side"]["all"]
    assert conf[2].value == round(e["before"], 2) and conf[2].number_format == "0.00"
    assert conf[4].value == pytest.approx(round(e["after"], 2) - round(e["before"], 2))
    assert conf[7].value == "improved"
    sla = rows[("Leads handed to sales (all sources) first touched within the SLA", None)]
    s = comp["crm"]["within_sla_share"]
    assert sla[2].value == round(s["before"], 2) and sla[2].number_format == "0%"
    assert sla[4].value == pytest.approx(100 * (round(s["after"], 2) - round(s["before"], 2)))
    assert "pts" in sla[4].number_format
    assert sla[5].value == pytest.approx(100 * s["ci_low"], abs=1e-4)
    assert rows[("Fair distribution", "Sales side")][7].value == "no detectable change"
    assert ("'=HYPERLINK(\"x\")", None) in rows                   # text, never a formula
    assert "(12 months)" in ws["A2"].value and "(9 months)" in ws["A2"].value
    without = {k: v for k, v in after.items() if k != "comparison"}
    assert "Since the last assessment" not in load_workbook(
        write_workbook(without, tmp_path / "b.xlsx")).sheetnames
