"""SPSS ``.sav`` files (with value labels) → canonical survey table (SPEC §2.1).

Read with :func:`pyreadstat.read_sav`. Variable labels serve as question text for matching
against the instrument; value labels turn codes into their labels (``4`` → ``Agree``), so
agreement labels, "Don't know" and N/A codes are read as in any other export; a variable
without value labels keeps its numeric codes (1..5). SPSS user-missing values (e.g. ``-99``,
``99``) are read as missing when the file declares them. Variables named like a response
id (``ResponseId``, ``respondent_id``, ``id``) give the respondent id; name, e-mail and IP
variables are dropped.

Before any case is read, the header's case count and variable widths are checked against the
survey limits (:func:`_row_limit`): a ``.zsav`` is zlib-compressed, so a small file can hold
a million cases or one long text in every case (review 13 N1's class).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..config import TEAMS
from ..exceptions import Problem, ValidationError
from .base import FileIntake, ImportResult
from .reader import check_file
from .surveybuild import SurveyExport, build_survey

ID_NAMES = {"responseid", "respondentid", "id", "caseid", "respid"}
PERSONAL = {"ipaddress", "email", "emailaddress", "name", "firstname", "lastname",
            "recipientemail", "recipientfirstname", "recipientlastname", "locationlatitude",
            "locationlongitude"}


def _key(s: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def _cell(v) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


#: The instrument's agreement levels in words, for messages about a file's own coding.
_LEVEL_WORDS = {1: "strongly disagree", 2: "disagree", 3: "neither", 4: "agree",
                5: "strongly agree"}


def _levels(points: dict[float, float]) -> str:
    return ", ".join(f"{c:g} = {_LEVEL_WORDS[int(v)]}" for c, v in sorted(points.items()))


def _code(code) -> float | None:
    """A value label's code as a number; None for a text code ("SD") or a missing one."""
    try:
        x = float(code)
    except (TypeError, ValueError):
        return None
    return x if x == x and abs(x) != float("inf") else None


