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
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from ..exceptions import Problem
from .text import normalize_text

MATCH_CUTOFF = 0.80
WEAK_CUTOFF = 0.55
AMBIGUITY_MARGIN = 0.05


_STOP = frozenset(
    "a an the and or of to in on for with by at from is are be been was were it its this that "
    "these those our my i we you your their they them as do does than then there here me us "
    "about into over under between each other".split())

# --------------------------------------------------------------------------------------------
# Text normalisation and similarity
# --------------------------------------------------------------------------------------------


def _content_words(norm: str) -> set[str]:
    return {w for w in norm.split() if w not in _STOP}


def text_similarity(a: str, b: str) -> float:
    """Similarity of two texts in 0..1 (see the module notes for the method).

    Parameters
    ----------
    a, b : str
        Texts, normalised or not.

    Returns
    -------
    float
        ``max(difflib ratio, Dice coefficient of content words)``.
    """
    na, nb = normalize_text(a), normalize_text(b)
    if not na or not nb:
        return 0.0
    wa, wb = _content_words(na), _content_words(nb)
    dice = 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    sm = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    if sm.real_quick_ratio() <= dice or sm.quick_ratio() <= dice:
        return dice  # the ratio cannot exceed these upper bounds
    return max(sm.ratio(), dice)


def _variants(text: str) -> list[tuple[str, bool]]:
    """Candidate texts of a column header: (text, is_truncated_prefix)."""
    text = str(text).replace("\xa0", " ").strip()
    out = [(text, False)]
    m = re.search(r"\[([^\]]+)\]\s*$", text)  # Google Forms grid "Question [Row]"
    if m:
        out.append((m.group(1), False))
    for sep in (" - ", "-"):  # Qualtrics matrix "Stem - Statement" (legacy: "Stem-Statement")
        if sep in text:
            tail = text.rsplit(sep, 1)[1]
            if len(normalize_text(tail).split()) >= 3:
                out.append((tail, False))
            break
    if text.endswith("...") or text.endswith("\u2026"):
        out.append((text.rstrip(".\u2026 "), True))
    return out


def _score(header: str, wording: str) -> float:
    best = 0.0
    nw = normalize_text(wording)
    for variant, truncated in _variants(header):
        if truncated:
            nv = normalize_text(variant)
            if len(nv) >= 20 and nw.startswith(nv):
                best = max(best, 0.95)
            continue
        best = max(best, text_similarity(variant, wording))
    return best


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
        scores = sorted(((_score(text, w), c) for c, w in wordings.items()), reverse=True)
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
