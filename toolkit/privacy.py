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

from .exceptions import visible_escape
from .nameforms import (SHORT_TITLES, TITLES, _tokens, as_capital, fold, is_word, name_info,
                        name_infos, tfold,
                        unspaced_forms, unspaced_redactor)
from .namewords import NAME_ACRONYMS, is_generic_word

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


#: What a respondent's keyboard may type for the dot of an address: the full stop, and the
#: dots that CJK input methods and word processors put in its place — ideographic, full-width
#: and half-width full stops (U+3002, U+FF0E, U+FF61, which IDNA itself reads as "."), the
#: small full stop, the one-dot leader, the middle dots (U+00B7, U+2027, U+2E33, U+30FB,
#: U+FF65, U+2219, U+22C5) and the Arabic and Syriac full stops (attack 9, EM1).
_EMAIL_DOT = ("[.\u3002\uff0e\uff61\ufe52\u2024\u00b7\u2027\u2e33\u30fb\uff65"
              "\u2219\u22c5\u06d4\u0701\u0702\ufe12]")
#: The "@" of an address: ASCII, full-width (U+FF20) or small (U+FE6B), bracketed
#: ("[@]", "(@)"), or escaped as in HTML or a URL ("&#64;", "&#x40;", "%40").
_EMAIL_AT = r"[@\uff20\ufe6b]|\[@\]|\(@\)|&#0*64;|&#x0*40;|%40"
#: An e-mail address, also obfuscated ("jane (at) acme (dot) com") or typed with the dots and
#: at signs of :data:`_EMAIL_DOT` / :data:`_EMAIL_AT` ("pat.jordan@example。com"). A match
#: may only start where a local part starts (the look-behind), so a long run without "@" is
#: scanned once: linear time on any input (the unanchored pattern was quadratic). None of
#: the dots is a word character, so a label and the dot after it never overlap.
EMAIL_RE = re.compile(r"(?<![\w%+\-']|" + _EMAIL_DOT + r")(?:[\w%+\-']|" + _EMAIL_DOT
                      + r")+\s{0,3}(?:" + _EMAIL_AT + r"|[(\[{]at[)\]}])"
                      r"\s{0,3}[\w\-]+(?:\s{0,3}(?:" + _EMAIL_DOT + r"|[(\[{]dot[)\]}])"
                      r"\s{0,3}[\w\-]+)+", re.IGNORECASE)
#: What may stand between the digit groups of a phone number: a space (any width), a dot,
#: a slash, an underscore, an asterisk, or a hyphen or dash of any kind (ASCII, U+2010–U+2015
#: with the non-breaking hyphen and the en and em dashes Word and Outlook put in, the minus
#: sign, the fullwidth forms; attack 8, PH1).
_PHONE_SEP = r"[\s.\-/_*\u2010-\u2015\u2212\u00b7\ufe58\ufe63\uff0d\uff0e\uff0f]"
#: A run of digits with optional +country code, brackets and separators, and an extension
#: ("x12", "ext 12", "ext. 12", "extension 12") removed with it. A number starts where no
#: word or number goes on (not inside "v1.2" or "3.14159265") or right after an
#: abbreviation's dot ("Tel.0301234567", "Ph.4155550142"). Every repetition is bounded
#: and the groups are separated by non-digits: linear time on any input.
PHONE_RE = re.compile(
    r"(?:(?<![\w.])|(?<=[^\W\d_]\.))"
    # a bounded look-ahead first: 7 digits joined as in a number (by nothing, a bracket, a
    # separator after a country code or a bracket, or one before a group of 2+ digits),
    # so that "1-1-1-…", "(12)(12)…" or "in 2024 we" is not a match handed to _phone
    r"(?=[+\uff0b(]?\d(?:(?:(?<=[+\uff0b]\d)" + _PHONE_SEP + r"|(?<=[+\uff0b]\d\d)" + _PHONE_SEP +
    r"|(?<=[+\uff0b]\d\d\d)" + _PHONE_SEP + r"|" + _PHONE_SEP + r"?\(|\)" + _PHONE_SEP +
    r"?|" + _PHONE_SEP + r"(?=\d\d))?\d){6})"
    r"(?:[+\uff0b]\d{1,3}" + _PHONE_SEP + r"?)?(?:\(\d{1,5}\)" + _PHONE_SEP + r"?)?\d{1,12}"
    r"(?:" + _PHONE_SEP + r"\d{2,8}){0,5}"
    r"(?P<ext>[\s,]{0,2}(?i:ext(?:ension|n)?|x)\.?[\s:]{0,2}\d{1,6})?(?![\w])")
