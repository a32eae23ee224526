"""Assemble the canonical survey table (SPEC §2.1) from any platform's export.

Each survey importer (Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms, SPSS) reads its
platform's layout into a :class:`SurveyExport` — answer cells as text indexed by spreadsheet
row, the question text of every column, which column identifies the respondent and which
columns are personal data or platform metadata — and :func:`build_survey` does the rest the
same way for all of them: team column and ``team_map``, column → item-code matching,
answer labels → 1..5, level / tenure / region / ``FREQ`` / open comments, and the intake
record.

Personal data (names, e-mail and IP addresses, geolocation, recipient fields) is never
carried into the canonical table; those columns are listed in the intake summary.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from .base import FileIntake, id_texts
from ..nameforms import fold
from ..namewords import ordinary_words, typed_names
from .contacts import person_column_kind, question_person_kind
from .identifiers import _IDS, _IDS_PREFIX, identifier_column
from .reader import first_copy
from .answers import (as_text, map_agreement, map_frequency, map_level, map_teams,
                      map_tenure)
from .matching import MAX_SURVEY_COLUMNS, instrument_wordings, match_columns
from .text import normalize_text

BACKGROUND = ("team", "level", "tenure", "region")
NON_LIKERT = BACKGROUND + ("FREQ", "OPEN1", "OPEN2")
#: Header texts that name a team column when ``team_column`` is not found (used with a warning).
TEAM_HEADER_GUESSES = ("team", "department", "dept", "function", "business unit",
                       "which team are you in", "what team are you in", "your team")


@dataclass
class SurveyExport:
    """A platform export reduced to what :func:`build_survey` needs.

    Attributes
    ----------
    df : DataFrame
        Answer cells as text (``None``/NaN when empty); one column per export column, named
        by its key (export tag or header); index = spreadsheet row number.
    texts : dict of str to str
        Column key -> question text shown to respondents (the key itself when the export
        has a single header row).
    id_column : str or None
        Column holding the platform's response id; ``None``: ids are made from row numbers.
    personal : list of str
        Columns of personal data (dropped, listed in the intake summary).
    metadata : list of str
        Platform columns with no survey content (dates, progress, language ...).
    """

    df: pd.DataFrame
    texts: dict[str, str]
    id_column: str | None = None
    personal: list[str] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)


_FIRST = {"recipientfirstname", "panelrecipientfirstname", "firstname", "givenname"}
_LAST = {"recipientlastname", "panelrecipientlastname", "lastname", "surname", "familyname"}
_WHOLE = {"name", "fullname", "respondentname", "username", "recipientemail", "email",
          "emailaddress", "panelrecipientemail", "contactinformation", "respondentemail",
          "emailid", "userid", "login", "loginname", "employeeemail", "workemail"}
#: A code that leads an id (``EMP``, ``HR``, ``ID``), not a name.
_CODE = re.compile(r"[A-Z]{1,4}")


def survey_person_kind(column: object, text: object = "") -> str | None:
    """Which part of a person's name a survey column holds: by its header(s)
    (:func:`toolkit.intake.contacts.person_column_kind`: ``EmployeeName``, ``Manager
    Email``, ``Supervisor``), or because its question asks for a name or an e-mail address
    (:func:`toolkit.intake.contacts.question_person_kind`: "Your full name (optional)",
    "Who is your manager?", "Q3. What is your e-mail?"; attack 9, SF1)."""
    return (person_column_kind(column, text) or question_person_kind(text)
            or question_person_kind(column))


def _norm_key(s: object) -> str:
    return "".join(ch for ch in str(s).lower() if ch.isalnum())


def _person_columns(export: SurveyExport) -> tuple[dict[str, list[str]], set[str]]:
    """The export's personal-data and metadata columns by what they hold: ``first``,
    ``last``, ``whole`` names or an ``id`` (e-mail, panel or employee identifier); and the
    columns a respondent types into (a question asking for a name, a role header), not a
    platform's own name fields: their answers are read as typed (namewords.typed_names), so
    "Don't know" or "Leads data" names nobody (attack 10, SQ1)."""
    kinds: dict[str, list[str]] = {"first": [], "last": [], "whole": [], "id": []}
    typed: set[str] = set()
    for c in dict.fromkeys(list(export.personal) + list(export.metadata)):
        if c not in export.df.columns or c == export.id_column:
            continue
        keys = {_norm_key(c), _norm_key(export.texts.get(c, ""))}
        kind = survey_person_kind(c, export.texts.get(c, ""))
        if (kind in ("first", "last", "whole") and not keys & (_FIRST | _LAST | _WHOLE)
                and person_column_kind(c, export.texts.get(c, "")) is None):
            typed.add(c)  # a question's answers, not a platform's or panel's name field
        if keys & _FIRST or kind == "first":
            kinds["first"].append(c)
        elif keys & _LAST or kind == "last":
            kinds["last"].append(c)
        elif keys & _WHOLE or kind == "whole":
            kinds["whole"].append(c)
        elif keys & _IDS or any(k.startswith(_IDS_PREFIX) or "email" in k for k in keys):
            kinds["id"].append(c)
    return kinds, typed


#: Separators between the parts of an answer that holds a code beside other text.
_ID_PARTS = re.compile(r"[\s,;/|()\[\]]+")


def identifier_values(export: SurveyExport, *, skip=()) -> list[str]:
    """The values of the export's identifier columns a platform keeps for the panel
    (Qualtrics ``ExternalReference``, SurveyMonkey ``Custom Data 1``, an employee number) and
    of its location columns (``LocationLatitude``, ``LocationLongitude``):
    respondent identifiers like the response id, masked in every output
    (:mod:`toolkit.idmask`; attack 21, EX1). The response-id column itself and columns a
    respondent types into are not included. Used only for redaction: never written out.

    Parameters
    ----------
    export : SurveyExport
    skip : iterable of str
        Columns used for the analysis (items, comments, team …): never identifiers, whatever
        their header says (attack 26, NQ1).

    Returns
    -------
    list of str
        Distinct non-empty values, sorted.
    """
    kinds, typed = _person_columns(export)
    skip = set(skip)
    # a respondent's location (Qualtrics LocationLatitude / LocationLongitude) identifies them
    # as well (attack 22, IP1: metadata quoted from a shifted column)
    located = [c for c in dict.fromkeys(list(export.personal) + list(export.metadata))
               if c in export.df.columns and c != export.id_column
               and any(w in _norm_key(c) for w in ("latitude", "longitude"))]
    # an identifier column the platform does not list as personal data (Qualtrics embedded
    # data "EmployeeID", SurveyMonkey "Custom Data 3", "Staff ID"): by its header (EI1)
    # (listed or not: a canonical file's extra columns are all listed as personal: CJ1)
    # (attack 27, QT1: or a question asking for the respondent's own id, by its text)
    by_header = [c for c in export.df.columns if c != export.id_column
                 and identifier_column(c, export.texts.get(c, ""))]
    out: set[str] = set()
    for col in dict.fromkeys(kinds["id"] + located + by_header):
        if col in skip:
            continue
        values = id_texts(as_text(export.df[col]))
        if col not in typed:
            out |= values
        # the codes an answer holds ("Kwame Mensah / EMP-48105Q" to a question asking for a
        # name and an employee id, attack 28 NI1): each part with a digit, as an id of its own
        out |= {t for v in values for t in _ID_PARTS.split(v)
                if len(t) >= 4 and any(ch.isdigit() for ch in t) and t != v}
    return sorted(out)


def personal_names(export: SurveyExport, free_text=None) -> list[str]:
    """Respondents' names (and e-mail ids) from the export's personal-data and identifier
    columns.

    First and last name columns (Qualtrics ``RecipientFirstName``/``RecipientLastName``,
    SurveyMonkey ``First Name``/``Last Name``) are joined into one full name per row; name
    and e-mail columns (Google/Microsoft Forms ``Email``/``Name``) are taken as they are and
    with their name-like words (:func:`id_names`); identifier columns a platform keeps for
    the panel (Qualtrics ``ExternalReference``, SurveyMonkey ``Custom Data 1``: often the
    employee's e-mail or ``EMP-01 kwame.mensah``) give their name-like words. Personal-data
    and metadata columns are both looked at; the respondent-id column is not. Used only for
    redaction: never written out.

    Parameters
    ----------
    export : SurveyExport
        The export (or the columns of a canonical file that are not canonical columns).
    free_text : iterable of str, optional
        The respondents' free text (comments) when it is not among the export's columns:
        its ordinary words name nobody when typed into a name question
        (:func:`toolkit.namewords.ordinary_words`). By default the export's other columns.

    Returns
    -------
    list of str
        Distinct non-empty names, sorted.
    """
    kinds, typed = _person_columns(export)
    df = export.df
    names: set[str] = set()
    # words the respondents' own free text uses as ordinary words name nobody when typed
    # into a name question (attack 13, TA2R): the other columns' text, read once
    ordinary = frozenset()
    if typed:
        skip = typed | set(export.personal) | set(export.metadata) | {export.id_column}
        if free_text is None:
            free_text = (v for c in df.columns if c not in skip for v in df[c].tolist())
        ordinary = ordinary_words(free_text, fold)

    def answer_names(v: str) -> list[str]:
        return _answer_names(v, ordinary)

    def texts(col: str) -> pd.Series:
        values = as_text(df[col]).fillna("").astype(str).str.strip()
        if col in typed:  # as typed: the names an answer holds
            values = values.map(lambda v: " ".join(answer_names(v)))
        return values

    if kinds["first"] or kinds["last"]:
        first = texts(kinds["first"][0]) if kinds["first"] else ""
        last = texts(kinds["last"][0]) if kinds["last"] else ""
        full = (first + " " + last) if kinds["first"] and kinds["last"] else (
            first if kinds["first"] else last)
        names.update(full.str.strip().tolist())
        for col in kinds["first"][1:] + kinds["last"][1:]:
            names.update(texts(col).tolist())
    # further first/last pairs (embedded data ``FirstName``/``LastName`` beside the
    # recipient's): each pair joined too, and each part on its own
    for f, l in zip(kinds["first"][1:], kinds["last"][1:]):
        names.update((texts(f) + " " + texts(l)).str.strip().tolist())
    for col in kinds["whole"] + kinds["id"]:
        if col in typed:
            for v in as_text(df[col]).fillna("").astype(str).str.strip().unique().tolist():
                names.update(answer_names(v))
                if _is_email(v):  # taken as an id is, with its name-like words
                    names.update(id_names(v))
            continue
        values = texts(col).unique().tolist()
        # an identifier with a digit ("EID-4105Q") is masked as an id (toolkit.idmask), not
        # redacted as a name: as a name it was also matched reversed ("4105Q, EID") across two
        # ids of a comment, leaving the other one cut in two and unmasked (attack 28)
        names.update(v for v in values
                     if col not in kinds["id"] or not any(ch.isdigit() for ch in v))
        for v in values:   # "EMP-01 kwame.mensah" also names "kwame mensah"
            names.update(id_names(v))
    # an identifier without two letters in a row (an employee number, a code) names nobody:
    # as a "name" it would replace numbers in comments and results (review 13d, N2)
    # a yes/no flag under a bare role header ("Manager": Yes/No) names nobody
    return sorted(n for n in names if n and _LETTERS.search(n)
                  and n.strip().lower() not in _ANSWERS)


def _is_email(answer: str) -> bool:
    return "@" in answer or "＠" in answer


def _answer_names(answer: str, ordinary=frozenset()) -> list[str]:
    """The names in an answer typed into a name question: an e-mail address whole, else
    :func:`toolkit.namewords.typed_names` (*ordinary*: the engagement's ordinary words,
    :func:`toolkit.namewords.ordinary_words`)."""
    return [answer] if _is_email(answer) else typed_names(answer, fold, ordinary)


#: Answers, not names, that a column with a person's header may still hold.
_ANSWERS = {"yes", "no", "true", "false", "n/a", "na", "none", "unknown", "other",
            # what a respondent types into an optional name question instead of a name
            "anonymous", "anon", "prefer not to say", "rather not say", "not applicable",
            "no comment", "skip", "nobody", "no one", "nope", "me", "myself", "-"}


#: Two letters in a row: what any name has and an employee number does not.
_LETTERS = re.compile(r"[^\W\d_]{2}")


def id_names(value: str) -> list[str]:
    """The name-like parts of an identifier: runs of alphabetic words between digits, codes
    and separators other than a name's own (``"EMP-01 kwame.mensah"`` → ``["kwame mensah"]``,
    ``"kwame.mensah@client.example"`` → ``["kwame mensah"]``, ``"Mensah, Kwame (0042)"`` →
    ``["Mensah Kwame"]``; the redactor also matches a name reversed or dotted). Leading
    codes of 1–4 capitals (``EMP``, ``HR``) are left out.

    Parameters
    ----------
    value : str
        One cell of an identifier, e-mail or name column.

    Returns
    -------
    list of str
        Zero or more names for :func:`toolkit.privacy.make_redactor`.
    """
    out: list[str] = []
    text = re.sub(r"@\S*", " ", str(value))          # e-mail domains
    # split at digits and at punctuation that is no name's separator
    for chunk in re.split(r"[^\s.,_'\-\w]+|\d+", text):
        words = re.findall(r"[^\W\d_]+", chunk)
        while len(words) > 1 and _CODE.fullmatch(words[0]):
            words = words[1:]
        if not words or (len(words) == 1 and (_CODE.fullmatch(words[0])
                                              or len(words[0]) < 3)):
            continue
        out.append(" ".join(words))
    return [o for o in dict.fromkeys(out) if o != value]


def _find_column(export: SurveyExport, name: str) -> str | None:
    if name in export.df.columns:
        return name
    want = normalize_text(name)
    hits = [c for c in export.df.columns if normalize_text(c) == want]
    if not hits:
        hits = [c for c in export.df.columns if normalize_text(export.texts.get(c, "")) == want]
    return hits[0] if len(hits) == 1 else None


def _with_person_columns(export: SurveyExport, keep) -> SurveyExport:
    """*export* with every other column whose header names a person (embedded data
    ``EmployeeName``, ``ManagerEmail``, ``Supervisor``, a form's ``Manager Name``, a
    question asking for a name or an e-mail address such as "Your full name (optional)" or
    "Who is your manager?": :func:`survey_person_kind`) added to its personal data, so that
    the column is never matched or carried forward and its names are redacted (review Q1).
    Columns in *keep* (the team column, columns mapped in ``[survey] items``) stay."""
    skip = set(export.personal) | set(export.metadata) | {export.id_column} | set(keep)
    extra = [c for c in export.df.columns if c not in skip
             and survey_person_kind(c, export.texts.get(c, "")) is not None]
    if not extra:
        return export
    return replace(export, personal=list(export.personal) + extra)


def build_survey(export: SurveyExport, config, intake: FileIntake, *, file: str,
                 wordings: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a :class:`SurveyExport` into the canonical survey table.

    Parameters
    ----------
    export : SurveyExport
        The platform export (rows already filtered for previews, tests and the like).
    config : SurveyConfig
        ``team_column``, ``team_map`` and ``items`` of ``engagement.toml``.
    intake : FileIntake
        Updated in place: ``columns_mapped``, ``columns_unmatched``, ``dropped``,
        ``rows_kept`` and ``warnings``.
    file : str
        Display path for problems.
    wordings : mapping, optional
        Instrument code -> wording (default: the project's instrument).

    Returns
    -------
    (DataFrame, list of Problem)
        Canonical columns ``respondent_id``, ``team``, ``level``/``tenure``/``region`` when
        present, item codes (float64 1..5, NaN = missing), ``FREQ``, ``OPEN1``/``OPEN2``;
        index = spreadsheet row numbers. Problems are blocking (unknown teams, unmatched
        answers, no team column, no item matched, duplicate ids).

    Raises
    ------
    ValidationError
        The export has more than :data:`~toolkit.intake.matching.MAX_SURVEY_COLUMNS`
        columns (refused before any matching).
    """
    df = export.df
    if len(df.columns) > MAX_SURVEY_COLUMNS:
        raise ValidationError(Problem(
            file, f"the survey export has {len(df.columns):,} columns; a survey export may have "
            f"at most {MAX_SURVEY_COLUMNS:,} (Qualtrics exports of large surveys have a few "
            "hundred to about 2,000, with their embedded data); check that this is the right "
            "file, or export only the questions and the team column"))
    wordings = dict(wordings) if wordings is not None else instrument_wordings()
    problems: list[Problem] = []
    rows = df.index

    # ---- team column
    team_col = _find_column(export, config.team_column)
    export = _with_person_columns(export, keep={team_col, *config.items})
    skip = set(export.personal) | set(export.metadata)
    if export.id_column:
        skip.add(export.id_column)
    candidates = {c: export.texts.get(c, c) for c in df.columns if c not in skip
                  and c != team_col}
    matches = match_columns(candidates, wordings, mapping=config.items, file=file)
    problems += matches.problems
    intake.warnings += matches.warnings
    if team_col is None:
        by_text = [c for c, code in matches.codes.items() if code == "team"]
        guessed = [c for c in candidates if c not in matches.codes and
                   (normalize_text(export.texts.get(c, c)) in TEAM_HEADER_GUESSES or
                    normalize_text(c) in TEAM_HEADER_GUESSES)]
        if len(by_text) == 1:
            team_col = by_text[0]
        elif len(guessed) == 1:
            team_col = guessed[0]
            intake.warnings.append(f"team column {config.team_column!r} not found; used "
                                   f"{team_col!r} (set [survey] team_column to confirm)")
    if team_col is None:
        problems.append(Problem(file, f"no team column: {config.team_column!r} is not a column "
                                "of the export and no column asks for the respondent's team; "
                                "set [survey] team_column to the column that names the team",
                                column=config.team_column))
    matches.codes.pop(team_col, None)
    # a second column asking for the team (a question repeated in a skip-logic branch, a
    # duplicated "Department" column): only one can be read, and reading the first alone
    # would drop or misfile the respondents who answered the other (attack 34, DT1)
    other_team = [c for c, code in matches.codes.items() if code == "team"]
    if team_col is not None:  # the same header again (the reader names it "<header> (2)")
        other_team += [c for c in df.columns if c not in other_team and c != team_col
                       and first_copy(c) == team_col]
    if team_col is not None and other_team:
        problems.append(Problem(file, f"columns {', '.join(map(repr, [team_col, *other_team]))} "
                                "all ask for the respondent's team; keep one (merge their "
                                "answers into one column, or remove the others)",
                                column=other_team[0]))
    for c in other_team:
        matches.codes.pop(c, None)

    out = pd.DataFrame(index=rows)
    if export.id_column:
        ids = as_text(df[export.id_column])
        intake.add_ids(ids)
        missing_id = ids.isna()
        ids[missing_id] = [f"row{r}" for r in rows[missing_id.to_numpy()]]
        out["respondent_id"] = ids.astype(str)
        intake.columns_mapped[export.id_column] = "respondent_id"
    else:
        out["respondent_id"] = [f"row{r}" for r in rows]

    if team_col is not None:
        team, tprob = map_teams(df[team_col], config.team_map, file=file, column=team_col,
                                warnings=intake.warnings)
        problems += tprob
        out["team"] = team.astype(object)
        if tprob:   # an unmapped name stays as written: the schema names it row by row as an
            raw = as_text(df[team_col])           # unknown team, never as "empty" (TM1)
            unmapped = team.isna().to_numpy() & raw.notna().to_numpy()
            out.loc[unmapped, "team"] = raw[unmapped].to_numpy()
        intake.columns_mapped[team_col] = "team"
    else:
        out["team"] = pd.Series(None, index=rows, dtype=object)

    by_code: dict[str, str] = {col: code for col, code in matches.codes.items()}
    for col, code in by_code.items():
        intake.columns_mapped[col] = code
    likert = {code: col for col, code in by_code.items() if code not in NON_LIKERT}
    for col, code in by_code.items():
        if code in ("level", "tenure"):
            fn = map_level if code == "level" else map_tenure
            vals, warns = fn(df[col])
            out[code] = vals.astype(object)
            intake.warnings += warns
        elif code in ("region", "OPEN1", "OPEN2"):
            out[code] = as_text(df[col])
        elif code == "FREQ":
            vals, warns, probs = map_frequency(df[col], file=file, column=col)
            out["FREQ"] = vals.astype(object)
            intake.warnings += warns
            problems += probs
    if likert:
        block = df[list(likert.values())].copy()
        block.columns = list(likert.keys())
        res = map_agreement(block, file=file)
        # name the export column (not the code) in problems
        back = {code: col for code, col in likert.items()}
        problems += [replace(p, column=back.get(p.column, p.column) if p.column else None)
                     for p in res.problems]
        for code in likert:
            out[code] = res.values[code]
        if res.n_missing_codes:
            intake.warnings.append(f"{res.n_missing_codes} answer(s) carried N/A codes (-99 or "
                                   "negative recode values) and count as missing")
        if res.n_dont_know_codes:
            intake.warnings.append(f"{res.n_dont_know_codes} answer(s) coded 6 read as the "
                                   "instrument's \"Don't know\" (missing)")
    else:
        problems.append(Problem(file, "no column matches an instrument item (by [survey] items, "
                                "export tag or question text); map the export's columns to "
                                "item codes in [survey] items"))

    used = set(intake.columns_mapped)
    intake.columns_unmatched += [c for c in df.columns if c not in used]
    if export.personal:
        intake.warnings.append("personal data columns dropped and not carried forward: "
                               + ", ".join(export.personal))
    # The names themselves (personal-data columns, and identifier columns kept as metadata
    # such as SurveyMonkey's Custom Data) are kept in memory only, so that comments naming a
    # respondent can be redacted (SPEC §8).
    intake.known_names = personal_names(export)
    intake.add_ids(identifier_values(export, skip=intake.columns_mapped))

    # ---- rows without a team
    if team_col is not None:
        raw_team = as_text(df[team_col])
        no_team = raw_team.isna().to_numpy()
        if no_team.any():
            intake.drop("no team given", int(no_team.sum()))
            out = out.loc[~no_team]
    dup = out["respondent_id"].duplicated(keep="first")
    if dup.any():
        first = out.index[dup.to_numpy()][0]
        # The id itself is not quoted: it may be an e-mail address, and this message goes
        # to logs and batch summaries (SPEC §8).
        problems.append(Problem(file, f"{int(dup.sum())} row(s) repeat a respondent id seen "
                                "earlier (the first repeat is on this row); ids must be unique",
                                row=int(first), column=export.id_column))
    if out.empty and not problems:
        problems.append(Problem(file, "no responses left to analyse after dropping rows: "
                                + (", ".join(f"{k} ({v})" for k, v in intake.dropped.items())
                                   or "the file has no data rows")))
    order = ["respondent_id", "team", "level", "tenure", "region"]
    item_order = [c for c in wordings if c in out.columns and c not in order]
    out = out[[c for c in order if c in out.columns] + item_order]
    for c in ("respondent_id", "team", "level", "tenure", "region", "FREQ", "OPEN1", "OPEN2"):
        if c in out:   # pandas text dtype, NaN = missing (as the canonical reader)
            out[c] = out[c].astype(object).where(out[c].notna(), np.nan).astype("str")
    intake.rows_kept = len(out)
    return out, problems
