"""Respondent identifiers out of every text that reaches an output (SPEC §8).

A respondent id is neither a name nor an e-mail address, so the name redactor
(:func:`toolkit.privacy.make_redactor`) does not see it; yet a misaligned or hand-edited
export can put one in any cell an intake warning quotes (a Qualtrics ``Status``, a CRM
``Activity Type``: attack 20, WL) or in a comment. :func:`make_id_mask` takes the ids of this
engagement's survey export — every row read, dropped rows included — out of any text, in time
linear in the text's length.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

ID_MASK = "[id removed]"

#: An id made only of digits is masked from this many digits on: shorter numbers cannot be
#: told from counts and years in the toolkit's own text ("2024", "120 leads").
MIN_NUMERIC_ID_DIGITS = 5

#: Any other id is masked from this many characters on (``R12`` with a letter and a digit
#: from three).
MIN_ID_CHARS = 4

#: Ids longer than this are compared as whole words only (one length tried per word start);
#: no real export's ids come near it.
MAX_SCANNED_ID_CHARS = 80

# a place where an id may start: any non-space character not preceded by a word character
_STARTS = re.compile(r"(?<!\w)\S")


def maskable(rid: str) -> bool:
    """Whether *rid* is specific enough to be taken out of text wherever it occurs.

    Parameters
    ----------
    rid : str
        A respondent id as read (surrounding spaces ignored).

    Returns
    -------
    bool
        True for ids of at least :data:`MIN_ID_CHARS` characters (``R_38147``, ``row12``,
        ``resp-0001``, ``xKqLmPz``), of three characters holding a letter and a digit
        (``R12``), and for numbers of at least :data:`MIN_NUMERIC_ID_DIGITS` digits
        (SurveyMonkey's ``114691234567``); False for short numbers, one- or two-character ids
        and ids that are written as a word (letters only, no capital after the first:
        ``sales``, ``Anon``), which cannot be told from the counts, years and words of the
        report's own text.
    """
    s = rid.strip()
    if s.isdigit():
        return len(s) >= MIN_NUMERIC_ID_DIGITS
    if s.isalpha() and not any(c.isupper() for c in s[1:]):
        return False   # "sales", "Anon": a word of the report's own text
    if len(s) == 3:
        return any(c.isalpha() for c in s) and any(c.isdigit() for c in s)
    return len(s) >= MIN_ID_CHARS


def make_id_mask(ids: Iterable[str]) -> Callable[[str], str]:
    """Build a function that replaces each of *ids* in a text by :data:`ID_MASK`.

    Parameters
    ----------
    ids : iterable of str
        Respondent ids of the engagement (any case; only :func:`maskable` ones are used).

    Returns
    -------
    callable
        ``f(text: str) -> str``. An id is found in any letter case (``r_38147`` for
        ``R_38147``) as a whole word: not preceded or followed by a letter, digit or
        underscore (``R_38147-follow`` is found, ``XR_38147`` is not). The cost is the number
        of word starts × the number of distinct id lengths (a handful), whatever the number of
        ids.
    """
    kept = {s.strip() for s in ids if isinstance(s, str) and maskable(s)}
    if not kept:
        return lambda text: text
    keys = {k.lower() for k in kept}
    # lengths as written (a lower-case form may differ in length: "İ")
    lengths = sorted({len(k) for k in kept if len(k) <= MAX_SCANNED_ID_CHARS}, reverse=True)
    long_keys = {k.lower() for k in kept if len(k) > MAX_SCANNED_ID_CHARS}

    def _ends_word(text: str, j: int) -> bool:
        return j >= len(text) or not (text[j].isalnum() or text[j] == "_")

    def mask(text: str) -> str:
        if not isinstance(text, str) or not text:
            return text
        out, last, n = [], 0, len(text)
        for m in _STARTS.finditer(text):
            i = m.start()
            if i < last:
                continue
            hit = 0
            for length in lengths:
                if i + length <= n and _ends_word(text, i + length) \
                        and text[i:i + length].lower() in keys:
                    hit = length
                    break
            if not hit and long_keys:
                w = re.match(r"\S+", text[i:]).group(0)
                if w.lower() in long_keys:
                    hit = len(w)
            if hit:
                out.append(text[last:i])
                out.append(ID_MASK)
                last = i + hit
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

    return mask