def _listed(names: list[str], most: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def scales_from_labels(df: pd.DataFrame, meta, file: str
                       ) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """Read an agreement variable whose value labels cover some codes only on the scale its
    labels define (attack 41, SP1).

    Read with value formats applied, a labelled code becomes its label and an unlabelled
    code stays a number, and the two would be read on different scales in one column when
    the labels do not sit on 1 = strongly disagree … 5 = strongly agree (reversed
    ``1 = Strongly agree``, zero-based ``0 = Strongly disagree``, a 7-point ``7 = Strongly
    agree``). The labelled agreement codes fix a line code → level; when it steps one level
    per code (a 5-point scale, reversed or shifted) an unlabelled code is read as the level
    the line gives it, if that is within 1..5 (a warning names the variables and the
    reading); otherwise (a 7-point or irregular coding: nothing can be read without
    guessing) the variable is a problem.

    Parameters
    ----------
    df : DataFrame
        The file's variables, value formats applied (labels as ``str``, other codes as
        numbers), one row per case.
    meta : pyreadstat metadata
        Its ``variable_value_labels`` (variable → {code: label}).
    file : str
        Display path for messages.

    Returns
    -------
    (DataFrame, list of str, list of Problem)
        *df* with each recoded variable's unlabelled codes replaced by their 1..5 level (as
        text), the warnings, and one problem per variable whose unlabelled codes are not on
        the labels' 5-point scale (the variable and the first row named).
    """
    from .answers import agreement_level

    recoded: dict[tuple[str, str], list[str]] = {}
    refused: dict[tuple[str, bool], list[tuple[str, int, set]]] = {}
    out = df
    for col, labels in (getattr(meta, "variable_value_labels", None) or {}).items():
        if col not in df.columns:
            continue
        points = {_code(c): lvl for c, lab in labels.items()
                  if _code(c) is not None and (lvl := agreement_level(lab)) is not None
                  and lvl == lvl}
        if not points:
            continue
        vals = df[col].astype(object)
        unlabelled = vals.notna() & ~vals.isin(set(labels.values()))
        num = pd.to_numeric(vals[unlabelled], errors="coerce")
        lo, hi = min(points), max(points)
        # negative codes outside the labelled scale are "not answered" recodes (-99); inside
        # it (a centred -2..2 coding) they are answers (attack 42, SP2)
        num = num[num.notna() & ((num >= 0) | ((num >= lo) & (num <= hi)))]
        if num.empty:
            continue
        slope = (points[hi] - points[lo]) / (hi - lo) if hi > lo else 1.0
        level = points[lo] + slope * (num - lo)
        on_line = all(abs(points[lo] + slope * (c - lo) - v) < 1e-9 for c, v in points.items())
        if on_line and slope == 1.0 and points[lo] == lo:
            continue                               # the instrument's own coding
        whole = (level - level.round()).abs() < 1e-9
        step = on_line and abs(slope) == 1.0       # one code per level: a 5-point scale
        if step and whole.all() and level.between(1, 5).all():
            out = out if out is not df else df.copy()
            col_vals = vals.copy()
            col_vals[num.index] = level.round().astype(int).astype(str)
            out[col] = col_vals
            key = (_levels(points), ", ".join(
                f"{c:g} = {_LEVEL_WORDS[int(round(points[lo] + slope * (c - lo)))]}"
                for c in range(int(lo) + 1, int(hi)) if float(c) not in points))
            recoded.setdefault(key, []).append(str(col))
            continue
        off = ~(whole & level.between(1, 5)) if step else num.notna()
        refused.setdefault((_levels(points), (hi - lo) == 6), []).append(
            (str(col), 2 + int(df.index.get_loc(num[off].index[0])), set(num[off])))
        out = out if out is not df else df.copy()
        col_vals = vals.copy()
        col_vals[num.index] = None                 # not read twice (map_agreement's own)
        out[col] = col_vals
    problems = []
    for (levels, seven), cols in refused.items():
        bad = sorted(set().union(*(b for _, _, b in cols)))
        codes = (f"code {bad[0]:g} has" if len(bad) == 1 else
                 f"codes {', '.join(f'{c:g}' for c in bad)} have")
        problems.append(Problem(
            file, f"its value labels name agreement codes {levels}, but {codes} no label and "
            "do not fall on that scale's 5 points"
            + (" — this looks like a 7-point scale" if seven else "")
            + "; the instrument uses 1 = strongly disagree … 5 = strongly agree — label every "
            "code in the SPSS file or recode to 1..5 before import"
            + (f" (the same in {_listed([c for c, _, _ in cols[1:]])})" if len(cols) > 1
               else ""), row=cols[0][1], column=cols[0][0]))
    warnings = [
        f"SPSS variable(s) {_listed(cols)} label some codes only ({labelled}); their "
        f"unlabelled codes were read on the scale those labels define: {reading}"
        for (labelled, reading), cols in recoded.items()]
    return out, warnings, problems


def _category_readings(labels: list[str]) -> dict[str, list]:
    """Each categorical response set's reading of *labels* (canonical value or None)."""
    from .answers import _canon_team, _guess_team, map_frequency, map_level, map_tenure

    text = pd.Series(labels, dtype=object)
    team = [(_canon_team(v) if _canon_team(v) in TEAMS else
             (g if (g := _guess_team(v)) != "other" or "other" in v.casefold() else None))
            for v in labels]
    out = {"freq6": map_frequency(text)[0], "level": map_level(text)[0],
           "tenure": map_tenure(text)[0], "team": pd.Series(team, dtype=object)}
    return {k: [None if pd.isna(v) else str(v) for v in r] for k, r in out.items()}


def categories_against_labels(df: pd.DataFrame, meta, file: str) -> list[Problem]:
    """Team, frequency, level and tenure variables whose value labels contradict the
    instrument's codes while other codes are unlabelled (attack 42, SP3).

    An unlabelled code of such a variable is read with the instrument's code for it (team
    2 = sales development, frequency 1 = daily …). When the file's own labels put a
    category on another code (2 = "Marketing", 1 = "Never"), the file does not use the
    instrument's codes and its unlabelled codes cannot be read without guessing.

    Returns
    -------
    list of Problem
        One per such variable, naming it, one contradicting label and the unlabelled codes.
    """
    from .answers import response_set_lookup

    words = {"freq6": "communication frequency", "team": "team", "level": "level",
             "tenure": "tenure"}
    problems = []
    for col, labels in (getattr(meta, "variable_value_labels", None) or {}).items():
        if col not in df.columns or not labels:
            continue
        vals = df[col].astype(object)
        unlabelled = vals.notna() & ~vals.isin(set(labels.values()))
        num = pd.to_numeric(vals[unlabelled], errors="coerce").dropna()
        num = num[(num >= 1) & (num % 1 == 0)]
        if num.empty:
            continue
        if any(_code(c) is None for c in labels):
            continue      # text codes ("SD"): read by their labels, nothing unlabelled
        codes, texts = list(labels), [str(v) for v in labels.values()]
        readings = _category_readings(texts)
        found = {k: sum(v is not None for v in r) for k, r in readings.items()}
        best = max(found, key=found.get)
        if not found[best] or list(found.values()).count(found[best]) > 1:
            continue
        by_code = response_set_lookup(best)[1]
        for code, text, value in zip(codes, texts, readings[best]):
            if value is None:
                continue
            instrument = by_code.get(int(code)) if float(code).is_integer() else None
            if instrument == value:
                continue
            unl = ", ".join(f"{c:g}" for c in sorted(set(num)))
            problems.append(Problem(
                file, f"the {words[best]} variable labels code {float(code):g} "
                f"{_short(text)!r}, but the instrument's code {float(code):g} is "
                f"{str(instrument or 'no option').replace('_', ' ')}"
                f": the file does not use the instrument's codes, so its unlabelled codes "
                f"({unl}) cannot be read — label every code in the SPSS file",
                row=2 + int(df.index.get_loc(num.index[0])), column=str(col),
                quoted=(text,)))
            break
    return problems


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"


def _row_width(meta) -> int:
    """Most bytes of text one case can hold: each string variable its declared width, each
    number :data:`~toolkit.intake.limits._FIXED_WIDTH` (its widest text)."""
    from .limits import _FIXED_WIDTH

    kinds = meta.readstat_variable_types or {}
    return sum(int(w) if kinds.get(c) == "string" else _FIXED_WIDTH
               for c, w in (meta.variable_storage_width or {}).items())


def _too_big(file: str, what: str, rows: int, meta) -> Problem:
    """The problem of an SPSS file over the survey limits; its widest text variable is
    named when the text is what passes them."""
    from ..schemas import MAX_CELLS, MAX_ROWS, MAX_TEXT_BYTES

    widths = meta.variable_storage_width or {}
    kinds = meta.readstat_variable_types or {}
    strings = {c: int(w) for c, w in widths.items() if kinds.get(c) == "string"}
    widest = max(strings, key=strings.__getitem__) if strings else None
    return Problem(file, f"the SPSS file {what}, each case up to {_row_width(meta):,} bytes "
                   "of text" + (f" ({widest!r} alone {strings[widest]:,})" if widest else "")
                   + f"; a survey file may hold at most {MAX_ROWS['survey']:,} cases, "
                   f"{MAX_CELLS['survey']:,} values and {MAX_TEXT_BYTES:,} bytes of text (the "
                   "largest engagement the toolkit is built for has 2,000 respondents); check "
                   "that this is the right file",
                   column=widest if rows * _row_width(meta) > MAX_TEXT_BYTES else None)


def _row_limit(path: Path, file: str) -> tuple[int, bool]:
    """The most cases to read from an SPSS file, from its header, before any data is read,
    and whether the header states the count.

    A compressed ``.zsav`` expands up to ~1000× (one long text repeated in every case), and
    readstat reads as many cases as the header declares (all of the file when it says -1).
    Refused: more cases than :data:`~toolkit.schemas.MAX_ROWS`, values than
    :data:`~toolkit.schemas.MAX_CELLS`, or cases × declared widths over
    :data:`~toolkit.schemas.MAX_TEXT_BYTES`. Unknown counts: as many cases as the limits
    allow (:func:`import_survey` refuses a file holding more).
    """
    import pyreadstat

    from ..schemas import MAX_CELLS, MAX_ROWS, MAX_TEXT_BYTES

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    width = max(_row_width(meta), 1)
    cols = max(int(meta.number_columns or 0), 1)
    most = min(MAX_ROWS["survey"], MAX_CELLS["survey"] // cols, MAX_TEXT_BYTES // width)
    declared = meta.number_rows
    if declared is not None and declared > most:
        raise ValidationError(_too_big(file, f"declares {declared:,} cases × {cols:,} "
                                       "variables", declared, meta))
    return max(declared if declared is not None else most, 1), declared is not None


def _more_rows(path: Path, limit: int) -> bool:
    """True when the SPSS file holds a case after the first *limit*."""
    import pyreadstat

    df, _ = pyreadstat.read_sav(str(path), row_offset=limit, row_limit=1)
    return len(df) > 0


def _unreadable(path: Path, file: str, exc: Exception) -> Problem:
    """The problem of an SPSS file pyreadstat could not read: a variable whose value labels
    cannot be applied (a label on a missing code, attack 44b S3) is named."""
    try:
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        for col, labels in (meta.variable_value_labels or {}).items():
            if any(_code(c) is None and not isinstance(c, str) for c in labels):
                return Problem(file, "a value label is attached to a missing code, so the "
                               "labels cannot be applied; remove that label in SPSS",
                               column=str(col))
    except Exception:   # the file itself is damaged: say what the reader said
        pass
    return Problem(file, f"cannot read the SPSS file: {exc}")


def import_survey(path: Path, config, *, display_path: str) -> ImportResult:
    """Import an SPSS ``.sav`` survey file as the canonical survey table.

    Returns
    -------
    ImportResult
        Format ``"spss"``, encoding ``"binary"``; a problem when the file cannot be read.
    """
    import pyreadstat

    file = display_path
    intake = FileIntake(table="survey", path=file, format="spss", encoding="binary")
    try:
        check_file(path, file, expected="expected an SPSS .sav file")
    except ValidationError as exc:  # a FIFO would block the SPSS reader
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    try:
        limit, known = _row_limit(path, file)
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True,
                                       user_missing=False, row_limit=limit)
        if not known and len(df) == limit and _more_rows(path, limit):
            raise ValidationError(_too_big(file, f"holds more than {limit:,} cases", limit + 1,
                                           meta))
    except ValidationError as exc:
        return ImportResult(pd.DataFrame(), intake, list(exc.problems))
    except Exception as exc:  # pyreadstat raises its own error types
        return ImportResult(pd.DataFrame(), intake, [_unreadable(path, file, exc)])
    df, label_warnings, label_problems = scales_from_labels(df, meta, file)
    label_problems += categories_against_labels(df, meta, file)
    text = pd.DataFrame({c: df[c].astype(object).map(_cell) for c in df.columns})
    text.index = pd.RangeIndex(2, 2 + len(text), name="row")
    labels = meta.column_names_to_labels or {}
    texts = {c: (labels.get(c) or c) for c in text.columns}
    intake.rows_read = len(text)
    id_col = next((c for c in text.columns if _key(c) in ID_NAMES), None)
    personal = [c for c in text.columns if _key(c) in PERSONAL]
    export = SurveyExport(df=text, texts=texts, id_column=id_col, personal=personal)
    table, problems = build_survey(export, config, intake, file=file)
    intake.warnings.extend(label_warnings)
    return ImportResult(table, intake, label_problems + problems)
