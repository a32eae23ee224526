"""The forms under which a known person's name appears in free text (SPEC §8).

A name reaches the redactor (:func:`toolkit.privacy.make_redactor`) as an export writes it:
a respondent's full name, a CRM owner id, a contact's e-mail. Before its forms are derived,
an id is taken back to the person's name (issue 13, R1): what an account system adds around
a name names nobody and would hide the name from every form —

* a domain prefix (``CORP\\fkowalski``), the e-mail domain and a plus-tag
  (``jane.dubois+crm@acme.com``);
* trailing digits, the usual CRM duplicate disambiguator (``jdubois2``,
  ``hugo.novak2@acme.com``, ``jane_dubois_2``);
* account tags (:data:`ID_TAGS`: ``nina.larsen.ext``, ``jdubois-admin``, ``felix_old``);
* titles and honorifics before a name (:data:`TITLES`: ``Dr. Jane Dubois``) and
  generational suffixes and degrees after it (:data:`AFTER_NAME`: ``Jane Dubois Jr.``).

A one-word id made of an initial and a surname (``jdubois``, ``fkowalski``) gives the
surname (3+ letters) as a part and, with a word starting with the initial before it, the
full name ("Jane Dubois", "jane dubois", "Dubois, Jane"): :attr:`NameForms.initials`.
Two-letter words of a name (``wei.li``: "Li", "Wu", "Ng") are too often ordinary words
("Do", "Le", "Ho") to go alone; they go after a title, written with a capital ("Mr Li",
"Dr. Ng") or after an abbreviated one in any case ("ask mr li"), and, as before, next to
the rest of the name ("Wei Li", "wei.li"):
:attr:`NameForms.short`.

The trade-off of the initial + surname rule: a one-word id that is a given name alone
(``frank``) also gives a "surname" (``rank``), removed only when written with a capital
("Rank" at a sentence start) — a lost word, never a kept name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from .namewords import PhraseName, mark_class, as_capital, cased, is_generic_word, is_word, names_nobody

#: Titles and honorifics written before a name, folded: taken off a known name, and the
#: context in which a name's short word ("Mr Li") or a lower-case part ("mr dubois") is one.
TITLES = frozenset("mr mrs ms miss mx dr prof professor sir dame madam madame mme mlle "
                   "monsieur herr frau sr sra srta".split())
#: Titles that are abbreviations, not ordinary words: after one, a name's word is a name
#: in lower case too ("ask mr li", "mr dubois"; but "we miss will" keeps "will").
SHORT_TITLES = frozenset("mr mrs ms mx dr prof".split())
#: Generational suffixes and degrees written after a name, folded.
AFTER_NAME = frozenset("jr jnr sr snr ii iii iv phd md mba esq".split())
#: Tags an account id carries besides the person's name, folded (``nina.larsen.ext``,
#: ``jdubois_admin``, ``adm-fkowalski``). Taken off the end of a name (``x`` too), and off
#: its start (all but ``x``, which there is an initial: ``x.dubois``).
ID_TAGS = frozenset("ext external contractor contr consultant admin adm old test tmp temp "
                    "x dup bak inactive disabled svc".split())

#: Words that are never a name by themselves: an id made only of them names nobody.
_NOT_NAMES = TITLES | AFTER_NAME | ID_TAGS

#: Letters NFKD does not take apart.
_FOLD_EXTRA = str.maketrans({"ø": "o", "Ø": "o", "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae",
                             "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                             "ð": "d", "þ": "th", "ı": "i",
                             # Cyrillic and Greek letters drawn like Latin ones: "Priyа"
                             # with a Cyrillic "а" reads as "Priya"
                             **dict(zip("аеорсухіјѕԁԛԝіїАЕОРСУХІЈЅВНКМТ",
                                        "aeopcyxijsdqwiiaeopcyxijsbhkmt")),
                             **dict(zip("οαρτνικχυΟΑΡΤΝΙΚΧΥΒΕΗΜΖ",
                                        "oaptvikxuoaptnikxybehmz"))})
_CAMEL = re.compile(r"[A-Z][a-z]+")
#: A word ending in digits: ``jdubois2``, ``novak02`` (the letters kept).
_TRAILING_DIGITS = re.compile(r"([^\W\d_]{2,})\d+")


@functools.cache
def _tokens() -> re.Pattern:
    """Words of a text: letters and digits (any script) and the combining marks of the
    Basic Multilingual Plane; everything else separates them. Built on first use (the
    marks' class takes ~10 ms to build and compile, paid by every process that imports
    this module otherwise; issue 18)."""
    cls = mark_class()
    return re.compile(r"((?:[^\W_]|[" + cls + r"])+)")


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Lower case without accents (``Müller`` → ``muller``, ``Ødegaard`` → ``odegaard``),
    so a name matches however an export or a respondent spelled its letters."""
    if word.isascii():
        return word.lower()
    w = word.translate(_FOLD_EXTRA)
    w = unicodedata.normalize("NFKD", w)
    return "".join(ch for ch in w if not unicodedata.combining(ch)).lower()


