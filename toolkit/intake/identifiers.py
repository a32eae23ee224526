"""Which survey columns hold a respondent identifier (an employee number, a panel key).

The values of such columns are respondent identifiers like the response id: they are masked
in every output (:mod:`toolkit.idmask`, SPEC §8). A column is one by its header (a platform's
panel field, ``Emp ID``, ``Numéro de matricule``) or because its question asks for the
respondent's own identifier ("What is your employee ID?", a Qualtrics ``QID99_TEXT`` whose
question text is "Employee ID"). The rules are curated vocabularies in the languages of the
practice (English, German, French, Spanish, Dutch, Italian); a note, a count or a question
about anything else is no identifier (attack 25–28: EJ1, NQ1, FP1, IH1, QT1).
"""

from __future__ import annotations

import re
import unicodedata

from .contacts import QUESTION_BRACKETS, QUESTION_SPLIT
from .reader import first_copy

#: Identifier columns a platform carries for the panel or the invitation: often the employee's
#: e-mail or a key such as ``EMP-01 kwame.mensah`` (Qualtrics ``ExternalReference`` /
#: ``External Data Reference``, SurveyMonkey ``Custom Data 1``, an employee id); their
#: name-like words are names to redact, whether the importer drops the column as personal
#: data or keeps it as metadata.
_IDS = {"externalreference", "externaldatareference", "externalref", "externalid",
        "employeeid", "employeeref", "employeereference", "employeenumber", "employeecode",
        "staffid", "staffref", "personnelnumber", "panelid", "customdata", "login", "upn",
        "userprincipalname", "samaccountname", "mail", "matricule", "matricola",
        "personeelsnummer"}
_IDS_PREFIX = ("customdata", "customvariable", "embeddeddata")
#: A header made of a person word and an id word ("Emp ID", "Worker ID", "Employee No",
#: "Badge ID", "Payroll ID", "HRIS ID", "User ID", "EmpNo") holds a respondent identifier
#: too (attack 25, EJ1); so does a German "Personalnummer" or "Mitarbeiter-Nr.".
_ID_PERSON_WORDS = frozenset("""emp employee employees worker staff person personnel personal
    badge payroll hris user member panel panelist respondent participant associate
    colleague mitarbeiter mitarbeiterin pers werknemer werknemers agent agents rep reps
    representative login
    employe salarie empleado trabajador medewerker personeel dipendente collaborateur
    collaboratore colaborador""".split())
_ID_WORDS = frozenset("""id ids no nr nro num number nummer code cod ref reference numero
    codigo codice identifier identifiant identificador identificativo kennung identification
    identifikation identificacion identificazione identificatie""".split())
#: Words that are a person's identifier by themselves: "Matricule", "Numero di matricola",
#: "Número de legajo" (attack 27, IH1).
_ID_SELF = frozenset("""matricule matricola legajo personalnummer personeelsnummer
    medewerkersnummer werknemersnummer""".split())
#: Words that may say which person, next to a person word only: "Team member ID", "Sales rep
#: ID", "Support agent ID" — alone they name a thing ("Team ID", "Sales code").
_ID_PERSON_MODIFIERS = frozenset("team sales support service call center centre".split())
_ID_JOINED = re.compile(r"(?:emp|employee|worker|staff|person|personal|personnel|badge|payroll"
                        r"|hris|user|member|mitarbeiter|pers|personeels|medewerkers?"
                        r"|werknemers?)(?:id|no|nr|num|number|nummer|code|ref)")
_ID_FILLERS = frozenset("of the d de del di du van des n".split())
#: An identifier's header is a short label: a question or a note ("… (no staff names
#: please)") is never one (attack 26, NQ1).
MAX_ID_HEADER_WORDS = 4

#: Words a question asking for the respondent's own identifier may hold besides the
#: identifier's label: possessives, requests, "what is", "(optional)", the number of digits
#: ("your 6-digit employee ID"), in the practice's languages (attack 27–28, QT1, QU1).
_IDQ_FILLER = frozenset("""your my please kindly enter type write provide give share add fill
    state tell us here below what whats is are if you would like to can may own optional
    optionally required only so that we follow up contact reach back confirm include insert
    input digit digits character characters full
    votre vos ton ta indiquez indiquer saisissez saisir entrez renseignez quel quelle est
    chiffres
    ihr ihre dein deine bitte geben sie ein wie lautet lauten ist angeben stellige
    su tu ingrese introduzca introduce escriba escribe indique cual es tus sus cifras
    il la lo tuo tua suo sua inserisci inserire indica digita scrivi qual quale e cifre
    uw je jouw vul voer geef op hier wat cijfers""".split())
_IDQ_POSSESSIVE = frozenset("your my votre vos ton ta ihr ihre dein deine su tu tuo tua uw je "
                            "jouw tus sus suo sua".split())
#: An identifier asked for with a possessive and no person word: "What is your ID?",
#: "Your ID number".
_IDQ_BARE = frozenset("id ids identifier identifiant identificador identificativo".split())
#: Where a form asks for two things in one question ("Name / Employee ID", "Your name and
#: employee ID", "Employee ID or badge number"): each part is judged on its own.
_IDQ_PARTS = re.compile(r"\s*[/&,;+]\s*|\s+(?:and|or|und|oder|et|ou|y|o|e|en|of)\s+",
                        re.I)
#: A count, not an identifier: "Number of employees", "# of staff", "# Employees", "How many
#: reps" (attack 27–28, FP1, FP2).
_COUNT = re.compile(r"\b(?:number|no|num|nr|nb|nro|numero)\b\.?\s+of\b|^\s*#|#\s*of\b"
                    r"|\bhow\s+many\b|\banzahl\b|\baantal\b|\bcantidad\b", re.I)
