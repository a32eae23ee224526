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
import unicodedata
from typing import Callable, Iterable

ID_MASK = "[id removed]"

#: An id made only of digits is masked from this many digits on: shorter numbers cannot be
#: told from counts and years in the toolkit's own text ("2024", "120 leads").
MIN_NUMERIC_ID_DIGITS = 5

#: Any other id is masked from this many characters on (``R12`` with a letter and a digit
#: from three).
MIN_ID_CHARS = 4

#: An id is compared word by word (``R_38147`` is the words ``R``, ``38147``; ``resp-0001``
#: the words ``resp``, ``0001``); of an id of more words than this, its first words are masked
#: (no real export's ids come near it). The cost of a text is its number of words × this.
MAX_ID_WORDS = 6

# a word: a run of letters and digits (in any script; "_" and punctuation separate words)
_WORD = re.compile(r"[^\W_]+")


def _fold(word: str) -> str:
    """A word as compared: compatibility forms folded (full-width ``Ｒ３８`` is ``r38``), lower
    case."""
    return (word if word.isascii() else unicodedata.normalize("NFKC", word)).lower()


def _words(text: str) -> tuple[str, ...]:
    return tuple(_fold(w) for w in _WORD.findall(text))


def _written_as_word(w: str) -> bool:
    """Letters only, written as a word is: "sales", "Anon", "NONE" (not "xKqLm", "abcDEF")."""
    return w.isalpha() and (w.islower() or w.isupper() or w.istitle())


IP_MASK = "[IP address removed]"
#: An IPv4 address, or an IPv6 address of at least four groups or with "::" (a respondent's
#: IP address from a survey platform's metadata, quoted from a shifted column: attack 22, IP1).
IP_ADDRESS_RE = re.compile(
    r"(?<![\w.:])(?:"
    r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"|(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4})?"
    r")(?![\w.:])")


def mask_ip_addresses(text: str) -> str:
    """*text* with every IP address replaced by :data:`IP_MASK` (linear)."""
    return IP_ADDRESS_RE.sub(IP_MASK, text) if isinstance(text, str) else text


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
        (SurveyMonkey's ``114691234567``) or of numbers holding that many digits in all
        (a coordinate ``40.7128``); False for short numbers (``51.5``), one- or two-character ids
        and ids written as words (letters only, each word in lower case, capitals or with
        one capital first: ``sales``, ``Anon``, ``NONE``, ``no-one``), which cannot be told from the counts, years and
        words of the report's own text.
    """
    s = rid.strip() if isinstance(rid, str) else ""
    words = _WORD.findall(s)
    if not words:
        return False
    if s.isdigit():
        return len(s) >= MIN_NUMERIC_ID_DIGITS
    if all(w.isdigit() for w in words):   # "40.7128" (a coordinate), not "51.5" or "1-2"
        return sum(map(len, words)) >= MIN_NUMERIC_ID_DIGITS
    if all(_written_as_word(w) for w in words):
        return False
    if len(s) == 3:
        return any(c.isalpha() for c in s) and any(c.isdigit() for c in s)
    return len(s) >= MIN_ID_CHARS


def make_id_mask(ids: Iterable[str], *, reserved: Iterable[str] = ()) -> Callable[[str], str]:
    """Build a function that replaces each of *ids* in a text by :data:`ID_MASK`.

    Parameters
    ----------
    ids : iterable of str
        Respondent ids of the engagement (any case; only :func:`maskable` ones are used).
    reserved : iterable of str
        The toolkit's own codes (the instrument's item codes, the keys of ``results.json``):
        an id written like one of them is not masked — it would rename a figure, not hide a
        person (attack 21, IK1).

    Returns
    -------
    callable
        ``f(text: str) -> str``, which also masks every IP address
        (:func:`mask_ip_addresses`). An id is found as its sequence of words (runs of letters
        and digits), in any letter case and in full-width forms, whatever separates them:
        ``r_38147``, ``R_38147-follow`` and ``Ｒ＿３８１４７`` hold ``R_38147``; ``XR_38147``
        and ``R_381470`` do not; ``resp 0001`` holds ``resp-0001``. The cost is the number of words of the text ×
        the number of words of the longest id (at most :data:`MAX_ID_WORDS`), whatever the
        number of ids.
    """
    skip = {_words(r) for r in reserved if isinstance(r, str)}
    keys = {w[:MAX_ID_WORDS] for s in ids if maskable(s) and (w := _words(s)) not in skip}
    keys.discard(())
    if not keys:
        return mask_ip_addresses
    span = max(len(k) for k in keys)
    if span == 1:   # every id one word (Qualtrics, SurveyMonkey, row ids): one pass
        single = {k[0] for k in keys}

        def one(m: re.Match) -> str:
            return ID_MASK if _fold(m.group()) in single else m.group()

        return lambda text: (_WORD.sub(one, mask_ip_addresses(text)) if isinstance(text, str)
                             else text)

    lengths = sorted({len(k) for k in keys}, reverse=True)

    def mask(text: str) -> str:
        if not isinstance(text, str) or not text:
            return text
        text = mask_ip_addresses(text)
        found = list(_WORD.finditer(text))
        low = [_fold(m.group()) for m in found]
        out, last, i, n = [], 0, 0, len(found)
        while i < n:
            hit = 0
            for k in lengths:
                if i + k <= n and tuple(low[i:i + k]) in keys:
                    hit = k
                    break
            if hit:
                out.append(text[last:found[i].start()])
                out.append(ID_MASK)
                last = found[i + hit - 1].end()
                i += hit
            else:
                i += 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

    return mask