#: The conventional ASCII spellings of letters (German ä ö ü ß, Nordic å ø æ, South Slavic
#: đ): ``joerg.mueller@acme.de`` is how a CRM or a mail system writes "Jörg Müller",
#: ``haakon.aasen`` "Håkon Åsen", ``djordje.petrovic`` "Đorđe Petrović" (attack 8, UM1).
#: :func:`fold` takes these letters to their bare form (ü → u, å → a, đ → d), which the
#: ASCII spelling never equals; :func:`tfold` takes them to the transliteration instead,
#: which a word already written in ASCII equals unchanged.
_TRANSLIT = {"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe", "æ": "ae", "ß": "ss",
             "đ": "dj"}
_TRANSLIT_LOWER = str.maketrans(_TRANSLIT)
_TRANSLIT_TITLE = str.maketrans({**_TRANSLIT, **{k.upper(): v.title() for k, v in
                                                 _TRANSLIT.items() if k != "ß"}})
_TRANSLIT_UPPER = str.maketrans({**_TRANSLIT, **{k.upper(): v.upper() for k, v in
                                                 _TRANSLIT.items() if k != "ß"}})
_TRANSLIT_CHARS = re.compile("[" + "".join(_TRANSLIT) + "".join(
    k.upper() for k in _TRANSLIT if k != "ß") + "]")


def _translit_word(m: re.Match) -> str:
    w = m.group(0)
    return w.translate(_TRANSLIT_UPPER if w.isupper() and len(w) > 1 else _TRANSLIT_TITLE)


def translit(text: str) -> str:
    """*text* with ä ö ü ß å ø æ đ written as their conventional ASCII spelling (ae oe ue
    ss aa oe ae dj), the case of each word kept ("Jörg Müller" → "Joerg Mueller",
    "ÅSEN" → "AASEN"); *text* itself when it has none of these letters."""
    text = str(text)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    if not _TRANSLIT_CHARS.search(text):
        return text
    return _tokens().sub(_translit_word, text)


@functools.lru_cache(maxsize=1 << 16)
def tfold(word: str) -> str:
    """The word folded with its German, Nordic and South Slavic letters written as their
    ASCII spelling (``Müller`` → ``mueller``, ``Åsen`` → ``aasen``, ``Đorđe`` →
    ``djordje``): the key under which a name written with the letters and the same name
    written in ASCII (``mueller``) meet. Equal to :func:`fold` for a word without these
    letters. A name and a comment word are compared under both keys (a name written
    without the letters' marks, "Muller", meets "Müller" under :func:`fold`)."""
    if word.isascii():
        return word.lower()
    return fold(translit(word))


