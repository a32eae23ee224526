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
from .reader import first_copy

#: Whose name or e-mail a column may hold: the empty role ("First Name", "Email"), the CRM
#: contact, and the people a survey platform's embedded data or a panel file carries
#: (Qualtrics ``EmployeeName``, ``ManagerEmail``, ``Supervisor``; review Q1).
_ROLES = ("", "contact", "lead", "person", "respondent", "recipient", "employee", "staff",
          "member", "user", "manager", "linemanager", "directmanager", "reportingmanager",
          "supervisor", "teamlead", "teamleader", "owner", "accountowner", "dealowner",
          "leadowner", "contactowner", "rep", "salesrep", "accountrep", "accountmanager",
          "salesperson", "coach", "mentor",
          # the practice's other languages (attack 25, VG1): employee, line manager
          "mitarbeiter", "mitarbeiterin", "vorgesetzter", "vorgesetzte", "fuhrungskraft",
          "fuehrungskraft", "fhrungskraft", "teamleiter", "teamleiterin", "employe",
          "employ", "responsable", "superviseur", "empleado", "jefe", "gerente",
          "leidinggevende", "medewerker", "dipendente", "responsabile")
#: Roles that name a person on their own, as a column header (``Supervisor``, ``Manager``).
_BARE = {"contact", "person", "employee", "manager", "linemanager", "directmanager",
         "reportingmanager", "supervisor", "teamlead", "teamleader", "reportsto",
         "accountmanager", "salesperson",
         "vorgesetzter", "vorgesetzte", "fuhrungskraft", "fuehrungskraft", "fhrungskraft",
         "teamleiter", "teamleiterin", "superviseur", "jefe", "gerente", "leidinggevende",
         "responsabile"}
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
        h = first_copy(h)   # "Full Name (2)": the reader's name for a second "Full Name"
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


#: Longest question (in words) judged by :func:`question_person_kind`: a name question is
#: short ("If you would like us to follow up, please enter your e-mail address").
MAX_QUESTION_WORDS = 16

#: Last words of a question saying which part of a person it asks for (English, and the
#: bare headers of French, German, Spanish, Italian and Dutch forms).
_Q_TAIL = {("first", "name"): "first", ("given", "name"): "first", ("forename",): "first",
           ("firstname",): "first", ("christian", "name"): "first", ("prenom",): "first",
           ("vorname",): "first", ("voornaam",): "first",
           ("last", "name"): "last", ("family", "name"): "last", ("surname",): "last",
           ("surnames",): "last", ("lastname",): "last", ("nachname",): "last",
           ("familienname",): "last", ("achternaam",): "last", ("apellido",): "last",
           ("apellidos",): "last", ("cognome",): "last",
           ("name",): "whole", ("names",): "whole", ("fullname",): "whole",
           ("username",): "whole", ("nickname",): "whole", ("signature",): "whole",
           ("email",): "whole", ("emails",): "whole", ("mail",): "whole",
           ("address",): "whole", ("adresse",): "whole", ("id",): "whole", ("nom",): "whole", ("nome",): "whole",
           ("naam",): "whole", ("nombre",): "whole"}
#: Tails that ask for a person only after "e-mail" ("E-mail address", "Email ID").
_Q_ADDRESS = {("address",), ("adresse",), ("id",)}
#: Whose mailbox an e-mail question may name besides a person's ("Company e-mail").
_Q_MAIL_OWNER = frozenset({"company", "business", "corporate", "office", "school"})
#: The person a name question may ask about: the respondent, their manager or a colleague.
_Q_PERSON = frozenset("""respondent respondents responder employee employees staff
    participant submitter person manager managers supervisor supervisors boss bosses
    teamlead teamleader linemanager colleague colleagues coworker coworkers teammate
    teammates mentor coach buddy sponsor contact rep representative lead leader""".split())
