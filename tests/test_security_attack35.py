"""Attack 35 (the class of round 34's DT1 on the CRM side): DN1 — a contact column written
twice ("Full Name" of a lead and of its converted contact) became "Full Name (2)", which no
rule read as names, so a name only in the second copy reached every output; CM1 — two
columns mapped to one canonical column in ``[crm] columns`` failed as "unexpected
ValueError" (exit 1); CD1 — a mapped CRM column written twice was read from its first copy
alone (a blank "Lead Source" beside the filled one: every source empty) and validate passed."""

from __future__ import annotations

import csv
import shutil

import pytest

from tests.conftest import SAMPLES, intake_problems


@pytest.mark.parametrize("header, kind", [
    ("Full Name (2)", "whole"), ("Lead Owner (2)", "whole"), ("First Name (2)", "first"),
    ("Last Name (3)", "last"), ("Email (2)", "whole"), ("Owner Name (2)", "whole"),
    ("Lead Source (2)", None), ("Revenue (2024)", None)])
def test_a_later_copy_of_a_header_is_judged_as_the_header(header, kind):
    from toolkit.intake.contacts import person_column_kind
    from toolkit.intake.identifiers import identifier_column
    from toolkit.intake.reader import first_copy, unique_names

    assert person_column_kind(header) == kind
    assert identifier_column("Employee ID (2)") and not identifier_column("Budget (2)")
    assert first_copy("Lead Source (2)") == "Lead Source"
    assert first_copy("Revenue (2024)") == "Revenue (2024)"   # a year, not a copy
    assert first_copy("Q (1)") == "Q (1)"
    assert unique_names(["a", "b", "a", "a", ""]) == (["a", "b", "a (2)", "a (3)", ""], ["a"])


def _leads(tmp_path, edit) -> object:
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", eng)
    f = eng / "crm" / "leads.csv"
    with open(f, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head, width = rows[0], len(rows[0])
    body = [r for r in rows[1:] if len(r) == width]
    footer = [r for r in rows[1:] if len(r) != width]   # the Salesforce report's footer
    head, body = edit(head, body)
    with open(f, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows([head] + body + footer)
    return eng


def test_names_in_a_second_full_name_column_are_redacted(tmp_path):
    def edit(head, body):
        i = head.index("Rejection Reason")
        for n, r in enumerate(body):
            if n % 3 == 0 and r[i].strip():
                r[i] = "Hendrika Zwanenburg said no budget this year"
        return (head + ["Full Name", "Full Name"],
                [r + ["Lucas Moreau", "Hendrika Zwanenburg"] for r in body])

    from tests.conftest import analysed_text

    text = analysed_text(_leads(tmp_path, edit))
    assert "Zwanenburg" not in text and "Hendrika" not in text
    assert "said no budget this year" in text


def test_a_mapped_crm_column_written_twice_is_a_problem(tmp_path):
    def edit(head, body):
        i = head.index("Lead Source")
        return (head + ["Lead Source"], [r[:i] + [""] + r[i + 1:] + [r[i]] for r in body])

    (p,) = [p for p in intake_problems(_leads(tmp_path, edit)) if "more than once" in p.message]
    assert (p.file, p.column, p.row) == ("crm/leads.csv", "Lead Source", None)
    assert p.message == ("column name appears more than once (it is read as 'source'); "
                         "keep one")


def test_two_columns_mapped_to_one_canonical_column_is_a_problem(tmp_path):
    def edit(head, body):
        return head + ["Channel"], [r + ["web"] for r in body]

    eng = _leads(tmp_path, edit)
    toml = (eng / "engagement.toml").read_text(encoding="utf-8")
    assert "[crm]\n" in toml
    toml = toml.replace("[crm]\n", '[crm]\ncolumns = { leads = { "Channel" = "source", '
                                   '"Lead Source" = "source" } }\n', 1)
    (eng / "engagement.toml").write_text(toml, encoding="utf-8")
    (p,) = [p for p in intake_problems(eng) if "all map to" in p.message]
    assert (p.file, p.column) == ("crm/leads.csv", "Lead Source")
    assert p.message == ("columns 'Channel', 'Lead Source' all map to 'source'; keep one or "
                         "fix [crm] columns.leads")