@dataclass
class NameForms:
    """Every form of one known name (:func:`name_info`).

    Attributes
    ----------
    seqs : list of tuple of str
        Folded word sequences removed wherever they occur, in any case.
    parts : set of str
        Folded words of 3+ letters removed alone when written with a capital.
    initials : set of tuple
        ``(initial, surname)``: a word starting with *initial* next to *surname* is the
        full name ("Jane Dubois" for ``jdubois`` or ``J. Dubois``); a surname written in
        several words is a tuple of them (``("de", "la", "cruz")`` for ``a.delacruz``).
    short : set of str
        Folded two-letter words of the name, removed after a title ("Mr Li").
    one_word : bool
        The name is one alphabetic word removed in any case (``jdubois``, ``mark``, not
        ``Jane``): that form is too likely an ordinary word for labels the toolkit writes
        and for theme words.
    possessive : set of str
        Each part with an ``s``, removed alone when written with a capital like a part:
        the possessive without its apostrophe ("Janes leads").
    """

    seqs: list = field(default_factory=list)
    parts: set = field(default_factory=set)
    initials: set = field(default_factory=set)
    short: set = field(default_factory=set)
    one_word: bool = False
    possessive: set = field(default_factory=set)


def id_words(name: str) -> tuple[list[str], list[str]]:
    """The words of a name or id as written, and the words of the person's name in it.

    Parameters
    ----------
    name : str
        A name or id (``"CORP\\\\fkowalski"``, ``"hugo.novak2@acme.com"``,
        ``"Dr. Jane Dubois"``, ``"nina.larsen.ext"``).

    Returns
    -------
    raw : list of str
        The words of the id (of an e-mail address, its local part).
    words : list of str
        The words of the name: domain prefix, e-mail domain, plus-tag, trailing digits,
        account tags, titles and generational suffixes taken off (never the last word);
        a CamelCase id split (``JaneDubois``).
    """
    text = str(name).strip()
    local = text.split("@", 1)[0] if "@" in text else text
    raw = _tokens().findall(local)
    if "@" in text:
        local = local.split("+", 1)[0]
    local = local.rsplit("\\", 1)[-1]
    words = _tokens().findall(local)
    while len(words) > 1 and (fold(words[0]) in TITLES or
                              (fold(words[0]) in ID_TAGS and fold(words[0]) != "x")):
        words.pop(0)
    while words:
        last = fold(words[-1])
        if len(words) > 1 and (last.isdigit() or last in AFTER_NAME or last in ID_TAGS):
            words.pop()
            continue
        m = _TRAILING_DIGITS.fullmatch(words[-1])
        if m:
            words[-1] = m.group(1)
            continue
        break
    if len(words) == 1:   # "JaneDoe", "JaneMarieDoe": a CamelCase id names its words
        camel = _CAMEL.findall(words[0])
        if len(camel) >= 2 and "".join(camel) == words[0]:
            words = camel
    return raw, words


def name_words(name: str) -> set[str]:
    """The folded words under which a name can occur in a text: the id's own words, the
    name's (:func:`id_words`) and the surname of an initial + surname id (``jdubois2``:
    ``jdubois2``, ``jdubois``, ``dubois``), of the name as written and of its ASCII
    spelling (:func:`translit`: "Jörg Müller" also gives ``joerg``, ``mueller``). A text
    sharing none of them, under :func:`fold` or :func:`tfold`, cannot name the person
    (:func:`toolkit.intake.contacts.names_in_text`); cheaper than :func:`name_info`.
    """
    out: set[str] = set()
    for written in {name, translit(name)}:   # "Jörg Müller": also "joerg", "mueller"
        raw, words = id_words(written)
        out |= {fold(w) for w in raw} | {fold(w) for w in words}
        if len(words) == 1 and len(words[0]) >= 4 and words[0].isalpha() and \
                cased(words[0][0]):
            out.add(fold(words[0])[1:])
    return out


