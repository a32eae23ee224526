"""Attack 25: QW1 — ``Problem.withheld`` was quadratic in the number of cells a message
quoted (the several-currencies problem listed every distinct value: a batch of 16,000 odd
currency cells took 154 s); EJ1 — identifier columns under other headers ("Emp ID", "Worker
ID", "Personalnummer", "EmpNo" …) were not masked; VG1 — a manager column headed in another
language ("Vorgesetzter") was not read as names."""

from __future__ import annotations

import time

import pandas as pd
import pytest


def test_withheld_is_bounded_for_any_number_of_quoted_cells():
    from toolkit.exceptions import MAX_QUOTED_VALUES, WITHHELD, Problem

    vals = [f"C{i:05d}" for i in range(20_000)]
    p = Problem("f.csv", "amounts (" + ", ".join(vals) + ")", quoted=tuple(vals))
    t0 = time.process_time()
    kept = p.withheld()
    assert time.process_time() - t0 < 1.0
    assert kept == f"f.csv: {WITHHELD}"
    few = vals[:MAX_QUOTED_VALUES]
    kept = Problem("f.csv", "amounts (" + ", ".join(few) + ")", quoted=tuple(few)).withheld()
    assert kept.count(WITHHELD) == MAX_QUOTED_VALUES and "C00000" not in kept


def test_several_currencies_problem_lists_five_and_counts_the_rest():
    from toolkit.intake.base import FileIntake
    from toolkit.intake.amounts import MAX_CURRENCIES_LISTED
    from toolkit.intake.salesforce import _currency

    df = pd.DataFrame({"Amount Currency": [f"X{i:03d}" for i in range(40)],
                       "Amount": ["1"] * 40}, index=range(2, 42))
    _, problems = _currency(df, FileIntake(table="opportunities", path="o.csv",
                                           format="salesforce-report"), "o.csv")
    msg = " ".join(p.message for p in problems)
    assert f"and {40 - MAX_CURRENCIES_LISTED} more" in msg
    assert sum(len(p.quoted) for p in problems) == MAX_CURRENCIES_LISTED


@pytest.mark.parametrize("header", ["Emp ID", "Worker ID", "Employee No", "Personalnummer",
                                    "Badge ID", "Payroll ID", "Person ID", "HRIS ID",
                                    "User ID", "EmpNo", "Mitarbeiter-Nr.", "Staff ID",
                                    "Employee #"])
def test_identifier_headers_are_recognised(header):
    from toolkit.intake.surveybuild import SurveyExport, identifier_values

    df = pd.DataFrame({header: ["E-12010"], "Team": ["Sales"], "ResponseId": ["R_1"]})
    ex = SurveyExport(df=df, texts={}, id_column="ResponseId", personal=[])
    assert identifier_values(ex) == ["E-12010"]


@pytest.mark.parametrize("header", ["Team", "Region", "Team ID", "Lead ID", "Number of reports",
                                    "Personal comments", "User rating"])
def test_other_headers_are_not_identifiers(header):
    from toolkit.intake.identifiers import _identifier_header

    assert not _identifier_header(header)


@pytest.mark.parametrize("header", ["Vorgesetzter", "Führungskraft", "Teamleiter", "Jefe",
                                    "Leidinggevende", "Mitarbeitername"])
def test_manager_headers_of_other_languages_hold_names(header):
    from toolkit.intake.surveybuild import survey_person_kind

    assert survey_person_kind(header) == "whole"
