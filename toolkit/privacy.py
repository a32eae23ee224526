"""Privacy rules of SPEC §8: anonymity thresholds, pseudonyms, redaction, safe cells.

* :func:`suppress_counts` — which groups of a breakdown must be hidden: every group with
  fewer than ``min_group_size`` members, plus *complementary* groups so that a hidden group
  cannot be recovered by subtracting the shown groups from a published total.
* :func:`suppression_note` — the sentence the report prints about what was hidden and why.
* :func:`pseudonymize` — stable ``Rep 01`` labels for owner or respondent ids.
* :func:`redact` — removes e-mail addresses, phone numbers and known names from free text.
* :func:`neutralize_cell` — defuses spreadsheet formula injection (OWASP "CSV injection").

The threshold of 5 is the survey-platform default (Qualtrics EX, Lattice, 15Five, Viva
Insights; SPEC §9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

BELOW_THRESHOLD = "below_threshold"
COMPLEMENTARY = "complementary"


@dataclass
class Suppression:
    """Outcome of :func:`suppress_counts`.

    Attributes
    ----------
    hidden : set of str
        Every group that must not be shown (primary and complementary).
    primary : set of str
        Groups hidden because they are smaller than the threshold.
    complementary : set of str
        Groups hidden only so that a primary group cannot be recovered by subtraction.
    records : list of dict
        ``{"where", "group", "reason"}`` for each hidden group (no counts: SPEC §6.1).
    """

    hidden: set = field(default_factory=set)
    primary: set = field(default_factory=set)
    complementary: set = field(default_factory=set)
    records: list = field(default_factory=list)

    def shown(self, group: str) -> bool:
        """Return True when *group* may be shown."""
        return group not in self.hidden


def suppress_counts(counts: Mapping[str, int], min_size: int, *, where: str = "",
                    total_published: bool = True) -> Suppression:
    """Decide which groups of one breakdown to hide (primary + complementary suppression).

    Parameters
    ----------
    counts : mapping of str to int
        Members per group. Groups with 0 members are ignored (an empty group reveals no one).
    min_size : int
        Anonymity threshold (``min_group_size``): groups with ``0 < n < min_size`` are hidden.
    where : str, optional
        Where the breakdown is reported (e.g. ``"survey.participation"``), copied into the
        records.
    total_published : bool, default True
        Whether the total over all groups is shown or derivable. Then, if exactly one group
        is hidden, or the hidden groups together have fewer than ``min_size`` members, the
        next-smallest shown group is hidden as well (repeatedly), so subtraction from the
        total reveals neither a hidden group nor a combination smaller than the threshold.
        If the whole breakdown has fewer than ``min_size`` members, everything is hidden.

    Returns
    -------
    Suppression
        Hidden groups and the records to report. Ties are broken by group name, so the
        result is deterministic.

    Examples
    --------
    >>> s = suppress_counts({"sales": 30, "marketing": 12, "revops": 4}, 5)
    >>> sorted(s.primary), sorted(s.complementary)
    (['revops'], ['marketing'])
    """
    present = {str(g): int(n) for g, n in counts.items() if n and int(n) > 0}
    res = Suppression()
    res.primary = {g for g, n in present.items() if n < min_size}
    hidden = set(res.primary)
    if total_published and hidden:
        visible = sorted((n, g) for g, n in present.items() if g not in hidden)
        while visible and (len(hidden) == 1 or sum(present[g] for g in hidden) < min_size):
            hidden.add(visible.pop(0)[1])
    res.hidden = hidden
    res.complementary = hidden - res.primary
    for g in sorted(res.primary):
        res.records.append({"where": where, "group": g, "reason": BELOW_THRESHOLD})
    for g in sorted(res.complementary):
        res.records.append({"where": where, "group": g, "reason": COMPLEMENTARY})
    return res


def suppression_note(records: Iterable[Mapping], min_size: int) -> str:
    """Return the report sentence saying what was hidden and why.

    Parameters
    ----------
    records : iterable of mapping
        ``{"where", "group", "reason"}`` records (as in ``survey.suppressed``).
    min_size : int
        The anonymity threshold.

    Returns
    -------
    str
        ``""`` when nothing was hidden; else one or two sentences naming the hidden groups
        (never their size).
    """
    records = list(records)
    if not records:
        return ""
    prim = sorted({_label(r["group"]) for r in records if r.get("reason") != COMPLEMENTARY})
    comp = sorted({_label(r["group"]) for r in records if r.get("reason") == COMPLEMENTARY}
                  - set(prim))
    parts = []
    if prim:
        parts.append(f"Hidden for anonymity: {', '.join(prim)} — fewer than {min_size} "
                     "respondents, so their figures are not shown anywhere in this report.")
    if comp:
        parts.append(f"Also hidden: {', '.join(comp)}, so that the hidden group cannot be "
                     "worked out by subtracting the shown groups from the total.")
    return " ".join(parts)


def _label(group: str) -> str:
    return str(group).replace("_", " ")


def pseudonymize(ids: Iterable, *, prefix: str = "Rep") -> dict:
    """Map identifiers to stable pseudonyms such as ``Rep 01``.

    Parameters
    ----------
    ids : iterable
        Owner or respondent identifiers (any hashable; missing values are skipped).
    prefix : str, default "Rep"
        Label prefix.

    Returns
    -------
    dict
        ``{original id: "Rep 01", ...}``. Numbering follows the sorted string form of the
        distinct ids, so the same set of ids always gets the same labels whatever their
        order or repetition; at least two digits, more when there are 100+ ids.
    """
    distinct = {}
    for i in ids:
        if i is None or (isinstance(i, float) and i != i):
            continue
        s = str(i)
        if s.strip() == "" or s.lower() in {"nan", "nat", "<na>"}:
            continue
        distinct.setdefault(s, i)
    keys = sorted(distinct)
    width = max(2, len(str(len(keys))))
    return {distinct[k]: f"{prefix} {n:0{width}d}" for n, k in enumerate(keys, start=1)}


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-']+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9\-]+"
                      r"(?:\s*(?:\.|\(dot\)|\[dot\])\s*[A-Za-z0-9\-]+)+")
#: A run of digits with optional +country code, brackets and separators.
PHONE_RE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,5}\)[\s.\-]?)?\d{2,12}"
                      r"(?:[\s.\-/]\d{2,6}){0,4}(?![\w])")
EMAIL_MASK = "[e-mail removed]"
PHONE_MASK = "[phone removed]"
NAME_MASK = "[name removed]"


def _phone(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    if len(digits) < 7:
        return m.group(0)
    return PHONE_MASK


def make_redactor(names: Iterable[str] = ()):
    """Build a redaction function for a fixed list of known names (compiled once).

    Parameters
    ----------
    names : iterable of str
        Known names (respondents, owners); see :func:`redact`.

    Returns
    -------
    callable
        ``f(text) -> str | None`` doing what :func:`redact` does.
    """
    full, parts = set(), set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        name = " ".join(name.split())
        full.add(name)
        # CRM owner ids are often "felix.kowalski" / "felix_kowalski": the person is written
        # "Felix Kowalski" in a comment, so the spaced form and the capitalised parts count.
        pieces = [p for p in re.split(r"[\s,._-]+", name) if p]
        if len(pieces) > 1:
            full.add(" ".join(pieces))
        for p in pieces:
            if len(p) >= 3 and p.isalpha():
                parts.update({p.upper(), p[0].upper() + p[1:].lower()})
                if p[0].isupper():
                    parts.add(p)

    def alternation(words):
        alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return rf"(?<!\w)(?:{alts})(?!\w)"

    full_re = re.compile(alternation(full), re.IGNORECASE) if full else None
    parts_re = re.compile(alternation(parts)) if parts else None

    def _redact(text):
        if text is None or (isinstance(text, float) and text != text):
            return None
        out = EMAIL_RE.sub(EMAIL_MASK, str(text))
        out = PHONE_RE.sub(_phone, out)
        if full_re is not None:
            out = full_re.sub(NAME_MASK, out)
        if parts_re is not None:
            out = parts_re.sub(NAME_MASK, out)
        return out

    return _redact


def redact(text, names: Iterable[str] = ()) -> str | None:
    """Remove e-mail addresses, phone numbers and known names from a comment.

    Parameters
    ----------
    text : str or None
        Free text (a survey comment).
    names : iterable of str
        Known names (respondents, owners). A full name is removed case-insensitively, also
        with its separators as spaces (``"felix.kowalski"`` → ``Felix Kowalski``); each
        part of a multi-part name of 3+ letters (``"Jane Smith"`` → ``Jane``, ``Smith``) is
        removed when written capitalised or in capitals, so ordinary lower-case words stay
        readable. For many texts, build the redactor once with :func:`make_redactor`.

    Returns
    -------
    str or None
        The redacted text (masks ``[e-mail removed]``, ``[phone removed]``,
        ``[name removed]``); ``None`` for missing input. Phone numbers are runs of 7+ digits
        (with optional ``+country``, brackets and single separators), so years, counts and
        percentages survive.
    """
    return make_redactor(names)(text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value):
    """Defuse spreadsheet formula injection in one cell value (SPEC §8).

    Parameters
    ----------
    value : any
        A cell value bound for an exported spreadsheet or CSV.

    Returns
    -------
    any
        Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
        apostrophe (the OWASP "CSV injection" mitigation), so spreadsheet software shows it
        as text instead of evaluating it. Numbers and other types are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
