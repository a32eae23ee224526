"""Attack 27: QT1 — a survey question asking for the respondent's own identifier was not an
identifier column (a Qualtrics ``QID99_TEXT`` whose question text is "Employee ID"; a form's
"Employee ID (optional)", "Your employee ID"), so its answers quoted in comments reached every
output; IH1 — identifier headers of the practice's languages still missed ("Numéro de
matricule", "Cod. dipendente", "Número de legajo", "Team member ID", "Agent ID")."""

from __future__ import annotations

import pytest

from tests.conftest import analysed_text, canonical_with_columns, qualtrics_with_question


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
    target = f"EMP-{48100 + 5}Q"
    eng = qualtrics_with_question(tmp_path, "What is your employee ID? (optional)",
                                  lambda i: f"EMP-{48100 + i}Q", f" Ask {target} about it.",
                                  comment_column="QID12_TEXT")
    text = analysed_text(eng)
    assert target not in text
    assert "about it" in text   # the comments themselves are kept


def test_a_canonical_files_id_question_column_is_masked(tmp_path):
    eng = canonical_with_columns(
        tmp_path, {"Numéro de matricule": lambda i: f"MAT-{4100 + i}Q",
                   "Your employee ID (optional)": lambda i: f"EID-{4100 + i}Q"},
        "Please ask MAT-4105Q (EID-4105Q) about the lead queue.")
    text = analysed_text(eng)
    assert "MAT-4105Q" not in text and "EID-4105Q" not in text
    assert "about the lead queue" in text


def test_adjacent_employee_ids_are_each_masked(tmp_path):
    """Attack 28 (found while fixing IH1): an "Employee ID" value was also taken as a name and
    matched reversed ("4105Q, EID") across two ids of one comment: the other id was cut in two
    and shown ("TMB-[name removed]-4105Q")."""
    eng = canonical_with_columns(
        tmp_path, {"Team member ID": lambda i: f"TMB-{4100 + i}Q",
                   "Employee ID": lambda i: f"EID-{4100 + i}Q"},
        "Please ask TMB-4105Q, EID-4105Q about the lead queue.")
    text = analysed_text(eng)
    assert "Please ask [id removed], [id removed] about the lead queue." in text
    assert "4105Q" not in text
