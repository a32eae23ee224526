"""Privacy rules (SPEC §8): suppression, pseudonyms, redaction, formula injection."""

import itertools

import pytest

from toolkit.privacy import (neutralize_cell, pseudonymize, redact, suppress_counts,
                             suppression_note)


def _recoverable(counts: dict, hidden: set, k: int) -> bool:
    """Brute force: can any set of hidden groups smaller than k be isolated by subtraction?

    With the total published, an observer learns the sum of all hidden groups. A single
    hidden group, or a hidden combination under k, is a disclosure.
    """
    hidden = {g for g in hidden if counts[g] > 0}
    if not hidden:
        return False
    return len(hidden) == 1 or sum(counts[g] for g in hidden) < k


def test_one_small_group_takes_the_next_smallest_with_it():
    counts = {"sales": 30, "marketing": 12, "revops": 4}
    s = suppress_counts(counts, 5, where="t")
    assert s.primary == {"revops"}
    assert s.complementary == {"marketing"}
    assert not _recoverable(counts, s.hidden, 5)
    assert {r["group"]: r["reason"] for r in s.records} == {"revops": "below_threshold",
                                                           "marketing": "complementary"}
    assert all("n" not in r for r in s.records)


def test_small_groups_that_sum_under_threshold_take_a_third():
    counts = {"a": 2, "b": 1, "c": 9, "d": 20}
    s = suppress_counts(counts, 5)
    assert s.hidden == {"a", "b", "c"}
    assert not _recoverable(counts, s.hidden, 5)


def test_nothing_hidden_when_all_large_and_zero_groups_ignored():
    s = suppress_counts({"a": 5, "b": 7, "c": 0}, 5)
    assert s.hidden == set() and s.records == []


def test_whole_breakdown_under_threshold_is_hidden():
    s = suppress_counts({"a": 2, "b": 2}, 5)
    assert s.hidden == {"a", "b"}


def test_without_published_total_no_complement():
    s = suppress_counts({"a": 3, "b": 20}, 5, total_published=False)
    assert s.hidden == {"a"}


@pytest.mark.parametrize("k", [3, 5, 8])
def test_random_breakdowns_never_leak(k):
    import numpy as np
    rng = np.random.default_rng(k)
    for _ in range(300):
        counts = {f"g{i}": int(x) for i, x in enumerate(rng.integers(0, 15, size=5))}
        s = suppress_counts(counts, k)
        assert all(counts[g] >= k for g in counts if counts[g] and g not in s.hidden)
        assert not _recoverable(counts, s.hidden, k) or sum(counts.values()) < k


def test_note_names_groups_not_sizes():
    s = suppress_counts({"sales": 30, "marketing": 12, "revops": 4}, 5, where="x")
    note = suppression_note(s.records, 5)
    assert "revops" in note and "marketing" in note and "subtract" in note
    assert "4" not in note and "12" not in note
    assert suppression_note([], 5) == ""


def test_pseudonyms_are_stable_and_order_free():
    a = pseudonymize(["u9", "u1", "u5", "u1", None])
    b = pseudonymize(["u5", "u9", "u1"])
    assert a == b == {"u1": "Rep 01", "u5": "Rep 02", "u9": "Rep 03"}
    many = pseudonymize([f"id{i:03d}" for i in range(120)])
    assert many["id000"] == "Rep 001" and many["id119"] == "Rep 120"
    assert pseudonymize([1, 2], prefix="Owner") == {1: "Owner 01", 2: "Owner 02"}


@pytest.mark.parametrize("text,gone", [
    ("write to jane.doe@acme-corp.com now", "jane.doe@acme-corp.com"),
    ("mail bob (at) acme (dot) io", "acme (dot) io"),
    ("ring +44 20 7946 0958 after 5", "7946"),
    ("call (555) 123-4567", "123-4567"),
    ("my cell 555.123.4567", "555.123.4567"),
])
def test_redact_contacts(text, gone):
    out = redact(text)
    assert gone not in out
    assert "removed]" in out


def test_redact_keeps_numbers_that_are_not_phones():
    t = "In 2024 we had 30% fewer leads, 1,250 MQLs and 3 reps."
    assert redact(t) == t


def test_redact_names():
    out = redact("Jane Smith never calls back; ask SMITH or Jane.", names=["Jane Smith"])
    assert "Jane" not in out and "Smith" not in out and "SMITH" not in out
    assert out.count("[name removed]") == 3
    assert redact(None) is None