#: Digits a phone match may be without being a phone number: a date ("2025-03-14",
#: "14.03.2025", "03/14/2025") or years ("2023–2024", "2024 2025 2026").
_DATE_LIKE = re.compile(r"(?:19|20)\d\d([\-./\u2010-\u2015\u2212])[01]?\d\1[0-3]?\d"
                        r"|[0-3]?\d([\-./])[0-3]?\d\2(?:19|20)\d\d")
_YEARS = re.compile(r"(?:19|20)\d\d(?:" + _PHONE_SEP + r"(?:19|20)\d\d)+")
EMAIL_MASK = "[e-mail removed]"
PHONE_MASK = "[phone removed]"
NAME_MASK = "[name removed]"


#: What may stand between the words of one name: "jane dubois", "jane.dubois",
#: "jane_dubois", "Dubois, Jane", "J. Dubois", "jane/dubois", "CORP\\fkowalski".
_NAME_GAP = re.compile(r"[\s.,_\-'/\\|\u2010-\u2015\u00b7\u2022\u2027\u30fb]{1,3}")
#: Characters a reader does not see, which would split a name for a matcher: Unicode's
#: format characters (zero-width spaces and joiners, soft hyphen, word joiner, BOM, bidi
#: marks and embeddings, tag characters) plus the combining grapheme joiner, variation
#: selectors and the Hangul and Khmer fillers; removed from free text first.
_INVISIBLE_RE = re.compile(
    "[" + "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f-\u1160\u17b4-\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef" + "]")
def _phone(m: re.Match) -> str:
    number = m.group(0)
    if m.group("ext"):
        number = number[:m.start("ext") - m.start()]
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7 or _DATE_LIKE.fullmatch(number) or _YEARS.fullmatch(number):
        return m.group(0)   # "in 2024", "1920x1080", "2025-03-14", "2023–2024"
    return PHONE_MASK


def name_forms(name: str) -> tuple[list[tuple[str, ...]], set[str]]:
    """The word sequences and single words under which a known name appears in free text.

    Parameters
    ----------
    name : str
        A respondent's or owner's name or id as an export writes it: ``"Jane Dubois"``,
        ``"jane.dubois"``, ``"j.dubois"``, ``"felix_kowalski"``, ``"Dubois, Jane"``, an e-mail
        owner id ``"jane.dubois@acme.com"`` (its local part), a plain id ``"jdubois"``.

    Returns
    -------
    sequences : list of tuple of str
        Lower-case word sequences removed wherever they occur (any case, words separated by
        1–3 of space ``.`` ``,`` ``_`` ``-`` ``'``): the name in order, reversed
        (``Dubois, Jane``), and with the first word as an initial (``J. Dubois``,
        ``j.dubois``). A one-word id that is not a capitalised word (``jdubois``,
        ``005A1``) is a sequence of one.
    parts : set of str
        Lower-case words of 3+ letters removed when written with a capital (``Jane``,
        ``DUBOIS``), so ordinary lower-case words stay readable.

    A name whose every word is generic (``"Sales Team"``, ``sales.team@client.com``,
    ``noreply``: :func:`toolkit.namewords.is_generic_word`) names nobody and has no form; of
    a name with generic and real words (``"Team Dubois"``) only the forms holding a real
    word in full are kept, and a generic word is never a part (review 13, N4).

    An id is first taken back to the person's name (:func:`toolkit.nameforms.id_words`:
    ``CORP\\fkowalski``, ``jdubois2``, ``nina.larsen.ext``, ``jane.dubois+crm@acme.com``,
    ``Dr. Jane Dubois``); the id as written stays a sequence. A one-word id of an initial
    and a surname (``jdubois``) also gives the surname as a part and ``J. Dubois``
    (issue 13, R1). The redactor's context rules (a first name before such a surname,
    two-letter words after a title) use :func:`toolkit.nameforms.name_info`.
    """
    info = name_info(str(name))
    return list(info.seqs), set(info.parts)


