"""Words that name nobody: shared mailboxes, departments and the product's own vocabulary.

A CRM contact called "Sales Team", an owner ``sales.team@client.com`` or ``noreply@…``, a
survey id ``helpdesk``: as known names (:func:`toolkit.privacy.name_forms`) their words
would be removed from every comment and label — "both sales and marketing teams" became
"both [name removed] …" (review 13, N4). The rule, used by ``name_forms`` for every redactor:

* a name whose every word is generic (:func:`is_generic_word`) names nobody: it gives no
  form, so redaction simply does not apply to it (nothing is removed, nothing is lost);
* a name with generic and real words ("Team Dubois", "Mark Sales") keeps every form that
  holds a real word in full ("Team Dubois", "Dubois, Team", "T. Dubois", "Dubois",
  "teamdubois"), never one made of generic words and initials only ("Team", "D. Team").

The vocabulary is deliberately static: labels from an engagement (team answers, lead source
values) can be people's names ("Theo Khan's team", "Referral - Aisha Nguyen"), so taking
their words as generic could leave a real name unredacted. It leaves out words that are
common given names or surnames ("Will", "May", "Mark", "Young", "Best", "Hall", "Field",
"West", "Chase", "Grant", "Bill", "Root", "Jobs", "Brand", "List", "Dev", "Sem", "Won",
"Do", "To", "Sal"), so such a name keeps every form. The trade-off: a person whose name
holds a generic word ("Sales" is a rare surname) is still redacted in every full form
("Mark Sales", "Sales, Mark", "mark.sales", "Mark"), but not by the generic word alone
("Sales"); a person named only by generic words is not redacted at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Words of shared mailboxes, departments, roles, systems and the product's vocabulary
#: (funnel stages, CRM objects, lead sources, team names, regions), folded (lower case, no
#: accents). None is a common given name or surname.
GENERIC_WORDS = frozenset("""
    team teams squad group groups department departments dept depts division unit office
    offices desk desks helpdesk servicedesk help hello hi info information enquiry
    enquiries inquiry inquiries contact contacts contactus mail mailbox email emails
    newsletter newsletters notification notifications notify alert alerts noreply
    donotreply no not reply replies admin admins administrator administration it hr
    ops operations revops salesops marketingops finance financial accounting accounts
    account payable receivable billing invoice invoices invoicing payments payroll
    legal compliance procurement purchasing orders order shop store support service
    services customer customers client clients success care feedback careers
    recruiting recruitment talent press media pr webmaster postmaster hostmaster
    system systems bot bots user users test tests testing demo demos sandbox dummy
    process processes platform security chatter insights connector robot
    unassigned unknown none null na tbd queue queues default integration
    integrations api sync import export automation automated workflow crm erp salesforce
    sfdc hubspot marketo pardot eloqua pipedrive dynamics zoho outreach salesloft
    general main central corporate company staff everyone all the and of for
    sales marketing mktg development bizdev revenue leadership executive executives
    exec management manager managers director directors vp svp evp cmo cro ceo cfo coo
    rep reps representative representatives agent agents assistant coordinator
    specialist specialists officer owner owners other others various multiple partner
    partners partnerships partnership channel channels alliances enablement product
    products engineering inside outbound inbound demand generation growth
    digital content events event web website webinar webinars paid search ppc seo
    organic social referral referrals tradeshow trade show shows conference conferences
    campaign campaigns advertising ads purchase purchased cold call calls
    chat form forms trial download downloads direct
    lead leads mql mqls sql sqls sqo sqos sdr sdrs bdr bdrs ae aes am csm csms
    opportunity opportunities opp opps deal deals pipeline funnel prospect prospects
    prospecting stage stages qualified unqualified disqualified nurture nurturing
    converted contacted working closed lost open new status
    enterprise commercial smb midmarket mid market strategic global regional region
    regions emea apac amer americas latam dach anz nordics benelux uki
