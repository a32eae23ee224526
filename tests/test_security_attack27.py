"""Attack 27: QT1 — a survey question asking for the respondent's own identifier was not an
identifier column (a Qualtrics ``QID99_TEXT`` whose question text is "Employee ID"; a form's
"Employee ID (optional)", "Your employee ID"), so its answers quoted in comments reached every
output; IH1 — identifier headers of the practice's languages still missed ("Numéro de
matricule", "Cod. dipendente", "Número de legajo", "Team member ID", "Agent ID")."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES


@pytest.mark.parametrize("header", [
    "Numéro de matricule", "Identifiant salarié", "N° matricule", "Numero di matricola",
    "Cod. dipendente", "Cód. empleado", "Número de legajo", "Team member ID", "Sales rep ID",
    "Agent ID", "Werknemer nr", "Employee identifier"])
def test_identifier_headers_of_the_practice_languages(header):
    from toolkit.intake.identifiers import identifier_column

    assert identifier_column(header)


@pytest.mark.parametrize("text", [
    "Employee ID", "Employee number", "Numéro de salarié", "Employee ID (optional)",
    "Your employee ID", "Q3. What is your employee ID?", "Please enter your staff number",
    "What's your ID?", "Your ID number", "Votre numéro de salarié", "Su número de empleado",
    "Uw personeelsnummer", "Ihre Personalnummer", "Personal information - Employee ID"])
def test_questions_asking_for_the_respondents_id(text):
    from toolkit.intake.identifiers import identifier_column

    assert identifier_column("QID99_TEXT", text)
    assert identifier_column(text, text)


@pytest.mark.parametrize("text", [
    "How many employees report to you?", "Your team", "Your number", "Your code", "Team ID",
    "Sales team ID", "Sales code", "Number of employees", "No. of staff",
    "Anything else? (please do not include your employee ID)", "Lead ID", "Customer ID",
    "Account number", "Your employee experience", "My team member is helpful",
    "Do you know your employee ID?", "Is the user ID process clear?",
    "Staff meeting number of attendees", "QID5_TEXT", "Staff", "Your manager"])
def test_other_questions_are_not_identifiers(text):
    from toolkit.intake.identifiers import identifier_column

    assert not identifier_column("QID5_TEXT", text)
    assert not identifier_column(text, text)


def test_a_question_for_the_respondents_id_is_masked_in_every_output(tmp_path):
    """End to end on the Qualtrics sample (three header rows): the id question's header is its
    export tag, the label is in the question-text row."""
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    p = dst / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(p.open(encoding="utf-8-sig", newline="")))
    head, data = rows[0], rows[3:]
    rows[0] = head + ["QID99_TEXT"]
    rows[1] = rows[1] + ["What is your employee ID? (optional)"]
    rows[2] = rows[2] + ['{"ImportId":"QID99_TEXT"}']
    for i, r in enumerate(data):
        if len(r) == len(head):
            r.append(f"EMP-{48100 + i}Q")
    target = data[5][-1]
    comment = [j for j, c in enumerate(head) if c.endswith("_TEXT") and c != "QID3_TEXT"][-1]
    quoted = 0
    for r in data:
        if len(r) > comment and r[comment].strip():
            r[comment] += f" Ask {target} about it."
            quoted += 1
    assert quoted
    with p.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    text = json.dumps(analyse_folder(dst), ensure_ascii=False)
    assert target not in text
    assert "about it" in text   # the comments themselves are kept


def test_a_canonical_files_id_question_column_is_masked(tmp_path):
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "survey" / "responses.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["Numéro de matricule"] = [f"MAT-{4100 + i}Q" for i in range(len(df))]
    df["Your employee ID (optional)"] = [f"EID-{4100 + i}Q" for i in range(len(df))]
    i = df.index[df["OPEN1"].str.len() > 0][0]
    df.loc[i, "OPEN1"] = "Please ask MAT-4105Q (EID-4105Q) about the lead queue."
    df.to_csv(p, index=False)
    text = json.dumps(analyse_folder(dst), ensure_ascii=False)
    assert "MAT-4105Q" not in text and "EID-4105Q" not in text
    assert "about the lead queue" in text


def test_adjacent_employee_ids_are_each_masked(tmp_path):
    """Attack 28 (found while fixing IH1): an "Employee ID" value was also taken as a name and
    matched reversed ("4105Q, EID") across two ids of one comment: the other id was cut in two
    and shown ("TMB-[name removed]-4105Q")."""
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "survey" / "responses.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["Team member ID"] = [f"TMB-{4100 + i}Q" for i in range(len(df))]
    df["Employee ID"] = [f"EID-{4100 + i}Q" for i in range(len(df))]
    i = df.index[df["OPEN1"].str.len() > 0][0]
    df.loc[i, "OPEN1"] = "Please ask TMB-4105Q, EID-4105Q about the lead queue."
    df.to_csv(p, index=False)
    text = json.dumps(analyse_folder(dst), ensure_ascii=False)
    assert "Please ask [id removed], [id removed] about the lead queue." in text
    assert "4105Q" not in text
