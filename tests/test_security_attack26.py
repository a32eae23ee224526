"""Attack 26 (regressions of the EJ1 fix): NQ1 — a question whose note held a person word and
an id word ("… (no staff names please)") became an identifier column and its answers were
masked as ids; CJ1 — a canonical survey file's extra "Emp ID" / "Badge ID" columns were not
read as identifiers; IL1 — identifier headers in French, Spanish, Dutch and Italian."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import analysed_text, canonical_with_columns


@pytest.mark.parametrize("header", [
    "What would improve hand-offs? (no staff names please)", "HR code of conduct",
    "Staff number adequate?", "User experience of the CRM (key question)",
    "How does your team hand over leads to the employee who follows up, by number?"])
def test_questions_and_notes_are_not_identifier_headers(header):
    from toolkit.intake.identifiers import _identifier_header

    assert not _identifier_header(header)


@pytest.mark.parametrize("header", ["Medewerker ID", "ID empleado", "ID dipendente",
                                    "Matricule", "Numéro d'employé", "Personeelsnummer",
                                    "Emp ID", "Badge ID", "Código de empleado", "Matricola",
                                    "Codice dipendente", "ID collaborateur",
                                    "Medewerkersnummer"])
def test_identifier_headers_of_the_practice_languages(header):
    from toolkit.intake.identifiers import _identifier_header

    assert _identifier_header(header)


def test_mapped_columns_are_never_identifiers():
    from toolkit.intake.surveybuild import SurveyExport, identifier_values

    df = pd.DataFrame({"Staff ID": ["S-1001"], "Employee No": ["Improve MQLs by Q3"]})
    ex = SurveyExport(df=df, texts={}, personal=[])
    assert identifier_values(ex, skip={"Employee No"}) == ["S-1001"]


def test_canonical_extra_identifier_columns_are_masked(tmp_path):
    eng = canonical_with_columns(
        tmp_path, {"Emp ID": lambda i: f"EMP-{4100 + i}Q", "Badge ID": lambda i: f"BDG-{4100 + i}Q"},
        "Please ask EMP-4105Q (BDG-4105Q) about the lead queue.")
    text = analysed_text(eng)
    assert "EMP-4105Q" not in text and "BDG-4105Q" not in text


@pytest.mark.parametrize("header, expected", [
    ("Number of employees", False), ("No. of staff", False), ("Number of staff", False),
    ("Key staff", False), ("HR code", False),
    ("N° salarié", True), ("N° employé", True), ("Werknemer ID", True),
    ("Werknemersnummer", True)])
def test_attack27_counts_are_no_identifiers_and_common_spellings_are(header, expected):
    """Attack 27: FP1 (a count such as "Number of employees" read as an identifier column, its
    values "51-200" masked across the comments) and part of IH1 ("N°", "werknemer")."""
    from toolkit.intake.identifiers import _identifier_header

    assert _identifier_header(header) is expected