""".split())

#: Product acronyms that are also given names: not generic (a person named Sal stays
#: redacted), but as a name's part only removed when written like a name ("Sal"), not in
#: capitals ("the SAL stage"), see :func:`toolkit.privacy.make_redactor`.
NAME_ACRONYMS = frozenset({"sal"})

_MAX_WORD = max(map(len, GENERIC_WORDS))


@functools.lru_cache(maxsize=1 << 14)
def is_generic_word(word: str) -> bool:
    """Whether a folded word of a name names nobody.

    Parameters
    ----------
    word : str
        One word of a name, folded (:func:`toolkit.privacy.fold`).

    Returns
    -------
    bool
        True for a word without letters (``2``, ``007``), a word of :data:`GENERIC_WORDS`
        and a word run together from generic words of 4+ letters (``salesteam``,
        ``helpdesk``, ``customerservice``); False for anything else, initials included.
        Shorter words are not pieces: "am" + "it" would make "Amit" generic.
    """
    if not any(ch.isalpha() for ch in word):
        return True
    if word in GENERIC_WORDS:
        return True
    if len(word) < 4:
        return False
    # run together: every split point reachable from the start by generic words of 4+ letters
    n = len(word)
    ok = [True] + [False] * n
    for end in range(4, n + 1):
        for start in range(max(0, end - _MAX_WORD), end - 3):
            if ok[start] and word[start:end] in GENERIC_WORDS:
                ok[end] = True
                break
    return ok[n]


def is_word(word: str) -> bool:
    """Whether *word* is written in letters only: letters and the combining marks of its
    script, starting with a letter. ``str.isalpha`` says no to Devanagari, Bengali or Tamil
    names ("राहुल", "शर्मा": their vowel signs are marks), which would then give no forms
    (attack 13, CS1)."""
    if not word or not word[0].isalpha():
        return False
    return word.isalpha() or all(ch.isalpha() or unicodedata.category(ch)[0] == "M"
                                 for ch in word)


def cased(ch: str) -> bool:
    """Whether the letter *ch* has an upper and a lower case (Latin, Greek, Cyrillic,
    Armenian, ...); Arabic, Hebrew, the Indic scripts, Georgian and the ideographs have
    none. Georgian's Mkhedruli letters have capitals in Unicode (Mtavruli) that a name does
    not start with: their title case is the letter itself, so they count as caseless."""
    return ch.title() != ch.lower() or ch.isupper()


def as_capital(word: str) -> bool:
    """Whether *word* starts as a name is written: with a capital, or in a script without
    letter case, where nothing tells a name from another word and a name's word is taken as
    written (attack 13, CS1: "حسن", "דוד", "शर्मा" alone)."""
    ch = word[:1]
    return ch.isupper() or ch.istitle() or (ch.isalpha() and not cased(ch))


class PhraseName(str):
    """A name removed only as written, all its words together: what a respondent typed into a
    name question in a script without letter case ("पता नहीं", "לא יודע" are not names, but
    nothing in their letters says so; as a name's single words "नहीं" or "אין" would be removed
    from every comment: attack 14, OW1). :func:`toolkit.nameforms.name_info` gives it one
    form, its words in order."""

    __slots__ = ()


def names_nobody(words) -> bool:
    """Whether a name made of these folded *words* names nobody (every word generic; an
    empty name names nobody)."""
    return all(is_generic_word(w) for w in words)


#: Words no name is made of, at which a typed answer is split ("Priya from sales" → "Priya";
#: "Not sure, maybe Jane" → "Jane"; "Prefer not to answer" → "answer"): negations, hedges,
#: pronouns, determiners, conjunctions, prepositions, auxiliaries, folded. Words that are
#: also names or name particles ("an", "do", "he", "so", "can", "may", "will", "de", "la",
#: "van") are left out (attacks 10 SQ1, 11 SQ1R, 13 TA2R).
HEDGE_WORDS = frozenset("""
    don't dont doesn't doesnt didn't didnt can't cant cannot won't wont isn't isnt aren't
    arent wasn't wasnt not none nobody noone everybody everyone someone somebody anyone
    anybody whoever whatever whichever our ours your yours hers they them their theirs its
    the this that these those some any each every both either neither know knows known
    sure unsure unclear idea clue remember recall say think guess depends depending varies
    too many much less few several various multiple and but nor for with from about into
    over under than then also just only yes yeah yep nah maybe perhaps probably etc whom
    what which where when why how myself ourselves yourself themselves honestly actually
    currently usually mostly sometimes generally basically really nothing everything
    somewhere anywhere please thanks sorry never ask see same still have has had was were
    are been being would could should prefer since until till yet one ones matter changes
    change changed moment
    to of in on at by as is am be it me my we us you i a or if off out up via per who
    whose there here does did done doing get gets got getting shall might must having
    very such more other again once onto upon within without between among through
    during before after above below against while because though although whether
    thank thankyou based located near around outside inside