def name_infos(name: str) -> tuple[NameForms, ...]:
    """The forms of *name* (:func:`name_info`) and, for a name with ä ö ü ß å ø æ đ, the
    forms of its ASCII spelling (:func:`translit`: "Jörg Müller" → "Joerg Mueller"), so
    that a comment writing the name either way is matched (attack 8, UM1)."""
    if not isinstance(name, str):
        name = str(name)
    alt = translit(name)
    if isinstance(name, PhraseName):
        alt = PhraseName(alt)
    return (name_info(name),) if alt == name else (name_info(name), name_info(alt))


@functools.lru_cache(maxsize=1 << 14, typed=True)   # typed: a PhraseName is not its str
def name_info(name: str) -> NameForms:
    """Every form of a known name (see :func:`toolkit.privacy.name_forms` for the rules of
    sequences and parts, and this module's docstring for ids and short words).

    Parameters
    ----------
    name : str
        A name or id as an export writes it.

    Returns
    -------
    NameForms
        Empty for a name that names nobody (:func:`toolkit.namewords.names_nobody`).
    """
    raw, words = id_words(name)
    out = NameForms()
    low = tuple(fold(w) for w in words)
    if names_nobody(low) or all(w in _NOT_NAMES for w in low):
        return out   # "Sales Team", "sales.team", "noreply", "helpdesk" (N4); "ext3", "Dr"
    if isinstance(name, PhraseName):   # removed as typed, its words together only (OW1)
        out.seqs.append(tuple(fold(w) for w in _tokens().findall(name)) or low)
        return out
    seqs, parts = out.seqs, out.parts
    real = [not is_generic_word(f) for f in low]
    for w, f, r in zip(words, low, real):
        if r and len(w) >= 3 and is_word(w):
            parts.add(f)
        elif r and len(f) == 2 and is_word(w):
            out.short.add(f)   # "Li", "Wu", "Ng": after a title only
    raw_low = tuple(fold(w) for w in raw)
    if raw_low != low and raw_low:   # as written: "jdubois2", "nina.larsen.ext"
        seqs.append(raw_low)
    if len(low) == 1:
        w, f = words[0], low[0]
        if not (is_word(w) and w[:1].isupper() and w[1:].islower()) and len(w) >= 3:
            seqs.append(low)
            out.one_word = is_word(w)
        if (w.isalpha() and cased(w[0]) and len(f) >= 4
                and not (w[:1].isupper() and w[1:].islower())
                and not is_generic_word(f[1:])):
            # an initial and a surname: "jdubois" → "Dubois", "J. Dubois", "Jane Dubois"
            parts.add(f[1:])
            seqs += [(f[0], f[1:]), (f[1:], f[0])]
            out.initials.add((f[0], f[1:]))
        return _joined_and_possessive(name, low, out)
    seqs.append(low)
    seqs.append(tuple(reversed(low)))
    first, last = low[0], low[-1]
    # a form holds a real word in full, never generic words and initials alone
    # ("Team Dubois": "T. Dubois" but not "D. Team")
    if real[-1]:
        seqs.append((first[0], last))
        if len(first) == 1 and len(last) >= 3 and is_word(words[-1]):
            out.initials.add((first, last))   # "J. Dubois": also "Jane Dubois"
    if real[0]:
        seqs.append((last[0], first))
    if len(low) > 2 and (real[0] or real[-1]):  # "Jean Paul Sartre": also first + last
        seqs.append((first, last))
        seqs.append((last, first))
    # written as one word: "jdubois", "JDubois", "janedubois", "duboisj", "duboisjane"
    if len(first) + len(last) >= 5:
        ones = [first + last, last + first] if real[0] or real[-1] else []
        if real[-1]:
            ones += [first[0] + last, last + first[0]]
        seqs += [(one,) for one in ones]
    return _joined_and_possessive(name, low, out)


#: Words of a name joined by an apostrophe or a hyphen: "O'Brien", "Anne-Marie".
_JOINED = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)+")


