"""Respondent identifiers out of every text that reaches an output (SPEC §8).

A respondent id is neither a name nor an e-mail address, so the name redactor
(:func:`toolkit.privacy.make_redactor`) does not see it; yet a misaligned or hand-edited
export can put one in any cell an intake warning quotes (a Qualtrics ``Status``, a CRM
``Activity Type``: attack 20, WL) or in a comment. :func:`make_id_mask` takes the ids of this
engagement's survey export — every row read, dropped rows included — out of any text, in time
linear in the text's length.
"""
from __future__ import annotations

import functools
import ipaddress
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
#: A run that may hold an IP address: hex digits, dots and colons (with an IPv6 zone such as
#: ``%eth0``), not inside a longer word; each run is checked with :mod:`ipaddress`.
_IP_CANDIDATE = re.compile(r"(?<![\w:.%])[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(?:%[\w.]+)?")
_IPV4_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}")


@functools.lru_cache(maxsize=4096)
def _is_ip(run: str) -> bool:
    body, _, zone = run.partition("%")
    if zone and not re.fullmatch(r"\w+", zone):   # "fe80::1%eth0." ends a sentence
        return False
    if body.count(".") == 3 and ":" not in body:   # zero-padded octets ("010.001.002.003")
        parts = body.split(".")
        if not all(p.isdigit() and len(p) <= 3 for p in parts):
            return False
        body = ".".join(str(int(p)) for p in parts)
    elif m := _IPV4_PORT.fullmatch(body):   # "203.0.113.34:51234"
        body = m.group(1)
    try:
        ipaddress.ip_address(body)
    except ValueError:
        return False
    return True


def _may_be_ip(body: str) -> bool:
    """The shapes an address can have: IPv4 (three dots), IPv4 with a port, IPv6 with "::",
    eight groups, or six groups and an IPv4 tail; and a digit somewhere."""
    dots, colons = body.count("."), body.count(":")
    if not any(c.isdigit() for c in body):
        return False
    if dots == 3 and colons <= 1:
        return True
    return colons >= 2 and ("::" in body or colons == 7 or (colons == 6 and dots == 3))


def _ip_sub(m: re.Match) -> str:
    run = m.group()
    if not _may_be_ip(run.split("%", 1)[0].rstrip(".:")):
        return run   # "3.5", "10:30", "12:30:45", "e.g", "::": no address (fast path)
    for cut in (run, run.rstrip(".:")):   # "… is 203.0.113.5." ends a sentence
        if cut and _is_ip(cut):
            return IP_MASK + run[len(cut):]
    return run


def mask_ip_addresses(text: str) -> str:
    """*text* with every IP address replaced by :data:`IP_MASK`.

    IPv4 (zero-padded octets and a port included), IPv6 in every notation :mod:`ipaddress`
    reads (``::`` anywhere, IPv4-mapped ``::ffff:203.0.113.88``, a zone ``%eth0``); a
    respondent's IP address from a survey platform's metadata quoted from a shifted column
    (attacks 22–23, IP1, IF1). Version numbers ("1.2.3"), times ("12:30:45"), decimals and
    ratios are not addresses. Linear in the length of the text.
    """
    return _IP_CANDIDATE.sub(_ip_sub, text) if isinstance(text, str) else text


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


#: Keys the toolkit writes with digits in them: response-time windows ("24h", "24h|3").
_WINDOW_KEY = re.compile(r"\d+h(?:\|\d+)?")


def toolkit_codes(results: dict) -> set[str]:
    """The toolkit's own codes that an id must not rename (attack 21, IK1).

    Parameters
    ----------
    results : dict
        The results dict (JSON-safe).

    Returns
    -------
    set of str
        The instrument's item and scale codes and the keys of *results* the toolkit writes
        with digits in them (``24h|3``); an id written as a word is never masked anyway
        (:func:`maskable`).
    """
    from .instrument import CLAIM_ITEMS, FREQ_CODE, OPEN_ITEMS, SCALE_ITEMS, SCALES

    codes = {c for items in SCALE_ITEMS.values() for c in items}
    codes |= set(SCALES) | set(CLAIM_ITEMS) | set(OPEN_ITEMS) | {FREQ_CODE}

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if isinstance(k, str) and _WINDOW_KEY.fullmatch(k):
                    codes.add(k)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(results)
    return codes