""".split())
#: The same in the languages of the practice's clients, as typed (folded on use): "don't
#: know", "nobody", "my boss", "no idea" in German, French, Spanish, Italian, Portuguese,
#: Dutch, Russian, Hindi, Arabic, Hebrew, Chinese, Japanese and Korean (attack 14, OW1).
#: Name particles ("von", "van", "der", "de", "da", "del", "dos", "das", "la", "le") and
#: words that are also given names or surnames ("Mia", "Mio", "Tal", "Sin", "Bei", "Con",
#: "Weiss", "Baas", "Leiter", "Maruf": attack 15, MH1) are left out; answers made of those are
#: :data:`NON_ANSWER_PHRASES`.
HEDGE_WORDS_INTL = frozenset("""
    nicht kein keine keiner keinen niemand ahnung mein meine meinen meiner unser
    unsere ich wir ja nein vielleicht derzeit aktuell gerade noch schon bitte danke egal
    die ein eine einen und oder mit im am vom zum zur für über wer was wo wann
    warum wie ist sind war chef chefin vorgesetzter vorgesetzte leiterin führungskraft
    je ne sais pas aucun aucune personne mon mes notre nos sans avec pour rien non oui
    peut être est c'est inconnu inconnue patron patronne responsable
    sé nadie ninguno ninguna mi mis jefe jefa nuestro ahora vez quizás para
    por desconocido prefiero decir es
    nessuno nessuna capo boh forse senza
    não ninguém meu minha chefe nenhum nenhuma talvez
    weet niet geen idee mijn leidinggevende misschien onbekend zijn
    не знаю нет никто мой моя начальник руководитель руководительница
    पता नहीं नही कोई मेरा मेरी मेरे मैं हाँ हां जानता जानती मालूम मैनेजर बॉस अभी है हैं
    لا أعرف اعرف يوجد أحد احد مديري مدير ليس لست غير نعم
    לא יודע יודעת אין אף אחד המנהל מנהל שלי כן אני
    不知道 不清楚 没有 沒有 无 無 不确定 保密 匿名 我的 经理 老板 なし 不明 わからない
    分からない 上司 없음 모름 없어요 몰라요 비공개 상사
""".split())
#: Words of non-answers in other languages that are also given names or surnames ("Mia",
#: "Tal", "Con", "Sin", "Weiss", "Leiter", "Baas", Maruf): not split points (attack 15, MH1),
#: but in an answer that holds a non-answer word of :data:`HEDGE_WORDS_INTL`, a run made only
#: of them names nobody ("Ich weiß es nicht", "Mein Leiter", "Sin jefe", "Con nadie": attack
#: 16, MH2). Typed alone, beside a surname, a digit or an English hedge they are names ("Mia",
#: "Tal Ohana", "Tal Weiss (team 2)": attack 17, AW1).
AMBIGUOUS_WORDS_INTL = frozenset("""
    weiß weiss aber bei leiter sin con sei mia mio tal esta está baas معروف
