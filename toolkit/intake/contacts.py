"""People named in a CRM export's contact columns, kept for redaction only (SPEC §8).

A lead or contact export carries the person's name and e-mail (HubSpot ``First Name`` /
``Last Name`` / ``Email``, Salesforce ``First Name`` / ``Last Name`` / ``Full Name``,
Pipedrive ``Person - Name`` / ``Person - Email``, Dynamics ``Lead Name``). The toolkit does not
map these columns, but a free-text rejection reason may name that person ("Hans Tanaka said
no budget this year"), and so may a rep's survey comment ("Hans Tanaka at the prospect told
me nobody called back"), so their names must be known to the redactor. The importer keeps the
pool of names in memory (:func:`contact_pool`); the pipeline keeps only the names that could
occur in the engagement's free text — rejection reasons and survey comments
(:func:`names_in_text`): a name none of whose words appears in any distinct text cannot be in
one, and a million-contact export then adds no cost to redaction.
"""

from __future__ import annotations

import pandas as pd

from ..namewords import is_generic_word
from ..nameforms import _tokens, fold, name_words
from .crmbuild import norm_key

#: Whose name or e-mail a column may hold: the empty role ("First Name", "Email"), the CRM
#: contact, and the people a survey platform's embedded data or a panel file carries
#: (Qualtrics ``EmployeeName``, ``ManagerEmail``, ``Supervisor``; review Q1).
_ROLES = ("", "contact", "lead", "person", "respondent", "recipient", "employee", "staff",
          "member", "user", "manager", "linemanager", "directmanager", "reportingmanager",
          "supervisor", "teamlead", "teamleader", "owner", "accountowner", "dealowner",
          "leadowner", "contactowner", "rep", "salesrep", "accountrep", "accountmanager",
          "salesperson", "coach", "mentor")
#: Roles that name a person on their own, as a column header (``Supervisor``, ``Manager``).
_BARE = {"contact", "person", "employee", "manager", "linemanager", "directmanager",
         "reportingmanager", "supervisor", "teamlead", "teamleader", "reportsto",
         "accountmanager", "salesperson"}
_FIRST = {r + s for r in _ROLES for s in ("firstname", "givenname", "forename")}
_LAST = {r + s for r in _ROLES for s in ("lastname", "surname", "familyname")}
_WHOLE = ({r + s for r in _ROLES for s in ("name", "fullname", "email", "emailaddress",
                                            "mail")}
          | _BARE | {"workemail", "primaryemail", "contactinformation"})


def person_column_kind(*headers: object) -> str | None:
    """Which part of a person's name a column holds, judged by its header(s) alone.

    A header counts only when, lower-cased with everything but letters and digits removed,
    it *is* a role and a name/e-mail word (``Manager Email``, ``employee_name``,
    ``ManagerFullName``, ``First Name``) or a role that names a person by itself
    (``Supervisor``); a question that merely contains such a word ("Name your biggest
    blocker", "How does your manager support you?") does not.

    Parameters
    ----------
    *headers : object
        The column's key and, where the platform has one, its question text; the first
        that counts decides.

    Returns
    -------
    {"first", "last", "whole"} or None
        ``"whole"`` for a full name, a bare role or an e-mail address.
    """
    for h in headers:
        k = norm_key(h)
        if k in _FIRST:
            return "first"
        if k in _LAST:
            return "last"
        if k in _WHOLE:
            return "whole"
    return None


def is_contact_column(name: str) -> bool:
    """Whether a column header names a person (first/last/whole name, e-mail):
    :func:`person_column_kind`."""
    return person_column_kind(name) is not None


def contact_pool(df: pd.DataFrame, columns) -> list[str]:
    """Every person the export's contact columns name, for redaction only (never written out).

    Parameters
    ----------
    df : DataFrame
        The export's text cells (original column names).
    columns : iterable of str
        Columns of *df* the importer left unmatched (only these are looked at).

    Returns
    -------
    list of str
        Distinct full names (first + last joined per row) and whole-name / e-mail values,
        sorted; empty when the export has no contact column. Filter it against the free text
        with :func:`names_in_text` before building a redactor.
    """
    kinds: dict[str, list[str]] = {"first": [], "last": [], "whole": []}
    for c in columns:
        if c not in df.columns:
            continue
        kind = person_column_kind(c)
        if kind:
            kinds[kind].append(c)

    def cells(col: str) -> pd.Series:
        return df[col].astype("string").str.strip()

    names: set[str] = set()
    for c in kinds["whole"]:
        names.update(cells(c).dropna().unique())
    for f, l in zip(kinds["first"], kinds["last"]):
        full = (cells(f).fillna("") + " " + cells(l).fillna("")).str.strip()
        names.update(full.unique())
    for c in kinds["first"][len(kinds["last"]):] + kinds["last"][len(kinds["first"]):]:
        names.update(cells(c).dropna().unique())
    return sorted(str(n) for n in names if n is not pd.NA and str(n))


def text_words(free_text) -> set[str]:
    """The folded words of every distinct value of *free_text* (iterables of str / Series,
    missing values ignored), as :func:`names_in_text` compares them."""
    words: set[str] = set()
    tokens = _tokens()
    for series in free_text:
        if series is None:
            continue
        for t in pd.Series(series).dropna().astype(str).unique():
            # every word, also after an "@" ("mail jane@x.com, Hans Tanaka said no")
            words.update(map(fold, tokens.findall(t)))
    return words


def names_in_text(pool, words: set[str]) -> list[str]:
    """The names of *pool* sharing a real word with *words* (:func:`text_words`): a name none
    of whose words occurs in any free text cannot be in one, so a million-contact export adds
    no cost to redaction. A name's words are those of :func:`toolkit.nameforms.name_words`
    (``h.tanaka2@x.com`` can be named "Tanaka"; ``HansTanaka`` "Hans Tanaka"). Generic words (:func:`toolkit.namewords.is_generic_word`) do not
    count: a shared mailbox "Sales Team" names nobody, and of "Team Dubois" only the forms
    holding "Dubois" are redacted (review 13, N4).

    Returns
    -------
    list of str
        Sorted subset of *pool*.
    """
    if not words:
        return []
    return sorted(n for n in pool
                  if any(not is_generic_word(w) for w in name_words(n) & words))


def contact_names(df: pd.DataFrame, columns, free_text: pd.Series | None) -> list[str]:
    """Names from the export's contact columns that could occur in *free_text*.

    Parameters
    ----------
    df : DataFrame
        The export's text cells (original column names).
    columns : iterable of str
        Columns of *df* the importer left unmatched (only these are looked at).
    free_text : Series or None
        The table's free-text column (e.g. rejection reasons); None or empty: no names.

    Returns
    -------
    list of str
        Distinct full names (first + last joined per row) and whole-name / e-mail values
        sharing a word with some free-text value; never written to any output.
    """
    if free_text is None:
        return []
    return names_in_text(contact_pool(df, columns), text_words([free_text]))
