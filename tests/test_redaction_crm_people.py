"""Attack 7, CN1: people named in a CRM export's columns other than the mapped owner
(``Created By``, ``Last Modified By``, ``SDR``, ``BDR``, ``Account Executive``, ``Account
Owner``, HubSpot ``Created by user``, ...) are name sources: their names are removed from
comments, theme examples and rejection reasons in every output, and system users
("Integration User", "Automated Process") remove no ordinary word."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile

import pytest

from tests.conftest import SAMPLES
from toolkit.config import CrmConfig
from toolkit.intake import crmbuild, hubspot
from toolkit.intake.contacts import names_in_text, person_column_kind, text_words


@pytest.mark.parametrize("header", [
    "Created By", "Last Modified By", "Converted By", "Created by user", "SDR", "BDR",
    "Assigned SDR", "SDR Owner", "Account Executive", "AE Name", "Account Owner",
    "Opportunity Owner: Full Name", "Owner Alias", "Sales Rep", "Approved By", "Referred By",
    "Created By Email", "Marketing Owner", "Campaign Owner", "Assigned To", "LastModifiedBy",
    "OwnerAlias", "Support Agent",
])
def test_crm_person_role_headers_count(header):
    assert person_column_kind(header) == "whole"


@pytest.mark.parametrize("header", [
    "Owner", "Rep", "User", "Account Name", "Campaign Name", "Opportunity Name",
    "Created Date", "User Agent", "UserAgent", "Owner Role", "Owner ID", "Lead Source",
    "Rejection Reason", "Who is your sales rep?", "Rate the SDR", "Manager level",
    "Are you a manager?", "How does your manager support you?", "Converted Opportunity ID",
])
def test_role_words_in_other_headers_do_not_count(header):
    assert person_column_kind(header) is None


def test_question_text_is_not_judged_by_the_role_pattern():
    """A matrix sub-item's text ("Responsiveness - Account Executive") is a question: only
    the column key is judged by the role pattern."""
    assert person_column_kind("QID4_3", "Responsiveness - Account Executive") is None
    assert person_column_kind("AccountExecutive", "AccountExecutive") == "whole"


PEOPLE = {   # leads export column -> the person it names on every row
    "Created By": "Marisol Quintero", "SDR": "Bartholomew Ashdown",
    "BDR": "Ottilie Ferncastle", "Account Executive": "Theodora Vance",
    "Last Modified By": "Cormac Dunleavy", "Converted By": "Griselda Parfitt",
    "Marketing Owner": "Evander Holloway", "Campaign Owner": "Perpetua Lindqvist",
    "Assigned SDR": "Ignatius Wakeford",
}
OPP_PEOPLE = {"Account Owner": "Leocadia Brannigan", "Approved By": "Wystan Okafor-Lind"}
ACT_PEOPLE = {"Created By": "Seraphina Culpepper", "Created By Email":
              "ambrose.tillinghast@client.example"}
SYSTEM = "Automated Process"     # a Salesforce system user in "Last Modified By"


def _add_columns(path, people: dict, *, reason_col: int | None = None, extra=None):
    """Append one column per person to a Salesforce report CSV (footer lines untouched);
    append " per <name>" to the rejection reasons of column *reason_col*."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    cols = list(people) + list(extra or {})
    n0 = len(rows[0])
    rows[0] += cols
    for i, r in enumerate(rows[1:]):
        if len(r) != n0:
            continue
        r += [people[c] for c in people] + [extra[c] for c in extra or {}]
        if reason_col is not None and r[reason_col]:
            r[reason_col] = f"{r[reason_col]} per {people[cols[i % len(people)]]}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)


def _engagement(tmp_path):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", eng)
    crm = eng / "crm"
    _add_columns(crm / "leads.csv", PEOPLE, reason_col=8)
    _add_columns(crm / "opportunities.csv", OPP_PEOPLE)
    _add_columns(crm / "activities.csv", ACT_PEOPLE, extra={"Last Modified By": SYSTEM})
    path = eng / "survey" / "qualtrics_export.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    a, b = rows[0].index("QID11_TEXT"), rows[0].index("QID12_TEXT")
    names = list(PEOPLE.values()) + list(OPP_PEOPLE.values()) + \
        [ACT_PEOPLE["Created By"], "Ambrose Tillinghast"]
    for i, r in enumerate(rows[3:]):
        n1, n2 = names[i % len(names)], names[(i + 3) % len(names)]
        r[a] = (f"Leads are not worth working, ask {n1} about it; {n2.split()[-1]} agrees. "
                "The handoff process is slow.")
        r[b] = f"We need a weekly meeting with {n2} and {n1}."
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return eng, names


