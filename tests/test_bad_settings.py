"""Bad settings and bad cells as a class (SPEC §2, §8a; review 13 M5, M6, L1, L6, L7, L8,
new-user F9): every one is exit 2 with the file and the key (or row and column) and what was
expected — never "unexpected", never a traceback — and validate lists them all in one run."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.config import load_engagement
from toolkit.exceptions import ConfigError, InputError
from toolkit.intake import validate


@pytest.fixture
def eng(tmp_path):
    """A copy of the followup-gap sample (edited per test)."""
    d = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", d)
    (d / "planted.json").unlink(missing_ok=True)
    return d


def _toml(d, old, new):
    p = d / "engagement.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(d, text):
    p = d / "engagement.toml"
    p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")


def _config_problems(d) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_engagement(d)
    return [str(p) for p in e.value.problems]


def _cli(*args):
    from toolkit.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------- M5: control chars, depth
@pytest.mark.parametrize("old,new,key", [
    ('leads = "crm/leads.csv"', 'leads = "crm/leads.csv\\u0000x"', "crm.leads"),
    ('name = "Northwind Fasteners Inc."', 'name = "North\\u000bwind \\u001b[2J Inc."',
     "client.name"),
    ('team_column = "team"', 'team_column = "te\\u001bam"', "survey.team_column"),
    ('marketing_sources = ["web"', 'marketing_sources = ["w\\u202eeb"', "crm.marketing_sources[0]"),
])
def test_control_characters_in_any_setting_name_the_key(eng, old, new, key):
    _toml(eng, old, new)
    problems = _config_problems(eng)
    assert any(f"key '{key}'" in p and "control characters" in p for p in problems), problems


def test_deeply_nested_toml_is_exit_2_not_a_recursion_error(eng):
    _append(eng, "\n[deep]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    r = _cli("validate", eng)
    assert r.exit_code == 2, r.output
    assert "nested" in r.output and "unexpected" not in r.output
    assert "Traceback" not in r.output


def test_moderately_nested_values_are_named_not_walked_forever(eng):
    _append(eng, "\n[deep]\nx = " + "[" * 50 + "1" + "]" * 50 + "\n")
    problems = _config_problems(eng)
    assert any("nested more than" in p for p in problems), problems


def test_nul_in_a_path_is_exit_2_with_the_key(eng):
    _toml(eng, 'leads = "crm/leads.csv"', 'leads = "crm/leads.csv\\u0000x"')
    r = _cli("validate", eng)
    assert r.exit_code == 2 and "key 'crm.leads'" in r.output, r.output
    assert "unexpected" not in r.output


def test_control_characters_in_plan_cells_are_refused_with_row_and_column(eng):
    p = eng / "incentives" / "comp_plan.csv"
    p.write_text(p.read_text().replace("Account Executive", "Account\x00Exec\x1b[31m", 1))
    data, problems = validate(eng)
    shown = [str(q) for q in problems]
    assert any("incentives/comp_plan.csv, row 2, column 'role'" in q and "U+0000" in q
               for q in shown), shown


def test_control_characters_in_labels_refused_comments_cleaned(eng):
    p = eng / "survey" / "responses.csv"
    lines = p.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    region = header.index("region")
    cells = lines[1].rstrip("\n").split(",")
    cells[region] = "EM\x0bEA\x1b]0;pwned\x07"
    lines[1] = ",".join(cells) + "\n"
    p.write_text("".join(lines))
    data, problems = validate(eng)
    assert [(q.row, q.column) for q in problems] == [(2, "region")], problems
    # a NUL pasted into a comment does not stop the engagement: it becomes a space
    lines[1] = lines[1].replace("\x0b", "").replace("\x1b]0;pwned\x07", "")
    open1 = header.index("OPEN1")
    rows = [ln.rstrip("\n").split(",") for ln in lines]
    target = next(i for i, r in enumerate(rows[1:], 1) if r[open1] and '"' not in lines[i])
    rows[target][open1] = rows[target][open1][:3] + "\x00" + rows[target][open1][3:]
    p.write_text("".join(",".join(r) + "\n" for r in rows))
    data, problems = validate(eng)
    assert problems == []
    assert not data.survey["OPEN1"].dropna().str.contains("\x00").any()


def test_a_cell_a_spreadsheet_cannot_hold_is_cleaned_at_the_export_boundary():
    from toolkit.privacy import neutralize_cell

    assert neutralize_cell("Acc\x00ount\x0b Exec") == "Account Exec"
    assert neutralize_cell("=\x01cmd") == "'=cmd"
    assert neutralize_cell("line\nbreak\tand tab") == "line\nbreak\tand tab"


# ---------------------------------------------------------------- M6: implausible dates
@pytest.mark.parametrize("old,new,key", [
    ("extract_date = 2026-01-15", "extract_date = 9999-12-31", "crm.extract_date"),
    ("period_end = 2025-12-31", "period_end = 9999-12-31", "client.period_end"),
    ("period_start = 2025-01-01", "period_start = 0001-01-01", "client.period_start"),
])
def test_implausible_setting_dates_fail_validate(eng, old, new, key):
    _toml(eng, old, new)
    r = _cli("validate", eng)
    assert r.exit_code == 2, r.output
    assert f"key '{key}'" in r.output and "implausible date" in r.output
    assert "between 1970 and 2099" in r.output


def test_extract_date_before_the_period_fails_validate(eng):
    _toml(eng, "extract_date = 2026-01-15", "extract_date = 2024-06-30")
    problems = _config_problems(eng)
    assert any("crm.extract_date" in p and "before the analysis period" in p
               for p in problems), problems


# ---------------------------------------------------------------- L1, L6, L7
def test_client_id_with_a_trailing_newline_is_refused(eng):
    _toml(eng, 'id = "followup-gap"', 'id = "followup-gap\\n"')
    problems = _config_problems(eng)
    assert any("client.id" in p for p in problems), problems
    from toolkit.config import SLUG_RE
    from toolkit.compare.io import SLUG_RE as COMPARE_SLUG

    assert not SLUG_RE.match("acme\n") and not COMPARE_SLUG.match("acme\n")


@pytest.mark.parametrize("value,hint", [("US Dollars", None), ("usd", "did you mean 'USD'"),
                                        ("[x](http://e) *em*", None)])
def test_currency_must_be_an_iso_code(eng, value, hint):
    _toml(eng, 'currency = "USD"', f'currency = "{value}"')
    problems = _config_problems(eng)
    assert any("client.currency" in p and "ISO 4217" in p for p in problems), problems
    if hint:
        assert any(hint in p for p in problems)


def test_headcount_and_setting_types_are_bounded(eng):
    _toml(eng, "sales = 60", "sales = 9223372036854775807")
    _toml(eng, 'marketing_sources = ["web", "webinar", "paid_search", "event", "content"]',
          'marketing_sources = [["web"], {a=1}, 3, "event"]')
    problems = _config_problems(eng)
    assert any("client.headcount.sales" in p and "1,000,000" in p for p in problems)
    for i in range(3):
        assert any(f"crm.marketing_sources[{i}]" in p for p in problems), problems
    assert not any("marketing_sources[3]" in p for p in problems)


def test_column_map_values_must_be_text(eng):
    _toml(eng, "extract_date = 2026-01-15",
          'extract_date = 2026-01-15\ncolumns = { leads = { "Lead Source" = 3 } }')
    problems = _config_problems(eng)
    assert any("crm.columns.leads.Lead Source" in p for p in problems), problems


# ---------------------------------------------------------------- L8: the baseline file
@pytest.mark.parametrize("content,says", [
    ("[" * 100_000 + "]" * 100_000, "nested"),
    ('{"not": "results"}', "not a results.json"),
    ("{oops", "not valid JSON"),
])
def test_validate_reads_the_baseline_results(eng, content, says):
    (eng / "baseline").mkdir()
    (eng / "baseline" / "results.json").write_text(content)
    _append(eng, '\n[baseline]\nresults = "baseline/results.json"\n')
    r = _cli("validate", eng)
    assert r.exit_code == 2, r.output
    assert "baseline/results.json" in r.output and says in r.output, r.output
    assert "unexpected" not in r.output


def test_validate_refuses_another_clients_baseline(eng):
    import json

    (eng / "baseline").mkdir()
    (eng / "baseline" / "results.json").write_text(json.dumps(
        {"client": {"id": "someone-else"}, "toolkit_version": "0.3.0"}))
    _append(eng, '\n[baseline]\nresults = "baseline/results.json"\n')
    data, problems = validate(eng)
    assert any("different clients" in str(p) for p in problems), problems


# ---------------------------------------------------------------- F9: every problem at once
def test_validate_lists_config_problems_and_every_readable_files_problems(eng):
    (eng / "incentives" / "comp_plan.csv").rename(eng / "incentives" / "Comp Plan FY25.csv")
    p = eng / "crm" / "leads.csv"
    lines = p.read_text().splitlines(keepends=True)
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("created_at")] = "10/37/2024"
    lines[5] = ",".join(cells)
    p.write_text("".join(lines))
    data, problems = validate(eng)
    shown = [str(q) for q in problems]
    assert any("incentives.path" in q and "Comp Plan FY25.csv" in q for q in shown), shown
    assert any(q.startswith("crm/leads.csv, row 6, column 'created_at'") for q in shown), shown
    assert data is not None and data.survey is not None and data.leads is not None
    with pytest.raises(InputError):          # the report still refuses
        load_engagement(eng)


def test_a_tampered_currency_is_never_markdown_in_the_report(monkeypatch):
    # results.json rendered alone (aligndx render) bypasses engagement.toml's check: the
    # currency must still reach the Markdown escaped
    import matplotlib.pyplot as plt

    from tests.test_incentives_report import results
    from toolkit.report import incentives as rep
    from toolkit.report.safe import markdown_html

    shown = []
    monkeypatch.setattr(rep, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rep, "show_table", lambda df, **k: None)
    monkeypatch.setattr(rep, "show_figure", lambda fig, alt, takeaway=None: plt.close("all"))
    res = results()
    res["client"]["currency"] = "*em* [md](http://x.example) _u_"
    rep.render(res)
    money = [t for t in shown if "in commission" in t]
    assert money, shown
    for t in money:
        html = markdown_html(t)
        assert "<em>" not in html and "href" not in html, html


def test_an_unreplaceable_report_folder_is_exit_2_naming_it(tmp_path, monkeypatch):
    import errno

    from toolkit import reporting

    final, staging = tmp_path / "acme", tmp_path / ".acme.x.partial"
    final.mkdir()
    staging.mkdir()

    def refuse(src, dst):
        raise PermissionError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr(reporting, "swap_into_place", refuse)
    with pytest.raises(InputError) as e:
        reporting._move_into_place(staging, final)
    assert e.value.exit_code == 2 and str(final) in str(e.value)
    assert "Operation not permitted" in str(e.value)


# ---------------------------------------------------------------- L2: ragged rows mid-file
def test_short_and_overlong_rows_mid_file_are_refused_with_their_row(eng):
    p = eng / "crm" / "leads.csv"
    lines = p.read_text().splitlines(keepends=True)
    width = lines[0].count(",") + 1
    lines[20] = ",".join(lines[20].split(",")[:4]) + "\n"          # row 21: cut short
    lines[30] = lines[30].rstrip("\n") + ",x,y,z\n"                 # row 31: three more
    p.write_text("".join(lines))
    data, problems = validate(eng)
    shown = {(q.file, q.row): str(q) for q in problems}
    assert set(shown) == {("crm/leads.csv", 21), ("crm/leads.csv", 31)}, problems
    assert f"4 of the {width} columns" in shown[("crm/leads.csv", 21)]
    assert f"{width + 3} values for the {width} columns" in shown[("crm/leads.csv", 31)]


def test_exports_that_drop_trailing_empty_fields_still_read(tmp_path):
    from toolkit.intake.reader import read_table

    rows = ["id,a,b,c"] + [f"{i},1,2,3" if i % 3 else f"{i},1" for i in range(1, 61)]
    p = tmp_path / "t.csv"
    p.write_text("\n".join(rows) + "\n")
    raw = read_table(p)
    assert raw.df.shape == (60, 4) and raw.df["c"].isna().sum() == 20
    # a trailing delimiter on every row (an empty extra field) is the export's style ...
    rows = ["id,a,b"] + [f"{i},1,2," for i in range(1, 61)]
    p.write_text("\n".join(rows) + "\n")
    assert read_table(p).df.shape == (60, 3)
    # ... on one row it is what a value shifted one column leaves (review 13c V3)
    rows = ["id,a,b"] + [f"{i},1,2" + ("," if i == 7 else "") for i in range(1, 61)]
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as e:
        read_table(p)
    assert [q.row for q in e.value.problems] == [8]


# ---------------------------------------------------------------- results.json as an input
def test_a_results_json_with_control_characters_or_deep_nesting_is_refused(tmp_path):
    """aligndx render / compare / workshop read results.json: a NUL or escape in a text
    (which the workbook cannot hold and a terminal obeys) or nesting no report writes is an
    exit-2 error naming the file, before anything is drawn."""
    import json

    from toolkit.jsonio import dumps, load_results

    p = tmp_path / "results.json"
    base = {"client": {"id": "acme", "name": "Acme"}, "toolkit_version": "0.3.0"}
    p.write_text(json.dumps({**base, "client": {"id": "acme", "name": "Ac\x0bme\x1b[2J"}}))
    with pytest.raises(InputError) as e:
        load_results(p)
    assert "client.name" in str(e.value) and "control character" in str(e.value)
    deep = {**base, "x": 0}
    node = deep
    for _ in range(200):
        node["x"] = {"x": 0}
        node = node["x"]
    p.write_text(json.dumps(deep))
    with pytest.raises(InputError) as e:
        load_results(p)
    assert "nested more than" in str(e.value)
    # what the toolkit writes always reads back: texts lose their control characters
    p.write_text(dumps({**base, "data": {"intake": ["columns left unmatched: \x1b[41mHDR"]},
                        "survey": {"OPEN1": ["line\nbreak\tand tab"]}}))
    back = load_results(p)
    assert back["data"]["intake"] == ["columns left unmatched: [41mHDR"]
    assert back["survey"]["OPEN1"] == ["line\nbreak\tand tab"]


def test_render_refuses_an_unknown_verdict_status_before_the_notebook(tmp_path):
    """Review 13 I4: a results.json whose coded values were altered is exit 2 naming the
    key, not a notebook cell failing with KeyError."""
    import json

    from toolkit.jsonio import load_results
    from toolkit.reporting import render_results

    src = SAMPLES.parent.parent / "tests" / "fixtures" / "results-0.1.0-well-aligned.json"
    r = load_results(src)
    assert r["verdict"]["lead_quality"]["status"] in ("supported", "not_supported",
                                                      "inconclusive")
    r["verdict"]["lead_quality"]["status"] = "<b>pwned</b>"
    p = tmp_path / "results.json"
    p.write_text(json.dumps(r))
    with pytest.raises(InputError) as e:
        render_results(p, tmp_path / "out")
    assert "verdict.lead_quality.status" in str(e.value) and e.value.exit_code == 2
    assert not (tmp_path / "out" / r["client"]["id"]).exists()


def test_latex_outputs_are_dropped_and_a_failed_partial_is_inert(tmp_path):
    """Review 13 I1: a text/latex output (Jupyter typesets \\href links) never survives,
    and the partial kept under _failed/ is as inert as a published notebook."""
    import json

    from toolkit.execute import _keep_partial, _make_inert
    from toolkit.report.safe import NO_MATH_CLASS

    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data",
         "data": {"text/latex": "$\\\\href{http://x.example}{x}$"}},
        {"output_type": "display_data", "data": {"text/html": "<p>$x$ PWN</p>"}},
        {"output_type": "display_data", "data": {"text/markdown": "[a](http://x.example)"}}]}]}
    out = tmp_path / "report.ipynb"
    out.write_text(json.dumps(nb))
    kept = _keep_partial(out, tmp_path / "_failed")
    text = kept.read_text()
    assert "href" not in text and "text/latex" not in text and "text/markdown" not in text
    assert NO_MATH_CLASS in text
    assert _make_inert({"cells": []}) == []
