"""The command line: init, validate, usage errors (SPEC §7)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_init_scaffolds_and_validate_names_missing_files(tmp_path):
    eng = tmp_path / "acme"
    r = run("init", str(eng), "--name", "Acme Ltd")
    assert r.exit_code == 0, r.output
    assert (eng / "engagement.toml").is_file()
    assert {p.name for p in eng.iterdir()} >= {"survey", "crm", "incentives"}
    r = run("validate", str(eng))
    assert r.exit_code == 2
    assert "survey.path" in r.output and "file not found: 'survey/responses.csv'" in r.output
    assert "Traceback" not in r.output
    # the file the consultant did drop in is named, so the typo is obvious
    (eng / "incentives" / "Comp Plan FY25.csv").write_text("team\n")
    r = run("validate", str(eng))
    assert "files in that folder: 'Comp Plan FY25.csv'" in r.output
    r = run("init", str(eng))
    assert r.exit_code == 2 and "already exists" in r.output


def test_bad_slug_on_init(tmp_path):
    r = run("init", str(tmp_path / "x"), "--id", "Not A Slug")
    assert r.exit_code == 2 and "not a valid slug" in r.output


@pytest.mark.parametrize("name", ['Smith\\Jones "Partners"', "Zoë & Co — Ünïcode",
                                  "Acme \\\"\n[baseline]"])
def test_init_writes_the_name_as_a_toml_string(tmp_path, name):
    """The name is data, never TOML (review 13b, F12: a backslash broke the file; a quote
    and a line break let a name write a [baseline] table of its own)."""
    import tomllib

    eng = tmp_path / "e"
    r = run("init", str(eng), "--name", name, "--id", "acme")
    if "\n" in name:
        assert r.exit_code == 2 and "one line" in r.output and not eng.exists()
        return
    assert r.exit_code == 0, r.output
    doc = tomllib.loads((eng / "engagement.toml").read_text(encoding="utf-8"))
    assert doc["client"]["name"] == name and "baseline" not in doc
    r = run("init", str(tmp_path / "f"), "--id", "acme\n")
    assert r.exit_code == 2 and "not a valid slug" in r.output


def test_usage_error_exit_2():
    r = run("report")
    assert r.exit_code == 2


def test_missing_engagement_folder(tmp_path):
    r = run("validate", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "engagement folder not found" in r.output


@pytest.fixture
def broken(tmp_path):
    """A copy of a sample engagement with planted defects in several files."""
    src = SAMPLES / "followup-gap"
    dst = tmp_path / "broken"
    shutil.copytree(src, dst)
    leads = (dst / "crm" / "leads.csv").read_text().splitlines()
    header = leads[0].split(",")
    row = leads[1].split(",")
    row[header.index("created_at")] = "not-a-date"
    leads[1] = ",".join(row)
    leads.append(leads[2])  # duplicate lead_id (the copy of data row 2 lands on the last row)
    (dst / "crm" / "leads.csv").write_text("\n".join(leads) + "\n")
    survey = (dst / "survey" / "responses.csv").read_text().splitlines()
    sh = survey[0].split(",")
    srow = survey[3].split(",")
    srow[sh.index("FAIR1")] = "7"
    survey[3] = ",".join(srow)
    (dst / "survey" / "responses.csv").write_text("\n".join(survey) + "\n")
    return dst, len(leads)


def test_validate_lists_every_problem_with_file_row_column(broken):
    folder, n_lines = broken
    r = run("validate", str(folder))
    assert r.exit_code == 2, r.output
    out = r.output
    assert "Traceback" not in out
    assert "crm/leads.csv, row 2, column 'created_at'" in out
    assert "lead_id" in out and f"row {n_lines}" in out   # the duplicate, by spreadsheet row
    assert "survey/responses.csv, row 4, column 'FAIR1'" in out


def test_report_refuses_broken_input_and_writes_nothing(broken, tmp_path):
    folder, _ = broken
    out = tmp_path / "out"
    r = run("report", str(folder), "-o", str(out))
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert not (out / "followup-gap").exists()


def test_console_script_installed():
    exe = shutil.which("aligndx") or str(__import__("pathlib").Path(sys.executable).parent / "aligndx")
    p = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "validate" in p.stdout and "report" in p.stdout


def test_validate_says_what_cannot_be_assessed(tmp_path):
    dst = tmp_path / "small"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    toml = (dst / "engagement.toml").read_text()
    start = toml.index("[incentives]")
    end = toml.index("[analysis]")
    toml = toml[:start] + toml[end:]
    toml = toml.replace('activities = "crm/activities.csv"', "")
    (dst / "engagement.toml").write_text(toml)
    import pandas as pd
    survey = pd.read_csv(dst / "survey" / "responses.csv")
    keep = survey[survey["team"] != "marketing"].index.tolist() + \
        survey[survey["team"] == "marketing"].index[:3].tolist()
    survey.loc[sorted(keep)].to_csv(dst / "survey" / "responses.csv", index=False)
    r = run("validate", str(dst))
    assert r.exit_code == 0, r.output
    assert "No [incentives] section" in r.output
    assert "The marketing side has fewer than 5 respondents" in r.output
    assert "The sales side has fewer" not in r.output
    assert "No activities file" in r.output