@pytest.mark.parametrize("value,expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+1", "'+1"), ("-cmd", "'-cmd"),
    ("@import", "'@import"), ("\t=x", "'\t=x"), ("plain", "plain"), (-3, -3),
    (2.5, 2.5), (None, None),
])
def test_neutralize_cell(value, expected):
    assert neutralize_cell(value) == expected


def test_owner_ids_with_separators_are_redacted_in_everyday_form():
    from toolkit.privacy import redact

    out = redact("ask felix.kowalski or Felix Kowalski, or KOWALSKI; the felix cat stays",
                 names=["felix.kowalski", "ana_lee"])
    assert "felix.kowalski" not in out and "Felix Kowalski" not in out
    assert "KOWALSKI" not in out and "Kowalski" not in out
    assert out.count("[name removed]") == 3
    assert "the felix cat stays" in out  # lower-case ordinary words survive
    assert redact("Ana Lee said so", names=["ana_lee"]) == "[name removed] said so"


@pytest.mark.parametrize("text,names", [
    ("ask Raj Müller", ["raj.muller"]),                       # accents either way
    ("zoe odegaard said so", ["Zoë Ødegaard"]),
    ("ping jdubois or JDubois", ["Jane Dubois"]),             # run together
    ("ask janedubois", ["jane.dubois"]),
    ("write to jane/dubois", ["Jane Dubois"]),                # other separators
    ("Ja\u200bne Dub\u00adois knows", ["Jane Dubois"]),       # invisible characters
])
def test_name_forms_review13(text, names):
    out = redact(text, names)
    assert "[name removed]" in out
    low = out.lower()
    for part in ("muller", "müller", "odegaard", "dubois", "jane"):
        assert part not in low, out


def test_redact_tree_keeps_ordinary_words_and_distinct_keys():
    from toolkit.privacy import redact_tree

    tree = {"client": {"name": "Theo Khan Ltd"},
            "by_source": {"Referral - Aisha Nguyen": 1, "Referral - Theo Khan": 2},
            "text": "Sales and sales teams, admin queue"}
    out = redact_tree(tree, ["Aisha Nguyen", "theo.khan", "sales", "admin"], skip=["client"])
    assert out["client"] == tree["client"]
    assert out["by_source"] == {"Referral - [name removed]": 1,
                                "Referral - [name removed] (2)": 2}
    assert out["text"] == tree["text"]


@pytest.mark.parametrize("text", [
    "Zoe\u0308 Mu\u0308ller never calls back",           # decomposed accents (NFD, macOS)
    "Zoë Müller never calls back",                      # composed (NFC)
    "Ask zoë.müller@acme.com",                          # non-ASCII e-mail local part
    "Pri\u034fya Che\u034fn said so",                    # combining grapheme joiner
    "Pri\u200eya\u200f Chen said so",                    # bidi marks
    "P\U000e0020riya Chen said so",                      # tag character
    "Priy\u0430 Ch\u0435n said so",                      # Cyrillic a and e
    "jane\u2014dubois and jane\u00b7dubois",              # em dash, middle dot
    "ask Jane Doe",                                      # owner id written JaneDoe
])
def test_redaction_is_not_bypassed_by_unicode_forms(text):
    """Review 13b, F2: forms that read as the name but split or change its letters."""
    from toolkit.privacy import make_redactor

    r = make_redactor(["zoë.müller", "Priya Chen", "jane.dubois", "JaneDoe"])
    out = r(text)
    for word in ("zoe", "müller", "muller", "ller", "priya", "chen", "dubois", "doe", "pri"):
        assert word not in out.lower().replace("\u0308", "").replace("\u034f", ""), out
    assert "removed]" in out


def test_phone_with_a_one_digit_group_is_removed():
    from toolkit.privacy import redact

    assert redact("call +33 6 12 34 56 78 today") == "call [phone removed] today"
    assert redact("in 2024 we had 3 of 12") == "in 2024 we had 3 of 12"


def test_redaction_cost_does_not_grow_with_names_sharing_a_first_word():
    """Review 13b, F11: 5,000 owner ids "jane.x<i>q" made each "jane" of a text try every
    one of them (33.8 s for 100 KB); a trie walks one path per word."""
    import time

    from toolkit.privacy import make_redactor

    text = "jane marie " * 10_000

    def cost(n):
        r = make_redactor([f"jane marie x{i}q" for i in range(n)])
        t = time.process_time()
        out = r(text)
        return time.process_time() - t, out

    few, out_few = cost(10)
    many, out_many = cost(5000)
    assert out_few == out_many == text          # no name matched, nothing removed
    assert many < 5 * few + 0.5, (few, many)