#: Gaps inside one written name: apostrophes (straight, curly, the accents typed for
#: one) and hyphens or dashes (attack 44b, R2); ``ʼ`` (U+02BC) is a letter to the word
#: pattern and is read as an apostrophe before the words are split.
_APOSTROPHES = frozenset(("'", "\u2019", "\u2018", "`", "\u00b4"))
_DASHES = frozenset(("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"))
#: At most this many parts make one joined name ("Abd-al-Rahman", "O'Connor-Smith" are
#: three), and only known words up to this long are built from parts: each word of a text
#: costs a bounded number of steps, whatever the owner ids (attack 45b, A45B-3).
_JOIN_PARTS = 4
_JOIN_LONGEST = 40
#: What follows an apostrophe in a contraction or a possessive: never a name's part.
_CONTRACTIONS = frozenset(("s", "t", "ve", "ll", "re", "d", "m", "nt"))


def make_redactor(names: Iterable[str] = (), *, parts: bool = True, phones: bool = True):
    """Build a redaction function for a fixed list of known names (built once).

    Parameters
    ----------
    names : iterable of str
        Known names and ids (respondents, owners) in any of the forms of
        :func:`name_forms`.

    parts : bool
        Also remove each single part of a name written capitalised (``Jane``). Off for
        labels and prose the toolkit wrote (:func:`redact_tree`), where a capitalised word
        such as an owner id's ``Marketing`` is more likely an ordinary word.
    phones : bool
        Also remove phone numbers (off for :func:`redact_tree`: dates and ids look alike).

    Returns
    -------
    callable
        ``f(text) -> str | None`` doing what :func:`redact` does, in time linear in the
        length of the text and independent of the number of names (a word index, not one
        pattern per name).

    Notes
    -----
    Besides the whole forms (and, with *parts*, the capitalised parts), a word's context
    decides two cases, in labels too (issue 13, R1):

    * a word of a name after a title (:data:`toolkit.nameforms.TITLES`) written with a
      capital — "Mr Li", "Dr. Ng", "Ms Dubois" — or, after an abbreviated title
      (:data:`toolkit.nameforms.SHORT_TITLES`), in lower case ("ask mr li"); a two-letter
      word ("Li", "Do", "Le") is never removed alone;
    * a surname known only with an initial (``jdubois``, ``J. Dubois``) with a word
      starting with that initial before it ("Jane Dubois", "jane dubois") or after a comma
      ("Dubois, Jane"): the first name goes with the surname.

    A name and a text's word are compared both folded (:func:`toolkit.nameforms.fold`:
    "Müller" → ``muller``) and with ä ö ü ß å ø æ đ written as their ASCII spelling
    (:func:`toolkit.nameforms.tfold`: ``mueller``), so an ASCII owner id
    (``joerg.mueller@acme.de``, ``haakon.aasen``) removes "Jörg Müller", "Håkon Åsen", and
    "Jörg Müller" removes "Joerg Mueller" and "Jorg Muller" (attack 8, UM1).

    A name written in a script without spaces between words (Chinese, Japanese, Thai,
    and Hangul with its particles) is looked for inside the text's runs of that script,
    not as a word: "问王小明吧", "田中太郎さんに", "张伟从不跟进" (attack 7, RD1;
    :func:`toolkit.nameforms.unspaced_forms`).
    """
    # A trie of the names' word sequences: at each word of a text the longest name starting
    # there is found by walking it, so the cost is words × (length of the longest name),
    # whatever the number of names (a list of the names sharing a first word made it
    # words × names: quadratic with crafted owner ids). The context rules look at one word
    # either side of a hit: still linear.
    trie: dict = {}
    alone: set[str] = set()          # parts removed alone when capitalised
    titled: set[str] = set()         # words removed after a title ("Mr Li", "Dr. Dubois")
    initials: dict[str, set] = {}    # surname -> initials of a first name next to it
    seq_initials: dict[tuple, set] = {}   # the same for a surname of several words (PJ1)
    unspaced: set[str] = set()       # names in CJK, Thai ...: found inside runs (RD1)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        infos = name_infos(name)   # "Jörg Müller" also as "Joerg Mueller" (UM1)
        if any(i.seqs or i.parts or i.short for i in infos):   # not generic words only
            unspaced |= unspaced_forms(name, parts=parts)
        for info in infos:
            if parts:
                alone |= info.parts | info.possessive   # "Jane", "Janes leads"
            titled |= info.parts | info.short
            for ini, surname in info.initials:
                if isinstance(surname, tuple):   # "de la cruz" (PJ1)
                    seq_initials.setdefault(surname, set()).add(ini)
                else:
                    initials.setdefault(surname, set()).add(ini)
            for seq in info.seqs:
                if not parts and info.one_word and len(seq) == 1 and is_word(seq[0]):
                    continue  # a one-word id ("mark", "jdubois"): too likely an ordinary word
                node = trie
                for w in seq:
                    node = node.setdefault(w, {})
                node[None] = True        # a name ends here
    keys = set(trie) | alone | titled | set(initials)
    tokens = _tokens()
    in_runs = unspaced_redactor(unspaced, NAME_MASK)

    def _first_name(word: str, low: str, inis: set, surname_word: str) -> bool:
        """Whether *word* is a first name for a surname known only with its initial: a
        word starting with the initial, written with a capital ("Jane Dubois") or as
        lower case as the surname ("jane dubois")."""
        return (low[:1] in inis and len(word) >= 2 and is_word(word)
                and low not in TITLES and not is_generic_word(low)
                and (as_capital(word) or (word.islower() and surname_word.islower())))

    # beginnings of the known words a join can build: names, not 4,000-character ids (a
    # long id made each join walk its length: comment × id; attack 45b, A45B-3)
    prefixes = {k[:i] for k in keys if len(k) <= _JOIN_LONGEST for i in range(2, len(k))}

    def _joins(sep: str, left: str, right: str) -> bool:
        """Whether *sep* may sit inside one written name between *left* and *right* (the
        cheap tests first: most gaps are one space between lower-case words)."""
        if sep == " " or (0 < len(sep) <= 2 and sep.isspace()):
            return as_capital(left) and as_capital(right)   # "Mac Donald", NBSP, thin space
        if sep in _APOSTROPHES:
            return fold(right) not in _CONTRACTIONS      # "I've", "can't" join nothing
        return sep in _DASHES

    def _joined(pieces: list) -> tuple[list, list, list, dict]:
        """Words a name writes with an apostrophe, a hyphen or a space between parts, taken
        as one word when together they are a known word: "O'Neill", "O’Neill",
        "Al-Farsi", "al-Hashimi", "Min-jun", "Mac Donald", "O'Connor-Smith" for the ids
        ``raj.oneill``, ``m.alfarsi``, ``abubakr.alhashimi``, ``kim.minjun``,
        ``ian.macdonald``, ``d.oconnorsmith`` (attack 43b R1, 44b R2/R3); never a
        contraction ("I've", "can't"). Only what the words apart miss: a word that is a
        known word on its own keeps its own matching. Each step extends a known word's
        beginning (:data:`prefixes`): linear. Returns the pieces (gaps and words, merged),
        the words' keys under :func:`fold` and :func:`tfold`, and, for each merged word,
        whether it is written as a name (a capital in any of its parts)."""
        words, gaps = pieces[1::2], pieces[0::2]
        out, low, tlow, caps = [gaps[0]], [], [], {}
        j, n = 0, len(words)
        while j < n:
            w = words[j]
            f = fold(w)
            t = tfold(w) if not w.isascii() else f
            if j + 1 < n and _joins(gaps[j + 1], w, words[j + 1]) and f not in alone \
                    and fold(words[j + 1]) not in keys:
                best, k, wm, fm, tm = None, j, w, f, t
                while True:
                    nx = words[k + 1]
                    nf = fm + fold(nx)
                    nt = tm + (tfold(nx) if not nx.isascii() else fold(nx))
                    if not ({nf, nt} & keys or {nf, nt} & prefixes):
                        break
                    wm, fm, tm, k = wm + gaps[k + 1] + nx, nf, nt, k + 1
                    if {fm, tm} & keys:
                        best = (k, wm, fm, tm)
                    if k + 1 >= n or k - j + 1 >= _JOIN_PARTS or \
                            not _joins(gaps[k + 1], words[k], words[k + 1]):
                        break
                if best:
                    caps[len(low)] = any(as_capital(x) for x in words[j:best[0] + 1])
                    j, w, f, t = best
            out += [w, gaps[j + 1]]
            low.append(f)
            tlow.append(t)
            j += 1
        return out, low, tlow, caps

    def _names(text: str) -> str:
        pieces = tokens.split(text)  # [gap0, word0, gap1, word1, ..., gapN]
        if len(pieces) < 2:
            return text
        # each word also under its ASCII spelling ("Müller": "muller" and "mueller"), so a
        # name written with the letters or in ASCII matches either way (UM1)
        pieces, low, tlow, caps = _joined(pieces)
        words = pieces[1::2]
        hits = [i for i, (w, t) in enumerate(zip(low, tlow)) if w in keys or t in keys]
        mixed = tlow != low
        nw, nxt = len(words), 0

        def gap(k: int) -> bool:   # a name's gap between words k-1 and k
            return _NAME_GAP.fullmatch(pieces[2 * k]) is not None

        def walk(i: int, first: list, other: list) -> int:
            """Words of the longest name starting at word *i*, each word looked up under
            its key in *first*, else in *other* (one path: linear)."""
            span, node, k = 0, trie.get(first[i], trie.get(other[i])), 1
            while node is not None:
                if None in node:
                    span = k
                if i + k >= nw or not gap(i + k):
                    break
                node = node.get(first[i + k], node.get(other[i + k]))
                k += 1
            return span

        for i in hits:
            if i < nxt:
                continue
            span = walk(i, low, tlow)
            if mixed:
                span = max(span, walk(i, tlow, low))
            w, lw = words[i], (low[i] if low[i] in keys else tlow[i])
            if not span and (low[i] in alone or tlow[i] in alone) and \
                    (caps[i] if i in caps else as_capital(w)) \
                    and not (lw in NAME_ACRONYMS and w.isupper()):
                span = 1   # "Jane", "DUBOIS"; "Sal" but not the stage "SAL"
            if not span and (low[i] in titled or tlow[i] in titled) and i > nxt \
                    and low[i - 1] in TITLES and gap(i) \
                    and (as_capital(w) or low[i - 1] in SHORT_TITLES):
                span = 1   # "Mr Li", "Dr. Ng", "mr dubois"; not "Do" or "Le" alone
            start = i
            if span > 1 and seq_initials and i > nxt and gap(i):
                inis = seq_initials.get(tuple(low[i:i + span]))
                if inis and _first_name(words[i - 1], low[i - 1], inis, words[i + span - 1]):
                    start, span = i - 1, span + 1     # "Ana de la Cruz" for a.delacruz
            inis = initials.get(low[i]) or initials.get(tlow[i])
            if inis and span <= 1:
                if i and i >= nxt and gap(i) and \
                        _first_name(words[i - 1], low[i - 1], inis, w):
                    if i > nxt:
                        start, span = i - 1, 2      # "Jane Dubois" for jdubois
                    elif pieces[2 * i - 1] == NAME_MASK:
                        pieces[2 * i] = pieces[2 * i + 1] = ""   # "Jane" went already:
                        nxt = i + 1                              # one mask for the name
                        continue
                elif i + 1 < nw and "," in pieces[2 * i + 2] and gap(i + 1) and \
                        as_capital(words[i + 1]) and \
                        _first_name(words[i + 1], low[i + 1], inis, w):
                    span = 2                        # "Dubois, Jane"
            if span:
                pieces[2 * start + 1] = NAME_MASK
                for k in range(start + 1, start + span):
                    pieces[2 * k] = ""
                    pieces[2 * k + 1] = ""
                nxt = start + span
        return "".join(pieces)

    def _redact(text):
        if text is None or (isinstance(text, float) and text != text):
            return None
        out = _INVISIBLE_RE.sub("", str(text))
        out = EMAIL_RE.sub(EMAIL_MASK, out)
        if phones:
            out = PHONE_RE.sub(_phone, out)
        if in_runs is not None:
            out = in_runs(out)
        if keys:
            out = _names(out.replace("\u02bc", "'") if "\u02bc" in out else out)
        return out

    return _redact


