"""Attack 34, DT1: a survey export asking for the team in two columns (a question repeated in
a SurveyMonkey skip-logic branch, a duplicated "Department" header in a Microsoft Forms
workbook) showed both as mapped to the team, read the first alone, dropped the respondents
who answered the other as "no team given" and passed validate. Now a problem (exit 2) names
the columns, as two columns of one item are."""

from __future__ import annotations

import csv
import re
import shutil

from tests.conftest import SAMPLES, intake_problems

FAIR1 = ("The marketing and sales budgets are divided between the two teams in a way I "
         "consider fair.")
TRUST1 = "I trust the people on the other team to know their job well."


def _engagement(tmp_path, team_column: str, header: list[str], sub: list[str] | None,
                rows: list[list[str]]):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "lead-quality", eng)
    (eng / "survey" / "responses.csv").unlink()
    toml = (eng / "engagement.toml").read_text(encoding="utf-8")
    toml = re.sub(r"\[survey\][^\[]*",
                  '[survey]\npath = "survey/export.csv"\nformat = "auto"\n'
                  f'team_column = "{team_column}"\n'
                  'team_map = { "Inside Sales" = "sales", "Demand Gen" = "marketing" }\n\n',
                  toml, count=1)
    (eng / "engagement.toml").write_text(toml, encoding="utf-8")
    with open(eng / "survey" / "export.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header] + ([sub] if sub else []) + rows)
    return eng


def test_a_team_question_in_two_skip_logic_columns_is_a_problem(tmp_path):
    q = "Which team do you work in?"
    rows = [[str(114477885566 + i), "1", "Inside Sales" if i < 6 else "", "Agree", "Disagree",
             "" if i < 6 else "Demand Gen"] for i in range(12)]
    eng = _engagement(tmp_path, q, ["Respondent ID", "Collector ID", q,
                                    "How far do you agree?", "", q],
                      ["", "", "Response", FAIR1, TRUST1, "Response"], rows)
    problems = [p for p in intake_problems(eng) if "team" in p.message]
    assert len(problems) == 1, problems
    (p,) = problems
    assert p.file == "survey/export.csv" and p.column == f"{q} (2)"
    assert p.message == (f"columns '{q}', '{q} (2)' all ask for the respondent's team; keep "
                         "one (merge their answers into one column, or remove the others)")


def test_a_duplicated_department_header_is_a_problem_and_one_team_column_is_not(tmp_path):
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Department", FAIR1,
              TRUST1, "Department"]   # a Microsoft Forms export
    rows = [[str(i + 1), "1/3/25 9:00:00", "1/3/25 9:05:00", "anonymous", "",
             "Inside Sales" if i % 2 else "Demand Gen", "Agree", "Disagree", "Demand Gen"]
            for i in range(12)]
    eng = _engagement(tmp_path, "Department", header, None, rows)
    (p,) = [p for p in intake_problems(eng) if "team" in p.message]
    assert p.column == "Department (2)"
    assert p.message.startswith("columns 'Department', 'Department (2)' all ask for the "
                                "respondent's team; keep one")

    from toolkit.config import load_engagement
    from toolkit.intake import load_data

    single = _engagement(tmp_path / "one", "Department", header[:-1], None,
                         [r[:-1] for r in rows])
    data = load_data(load_engagement(single))
    assert data.survey["team"].value_counts().to_dict() == {"marketing": 6, "sales": 6}