#: Words a name question may hold besides its tail and the person: possessives, articles,
#: requests and the modifiers of a name or an address ("Please enter your preferred first
#: name", "What's your line manager's e-mail?", "Name of your direct supervisor").
#: Deliberately no noun of a thing ("team", "process", "company", "product"): "Team name",
#: "Name of the new process" and "Company name" name no person.
_Q_FILLER = frozenset("""your my his her their our the a an this of s please kindly enter
    type write provide give share add fill state tell us we me here below in what whats is
    are was optional optionally required and or if you d would like want wish to may can
    follow up so that could reach full complete legal preferred display nick user own
    current direct immediate line reporting work personal private
    contact primary secondary middle first last given family e address id votre ton ta vos ihr ihre dein deine tu su seu sua tuo il uw je jouw
    yourself self""".split())
#: Words a "who" question may hold besides the person ("Who is your manager?", "Who do you
#: report to?"); a verb or noun of anything else ("Who owns lead follow-up?") makes it a
#: question about something, answered with a team or a choice.
_Q_WHO = frozenset("""who whos whom is are was were your my the current direct immediate
    line reporting do does did you i report reports to s sales account""".split())
#: Words that say which person only before a person word ("Sales rep", "Account manager",
#: "Team lead"): alone they name a thing ("Account name", "Team name").
_Q_ROLE_MOD = frozenset({"sales", "account", "team", "hr", "people", "project", "program"})
#: Where a question's text splits into parts ("Name - optional", "Manager: name"); shared
#: with :mod:`toolkit.intake.identifiers`.
QUESTION_SPLIT = re.compile(r"\s[-\u2013\u2014|:]\s|[:\[\]]")
#: A bracketed note in a question's text ("(optional)", "[required]"), read apart.
QUESTION_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")


def _question_words(text: str) -> list[str]:
    """*text* lower-cased and folded to ASCII letters, as words: digits, punctuation and a
    leading question number ("Q3.", "Question 3:", "3)") dropped, "e-mail" and "e mail" as
    "email", "team lead" as "teamlead", "line manager" kept as two words."""
    import unicodedata

    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[^\W\d_]+", t)
    while words and words[0] in {"q", "question", "item"}:
        words = words[1:]
    out: list[str] = []
    for w in words:
        if out and out[-1] == "e" and w in {"mail", "mails"}:
            out[-1] = "email"
        elif out and out[-1] == "team" and w in {"lead", "leader"}:
            out[-1] = "team" + w
        elif out and out[-1] == "co" and w in {"worker", "workers"}:
            out[-1] = "co" + w
        else:
            out.append(w)
    return out


def _person_words(words: list[str]) -> bool:
    """Whether every word is a filler, a person, a name part, or a modifier right before a
    person word ("account" in "account manager")."""
    return all(w in _Q_FILLER or w in _Q_PERSON or (w,) in _Q_TAIL
               or (w in _Q_ROLE_MOD and i + 1 < len(words) and words[i + 1] in _Q_PERSON)
               for i, w in enumerate(words))


