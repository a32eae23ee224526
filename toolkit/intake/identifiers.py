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

from .contacts import _Q_BRACKETS, _Q_SPLIT

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
    representative
    employe salarie empleado trabajador medewerker personeel dipendente collaborateur
    collaboratore colaborador""".split())
_ID_WORDS = frozenset("""id ids no nr nro num number nummer code cod ref reference numero
    codigo codice identifier identifiant identificador identificativo kennung""".split())
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
#: identifier's label: possessives, requests, "what is", "(optional)" (attack 27, QT1).
_IDQ_FILLER = frozenset("""your my please kindly enter type write provide give share add fill
    state tell us here below what whats is are if you would like to can may own optional
    optionally required only so that we follow up contact reach back
    votre vos ton ta indiquez indiquer saisissez saisir entrez quel quelle est
    ihr ihre dein deine bitte geben sie ein
    su tu ingrese introduzca escriba indique cual es
    il la tuo tua inserisci qual
    uw je jouw vul hier""".split())
_IDQ_POSSESSIVE = frozenset("your my votre vos ton ta ihr ihre dein deine su tu tuo tua uw je "
                            "jouw".split())
#: An identifier asked for with a possessive and no person word: "What is your ID?",
#: "Your ID number".
_IDQ_BARE = frozenset("id ids identifier identifiant identificador identificativo".split())
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
    if re.search(r"\b(?:number|no|num|nr|nro)\b\.?\s+of\b", plain, re.I):
        return False   # "Number of employees", "No. of staff": a count (attack 27, FP1)
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
    words ("Please enter your", "What is your", "Votre", "Su") are set aside, what remains is
    an identifier header (:func:`_identifier_header`: "Employee ID", "numéro de salarié"), or
    a bare "ID" asked with a possessive ("What is your ID?"). A platform's "Question -
    sub-item" text is judged per part. A question about anything else ("How many employees
    report to you?", "Your team", "(please do not include your employee ID)") is none.

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
    raw = str(text)
    if not raw.strip():
        return False
    for seg in _Q_SPLIT.split(_Q_BRACKETS.sub(" ", raw)):
        kept: list[str] = []
        possessive = False
        for i, tok in enumerate(seg.split()):
            tok = tok.strip("?.:!*,;\"'")
            key = re.sub(r"[^a-z]", "", _fold(tok).lower())
            if not tok or (i == 0 and _LEADING_NUMBER.fullmatch(tok)):
                continue
            if key in _IDQ_POSSESSIVE:
                possessive = True
            if key in _IDQ_FILLER:
                continue
            kept.append(tok)
        if not kept:
            continue
        label = " ".join(kept)
        if _identifier_header(label):
            return True
        words = {re.sub(r"[^a-z]", "", _fold(w).lower()) for w in kept}
        if possessive and words <= _ID_WORDS and words & _IDQ_BARE:
            return True
    return False


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
    return (isinstance(column, str) and _identifier_header(column)) \
        or identifier_question(column) or identifier_question(text)