""".split())
#: Non-answers whose words may also be names, recognised only together ("Weiß nicht": not
#: the surname Weiss; "Mijn baas"), as typed, folded on use.
NON_ANSWER_PHRASES = tuple(tuple(p.split()) for p in (
    "weiß nicht", "weiss nicht", "ich weiß nicht", "ich weiss nicht", "weiß ich nicht",
    "mijn baas", "não sei", "nao sei", "eu não sei", "tal vez", "no lo sé", "non lo so",
    "mia capo", "il mio capo", "mio capo", "la mia capo", "mi jefe", "lo sé", "غير معروف",
    "con permiso"))
#: Words after which an answer names a place, not a person ("Someone in Berlin", "Whoever is
#: at HQ", "Based in Oslo"; attack 13 TA2R); "to", "from", "with" are followed by people.
PLACE_WORDS = frozenset("in at near around outside inside within based located".split())
#: Ordinary words an answer made of nothing else names nobody ("Leads data", "Great
#: question", "New hire", "Left recently", "My boss"); inside an answer with another word
#: that is not one of them they stay: they are surnames too ("Joe Head", "Sarah Slack";
#: attacks 11 SQ2, 13 TA2R). A lone word the split leaves is a name only when it is none
#: of these, nor a word of :data:`HEDGE_WORDS` or :data:`GENERIC_WORDS`.
ANSWER_NOUNS = frozenset("""
    list listed data tool tools report reports reporting dashboard dashboards spreadsheet
    spreadsheets excel slack zoom meeting meetings individual contributor contributors
    people person persons colleague colleagues coworker coworkers head heads time week
    weeks month months year years last above hiring met great question hard left lot lots
    most now today right well okay idk tbc founder founders quarter quarters line lines
    january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    answer answers answered answering reply respond response responses question questions
    boss bosses supervisor supervisors hire hires hired free busy available recently
    recent soon later earlier already lately now fine good better best bad worse worst
    nice kind helpful awesome amazing excellent terrible awful okay ok cool whatever
    skip skipped pass passed private privately confidential confidentiality secret
    anonymous anonymously anonymity rotating rotates rotation rotational interim acting
    temporary temporarily temp vacant vacancy vacancies open position positions role roles
    telling tell told waiting wait waited assigned assign unassigned pending tba tbd tbc
    need needed needs want wanted wants next previous prior former current future
    new old replaced replacement leaving joined joining join moved moving move
    myself self alone solo independent freelance contractor contractors person
    direct indirect dotted matrix reporting reports hq office remote home abroad
    leader leaders leadership supervisor lead lead's chief senior junior principal
    everyone everybody nobody somebody someone anyone myself yourself ourselves
    survey form field fields required optional mandatory why
    guy guys gal lady man woman men women folks team member members staff
    someone's nobody's n/a yes no
