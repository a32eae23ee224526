"""Attack 28 (the identifier-question rule of round 27): QU1 — common wordings of "what is
your employee ID?" were not read as identifier questions (Dutch, German, Italian, Spanish
requests, "Employee Identification Number", "6-digit employee ID", "employee ID or badge
number", "Login ID"); NI1 — a question asking for a name and an employee id together
("Name / Employee ID", "Your name and employee ID") leaked the ids (and, with "/", the names);
FP2 — counts written with "#" ("# of employees", "# Employees") were read as identifiers
and company-size bands such as "51-200" masked in comments."""

from __future__ import annotations


import pytest

from tests.conftest import analysed_text, canonical_with_columns, qualtrics_with_question


@pytest.mark.parametrize("text", [
    "Wat is uw personeelsnummer?", "Wat is je personeelsnummer?",
    "Wie lautet Ihre Personalnummer?", "Qual è il tuo numero di matricola?",
    "Qual è il tuo codice dipendente?", "Introduce tu número de empleado",
    "Employee Identification Number", "Employee identification",
    "Please enter your 6-digit employee ID", "Enter your employee ID or badge number",
    "Please confirm your employee ID", "Please include your employee ID", "Login ID",
    "Your login ID", "Name / Employee ID", "Your name and employee ID"])
def test_wordings_of_an_id_question(text):
    from toolkit.intake.identifiers import identifier_column

    assert identifier_column("QID99_TEXT", text)


@pytest.mark.parametrize("text", [
    "# of employees", "# Employees", "# of staff", "# of reps", "# of agents",
    "Nombre de salariés", "Anzahl Mitarbeiter", "Aantal medewerkers",
    "Please do not enter your employee ID here", "Team / department",
    "Account number or lead ID", "Employee and manager relationship",
    "Is the employee ID process clear?"])
def test_counts_and_other_questions_are_no_identifiers(text):
    from toolkit.intake.identifiers import identifier_column

    assert not identifier_column(text, text)


def test_name_and_slash_question_is_a_name_question():
    from toolkit.intake.contacts import question_person_kind

    assert question_person_kind("Name / Employee ID") == "whole"
    assert question_person_kind("First / last name") == "whole"
    assert question_person_kind("Team / department") is None


@pytest.mark.parametrize("question", ["Name / Employee ID", "Your name and employee ID"])
def test_name_and_id_answers_are_masked_and_redacted(tmp_path, question):
    names = ["Ama Owusu", "Lars Berg", "Ines Roca", "Tomas Novak", "Yuki Sato",
             "Kwame Mensah", "Priya Nair"]
    eng = qualtrics_with_question(tmp_path, question,
                                  lambda i: f"{names[i % len(names)]} / EMP-{48100 + i}Q",
                                  " Ask EMP-48105Q (Kwame Mensah) about it.")
    text = analysed_text(eng)
    assert "EMP-48105Q" not in text and "Kwame Mensah" not in text
    assert "about it" in text


def test_company_size_bands_under_a_hash_header_stay_in_comments(tmp_path):
    eng = canonical_with_columns(tmp_path, {"# of employees": "51-200"},
                                 "Our 51-200 accounts get no follow-up.")
    assert "Our 51-200 accounts get no follow-up." in analysed_text(eng)