def _question_kind(words: list[str], *, roles: bool) -> str | None:
    """The rules of :func:`question_person_kind` on one segment's words."""
    if not words or len(words) > MAX_QUESTION_WORDS:
        return None
    for n in (2, 1):   # a name or an address asked for, after a person and filler words only
        tail = tuple(words[-n:])
        if tail in _Q_TAIL and len(words) >= n:
            rest = words[:-n]
            if tail in _Q_ADDRESS and not (rest and rest[-1] in {"email", "mail"}):
                continue   # "Home address", "Employee ID": no name
            if tail in _Q_ADDRESS:
                rest = rest[:-1]
            if {"email", "mail"} & set(tail + tuple(rest[-1:])):   # "Company e-mail"
                rest = [w for w in rest if w not in _Q_MAIL_OWNER]
            parts = set(rest) & {"first", "last", "given", "family", "middle", "name",
                                 "names", "email", "surname", "and"}
            if _person_words(rest):
                kind = _Q_TAIL[tail] if tail not in _Q_ADDRESS else "whole"
                return "whole" if parts else kind
    if "of" in words and _person_words(words) and words[-1] in _Q_PERSON and {"name", "names",
                                                                       "email"} & set(words):
        return "whole"   # "Name of your manager", "E-mail of the person to contact"
    if "and" in words:   # "Your name and team": the name asked with something else
        i = words.index("and")
        for part in (words[:i], words[i + 1:]):
            if part and _question_kind(part, roles=False) and (
                    (part[-1],) in _Q_TAIL or tuple(part[-2:]) in _Q_TAIL):
                return "whole"
    if words[0] in {"who", "whos", "whom"} and len(words) > 1:
        # "Who is your manager?", "Who do you report to?", "Who's your sales rep?"
        if all(w in _Q_WHO or w in _Q_PERSON for w in words) and (
                set(words) & _Q_PERSON or {"report", "reports"} & set(words)):
            return "whole"
        return None
    if not roles:
        return None
    # "Your manager", "Line manager (optional)", "Reports to", "Submitted by"
    if words in (["reports", "to"], ["report", "to"], ["reporting", "to"]):
        return "whole"
    if words[-1] == "by" and 2 <= len(words) <= 3 and all(
            w.endswith("ed") or w in {"in", "out"} for w in words[:-1]):
        return "whole"
    if words[-1] in _Q_PERSON - {"contact", "lead", "leader", "rep", "representative",
                                 "person", "staff"} and _person_words(words) \
            and len(words) <= 4 and not set(words[:-1]) & {w for t in _Q_TAIL for w in t} \
            and not {"is", "are", "was", "and", "or", "of"} & set(words):
        return "whole"
    return None


def question_person_kind(text: object) -> str | None:
    """Which part of a person's name a survey question asks for, judged by its words.

    A survey platform's question text (or a form's column header) asks for a name or an
    e-mail address when it ends with a name or address word (``name``, ``full name``,
    ``first name``, ``surname``, ``e-mail``, ``email address``, and the bare ``Prénom``,
    ``Vorname``, ``Nachname``, ``Nom``, ``Nombre``) and every word before it is a person
    (respondent, employee, manager, supervisor, boss, colleague, ...) or a filler word
    (possessives, "please enter", "what is", "of"): "Your full name (optional)",
    "Q3. What is your name?", "Manager's name", "Name of your manager", "Please enter your
    e-mail address", "Respondent name", "First name". A "who" question counts when it
    asks only for a person: "Who is your manager?", "Who do you report to?". A short
    header that is a person by role counts too: "Your manager", "Line manager", "Reports
    to", "Submitted by". Bracketed asides ("(optional)", "[required]") and a leading
    question number are ignored; a platform's "Question - sub-item" text is judged per
    part, the sub-items by their name or address word only ("Contact information -
    Email").

    A question about a thing (no person word, or any other noun: "Team name", "Name of
    the new process", "Which team do you work in?", "Who owns lead follow-up?",
    "How does your manager support you?") does not count (attack 9, SF1).

    Returns
    -------
    {"first", "last", "whole"} or None
        ``"whole"`` for a full name, several parts ("First and last name"), a person by
        role or an e-mail address.
    """
    if text is None:
        return None
    raw = str(text)
    if not raw.strip():
        return None
    for t in (QUESTION_BRACKETS.sub(" ", raw), raw.replace("(", " ").replace(")", " ")):
        segments = [s for s in QUESTION_SPLIT.split(t) if s.strip()]
        for i, seg in enumerate(segments):
            kind = _question_kind(_question_words(seg), roles=i == 0)
            if i > 0 and kind and not _ends_with_name_word(seg):
                kind = None
            if kind:
                return kind
    # a question asking for two things at once: "Name / Employee ID", "E-mail / phone"
    # (attack 28, NI1); judged part by part, names and addresses only (no bare role)
    parts = [p for p in re.split(r"\s*/\s*", QUESTION_BRACKETS.sub(" ", raw)) if p.strip()]
    if len(parts) > 1:
        for part in parts:
            kind = _question_kind(_question_words(part), roles=False)
            if kind and _ends_with_name_word(part):
                return kind
    return None


def _ends_with_name_word(text: str) -> bool:
    words = _question_words(text)
    return bool(words) and ((words[-1],) in _Q_TAIL or tuple(words[-2:]) in _Q_TAIL)


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
