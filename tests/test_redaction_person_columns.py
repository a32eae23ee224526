"""Review Q1: a column whose header names a person — Qualtrics embedded data ``FirstName``,
``LastName``, ``EmployeeName``, ``ManagerName``, ``ManagerEmail``, ``Supervisor``, a form's or
canonical CSV's ``Manager Name`` — feeds the names the redactor removes from comments, and
is never carried forward; a question that merely contains such a word is not such a
column."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from toolkit.intake.contacts import is_contact_column, person_column_kind


@pytest.mark.parametrize("header, kind", [
    ("FirstName", "first"), ("First Name", "first"), ("employee_first_name", "first"),
    ("LastName", "last"), ("Manager Surname", "last"),
    ("EmployeeName", "whole"), ("employee_name", "whole"), ("Employee Name", "whole"),
    ("ManagerName", "whole"), ("Manager Name", "whole"), ("MANAGER_FULL_NAME", "whole"),
    ("ManagerEmail", "whole"), ("Manager Email", "whole"), ("manager e-mail", "whole"),
    ("Supervisor", "whole"), ("supervisor", "whole"), ("Line Manager", "whole"),
    ("Owner Name", "whole"), ("Sales Rep Email", "whole"), ("Contact Name", "whole"),
    ("Email", "whole"), ("Full Name", "whole"),
])
def test_person_headers_count(header, kind):
    assert person_column_kind(header) == kind
    assert is_contact_column(header)


@pytest.mark.parametrize("header", [
    "Name your biggest blocker", "How does your manager support you?",
    "My manager gives clear goals", "Which team are you in?", "Department", "Region",
    "Q12", "QID11_TEXT", "Manager level", "Are you a manager?", "Team", "Owner", "Rep",
    "Lead Source", "Email campaigns work", "Supervisor feedback is useful",
])
def test_question_headers_do_not_count(header):
    assert person_column_kind(header) is None
    assert not is_contact_column(header)


def test_question_text_is_looked_at_but_only_whole():
    assert person_column_kind("Q5", "Manager Name") == "whole"
    assert person_column_kind("Q5", "Name your biggest blocker") is None


def test_person_columns_of_a_forms_export_feed_names_and_are_dropped():
    """build_survey (any platform): ``Manager Name`` and ``supervisor_email`` become
    personal data and name sources; a bare ``Manager`` yes/no flag adds no "Yes"; the
    question "Name your biggest blocker" stays a question."""
    from toolkit.config import SurveyConfig
    from toolkit.intake.base import FileIntake
    from toolkit.intake.surveybuild import SurveyExport, build_survey

    df = pd.DataFrame({
        "Which team are you in?": ["Sales", "Marketing"],
        "Manager Name": ["Philippa Athelstan", "Bartholomew Quigley"],
        "supervisor_email": ["lucinda.marchetti@client.example", None],
        "Manager": ["Yes", "No"],
        "Name your biggest blocker": ["Slow leads", "No budget"],
    }, index=[2, 3])
    export = SurveyExport(df=df, texts={c: c for c in df.columns})
    intake = FileIntake(table="survey", path="forms.csv", format="google_forms")
    build_survey(export, SurveyConfig(path=None, team_column="Which team are you in?",
                                      team_map={"Sales": "sales", "Marketing": "marketing"}),
                 intake, file="forms.csv")
    names = set(intake.known_names)
    assert {"Philippa Athelstan", "Bartholomew Quigley",
            "lucinda.marchetti@client.example", "lucinda marchetti"} <= names
    assert not names & {"Yes", "No", "Slow leads", "No budget"}
    assert not {"Manager Name", "supervisor_email", "Manager"} & set(intake.columns_mapped)
    assert any("Manager Name" in w and "supervisor_email" in w for w in intake.warnings)


FIRST = ["Oksana", "Thandiwe", "Radomir", "Casimir"]
LAST = ["Petrenko", "Okonkwo", "Halvorsen", "Quarshie"]
MGR = ["Bartholomew Quigley", "Philippa Athelstan"]
NAMES = FIRST + LAST + [w for m in MGR for w in m.split()]


def _analyse(eng):
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    data = load_data(load_engagement(eng))
    return data, json.dumps(analyse(data), ensure_ascii=False)


def test_qualtrics_embedded_data_names_are_redacted_end_to_end(tmp_path):
    """The real-exports sample with six embedded-data fields naming the respondent and the
    manager (header rows 1 and 2 = the field name, row 3 its ImportId) and comments naming
    them by first + last name, full name and e-mail: no name in results.json, the ordinary
    words stay, and the six columns are dropped as personal data."""
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", eng)
    path = eng / "survey" / "qualtrics_export.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    h1, h2, h3, body = rows[0], rows[1], rows[2], rows[3:]
    extra = ["FirstName", "LastName", "EmployeeName", "ManagerName", "ManagerEmail",
             "Supervisor"]
    c1, c2 = h1.index("QID11_TEXT"), h1.index("QID12_TEXT")
    for i, r in enumerate(body):
        f, l, m = FIRST[i % 4], LAST[(i // 4) % 4], MGR[i % 2]
        mail = m.lower().replace(" ", ".") + "@client.example"
        r += [f, l, f"{f} {l}", m, mail, m.split()[1]]
        r[c1] = f"Leads are not worth working, ask {f} {l} or my manager {m} about it."
        r[c2] = f"We need a weekly meeting; {m.split()[0]} and {l} agree, mail {mail}."
    h1 += extra
    h2 += extra
    h3 += ['{"ImportId":"%s"}' % e for e in extra]
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([h1, h2, h3] + body)

    data, blob = _analyse(eng)
    intake = next(f for f in data.intake if f.table == "survey")
    assert "Leads are not worth working" in blob and "weekly meeting" in blob
    low = blob.lower()
    for name in NAMES:
        assert name.lower() not in low, name
    assert "client.example" not in low
    assert set(extra) <= set(intake.columns_unmatched)
    assert not set(extra) & set(intake.columns_mapped)
    assert any("personal data columns dropped" in w and "ManagerEmail" in w
               for w in intake.warnings)


def test_manager_name_column_of_a_canonical_survey_is_redacted(tmp_path):
    """A canonical responses.csv with a ``Manager Name`` and a ``supervisor_email`` column
    and comments naming the manager: no name in results.json, ordinary words stay."""
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    path = eng / "survey" / "responses.csv"
    survey = pd.read_csv(path, dtype=str, keep_default_na=False)
    n = len(survey)
    survey["Manager Name"] = [MGR[i % 2] for i in range(n)]
    survey["supervisor_email"] = ["radomir.halvorsen@client.example"] * n
    survey["OPEN1"] = [f"Ask {MGR[i % 2]} why the leads are not worth working."
                       for i in range(n)]
    survey["OPEN2"] = [f"{MGR[(i + 1) % 2].split()[1]} and Radomir Halvorsen want a weekly "
                       "pipeline meeting." for i in range(n)]
    survey.to_csv(path, index=False)

    _, blob = _analyse(eng)
    assert "why the leads are not worth working" in blob and "weekly pipeline meeting" in blob
    low = blob.lower()
    for name in [w for m in MGR for w in m.split()] + ["radomir", "halvorsen"]:
        assert name.lower() not in low, name