def _joined_and_possessive(name: str, low: tuple, out: NameForms) -> NameForms:
    """Forms a comment writes that the name's words do not give (attack 7, RD1 lows):

    * words joined by an apostrophe, or by a hyphen between capitalised words, written
      together or apart — "OBrien", "Obrien", "O Brien" for "O'Brien", "AnneMarie" for
      "Anne-Marie" — as a part, as one word and in the full name ("Sean OBrien"); a
      hyphen of an id (``nina.larsen-admin``) joins nothing;
    * the possessive without its apostrophe ("Janes leads"): each part of 3+ letters with
      an ``s`` (:attr:`NameForms.possessive`).
    """
    if not (out.seqs or out.parts):
        return out
    for m in _JOINED.finditer(unicodedata.normalize("NFC", str(name).split("@", 1)[0])):
        written = re.split(r"['\u2019\-]", m.group(0))
        if "'" not in m.group(0) and "\u2019" not in m.group(0) and \
                not all(as_capital(w) for w in written):
            continue
        pieces = tuple(fold(w) for w in written)
        joined = "".join(pieces)
        if len(joined) < 3 or not is_word(joined) or is_generic_word(joined):
            continue
        out.parts.add(joined)
        out.seqs += [pieces, (joined,)]
        n = len(pieces)
        for i in range(len(low) - n + 1):
            if low[i:i + n] == pieces:
                alt = low[:i] + (joined,) + low[i + n:]
                if len(alt) > 1:
                    out.seqs += [alt, tuple(reversed(alt))]
                break
    _particles(low, out)
    out.possessive = {p + "s" for p in out.parts
                      if len(p) >= 3 and is_word(p) and not p.endswith("s")}
    return out


#: Particles of surnames, folded, longest first: an id writes them together with the surname
#: (``a.delacruz``, ``m.vanderberg``), a comment apart ("Ana de la Cruz", "De la Cruz"), or
#: the other way round (attack 13, PJ1).
PARTICLES = tuple(sorted((tuple(p.split()) for p in (
    "de la", "de las", "de los", "de le", "van der", "van den", "van de", "von der", "von dem",
    "de", "del", "della", "di", "da", "du", "dos", "das", "van", "von", "le", "la", "ter",
    "ten")), key=lambda p: (-len("".join(p)), p)))


def _particles(low: tuple, out: NameForms) -> None:
    """Add the forms of a particle surname written the other way: together as apart and
    apart as together (:data:`PARTICLES`).

    Written together (``delacruz``): the surname apart is a sequence ("de la Cruz"), with
    the initial before it when the name has one ("A. de la Cruz"; "Ana de la Cruz" through
    :attr:`NameForms.initials`). The word after the particles is never a part alone:
    "dubois", "delafield" or "vanderwall" would make "Bois", "Field" or "Wall" parts, removed
    from "Field Marketing" (attack 15, PJ2). Written apart (``Ana de la Cruz``): the surname together
    ("Delacruz") and the full name with it ("Ana Delacruz").
    """
    if not (out.seqs or out.parts):
        return
    for j, f in enumerate(low):
        if len(f) < 5 or not f.isalpha():
            continue
        for p in PARTICLES:
            lead = "".join(p)
            rest = f[len(lead):]
            if f.startswith(lead) and len(rest) >= 3 and not is_generic_word(rest):
                apart = p + (rest,)
                out.seqs.append(apart)
                if j > 0:
                    out.seqs.append(low[:j] + apart + low[j + 1:])
                    if j == len(low) - 1:   # "Ana de la Cruz" for a.delacruz
                        out.initials.add((low[0][0], apart))
                break
    n = len(low)
    for i in range(n - 1):
        for p in PARTICLES:
            k = i + len(p)
            if low[i:k] == p and k < n and len(low[k]) >= 3:
                together = "".join(low[i:k + 1])
                out.seqs.append((together,))
                if i > 0:
                    out.seqs.append(low[:i] + (together,) + low[k + 1:])
                    if k == n - 1:   # the surname with its particles: "De la Cruz"
                        out.seqs.append(low[i:])
                        out.initials.add((low[0][0], low[i:]))
                break
        else:
            continue
        break


# --------------------------------------------------------------------------------------
# Scripts written without spaces between words (attack 7, RD1)
# --------------------------------------------------------------------------------------

