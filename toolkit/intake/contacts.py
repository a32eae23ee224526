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

import re

import pandas as pd

from ..namewords import is_generic_word
from ..nameforms import UNSPACED_RE, _tokens, fold, name_words, tfold, unspaced_ngrams
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


#: Last word of a header naming a person by role (attack 7, CN1): ``Account Owner``,
#: ``Sales Rep``, ``Account Executive``, ``Support Agent``, ``Created by user``.
_ROLE_END = frozenset("""owner rep representative sdr bdr ae am csm executive manager
    approver referrer assignee agent user salesperson supervisor coach mentor holder
    participant payee""".split())
#: Roles that name a person as a one-word header (``SDR``, ``BDR``); ``Owner``, ``Rep`` and
#: ``User`` alone stay questions or flags.
_ROLE_BARE = frozenset({"sdr", "bdr", "ae", "csm", "approver", "referrer", "assignee",
                        "salesperson", "participant", "payee"})
#: Trailing words saying which part of the person the column holds.
_NAME_TAIL = {("first", "name"): "first", ("given", "name"): "first", ("forename",): "first",
              ("firstname",): "first", ("last", "name"): "last",
              ("family", "name"): "last", ("surname",): "last", ("lastname",): "last",
              ("full", "name"): "whole", ("fullname",): "whole", ("name",): "whole",
              ("email",): "whole", ("e", "mail"): "whole", ("email", "address"): "whole",
              ("e", "mail", "address"): "whole", ("alias",): "whole"}
#: Words that make a header a question or a sentence rather than a role ("Who is your
#: sales rep?", "Rate the SDR", "Are you a manager?").
_NOT_ROLE = frozenset("""who whom whose what which when where why how you your yours my our
    their his her its is are was were be been do does did rate rating please the a an of
    with for in on at this that and or not no any if per each every level type role""".split())
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def _role_kind(header: object) -> str | None:
    """The pattern rule of :func:`person_column_kind`: a short header whose words are a role
    (``Account Owner``, ``Last Modified By``, ``Assigned SDR``, ``Assigned To``), optionally
    followed by the part of the name it holds (``Opportunity Owner: Full Name``,
    ``Created By Email``, ``Owner Alias``, ``AE Name``)."""
    words = [w.lower() for w in _WORDS.findall(str(header))]
    if not words or len(words) > 6:
        return None
    kind = None
    for n in (3, 2, 1):
        tail = tuple(words[-n:])
        if len(words) > n and tail in _NAME_TAIL:
            kind, words = _NAME_TAIL[tail], words[:-n]
            break
    if not 1 <= len(words) <= 3 or _NOT_ROLE & set(words) or any(w.isdigit() for w in words):
        return None
    last = words[-1]
    if len(words) == 1:   # one word: a role that names a person alone, or role + name part
        return (kind or "whole") if last in _ROLE_BARE or (kind and last in _ROLE_END) \
            else None
    if words[-2:] == ["user", "agent"]:   # the browser string of a survey platform
        return None
    if last in _ROLE_END or words[-2:] == ["assigned", "to"]:
        return kind or "whole"
    if last == "by" and (words[-2].endswith("ed") or words[-2] in {"owned", "run", "made"}):
        return kind or "whole"   # Created By, Last Modified By, Converted By, Approved By
    return None


def person_column_kind(*headers: object) -> str | None:
    """Which part of a person's name a column holds, judged by its header(s) alone.

    A header counts when, lower-cased with everything but letters and digits removed, it
    *is* a role and a name/e-mail word (``Manager Email``, ``employee_name``,
    ``ManagerFullName``, ``First Name``) or a role that names a person by itself
    (``Supervisor``). The column's key (the first header) also counts when its words name
    a person by role, with at most three words before the name part (:func:`_role_kind`):
    ``Created By``, ``Last Modified By``, ``Created by user``, ``SDR``, ``Assigned SDR``,
    ``SDR Owner``, ``Account Executive``, ``AE Name``, ``Account Owner``,
    ``Opportunity Owner: Full Name``, ``Owner Alias``, ``Sales Rep``, ``Approved By``,
    ``Referred By``, ``Created By Email``, ``Marketing Owner``, ``Assigned To`` (attack 7,
    CN1). A question that merely contains such a word ("Name your biggest blocker", "How
    does your manager support you?", "Manager level") does not, and a platform's question
    text (later headers) is judged by the exact rule only: a matrix sub-item "Responsiveness
    - Account Executive" is a question.

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
    for i, h in enumerate(headers):
        k = norm_key(h)
        if k in _FIRST:
            return "first"
        if k in _LAST:
            return "last"
        if k in _WHOLE:
            return "whole"
        if i == 0 and (kind := _role_kind(h)):
            return kind
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
    # a yes/no flag or an employee number under a person's header names nobody
    return sorted(str(n) for n in names if n is not pd.NA and _LETTERS.search(str(n))
                  and str(n).strip().lower() not in _ANSWERS)


#: Answers, not names, that a column with a person's header may still hold.
_ANSWERS = {"yes", "no", "true", "false", "n/a", "na", "none", "unknown", "other", "tbd"}
#: Two letters in a row: what any name has and an employee number does not.
_LETTERS = re.compile(r"[^\W\d_]{2}")


def text_words(free_text) -> set[str]:
    """The folded words of every distinct value of *free_text* (iterables of str / Series,
    missing values ignored), under :func:`toolkit.nameforms.fold` and
    :func:`toolkit.nameforms.tfold`, as :func:`names_in_text` compares them."""
    words: set[str] = set()
    tokens = _tokens()
    for series in free_text:
        if series is None:
            continue
        for t in pd.Series(series).dropna().astype(str).unique():
            # every word, also after an "@" ("mail jane@x.com, Hans Tanaka said no")
            found = tokens.findall(t)
            words.update(map(fold, found))
            # "Jörg" also as "joerg": a name written in ASCII is found too (UM1)
            words.update(tfold(w) for w in found if not w.isascii())
            if UNSPACED_RE.search(t):   # "问王小明吧": the pieces a CJK name can be (RD1)
                words.update(unspaced_ngrams(t))
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