def test_crm_people_columns_are_redacted_in_results_and_workbook(tmp_path):
    """The repro's engagement (attack 7, CN1) plus people columns on the opportunity and
    activity exports: not one name part in results.json or aggregates.xlsx; the comments,
    the rejection reasons and the word "process" (of the system user "Automated Process")
    stay."""
    from toolkit.config import load_engagement
    from toolkit.deliverables import write_aggregates_xlsx
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    eng, names = _engagement(tmp_path)
    results = analyse(load_data(load_engagement(eng)))
    blob = json.dumps(results, ensure_ascii=False)
    xlsx = write_aggregates_xlsx(results, tmp_path / "aggregates.xlsx")
    with zipfile.ZipFile(xlsx) as z:
        book = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert "Leads are not worth working" in blob and "weekly meeting" in blob
    assert "handoff process is slow" in blob
    assert "no response per [name removed]" in blob.lower()   # reasons kept, name gone
    assert "no response per [name removed]" in book.lower()
    parts = {w for n in names for w in n.replace(".", " ").replace("-", " ").split()}
    for part in sorted(parts):
        assert part.lower() not in blob.lower(), part
        assert part.lower() not in book.lower(), part
    assert "client.example" not in blob


def test_hubspot_and_generic_exports_collect_people_columns(tmp_path):
    """HubSpot ``Created by user`` and a generic CSV's ``SDR`` / ``Account Executive`` /
    ``Owner Alias`` feed the contact pool; a reason naming them gives their names, a system
    user ("Integration User") names nobody."""
    c = tmp_path / "hubspot-crm-exports-contacts-2025-06-01.csv"
    c.write_text(
        '"Record ID","Create Date","Lifecycle Stage","Contact owner","Created by user",'
        '"Original Source","Became a Marketing Qualified Lead Date"\n'
        '"101","2025-03-01 10:00","lead","Jo Rep","Hortensia Blackwood","Organic Search",'
        '"2025-03-02 09:00"\n'
        '"102","2025-03-03 11:00","lead","","Integration User","PAID_SEARCH",""\n',
        encoding="utf-8")
    r = hubspot.import_crm_table(c, "leads", CrmConfig(), display_path=c.name)
    assert r.problems == []
    assert {"Hortensia Blackwood", "Integration User"} <= set(r.intake.contact_pool)
    words = text_words([["Hortensia fixed it with the Integration User"]])
    assert names_in_text(r.intake.contact_pool, words) == ["Hortensia Blackwood"]

    g = tmp_path / "leads.csv"
    g.write_text("lead_id,created_at,owner_id,SDR,Account Executive,Owner Alias,"
                 "rejection_reason\n"
                 "1,2025-01-02,jane.dubois,Casimir Okonkwo,Radomir Halvorsen,tquar,"
                 "no budget per Casimir\n"
                 "2,2025-01-03,jane.dubois,Casimir Okonkwo,Radomir Halvorsen,tquar,\n",
                 encoding="utf-8")
    r = crmbuild.import_crm_table(g, "leads", CrmConfig(), display_path="crm/leads.csv")
    assert r.problems == []
    assert {"Casimir Okonkwo", "Radomir Halvorsen", "tquar"} <= set(r.intake.contact_pool)
    assert r.intake.known_names == ["Casimir Okonkwo"]


PLAN_PEOPLE = {"Employee Name": "Rosalind Featherstone", "Plan Holder": "Barnaby Wolcott",
               "Approved By": "Cressida Thorne", "Plan Owner": "Leopold Marchetti",
               "Participant": "Wilhelmina Strand"}


@pytest.mark.parametrize("header", list(PLAN_PEOPLE) + ["plan_holder", "employee_name"])
def test_plan_person_headers_count(header):
    assert person_column_kind(header) == "whole"


def test_plan_person_columns_are_redacted_end_to_end(tmp_path):
    """Attack 7, PN1: the compensation plan's person columns (``Employee Name``, ``Plan
    Holder``, ``Approved By``, ``Plan Owner``, ``Participant``) are name sources: comments
    naming those people by full name or surname lose every name part; the plan still
    reads (the extra columns are not plan columns) and a ``Yes`` flag names nobody."""
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    p = eng / "incentives" / "comp_plan.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[0] += list(PLAN_PEOPLE) + ["Manager"]
    for r in rows[1:]:
        r += list(PLAN_PEOPLE.values()) + ["Yes"]
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    p = eng / "survey" / "responses.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    a, b = rows[0].index("OPEN1"), rows[0].index("OPEN2")
    names = list(PLAN_PEOPLE.values())
    for i, r in enumerate(rows[1:]):
        r[a] = f"Our comp plan is unfair, ask {names[i % 5]} why. Yes, really."
        r[b] = f"{names[(i + 2) % 5].split()[1]} decides the bonus, nobody else."
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    data = load_data(load_engagement(eng))
    plan_intake = next(f for f in data.intake if f.table == "plan")
    assert sorted(plan_intake.known_names) == sorted(names)
    blob = json.dumps(analyse(data), ensure_ascii=False)
    assert "Our comp plan is unfair, ask [name removed] why. Yes, really." in blob
    assert "[name removed] decides the bonus, nobody else." in blob
    for part in {w for n in names for w in n.split()}:
        assert part not in blob, part
