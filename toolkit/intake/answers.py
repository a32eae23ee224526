"""Survey answers → canonical values (SPEC §2.1): agreement 1..5, ``FREQ``, team, level, tenure.

Used by every survey importer through :mod:`toolkit.intake.surveybuild`:

* agreement labels in any common wording ("Strongly disagree" … "Strongly agree", "Somewhat
  agree", "Tend to disagree", "Neutral", numeric prefixes such as "5 - Strongly agree") and
  numeric codes 1..5 become 1..5; "Don't know", "N/A", "Prefer not to say", "No basis for
  evaluation", Qualtrics ``-99`` and negative recodes, and the instrument's code 6 ("Don't
  know") become missing; 7-point scales are refused, never squeezed;
* frequency labels become ``daily`` … ``never``;
* ``team_map`` (case-insensitive), canonical team names and the instrument's own answer labels
  become canonical teams; unknown teams are a blocking problem;
* level and tenure labels become their canonical codes (unrecognised ones: missing, with a
  warning — both are optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..config import TEAMS
from ..exceptions import Problem
from .text import normalize_text

DONT_KNOW_CODE = 6   # the instrument's numeric code of "Don't know" (response_sets.csv)
#: Canonical communication-frequency codes (SPEC §2.1).
FREQ_CODES = ("daily", "several_weekly", "weekly", "monthly", "rarely", "never")


_AGREE_LABELS: dict[str, float] = {}
for _lab in ("strongly disagree", "completely disagree", "totally disagree", "fully disagree",
             "disagree strongly", "disagree completely", "strongly disagreed"):
    _AGREE_LABELS[_lab] = 1.0
for _lab in ("disagree", "somewhat disagree", "tend to disagree", "mostly disagree",
             "slightly disagree", "partly disagree", "moderately disagree", "disagree somewhat"):
    _AGREE_LABELS[_lab] = 2.0
for _lab in ("neither agree nor disagree", "neither agree or disagree",
             "neither disagree nor agree", "neither", "neutral", "undecided",
             "agree nor disagree", "neither agree nor disagree neutral", "neutral neither agree "
             "nor disagree", "neither nor"):
    _AGREE_LABELS[_lab] = 3.0
for _lab in ("agree", "somewhat agree", "tend to agree", "mostly agree", "slightly agree",
             "partly agree", "moderately agree", "agree somewhat"):
    _AGREE_LABELS[_lab] = 4.0
for _lab in ("strongly agree", "completely agree", "totally agree", "fully agree",
             "agree strongly", "agree completely"):
    _AGREE_LABELS[_lab] = 5.0

#: Labels that mean "no answer on the scale" (become missing).
MISSING_LABELS = frozenset((
    "dont know", "do not know", "don t know", "n a", "na", "not applicable", "prefer not to say",
    "prefer not to answer", "no basis for evaluation", "no basis to evaluate", "no opinion",
    "cant say", "cannot say", "cant tell", "unsure", "not sure", "dk", "dont know n a",
    "dont know not applicable", "not applicable dont know", "skip", "skipped", "declined",
    "seen but unanswered", "not answered"))

_MODERATE = ("somewhat", "slightly", "mostly", "partly", "moderately", "tend to")


def as_text(values: pd.Series) -> pd.Series:
    """Return *values* as an object Series of stripped ``str`` with ``None`` for blanks."""
    s = pd.Series(values, dtype=object, copy=True)
    s = s.map(lambda v: str(v).replace("\xa0", " ").strip(), na_action="ignore")
    return s.where(s.notna() & (s != ""), None).astype(object)


def _finite(num: pd.Series) -> pd.Series:
    """*num* with non-finite values (``inf``, ``-1e309``) made missing, so that their text
    is reported as an unknown answer instead of read as a code (``-inf`` as a negative
    "not answered" code) (attack 5, V1)."""
    num = num.astype("float64")
    return num.where(np.isfinite(num.to_numpy()) | num.isna())


def _label_key(value: str) -> str:
    s = normalize_text(value)
    s = re.sub(r"^\d+\s*", "", s)            # "5 - Strongly agree", "(1) Strongly disagree"
    s = re.sub(r"\s*\d+$", "", s)            # "Strongly agree (5)"
    return s.strip()


def agreement_level(label: object) -> float | None:
    """The 1..5 agreement level a label names (``"Strongly agree"`` → 5.0), ``nan`` for a
    "no answer" label (``"Don't know"``), ``None`` for anything else (numbers included)."""
    key = _label_key(str(label))
    if key in _AGREE_LABELS:
        return _AGREE_LABELS[key]
    return float("nan") if key in MISSING_LABELS else None


@dataclass
class ScaleResult:
    """Outcome of :func:`map_agreement` for a block of item columns."""

    values: pd.DataFrame
    n_missing_codes: int = 0
    n_dont_know_codes: int = 0
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def map_agreement(frame: pd.DataFrame, *, file: str = "", rows: Iterable[int] | None = None
                  ) -> ScaleResult:
    """Turn agreement answers of item columns into 1..5 floats.

    Parameters
    ----------
    frame : DataFrame
        Item columns (named by item code) of text or numbers, one row per respondent.
    file : str
        Display path for problems.
    rows : iterable of int, optional
        Spreadsheet row number of each row (defaults to ``frame.index``).

    Returns
    -------
    ScaleResult
        ``values``: float64 columns, NaN where blank, "don't know"-style labels, ``-99`` or
        negative codes (Qualtrics N/A recodes); ``n_missing_codes`` counts the latter two.
        Code 6 is the instrument's "Don't know" (``templates/response_sets.csv``) and
        becomes missing, counted in ``n_dont_know_codes``, unless a 7 also occurs.
        Problems: unknown labels, numeric values outside 1..5 and 7-point scales (detected
        from a 7 or from moderate and plain labels on the same side, e.g. "Agree" and
        "Somewhat agree"), each naming the column and first offending row.
    """
    res = ScaleResult(values=pd.DataFrame(index=frame.index))
    row_no = pd.Series(list(rows) if rows is not None else list(frame.index), index=frame.index)
    labels_seen: set[str] = set()
    for col in frame.columns:
        text = as_text(frame[col])
        num = _finite(pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce"))
        is_num = num.notna()
        out = pd.Series(np.nan, index=frame.index, dtype="float64")
        # numeric codes
        neg = is_num & (num < 0)
        res.n_missing_codes += int(neg.sum())
        ok = is_num & num.isin([1, 2, 3, 4, 5])
        out[ok] = num[ok]
        top_all = float(num[is_num].max()) if is_num.any() else 0.0
        dk = is_num & (num == DONT_KNOW_CODE) & (top_all < 7)
        if dk.any():
            res.n_dont_know_codes += int(dk.sum())
        bad_num = is_num & ~neg & ~ok & ~dk
        if bad_num.any():
            top = float(num[bad_num].max())
            first = int(row_no[bad_num].iloc[0])
            quoted: tuple = ()
            if 5 < top <= 7 and (num[is_num & ~neg] % 1 == 0).all():
                msg = (f"answers go up to {top:g}: this looks like a 7-point (or 6-point) scale; the "
                       "instrument uses 5 points (1 = strongly disagree … 5 = strongly agree) — "
                       "re-field on 5 points or recode to 1..5 before import")
            else:
                example = f"{num[bad_num].iloc[0]:g}"   # a cell: withheld in kept files (WH1)
                msg = (f"{int(bad_num.sum())} answer(s) such as {example} are not "
                       "1..5 codes (1 = strongly disagree … 5 = strongly agree)")
                quoted = (example, str(text[bad_num].iloc[0]).strip())
            res.problems.append(Problem(file, msg, row=first, column=str(col),
                                        quoted=quoted))
        # labels
        lab = text[~is_num & text.notna()]
        if len(lab):
            keys = lab.map(_label_key)
            mapped = keys.map(_AGREE_LABELS).astype("float64")
            missing = keys.isin(MISSING_LABELS)
            labels_seen.update(keys[mapped.notna()].unique())
            out[mapped.index] = mapped
            unknown = mapped.isna() & ~missing
            if unknown.any():
                vals = sorted(set(lab[unknown]))[:5]
                res.problems.append(Problem(
                    file, f"{int(unknown.sum())} answer(s) are not agreement labels: "
                    f"{', '.join(repr(v) for v in vals)} (expected Strongly disagree … Strongly "
                    "agree, a number 1..5, or Don't know / N/A)",
                    row=int(row_no[unknown[unknown].index[0]]), column=str(col),
                    quoted=tuple(repr(v) for v in vals)))
        res.values[col] = out.astype("float64")
    for side in ("agree", "disagree"):
        moderate = {f"{m} {side}" for m in _MODERATE} | {f"{side} somewhat"}
        if side in labels_seen and labels_seen & moderate:
            both = sorted(labels_seen & moderate)[0]
            res.problems.append(Problem(
                file, f"answers use both '{side}' and '{both}': a 7-point agreement scale; the "
                "instrument uses 5 points — re-field on 5 points or recode to 1..5 before "
                "import"))
            break
    return res


#: Frequency labels that name no one band ("less than once a week" spans monthly and
#: rarely, "not every day" everything below daily, "every few weeks" falls between weekly
#: and monthly): read as unrecognised (a problem naming them), never as the band their
#: words also contain (attack 41, FQ1).
_FREQ_OPEN = re.compile(r"\b(less than|fewer than|not every|not daily|not weekly|every few|"
                        r"every couple)\b")
_FREQ_PATTERNS = [
    ("never", r"^(never|not at all|no contact)$"),
    ("daily", r"(daily|every ?day|several times a day|multiple times a day|once a day|"
              r"many times a day)"),
    ("several_weekly", r"(several|few|2 ?3|2 to 3|two or three|multiple|2 4|more than once) "
                       r"(times )?((a |per |each )week|weekly)"),
    ("weekly", r"(weekly|once a week|every week|once per week|about once a week)"),
    ("rarely", r"(rarely|seldom|less often|less than monthly|less than once a month|hardly|"
               r"occasionally|quarterly|yearly)"),
    ("monthly", r"(monthly|month)"),
]


def map_frequency(values: pd.Series, *, file: str = "", column: str = "FREQ",
                  rows: Iterable[int] | None = None) -> tuple[pd.Series, list[str],
                                                              list[Problem]]:
    """Map communication-frequency answers to the ``FREQ`` categories of SPEC §2.1.

    Parameters
    ----------
    values : Series
        Labels (``"Several times a week"``, ``"Once a month"``, canonical codes) or numeric
        codes 1..6 (read in the instrument's order daily … never, with a warning).
    file, column : str
        For messages.
    rows : iterable of int, optional
        Spreadsheet row numbers (default: the index).

    Returns
    -------
    (Series, list of str, list of Problem)
        Canonical codes (``pd.NA`` when blank or "don't know"), warnings, problems for
        labels that match no category.
    """
    row_no = pd.Series(list(rows) if rows is not None else list(values.index), index=values.index)
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    keys = text.map(lambda v: normalize_text(v) if isinstance(v, str) else None, na_action="ignore")
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    warnings: list[str] = []
    problems: list[Problem] = []
    canon = keys.str.replace(" ", "_", regex=False)
    is_canon = canon.isin(FREQ_CODES)
    out[is_canon] = canon[is_canon]
    num = _finite(pd.to_numeric(text, errors="coerce"))
    is_code = num.isin(range(1, 7))
    # negative codes (-99 "seen but not answered" in Qualtrics, -9 / -1 in SPSS files) are
    # missing answers, not unrecognised labels
    neg = (num < 0).fillna(False) & ~is_canon
    if neg.any():
        warnings.append(f"{column}: {int(neg.sum())} answer(s) coded "
                        f"{', '.join(sorted({str(int(x)) for x in num[neg]}))} read as "
                        "missing (not answered)")
        keys = keys.mask(neg)
    if is_code.any():
        out[is_code] = num[is_code].astype(int).map(lambda i: FREQ_CODES[i - 1])
        warnings.append(f"{column}: numeric answers read as the instrument's order 1 = daily … "
                        "6 = never; check the export's recode values")
    rest = keys.notna() & ~is_canon & ~is_code
    if rest.any():
        uniq = pd.Series(keys[rest].unique())
        lookup = {}
        rs_labels = response_set_lookup("freq6")[0]
        for k in uniq:
            lookup[k] = rs_labels.get(k)
            if lookup[k] is not None:
                continue
            if k in MISSING_LABELS:
                lookup[k] = "__missing__"
                continue
            if _FREQ_OPEN.search(k) and not re.search(r"less than (monthly|once a month)", k):
                continue   # no one band: a problem names it
            for code, pat in _FREQ_PATTERNS:
                if re.search(pat, k):
                    lookup[k] = code
                    break
        mapped = keys[rest].map(lookup)
        good = mapped.notna() & (mapped != "__missing__")
        out[good[good].index] = mapped[good]
        bad = mapped.isna()
        if bad.any():
            vals = sorted(set(text[bad[bad].index]))[:5]
            problems.append(Problem(file, f"communication frequency answers not recognised: "
                                    f"{', '.join(repr(v) for v in vals)} (expected daily, "
                                    "several times a week, weekly, monthly, rarely, never)",
                                    row=int(row_no[bad[bad].index[0]]), column=column,
                                    quoted=tuple(repr(v) for v in vals)))
    return out, warnings, problems


def response_set_lookup(name: str) -> tuple[dict[str, str], dict[int, str]]:
    """Return the instrument's answer options of response set *name*.

    Returns
    -------
    (dict, dict)
        Normalised label -> canonical value, and numeric code (the option's position, what
        a survey platform records) -> canonical value. Empty when the response set or the
        instrument files are not available.
    """
    try:
        from ..instrument import load_response_sets
        rs = load_response_sets()
    except (ImportError, FileNotFoundError, ValueError):
        return {}, {}
    rs = rs.loc[(rs["response_set"] == name) & (rs["value"] != "")]
    return ({normalize_text(l): v for l, v in zip(rs["label"], rs["value"])},
            {int(c): v for c, v in zip(rs["code"], rs["value"])})


def _by_response_set(text: pd.Series, name: str, what: str, warnings: list[str]) -> pd.Series:
    """Map labels (and numeric codes, with a warning) through the instrument's options."""
    labels, codes = response_set_lookup(name)
    out = text.map(lambda v: labels.get(normalize_text(v)), na_action="ignore").astype(object)
    num = pd.to_numeric(text, errors="coerce")
    is_code = out.isna() & num.isin(list(codes))
    if is_code.any():
        out[is_code] = num[is_code].astype(int).map(codes)
        warnings.append(f"{what}: numeric answers read with the instrument's codes "
                        f"({', '.join(f'{k} = {v}' for k, v in sorted(codes.items()))})")
    return out.astype("string")


def _canon_team(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def map_teams(values: pd.Series, team_map: Mapping[str, str], *, file: str = "",
              column: str = "team", rows: Iterable[int] | None = None,
              warnings: list[str] | None = None) -> tuple[pd.Series, list[Problem]]:
    """Apply ``[survey] team_map`` to the raw team column.

    Raw values are matched to ``team_map`` keys ignoring case and surrounding spaces;
    values that already are canonical teams (``Sales``, ``sales development``) are kept;
    the instrument's own answer labels (``Marketing``, ``Sales development (SDR / BDR)``)
    and, with a warning, its numeric codes 1..6 are understood.

    Parameters
    ----------
    values : Series
        Raw team values, one per respondent.
    team_map : mapping of str to str
        Raw value -> canonical team.
    file, column : str
        For messages.
    rows : iterable of int, optional
        Spreadsheet row numbers (default: the index).
    warnings : list of str, optional
        Receives visible remarks (numeric codes read with the instrument's order).

    Returns
    -------
    (Series, list of Problem)
        Canonical teams (``pd.NA`` where the raw value is blank) and one problem listing the
        values that map to no team (with a ``team_map`` hint).
    """
    warnings = warnings if warnings is not None else []
    row_no = pd.Series(list(rows) if rows is not None else list(values.index), index=values.index)
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    lookup = {str(k).strip().casefold(): v for k, v in team_map.items()}
    folded = text.str.casefold()
    out = folded.map(lookup).astype("string")
    canon = text.map(_canon_team, na_action="ignore").astype("string")
    use = out.isna() & canon.isin(TEAMS)
    out[use] = canon[use]
    problems: list[Problem] = []
    if (out.isna() & text.notna()).any():
        notes: list[str] = []
        rs = _by_response_set(text, "team", "team", notes)
        use = out.isna() & rs.notna()
        out[use] = rs[use]
        warnings.extend(notes)
    bad = out.isna() & text.notna()
    if bad.any():
        vals = sorted(set(text[bad]))
        shown = ", ".join(repr(v) for v in vals[:8]) + (" …" if len(vals) > 8 else "")
        example = ", ".join(f"{v!r} = \"{_guess_team(v)}\"" for v in vals[:3])
        problems.append(Problem(file, f"{int(bad.sum())} respondent(s) have a team that maps to "
                                f"no canonical team: {shown}; add them to [survey] team_map "
                                f"with the team each belongs to, e.g. team_map = {{ {example} }} "
                                f"(check each; teams: {', '.join(TEAMS)})",
                                row=int(row_no[bad].iloc[0]), column=column,
                                quoted=tuple(repr(v) for v in vals[:8])))
    return out, problems


_TEAM_HINTS = [
    ("sales_development", r"(sdr|bdr|sales development|business development|inside sales)"),
    ("marketing", r"(marketing|demand|brand|content|campaign|growth|digital|communications|"
                  r"product marketing|events|pr\b)"),
    ("revops", r"(rev ?ops|revenue operations|sales ops|operations|crm|analytics)"),
    ("leadership", r"(leadership|executive|board|c suite|ceo|cro|cmo)"),
    ("sales", r"(sales|account|ae\b|closing|partner|channel)"),
]


def _guess_team(value: str) -> str:
    """A likely canonical team for an unmapped team name, for the error's example only
    (never applied: the consultant decides)."""
    v = re.sub(r"[^a-z0-9]+", " ", str(value).casefold())
    for team, pat in _TEAM_HINTS:
        if re.search(pat, v):
            return team
    return "other"


_LEVEL_PATTERNS = [
    # "Non-manager", "Not a manager", "No people management" first (attack 41, TN1)
    ("individual", r"(non|not a|not|no) (people )?(manager|management|supervisor|lead)"),
    ("executive", r"(exec|director|vp|vice president|head of|chief|c level|c suite|cxo|"
                  r"senior leader|leadership|president|cmo|cro|ceo)"),
    ("manager", r"(manager|team lead|lead|supervisor|management)"),
    ("individual", r"(individual|contributor|ic|staff|employee|specialist|rep|associate|"
                   r"non manager|analyst)"),
]


def map_level(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """Map job-level labels to ``individual``/``manager``/``executive``.

    Returns the canonical values (``pd.NA`` when blank or unrecognised) and warnings naming
    unrecognised labels (level is optional: they become missing, visibly).
    """
    warns: list[str] = []
    text = values.astype("string").str.strip().replace("", pd.NA)
    first = _by_response_set(text, "level", "level", warns)
    rest, more = _map_patterns(text.where(first.isna()), _LEVEL_PATTERNS,
                               ("individual", "manager", "executive"), "level")
    return first.fillna(rest), warns + more


def map_tenure(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """Map tenure labels (``Less than 1 year``, ``1-3 years``, ``5+``) to ``<1y``/``1-3y``/
    ``3-5y``/``5y+``; unrecognised labels become missing with a warning."""
    def one(v: str) -> str | None:
        s = str(v).strip().lower().replace("\u2013", "-").replace(" to ", "-")
        if s in ("<1y", "1-3y", "3-5y", "5y+"):
            return s
        if re.search(r"(less than|under|<)\s*(1|one)\b|^0\s*-\s*1\b|months", s):
            return "<1y"
        nums = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", s)]
        if not nums:
            return None
        lo = nums[0]
        # an open band is one band only at the ends: "less than 3 years" spans <1y and
        # 1-3y, "more than 1 year" everything above (attack 41, TN1): not read as one
        if re.search(r"(less than|under|below|up to|<)", s):
            return None
        if re.search(r"(\+|more than|over|or more|at least|above|>)", s):
            return "5y+" if lo >= 5 else None
        hi = nums[1] if len(nums) > 1 else lo
        if hi <= 1:
            return "<1y"
        if lo >= 5:
            return "5y+"
        if lo >= 3:
            return "3-5y"
        if hi <= 3:
            return "1-3y"
        return None
    warns: list[str] = []
    text = values.astype("string").str.strip().replace("", pd.NA)
    first = _by_response_set(text, "tenure", "tenure", warns)
    text = text.where(first.isna())
    uniq = {v: one(v) for v in text.dropna().unique() if v}
    out = text.map(uniq, na_action="ignore").astype("string")
    bad = sorted(k for k, v in uniq.items() if v is None)
    if bad:
        warns.append(_unrecognised("tenure", text, bad))
    return first.fillna(out), warns


def _unrecognised(what: str, text: pd.Series, bad) -> str:
    """The warning for labels no vocabulary knows: how many and in which rows, not the
    labels (a shifted column puts anyone's name or id there: attack 23, NM1)."""
    from .base import rows_note

    where = rows_note(text.index[text.isin(list(bad)).fillna(False).to_numpy(dtype=bool)])
    return (f"{what}: {len(bad)} label(s) not recognised, left blank "
            f"({where} of the export)")


def _map_patterns(values: pd.Series, patterns, canon, what: str):
    text = values.astype("string").str.strip()
    uniq = {}
    for v in text.dropna().unique():
        if not v:
            continue
        k = normalize_text(v)
        uniq[v] = k if k in canon else next((c for c, p in patterns
                                            if re.search(rf"\b{p}\b", k)), None)
    out = text.map(uniq, na_action="ignore").astype("string")
    bad = sorted(k for k, v in uniq.items() if v is None)
    warns = [_unrecognised(what, text, bad)] if bad else []
    return out, warns