""".split())
#: What joins the names of several people in one answer ("Ravi Ng & Lena Wu", "A / B").
_LIST_JOIN = re.compile(r"[&/;+|]")


@functools.cache
def mark_class() -> str:
    """The combining marks of the Basic Multilingual Plane as a regular-expression class body
    (vowel signs of Devanagari, Bengali, Tamil ...: ``\\w`` does not match them, so "राहुल"
    would fall apart into letters). Built on first use (~10 ms)."""
    marks = [c for c in range(0x300, 0x10000)
             if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    runs: list[list[int]] = []
    for c in marks:   # the same characters, written as runs
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in runs)


@functools.cache
def _answer_word() -> re.Pattern:
    """A word of a typed answer: letters with their marks, joined by an apostrophe or a
    hyphen ("O'Brien", "Wu-Lindqvist", "शर्मा")."""
    letter = r"[^\W\d_][" + mark_class() + r"]*"
    return re.compile(f"(?:{letter})+(?:['\u2019\\-](?:{letter})+)*")


@functools.cache
def _sentence_word() -> re.Pattern:
    letter = r"[^\W\d_][" + mark_class() + r"]*"
    return re.compile(f"([.!?\u2026\\n]+)|((?:{letter})+(?:['\u2019](?:{letter})+)*)")


_SEGMENT_BREAK = re.compile(r"[,;/&+|()\[\]{}:!?\n]+|\s-\s")
#: Most words a typed name has ("Maria de los Angeles Garcia Lopez" has six).
MAX_TYPED_NAME_WORDS = 6




def ordinary_words(texts, fold=str.lower, *, at_least: int = 2) -> frozenset:
    """Words the engagement's own free text uses as ordinary words: written in lower case
    at least *at_least* times and more often than with a capital (a name is written with
    one). A word of an answer typed into a name question that is ordinary here is not a
    name (:func:`typed_names`): as one it would be removed from the very comments that use
    it ("Waiting for a decision", "Lead qualification": attack 13, TA2R); a person's name
    that the comments mention gains capitals, not lower case. Linear in the text.

    Parameters
    ----------
    texts : iterable of str
        Free-text cells (comments, "other" answers), not the name question's own answers.
    fold : callable
        How a word is folded (:func:`toolkit.nameforms.fold`).
    at_least : int
        Lower-case occurrences a word needs.

    Returns
    -------
    frozenset of str
        Folded words. Words of scripts without letter case are never in it.
    """
    lower: dict[str, int] = {}
    capital: dict[str, int] = {}
    for text in texts:
        if not isinstance(text, str):
            continue
        for m in _sentence_word().finditer(text):
            w = m.group(2)
            if w is None:
                continue
            first = w[:1]
            if first.islower():
                k = _key(w, fold)
                lower[k] = lower.get(k, 0) + 1
            elif first.isupper():
                k = _key(w, fold)
                capital[k] = capital.get(k, 0) + 1
    return frozenset(k for k, n in lower.items() if n >= at_least and n > capital.get(k, 0))


def typed_names(value: str, fold=str.lower, ordinary=frozenset()) -> list[str]:
    """The names in what a respondent typed into a name question ("Who is your manager?").

    Recall first — a name missed is a name published: an answer is a name as typed ("Joe
    Head", "Dubois, Jane") unless it holds words no name is made of (:data:`HEDGE_WORDS`),
    digits or what joins several people (``& / ; + |``); then it is split there and at
    punctuation, and each run of words is a name unless all its words are ordinary
    (:data:`ANSWER_NOUNS`), generic (:func:`names_nobody`) or of one or two letters:
    "Priya from sales" → ``["Priya"]``; "maybe halvorsen" → ``["Halvorsen"]``; "Don't know",
    "Prefer not to answer", "New hire", "Leads data" → ``[]`` (as names they removed
    ordinary words from every comment: attacks 10 SQ1, 11 SQ1R, 12 TA2, 13 TA2R). A name
    typed all in lower case is given capitals ("ingrid halvorsen" → "Ingrid Halvorsen"), so
    its words are removed as any name's are — its full forms in any case, a word alone when
    written with a capital — and a lone lower-case word is never taken as an id removed in
    any case (attack 13 TL1). An e-mail address or an id is not read here
    (:func:`toolkit.intake.surveybuild.personal_names` takes it whole, with its name-like
    words).

    Parameters
    ----------
    value : str
        One answer.
    fold : callable
        How a word is folded before it is looked up (:func:`toolkit.nameforms.fold`).
    ordinary : set of str
        Further folded words that name nobody alone: the engagement's ordinary words
        (:func:`ordinary_words`).

    Returns
    -------
    list of str
        The names, in order.
    """
    text = str(value).strip()
    typed = [m.group(0) for m in _answer_word().finditer(text)]
    if not typed:
        return []
    if (not any(ch.isdigit() for ch in text) and not _LIST_JOIN.search(text)
            and not any(_is_hedge(w, fold) for w in typed)):
        if _nobody(typed, fold, ordinary) or len(typed) > MAX_TYPED_NAME_WORDS:
            return []
        return [_capitalised(text.split())]
    # split at punctuation, at what joins several people, at hedges and at tokens holding
    # digits ("Ingrid Halvorsen (team 2)", "2nd line: Marek Dvorak", "Ravi Ng & Lena Wu")
    out: list[tuple[list[str], bool]] = []
    for part in _SEGMENT_BREAK.split(text):  # also at & / ; + | (_LIST_JOIN)
        run: list[str] = []
        place = False   # the run follows "in", "at", "near": a place ("Someone in Berlin")
        tokens = part.split()
        words = [_answer_word().search(t) for t in tokens]
        keys = [_key(w.group(0), fold) if w else "" for w in words]
        phrase = _in_phrases(keys, fold)   # "Weiß nicht", "Mijn baas" (MH1)
        # beside a non-answer word of their own languages, in the same part of the answer
        # ("Mein Leiter", "Sin jefe": MH2) the two-way words name nobody; beside a digit, a
        # join, an English hedge or an abbreviation they are names ("Tal Weiss (team 2)",
        # "Tal Leiter since 2021", "Tal Weiss (EST)": AW1, AB1)
        intl = any(w is not None and _is_hedge(w.group(0), fold, intl_only=True)
                   for w in words)
        for i, token in enumerate(tokens):
            word, key = words[i], keys[i]
            if (word is None or any(ch.isdigit() for ch in token)
                    or _is_hedge(word.group(0), fold) or i in phrase):
                if run and not place:
                    out.append((run, intl))
                place = key in PLACE_WORDS or (place and not run)   # "near the door"
                run = []
            else:
                run.append(token)
        if run and not place:
            out.append((run, intl))
    both = ordinary | _ambiguous(fold)
    return [_capitalised(run) for run, intl in out if len(run) <= MAX_TYPED_NAME_WORDS
            and not _nobody([_answer_word().search(t).group(0) for t in run], fold,
                            both if intl else ordinary)]


def _is_hedge(word: str, fold, *, intl_only: bool = False) -> bool:
    """Whether a typed *word* is a word no name is made of (:data:`HEDGE_WORDS`, any case;
    :data:`HEDGE_WORDS_INTL`, unless written as an abbreviation of up to three capitals:
    "EST", "MI", "NE" are time zones and states, not French or Spanish words: attack 18,
    AB1). With *intl_only*, only the second list."""
    key = _key(word, fold)
    if not intl_only and key in HEDGE_WORDS:
        return True
    if word.isupper() and len(word) <= 3:
        return False
    return key in _hedges(fold) and key not in HEDGE_WORDS


def _capitalised(run: list[str]) -> str:
    """The words of a name joined; a name typed all in lower case gets capitals
    ("halvorsen" → "Halvorsen", "ana de la cruz" → "Ana De La Cruz"), so it is redacted as a
    name written normally is, not as an id (whose one word would be removed in any case).
    Several words without letter case (Arabic, Hebrew, Devanagari) are a :class:`PhraseName`:
    removed together only."""
    text = "".join(run)
    if not any(cased(ch) for ch in text):
        return PhraseName(" ".join(run)) if len(run) > 1 else " ".join(run)
    if all(not ch.isupper() for ch in text):
        run = [_PIECE_START.sub(lambda m: m.group(0).upper(), t) for t in run]
    return " ".join(run)


#: The first letter of a word and of each piece after a hyphen or an apostrophe
#: ("wu-lindqvist" → "Wu-Lindqvist", "o'brien" → "O'Brien").
_PIECE_START = re.compile(r"(?:(?<=^)|(?<=[-'\u2019]))[^\W\d_]")


@functools.lru_cache(maxsize=8)
def _hedges(fold) -> frozenset:
    """:data:`HEDGE_WORDS` and :data:`HEDGE_WORDS_INTL`, folded as *fold* folds words, in
    each case they may be typed (a fold that maps look-alike capitals, "Не" → "he", folds a
    capitalised word apart from its lower case)."""
    return HEDGE_WORDS | frozenset(_key(v, fold) for w in HEDGE_WORDS_INTL
                                   for v in (w, w.capitalize(), w.upper()))


@functools.lru_cache(maxsize=8)
def _ambiguous(fold) -> frozenset:
    """:data:`AMBIGUOUS_WORDS_INTL`, folded as *fold* folds words, in each case."""
    return frozenset(_key(v, fold) for w in AMBIGUOUS_WORDS_INTL
                     for v in (w, w.capitalize(), w.upper()))


@functools.lru_cache(maxsize=8)
def _phrases(fold) -> frozenset:
    """:data:`NON_ANSWER_PHRASES`, folded as *fold* folds words (in lower case and with a
    capital first word)."""
    out = set()
    for p in NON_ANSWER_PHRASES:
        out.add(tuple(_key(w, fold) for w in p))
        out.add(tuple(_key(w, fold) for w in (p[0].capitalize(),) + p[1:]))
    return frozenset(out)


def _in_phrases(keys: list[str], fold) -> set[int]:
    """Indexes of the words of *keys* that belong to a non-answer phrase."""
    covered: set[int] = set()
    phrases = _phrases(fold)
    for n in {len(p) for p in phrases}:
        for i in range(len(keys) - n + 1):
            if tuple(keys[i:i + n]) in phrases:
                covered.update(range(i, i + n))
    return covered


def _key(word: str, fold) -> str:
    return fold(word.replace("\u2019", "'"))


def _nobody(typed: list[str], fold, ordinary=frozenset()) -> bool:
    """Ordinary or generic words only, or words of one or two letters only unless written
    as names ("Li", "Jo", "王伟" in a script without capitals; not "to", "N", "A": attack 13,
    TN1)."""
    words = [_key(w, fold) for w in typed]
    if all(w in ANSWER_NOUNS or w in _hedges(fold) or w in ordinary or is_generic_word(w)
           or len(w) < 3 for w in words):
        return not (all(len(w) < 3 and not is_generic_word(w) for w in words)
                    and all(len(t) == 2 and as_capital(t) and not t[1].isupper()
                            for t in typed))
    return False
