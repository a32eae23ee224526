"""Map survey-platform columns and answers to the instrument (SPEC §2.1, §3).

Three jobs shared by every survey importer:

* **Question text → item code.** A column is matched, in this order, by the ``[survey] items``
  mapping of ``engagement.toml`` (keyed by export tag or question text), by an export tag that
  *is* an item code (``FAIR1``), or by fuzzy matching of its question text against the
  instrument's ``wording`` (``templates/instrument.csv``).
* **Answer labels → 1..5**, teams and categories: :mod:`toolkit.intake.answers` (re-exported
  here).

Fuzzy matching method
---------------------
Both texts are normalised (Unicode NFKD without accents, lower case, HTML tags and
punctuation removed, whitespace collapsed). The similarity of a column text and an item
wording is ``max(difflib ratio, Dice coefficient of content-word sets)``: the difflib ratio
(Ratcliff/Obershelp, Python's :class:`difflib.SequenceMatcher`) rewards near-identical
strings, the Dice overlap of content words (stop words removed) survives re-ordering and
small edits. Each column is also compared by its *statement part* (after the last `` - `` of
a Qualtrics matrix label, inside ``[...]`` of a Google Forms grid, or a truncated ``...``
prefix), and the best variant counts.

* ``MATCH_CUTOFF = 0.80`` — accepted. Verbatim or lightly edited wording scores 0.9–1.0;
  sibling items of one scale share topic words but score 0.35–0.70 against each other.
* ``WEAK_CUTOFF = 0.55`` — between the two cut-offs the column is **not** mapped and a
  warning names the closest item, so that the consultant can confirm it in ``[survey]
  items``.
* ``AMBIGUITY_MARGIN = 0.05`` — when the two best items are closer than this, the column is
  not mapped and the ambiguity is reported.
* Two columns mapped to one item code is a blocking problem.

Bounded work (attack 6 H1)
--------------------------
Every text is normalised once per :func:`match_columns` call, and only its first
``MAX_TEXT_CHARS = 1000`` normalised characters (from at most ``MAX_RAW_CHARS = 8000`` raw
characters) are compared: the longest question texts of real exports have a few hundred
characters, and an instrument wording under 200, so a longer text never decides a match.
Before the expensive difflib ratio, an exact upper bound of the similarity is computed for
every item at once — the Dice overlap of content words (from an inverted index of the
items' words) and a character-count bound of the difflib ratio (which never exceeds
``quick_ratio``) — and only items whose bound reaches ``WEAK_CUTOFF`` are scored. An item
below the bound cannot be matched, warned about or be the runner-up of an accepted match
(that needs a score over ``MATCH_CUTOFF - AMBIGUITY_MARGIN``), so the outcome is that of
scoring every item; the work is linear in the header's size. A survey export with more than
:data:`MAX_SURVEY_COLUMNS` columns is refused before matching
(:func:`toolkit.intake.surveybuild.build_survey`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..exceptions import Problem
from .text import normalize_text

MATCH_CUTOFF = 0.80
WEAK_CUTOFF = 0.55
AMBIGUITY_MARGIN = 0.05
#: Normalised characters of a text that are compared (see "Bounded work").
MAX_TEXT_CHARS = 1000
#: Raw characters of a text that are normalised (HTML markup and punctuation drop out).
MAX_RAW_CHARS = 8 * MAX_TEXT_CHARS
#: Widest survey export accepted, in columns: the workbook limit
#: (:data:`toolkit.spreadsheet.MAX_COLUMNS`); Qualtrics exports of large surveys have a few
#: hundred to about 2,000 columns with their embedded data.
MAX_SURVEY_COLUMNS = 2000


_STOP = frozenset(
    "a an the and or of to in on for with by at from is are be been was were it its this that "
    "these those our my i we you your their they them as do does than then there here me us "
    "about into over under between each other".split())

# --------------------------------------------------------------------------------------------
# Text normalisation and similarity
# --------------------------------------------------------------------------------------------


def _content_words(norm: str) -> set[str]:
    return {w for w in norm.split() if w not in _STOP}


@dataclass(frozen=True)
class _Text:
    """A text prepared for comparison: normalised (bounded), content words, char counts."""

    norm: str
    words: frozenset
    counts: np.ndarray


#: Character buckets of the count bound: a-z, 0-9, space, 16 buckets for other characters.
_N_BUCKETS = 26 + 10 + 1 + 16


def _buckets(norm: str) -> np.ndarray:
    cp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    b = 37 + cp % 16
    b = np.where((cp >= 97) & (cp <= 122), cp - 97, b)
    b = np.where((cp >= 48) & (cp <= 57), cp - 48 + 26, b)
    b = np.where(cp == 32, 36, b)
    return np.bincount(b, minlength=_N_BUCKETS)


def _prepare(text: object, cache: dict | None = None) -> _Text:
    """Normalise *text* once (first :data:`MAX_TEXT_CHARS` normalised characters)."""
    key = text if isinstance(text, str) else None
    if cache is not None and key is not None and key in cache:
        return cache[key]
    raw = text[:MAX_RAW_CHARS] if isinstance(text, str) else text
    norm = normalize_text(raw)[:MAX_TEXT_CHARS].strip()
    out = _Text(norm, frozenset(_content_words(norm)), _buckets(norm))
    if cache is not None and key is not None:
        cache[key] = out
    return out


def _similarity(a: _Text, b: _Text) -> float:
    na, nb = a.norm, b.norm
    if not na or not nb:
        return 0.0
    wa, wb = a.words, b.words
    dice = 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    sm = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    if sm.real_quick_ratio() <= dice or sm.quick_ratio() <= dice:
        return dice  # the ratio cannot exceed these upper bounds
    return max(sm.ratio(), dice)


def text_similarity(a: str, b: str) -> float:
    """Similarity of two texts in 0..1 (see the module notes for the method).

    Parameters
    ----------
    a, b : str
        Texts, normalised or not; only their first :data:`MAX_TEXT_CHARS` normalised
        characters are compared.

    Returns
    -------
    float
        ``max(difflib ratio, Dice coefficient of content words)``.
    """
    return _similarity(_prepare(a), _prepare(b))


def _grid_row(text: str) -> str | None:
    """The row of a Google Forms grid label ``Question [Row]`` (the ``[...]`` closing the
    text), in linear time; the same as ``re.search(r"\\[([^\\]]+)\\]\\s*$", text)`` on a
    stripped text."""
    if not text.endswith("]"):
        return None
    j = len(text) - 1
    k = text.find("[", text.rfind("]", 0, j) + 1, j)
    return text[k + 1:j] if k != -1 and k + 1 < j else None


def _variants(text: str, cache: dict | None = None) -> list[tuple[str, bool]]:
    """Candidate texts of a column header: (text, is_truncated_prefix)."""
    text = str(text).replace("\xa0", " ").strip()
    out = [(text, False)]
    row = _grid_row(text)  # Google Forms grid "Question [Row]"
    if row is not None:
        out.append((row, False))
    for sep in (" - ", "-"):  # Qualtrics matrix "Stem - Statement" (legacy: "Stem-Statement")
        if sep in text:
            tail = text.rsplit(sep, 1)[1]
            if len(_prepare(tail, cache).norm.split()) >= 3:
                out.append((tail, False))
            break
    if text.endswith("...") or text.endswith("\u2026"):
        out.append((text.rstrip(".\u2026 "), True))
    return out


class _Items:
    """The instrument's wordings prepared once: texts, an inverted index of content words
    and the character counts of every item (for the similarity bounds)."""

    def __init__(self, wordings: Mapping[str, str], cache: dict):
        self.codes = list(wordings)
        self.texts = [_prepare(w, cache) for w in wordings.values()]
        self.n_words = np.array([len(t.words) for t in self.texts], dtype=float)
        self.lengths = np.array([len(t.norm) for t in self.texts], dtype=float)
        self.counts = (np.vstack([t.counts for t in self.texts]) if self.texts
                       else np.zeros((0, _N_BUCKETS), dtype=np.int64))
        self.index: dict[str, list[int]] = {}
        for i, t in enumerate(self.texts):
            for w in t.words:
                self.index.setdefault(w, []).append(i)

    def candidates(self, v: _Text) -> np.ndarray:
        """Indices of the items whose similarity with *v* may reach ``WEAK_CUTOFF``."""
        if not v.norm or not self.texts:
            return np.zeros(0, dtype=np.int64)
        shared = np.zeros(len(self.texts))
        for w in v.words:
            for i in self.index.get(w, ()):
                shared[i] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            dice = np.where(self.n_words > 0, 2 * shared / (len(v.words) + self.n_words), 0.0)
            common = np.minimum(self.counts, v.counts).sum(axis=1)
            ratio = np.where(self.lengths > 0, 2 * common / (len(v.norm) + self.lengths), 0.0)
        bound = np.maximum(dice, ratio)
        return np.flatnonzero(bound >= WEAK_CUTOFF - 1e-9)

    def scores(self, header: str, cache: dict) -> list[tuple[float, str]]:
        """``(score, code)`` of the items that may reach ``WEAK_CUTOFF``, as :func:`_score`
        gives them (items below the bound are left out: they cannot decide the outcome)."""
        best: dict[int, float] = {}
        for variant, truncated in _variants(header, cache):
            v = _prepare(variant, cache)
            if truncated:
                if len(v.norm) >= 20:
                    for i, t in enumerate(self.texts):
                        if t.norm.startswith(v.norm):
                            best[i] = max(best.get(i, 0.0), 0.95)
                continue
            for i in self.candidates(v):
                best[int(i)] = max(best.get(int(i), 0.0), _similarity(v, self.texts[i]))
        return [(s, self.codes[i]) for i, s in best.items()]


# --------------------------------------------------------------------------------------------
# Instrument
# --------------------------------------------------------------------------------------------


def instrument_wordings(instrument: pd.DataFrame | Mapping[str, str] | None = None
                        ) -> dict[str, str]:
    """Return ``{item code: wording}`` of the instrument.

    Parameters
    ----------
    instrument : DataFrame with ``code`` and ``wording`` columns, mapping, or None
        ``None`` loads the project's instrument (:func:`toolkit.instrument.load_instrument`,
        else ``templates/instrument.csv``).

    Raises
    ------
    FileNotFoundError
        When no instrument is given and none can be found.
    """
    if isinstance(instrument, Mapping):
        return {str(k): str(v) for k, v in instrument.items()}
    if instrument is None:
        try:
            from ..instrument import load_instrument  # type: ignore[attr-defined]
            instrument = load_instrument()
        except ImportError:
            from ..paths import TEMPLATES_DIR
            instrument = pd.read_csv(Path(TEMPLATES_DIR) / "instrument.csv", dtype=str)
    if not isinstance(instrument, pd.DataFrame):  # e.g. a list of item records
        instrument = pd.DataFrame([getattr(i, "__dict__", i) for i in instrument])
    df = instrument.reset_index() if "code" not in instrument.columns else instrument
    return dict(zip(df["code"].astype(str), df["wording"].astype(str)))


# --------------------------------------------------------------------------------------------
# Column matching
# --------------------------------------------------------------------------------------------


@dataclass
class ColumnMatches:
    """Outcome of :func:`match_columns`.

    Attributes
    ----------
    codes : dict of str to str
        Column -> instrument code (items, ``FREQ``, ``OPEN1``, ``OPEN2``).
    how : dict of str to str
        Column -> ``"items mapping"``, ``"export tag"`` or ``"question text (0.93)"``.
    unmatched : list of str
        Columns offered but not mapped.
    warnings : list of str
        Weak or ambiguous matches (not mapped).
    problems : list of Problem
        Blocking: mapping keys or codes that do not exist, duplicate targets.
    """

    codes: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def match_columns(columns: Mapping[str, str], wordings: Mapping[str, str], *,
                  mapping: Mapping[str, str] | None = None, file: str = "",
                  match_text: bool = True) -> ColumnMatches:
    """Match export columns to instrument codes.

    Parameters
    ----------
    columns : mapping of str to str
        Column key (export tag / header) -> question text shown to respondents (the same
        string when the export has one header row).
    wordings : mapping of str to str
        Instrument code -> wording (:func:`instrument_wordings`).
    mapping : mapping of str to str, optional
        ``[survey] items`` of ``engagement.toml``: export tag or question text -> code. Takes
        precedence; when it is given, columns it does not name are still matched by tag and
        text.
    file : str
        Display path for problems.
    match_text : bool
        Fuzzy-match question text (False: mapping and export tags only).

    Returns
    -------
    ColumnMatches
    """
    out = ColumnMatches()
    mapping = dict(mapping or {})
    cache: dict[str, _Text] = {}
    items = _Items(wordings, cache) if match_text else None
    codes_upper = {c.upper(): c for c in wordings}
    by_key = {str(k): str(k) for k in columns}
    by_text: dict[str, list[str]] = {}
    for k, t in columns.items():
        by_text.setdefault(normalize_text(t), []).append(k)
        by_text.setdefault(normalize_text(k), []).append(k)

    for key, code in mapping.items():
        target = codes_upper.get(str(code).strip().upper())
        if target is None:
            out.problems.append(Problem(file, f"[survey] items maps {key!r} to {code!r}, which is "
                                        "not an instrument item code", column=key))
            continue
        cols = [by_key[key]] if key in by_key else sorted(set(by_text.get(normalize_text(key),
                                                                          [])))
        if not cols:
            out.problems.append(Problem(file, f"[survey] items names column {key!r}, which is not "
                                        "in the export (neither an export tag nor a question "
                                        "text)", column=key))
            continue
        for col in cols:
            out.codes[col] = target
            out.how[col] = "items mapping"

    for col, text in columns.items():
        if col in out.codes:
            continue
        tag = str(col).strip().upper()
        if tag in codes_upper:
            out.codes[col] = codes_upper[tag]
            out.how[col] = "export tag"
            continue
        if not match_text:
            out.unmatched.append(col)
            continue
        scores = sorted(items.scores(text, cache), reverse=True)
        if not scores or scores[0][0] < WEAK_CUTOFF:
            out.unmatched.append(col)
            continue
        (s1, c1), (s2, c2) = scores[0], scores[1] if len(scores) > 1 else (0.0, "")
        label = _short(text)
        if s1 < MATCH_CUTOFF:
            out.unmatched.append(col)
            out.warnings.append(f"column {col!r} ({label}) resembles item {c1} only weakly "
                                f"(similarity {s1:.2f} < {MATCH_CUTOFF}); not used — map it in "
                                f"[survey] items if it is {c1}")
        elif s1 - s2 < AMBIGUITY_MARGIN:
            out.unmatched.append(col)
            out.warnings.append(f"column {col!r} ({label}) matches items {c1} ({s1:.2f}) and "
                                f"{c2} ({s2:.2f}) almost equally; not used — map it in "
                                "[survey] items")
        else:
            out.codes[col] = c1
            out.how[col] = f"question text ({s1:.2f})"

    seen: dict[str, list[str]] = {}
    for col, code in out.codes.items():
        seen.setdefault(code, []).append(col)
    for code, cols in seen.items():
        if len(cols) > 1:
            out.problems.append(Problem(file, f"columns {', '.join(repr(c) for c in cols)} all "
                                        f"map to item {code}; keep one (map the others away in "
                                        "[survey] items or remove them)", column=cols[0]))
    return out


def _short(text: object, n: int = 60) -> str:
    s = re.sub(r"\s+", " ", str(text)).strip()
    return repr(s if len(s) <= n else s[: n - 1] + "\u2026")