def test_contacts_named_in_rejection_reasons_are_known_names():
    """Review 13b, F4: a HubSpot contacts export's First/Last Name and Email are left
    unmatched, but a free-text reason may name that person."""
    import pandas as pd

    from toolkit.intake.contacts import contact_names
    from toolkit.privacy import make_redactor

    df = pd.DataFrame({"First Name": ["Hans", "Aoife", "Li", None],
                       "Last Name": ["Tanaka", "Becker", "Wei", "Solo"],
                       "Email": ["h.tanaka@x.com", "aoife@y.org", "li.wei@z.cn", None],
                       "Company": ["Tanaka Foods", "B", "C", "D"]})
    reasons = pd.Series(["Hans Tanaka said no budget", "timing", None, "ask aoife"])
    names = contact_names(df, ["First Name", "Last Name", "Email", "Company"], reasons)
    assert "Hans Tanaka" in names and "aoife@y.org" in names
    assert "Li Wei" not in names and "Tanaka Foods" not in names   # not in any reason
    r = make_redactor(names)
    assert r("Hans Tanaka said no budget") == "[name removed] said no budget"
    assert contact_names(df, ["First Name", "Last Name"], None) == []


def test_identifier_and_metadata_columns_feed_the_known_names():
    """Review 13c, R2: identifier columns (Qualtrics ExternalReference, SurveyMonkey Custom
    Data kept as metadata, Forms e-mail columns) give the names in their values."""
    import pandas as pd

    from toolkit.intake.surveybuild import SurveyExport, id_names, personal_names
    from toolkit.privacy import make_redactor

    assert id_names("EMP-01 kwame.mensah") == ["kwame mensah"]
    assert id_names("kwame.mensah@client.example") == ["kwame mensah"]
    assert id_names("felix_kowalski01") == ["felix kowalski"]
    assert id_names("12345") == [] and id_names("HR-7") == []
    df = pd.DataFrame({"Respondent ID": ["1", "2", "3"],
                       "Custom Data 1": ["EMP-01 kwame.mensah", "", "EMP-02 ama.owusu"],
                       "External Data Reference": ["", "li.wei@client.example", ""],
                       "Email Address": ["", "", "j.dubois@client.example"],
                       "Q1": ["a", "b", "c"]})
    export = SurveyExport(df=df, texts={}, id_column="Respondent ID",
                          personal=["External Data Reference", "Email Address"],
                          metadata=["Respondent ID", "Custom Data 1"])
    names = personal_names(export)
    assert "1" not in names and "a" not in names
    r = make_redactor(names)
    text = ("kwame.mensah and Kwame Mensah, Ama Owusu, Li Wei (li.wei) and J. Dubois "
            "said so")
    out = r(text)
    for word in ("kwame", "mensah", "ama", "owusu", "li", "wei", "dubois"):
        assert word not in out.lower().split(), (word, out)
    assert out.endswith("said so")


def test_numeric_employee_ids_name_nobody():
    """Review 13d N2: an ExternalReference / employee-id column of numbers (1…120) made each
    number a "name": numbers in comments became "[name removed]" and the results' keys were
    rewritten (the report failed with KeyError 'index_0_100')."""
    import pandas as pd

    from toolkit.intake.surveybuild import SurveyExport, personal_names
    from toolkit.privacy import make_redactor

    df = pd.DataFrame({"Respondent ID": [f"R{i}" for i in range(1, 121)],
                       "External Data Reference": [str(i) for i in range(1, 121)],
                       "Employee ID": [f"{i:05d}" for i in range(1, 121)],
                       "Email": ["kwame.mensah@client.example"] + [""] * 119})
    export = SurveyExport(df=df, texts={}, id_column="Respondent ID",
                          personal=["External Data Reference", "Employee ID", "Email"],
                          metadata=["Respondent ID"])
    names = personal_names(export)
    assert names and not [n for n in names if not any(c.isalpha() for c in n)], names
    out = make_redactor(names)("index_0_100: 100 leads, 4 calls; ask Kwame Mensah (note 10)")
    assert out.startswith("index_0_100: 100 leads, 4 calls;") and out.endswith("(note 10)")
    assert "Kwame" not in out and "Mensah" not in out