#: Characters of scripts written without spaces between words — Thai, Lao, Myanmar,
#: Khmer, Japanese kana, CJK ideographs — and Hangul, whose words carry their particles
#: ("김민준이"). A name in these scripts is found inside a run of them, not as a word.
_UNSPACED = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f")
UNSPACED_RE = re.compile(f"[{_UNSPACED}]+")
#: Longest form looked for inside a run (a name is a few characters; bounds the cost).
MAX_UNSPACED = 16


def unspaced_forms(name: str, *, parts: bool = True) -> set[str]:
    """The forms of *name* looked for inside runs of unspaced script (:data:`UNSPACED_RE`).

    The name's runs of such characters joined ("田中 太郎" → "田中太郎", "Wei Li (李伟)" →
    "李伟"), and, with *parts*, each run of two or more characters ("田中", "太郎"). A
    single character (a Chinese family name such as 王) is never a form alone: it is too
    often part of other words; with *parts*, a Chinese name of two or three characters
    also gives its family name followed by a title (:data:`HAN_TITLES`: "王总", "张先生").

    Parameters
    ----------
    name : str
        A known name or id.
    parts : bool
        Also each run alone (off for labels the toolkit wrote, as for Latin parts).

    Returns
    -------
    set of str
        NFC-normalised forms of 2 to :data:`MAX_UNSPACED` characters; empty for a name
        without such characters.
    """
    runs = UNSPACED_RE.findall(unicodedata.normalize("NFC", str(name)))
    out = {"".join(runs)} | (set(runs) if parts else set())
    whole = "".join(runs)
    if parts and 2 <= len(whole) <= 3 and _HAN.fullmatch(whole):
        # a Chinese name: the family name with a title is the person ("王总", "张先生")
        out |= {whole[0] + t for t in HAN_TITLES}
    return {f for f in out if 2 <= len(f) <= MAX_UNSPACED}


#: Titles written after a Chinese family name: Mr, Ms, Miss, teacher, boss, manager, director.
HAN_TITLES = ("先生", "女士", "小姐", "老师", "总", "经理", "主任", "主管")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def unspaced_redactor(forms, mask: str):
    """A function replacing every form of *forms* inside runs of unspaced script by *mask*.

    At each character of a run the longest form starting there is taken (a set lookup per
    form length, at most :data:`MAX_UNSPACED`), so the cost is linear in the text's length
    whatever the number of names. Text outside such runs is not looked at.

    Returns
    -------
    callable or None
        ``f(text) -> str``; None when *forms* is empty.
    """
    forms = {f for f in forms if 2 <= len(f) <= MAX_UNSPACED}
    if not forms:
        return None
    lengths = sorted({len(f) for f in forms}, reverse=True)

    def one_run(m: re.Match) -> str:
        run, out, i, n = m.group(0), [], 0, len(m.group(0))
        while i < n:
            for k in lengths:
                if k <= n - i and run[i:i + k] in forms:
                    out.append(mask)
                    i += k
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    joined = re.compile(f"{re.escape(mask)}(?:[ \u3000\u30fb\u00b7]{re.escape(mask)})+")

    def redact(text: str) -> str:
        if not UNSPACED_RE.search(text):
            return text
        out = UNSPACED_RE.sub(one_run, unicodedata.normalize("NFC", text))
        return joined.sub(mask, out)   # "田中 太郎": one mask, as for a Latin name

    return redact


def unspaced_ngrams(text: str, longest: int = 8) -> set[str]:
    """Every piece of 2 to *longest* characters of the unspaced runs of *text*: the "words"
    an unspaced name can share with it (:func:`toolkit.intake.contacts.text_words`)."""
    out: set[str] = set()
    for run in UNSPACED_RE.findall(unicodedata.normalize("NFC", text)):
        n = len(run)
        out.update(run[i:i + k] for k in range(2, longest + 1) for i in range(n - k + 1))
    return out