#: A request not to give an identifier ("Please do not enter your employee ID").
_NEGATION = re.compile(r"\b(?:do\s+not|don'?t|never|without|not\s+(?:include|enter|give|"
                       r"share|type|write)|nicht|niet|ne\s+pas|no\s+incluya|non\s+inserire)\b",
                       re.I)
_LEADING_NUMBER = re.compile(r"(?i)(?:q|question|item)?\d+[.):]*")


def _fold(text: str) -> str:
    """*text* with accents dropped ("Numéro" as "Numero")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def _norm_key(s: object) -> str:
    return "".join(ch for ch in str(s).lower() if ch.isalnum())


def _identifier_header(column: object) -> bool:
    """Whether a header names a respondent identifier column: a short label (at most
    :data:`MAX_ID_HEADER_WORDS` words, no question mark or parentheses) made of a person word
    and an id word (:data:`_ID_PERSON_WORDS`, :data:`_ID_WORDS`), or of a word that is both
    (:data:`_ID_SELF`), in English, German, French, Spanish, Dutch or Italian ("Emp ID",
    "Numéro d'employé", "ID empleado", "Matricule", "Team member ID")."""
    text = str(column)
    if any(ch in text for ch in "?()[]"):
        return False
    plain = _fold(text)
    key = _norm_key(plain)
    if key in _IDS or key.startswith(_IDS_PREFIX) or _ID_JOINED.fullmatch(key):
        return True
    words = {w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", plain)}
    if len(re.findall(r"[A-Za-z]+|\d+", plain)) > MAX_ID_HEADER_WORDS:
        return False
    if _COUNT.search(plain):
        return False   # "Number of employees", "# of staff": a count (attack 27–28, FP1, FP2)
    if "#" in text or "N°" in text or "n°" in text:   # "Employee #", "N° salarié"
        words.add("no")
    person = bool(words & (_ID_PERSON_WORDS | _ID_SELF))
    ident = bool(words & (_ID_WORDS | _ID_SELF))
    # nothing but the two kinds of word (and "of", "d'", digits): "HR code of conduct" is not
    known = _ID_PERSON_WORDS | _ID_WORDS | _ID_SELF | _ID_FILLERS
    if person:
        known = known | _ID_PERSON_MODIFIERS
    rest = {w for w in words - known if not w.isdigit()}
    return person and ident and not rest


def identifier_question(text: object) -> bool:
    """Whether a survey question (or a form's header) asks for the respondent's own
    identifier: once bracketed asides ("(optional)"), a leading question number and request
    words ("Please enter your", "What is your", "Wie lautet Ihre", "Qual è il tuo") are set
    aside, what remains is an identifier header (:func:`_identifier_header`: "Employee ID",
    "numéro de salarié", "6-digit employee ID"), or a bare "ID" asked with a possessive
    ("What is your ID?"). A question asking for two things ("Name / Employee ID", "Employee
    ID or badge number") is judged part by part, and so is a platform's "Question -
    sub-item" text. A count ("# of employees", "How many employees report to you?"), a
    request not to give one ("Please do not enter your employee ID") or a question about
    anything else ("Your team", "Is the employee ID process clear?") is none.

    Parameters
    ----------
    text : object
        The question text or header; ``None`` or blank is no question.

    Returns
    -------
    bool
    """
    if text is None:
        return False
    raw = QUESTION_BRACKETS.sub(" ", str(text))
    if not raw.strip() or _COUNT.search(raw) or _NEGATION.search(_fold(raw)):
        return False
    for seg in QUESTION_SPLIT.split(raw):
        possessive = any(re.sub(r"[^a-z]", "", _fold(t).lower()) in _IDQ_POSSESSIVE
                         for t in seg.split())
        for part in _IDQ_PARTS.split(seg):
            if part and _identifier_part(part, possessive):
                return True
    return False


def _identifier_part(part: str, possessive: bool) -> bool:
    """One part of a question: :func:`identifier_question`'s rule."""
    kept: list[str] = []
    for i, tok in enumerate(part.split()):
        tok = tok.strip("?.:!*,;\"'\u00bf\u00a1")
        if not tok or (i == 0 and _LEADING_NUMBER.fullmatch(tok)):
            continue
        # "6-digit", "Qual è": a number of digits and request words are set aside
        pieces = [p for p in re.split(r"[-\u2010\u2011]", tok) if p]
        keys = [re.sub(r"[^a-z0-9]", "", _fold(p).lower()) for p in pieces]
        if keys and all(k in _IDQ_FILLER or k.isdigit() or not k for k in keys):
            continue
        kept.append(tok)
    if not kept:
        return False
    if _identifier_header(" ".join(kept)):
        return True
    words = {re.sub(r"[^a-z]", "", _fold(w).lower()) for w in kept}
    return possessive and words <= _ID_WORDS and bool(words & _IDQ_BARE)


def identifier_column(column: object, text: object = "") -> bool:
    """Whether a survey column holds a respondent identifier, by its header or by its
    question text (:func:`_identifier_header`, :func:`identifier_question`): a Qualtrics
    ``QID99_TEXT`` whose question is "Employee ID", a form's "Your employee ID (optional)".

    Parameters
    ----------
    column : object
        The column's header.
    text : object, optional
        Its question text (a platform's second header row), if any.

    Returns
    -------
    bool
    """
    if isinstance(column, str):
        column = first_copy(column)   # a second "Employee ID" column (reader: "… (2)")
    return (isinstance(column, str) and _identifier_header(column)) \
        or identifier_question(column) or identifier_question(text)
