"""Attack 42b (outputs against each other, the workshop, the portfolio):
DK1 — with both survey sides hidden the deck said "everyone, including the 88 outside sales
and marketing" (19 were); WB1 — the workbook labelled the well-worked share "touched in time
and 6 or more attempts" (it is leads that reached the engagement's attempts setting, of all
handed to sales); WS1/WS2 — the workshop's what-if re-read a plan edited after the report,
and labelled the report's money with a currency changed after it; PF1 — a client whose batch
run failed with no earlier report was not mentioned by the portfolio."""

from __future__ import annotations

import copy
import csv
import json
import shutil

import pytest

from toolkit.exceptions import InputError

SAMPLE = "followup-gap"


def test_the_deck_never_counts_a_hidden_side_as_outside_both_sides(followup_results):
    from toolkit.deck.content import _survey_slide

    res = copy.deepcopy(followup_results)
    resp = res["survey"]["respondents"]
    assert resp["all"] - resp["sales"] - resp["marketing"] > 0
    shown = _survey_slide(res, "politics", ("FAIR", "TRUST", "CONF", "SUPP"), "Politics", [])
    rest = resp["all"] - resp["sales"] - resp["marketing"]
    assert any(f"including the {rest} outside sales and marketing" in b
               for b in shown.bullets)
    res["survey"]["respondents"].update(sales=None, marketing=None)
    hidden = _survey_slide(res, "politics", ("FAIR", "TRUST", "CONF", "SUPP"), "Politics", [])
    assert not any("outside sales and marketing" in b for b in hidden.bullets)
    assert any(": " in b and "for everyone;" in b for b in hidden.bullets)


def test_the_workbook_names_the_well_worked_population_and_threshold(followup_results):
    from toolkit.workbook import followup_sheet

    res = copy.deepcopy(followup_results)
    res["crm"]["persistence"]["well_worked_attempts"] = 4
    rows = {r[0]: r for r in followup_sheet(res).rows}
    label = "Reached 4 or more attempts (share of leads handed to sales)"
    assert label in rows
    assert rows[label][-1][0] == res["crm"]["persistence"]["well_worked_share"]
    assert not any("touched in time" in k for k in rows)


@pytest.fixture(scope="module")
def reported(tmp_path_factory, samples_dir):
    """The sample engagement and its results.json as ``aligndx report`` writes them."""
    from toolkit.jsonio import write_json
    from toolkit.pipeline import analyse_folder

    root = tmp_path_factory.mktemp("ws")
    eng = root / "eng"
    shutil.copytree(samples_dir / SAMPLE, eng)
    res = analyse_folder(eng)
    path = root / "results.json"
    write_json(res, path)
    return eng, path, res


def test_results_record_the_plan_they_were_made_from(reported):
    from toolkit.config import load_engagement
    from toolkit.incentives.plan import plan_fingerprint
    from toolkit.intake import load_data

    eng, _, res = reported
    plan = load_data(load_engagement(eng)).plan
    assert res["incentives"]["plan_fingerprint"] == plan_fingerprint(plan)
    assert len(plan_fingerprint(plan)) == 16
    changed = plan.copy()
    changed.loc[changed.index[0], "weight"] = float(changed["weight"].iloc[0]) + 0.01
    assert plan_fingerprint(changed) != plan_fingerprint(plan)


def _edited(reported, tmp_path, edit):
    eng, path, _ = reported
    copy_eng = tmp_path / "eng"
    shutil.copytree(eng, copy_eng)
    edit(copy_eng)
    return copy_eng, path


def test_the_workshop_refuses_results_made_before_the_plan_changed(reported, tmp_path):
    from toolkit.workshop.context import open_workshop

    def change_plan(e):
        f = e / "incentives" / "comp_plan.csv"
        rows = list(csv.reader(f.open(encoding="utf-8")))
        col = rows[0].index("commission_rate")
        row = next(r for r in rows[1:] if r[col])          # a rate up by one point
        row[col] = str(float(row[col]) + 0.01)
        with f.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)

    eng, path = _edited(reported, tmp_path, change_plan)
    with pytest.raises(InputError) as err:
        open_workshop(eng, path)
    assert str(err.value) == (
        f"{path}: the compensation plan in the engagement's incentives folder changed after "
        "these results were made (the what-if would start from a plan the report never "
        "assessed); re-run \u201caligndx report\u201d on the engagement and open the "
        "workshop with the new results.json")
    # unchanged: it opens and the what-if starts from the report's figure
    ws = open_workshop(reported[0], path)
    assert ws.currency == reported[2]["client"]["currency"]


def test_the_workshop_refuses_results_made_in_another_currency(reported, tmp_path):
    from toolkit.workshop.context import open_workshop

    def change_currency(e):
        f = e / "engagement.toml"
        text = f.read_text(encoding="utf-8")
        assert 'currency = "USD"' in text
        f.write_text(text.replace('currency = "USD"', 'currency = "JPY"'), encoding="utf-8")

    eng, path = _edited(reported, tmp_path, change_currency)
    with pytest.raises(InputError) as err:
        open_workshop(eng, path)
    assert "these results were made with the currency USD, and engagement.toml now says " \
        "JPY" in str(err.value)


def test_the_workshop_command_refuses_stale_results_with_exit_2(reported, tmp_path):
    from click.testing import CliRunner

    from toolkit.cli import main

    def change_currency(e):
        f = e / "engagement.toml"
        f.write_text(f.read_text(encoding="utf-8").replace('currency = "USD"',
                                                           'currency = "EUR"'),
                     encoding="utf-8")

    eng, path = _edited(reported, tmp_path, change_currency)
    res = CliRunner().invoke(main, ["workshop", str(eng), "--results", str(path), "-o",
                                    str(tmp_path / "ws"), "--dry-run", "--no-browser"])
    assert res.exit_code == 2, res.output
    assert "made with the currency USD, and engagement.toml now says EUR" in res.output
    assert "Traceback" not in res.output


def test_the_portfolio_names_a_failed_client_without_an_earlier_report(tmp_path,
                                                                      followup_results):
    from toolkit.report.portfolio import load_results

    res = followup_results
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "results.json").write_text(json.dumps(res), encoding="utf-8")
    with (tmp_path / "batch-summary.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["client_id", "folder", "status"])
        w.writerow(["acme", "acme", "ok"])
        w.writerow(["globex", "globex", "failed"])
        w.writerow(["initech", "initech", "not_run"])
    results, warnings = load_results(tmp_path)
    assert len(results) == 1
    assert warnings == [
        "globex: last run failed and there is no earlier report; not in this portfolio "
        "(see batch-summary.csv).",
        "initech: not run in the last batch and there is no earlier report; not in this "
        "portfolio (see batch-summary.csv)."]