def redact(text, names: Iterable[str] = ()) -> str | None:
    """Remove e-mail addresses, phone numbers and known names from a comment.

    Parameters
    ----------
    text : str or None
        Free text (a survey comment).
    names : iterable of str
        Known names and ids (respondents, owners), in any form an export writes them
        (:func:`name_forms`): the full name is removed in any case and with any of the
        separators space, ``.``, ``_``, ``,`` ``-`` (``jane.dubois``, ``Jane Dubois``,
        ``Dubois, Jane``, ``J. Dubois``); each part of 3+ letters is removed when written
        capitalised or in capitals, so ordinary lower-case words stay readable; a name's
        two-letter word only after a title ("Mr Li"). Ids are taken back to the name first
        (``CORP\\fkowalski``, ``jdubois2``, ``nina.larsen.ext``: :func:`name_forms`). For
        many texts, build the redactor once with :func:`make_redactor`.

    Returns
    -------
    str or None
        The redacted text (masks ``[e-mail removed]``, ``[phone removed]``,
        ``[name removed]``); ``None`` for missing input. Phone numbers are runs of 7+ digits
        (with optional ``+country``, brackets and single separators — a space, ``.``, ``/``,
        ``_``, ``*``, any hyphen or dash —, also right after "Tel.", and with an extension
        such as "x12" or "ext. 12"), so years, counts, amounts, percentages and dates
        ("2025-03-14", "2023–2024") survive; single digits spaced apart ("4 1 5 5 …") are
        not taken for a number. Linear time in the length of *text*.
    """
    return make_redactor(names)(text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
        as text instead of evaluating it; control characters a spreadsheet cell cannot
        hold (NUL, escape ...) are removed. Numbers and other types are returned unchanged.
    """
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value)  # a cell cannot hold them (openpyxl refuses)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def unneutralize_cell(value: str) -> str:
    """The value :func:`neutralize_cell` was given, from what it wrote: a leading apostrophe
    before a formula start is taken off (reading back batch-summary.csv, attack 43b P1: a
    client id ``-acme`` is written ``'-acme``)."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


#: What must never reach a terminal or a log as such: C0 controls but tab and line feed
#: (ESC starts the escape sequences that recolour, clear or retitle a terminal, or write
#: the clipboard), DEL, C1 controls (U+009B is a one-character escape on some terminals),
#: and the bidirectional marks, embeddings, overrides and isolates that reorder text
#: on screen (a file name or value then reads differently from what it is).
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f"
                              "\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_text(text) -> str:
    """*text* safe to print to a terminal or write to a log (SPEC §8a; review 13, L4).

    Parameters
    ----------
    text : any
        A message that may quote a client's values (column headers, cells, file names).

    Returns
    -------
    str
        Every control character (except tab and line feed), the Unicode line and paragraph
        separators and every bidirectional control shown as a visible escape such as ``\\x1b`` or ``\\u202e``, so it has no effect and
        the reader can still see it was there. Linear in the text length.
    """
    text = str(text if text is not None else "")
    return _TERMINAL_UNSAFE.sub(visible_escape, text)


def safe_log_text(text) -> str:
    """Text bound for a run log, ``_failed/`` or a batch summary (SPEC §8, §8a).

    Parameters
    ----------
    text : str
        Messages that may quote a client's values (folder names, cells of an export).

    Returns
    -------
    str
        E-mail addresses (respondent ids, owner ids) replaced by ``[e-mail removed]``,
        control and bidi characters made visible (:func:`terminal_text`), and
        every line that would start with ``=``, ``+``, ``-``, ``@``, tab or carriage
        return prefixed with an apostrophe, so neither a person's address nor a formula
        survives in a file that may be opened in a spreadsheet. Linear in the text length.
    """
    out = terminal_text(EMAIL_RE.sub(EMAIL_MASK, str(text or "")))
    return "\n".join("'" + ln if ln.startswith(_FORMULA_START) else ln
                     for ln in out.split("\n"))


def redact_tree(obj, names: Iterable[str], *, skip: Iterable[str] = (),
                ids: Iterable[str] = (), reserved: Iterable[str] = ()):
    """Every string of a JSON-like tree (keys included) with known names removed.

    Labels from a client's files — lead sources ("Referral - Aisha Nguyen"), plan roles
    ("Account Executive (Theo Khan)"), regions, stages — reach every output through
    ``results.json``; this is the one pass that takes names out of them (SPEC §8). Only whole
    name forms are removed (:func:`make_redactor` with ``parts=False``), so ordinary words
    stay; e-mail addresses go as in comments (not phone numbers: dates look alike).

    Parameters
    ----------
    obj : dict, list or scalar
        JSON-safe data.
    names : iterable of str
        Known names and ids (:func:`name_forms`).
    skip : iterable of str
        Top-level keys left as they are (the client's own name, static method text).
    ids : iterable of str
        Respondent ids of the engagement, replaced by ``[id removed]`` wherever they occur
        (:func:`toolkit.idmask.make_id_mask`; attack 20, WL).
    reserved : iterable of str
        The toolkit's own codes, which an id written alike does not rename (attack 21, IK1).

    Returns
    -------
    Same type as *obj*, a new object; keys that become equal get " (2)", " (3)" ….
    """
    from .idmask import make_id_mask

    redact = make_redactor(names, parts=False, phones=False)
    mask_ids = make_id_mask(ids, reserved=reserved)

    def scrub(text: str) -> str:
        return mask_ids(redact(text))
    skip = set(skip)
    cache: dict = {}

    def s(text: str) -> str:
        if text not in cache:
            cache[text] = scrub(text)
        return cache[text]

    def walk(o, top=False):
        if isinstance(o, dict):
            out = {}
            for k, v in o.items():
                if top and k in skip:
                    out[k] = v
                    continue
                nk = s(k) if isinstance(k, str) else k
                base, i = nk, 2
                while nk in out:
                    nk, i = f"{base} ({i})", i + 1
                out[nk] = walk(v)
            return out
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, str):
            return s(o)
        return o

    return walk(obj, top=True)


def drop_name_words(words: Iterable[str], names: Iterable[str]) -> list[str]:
    """*words* (theme terms) without any word that is part of a known name, in any case
    (a theme's words are lower case, so the capitalised-part rule of :func:`redact` does not
    see ``kwame``)."""
    parts: set[str] = set()
    for name in names:
        if isinstance(name, str):
            for info in name_infos(name):   # "jörg" and "joerg" for either spelling (UM1)
                if info.one_word:   # a one-word id ("mark") is too likely an ordinary word,
                    parts |= {s for _, s in info.initials   # not its surname ("jdubois")
                              if isinstance(s, str)}
                    continue
                parts |= info.parts
                parts |= {q[0] for q in info.seqs if len(q) == 1}
    return [w for w in words if fold(str(w)) not in parts and tfold(str(w)) not in parts]
