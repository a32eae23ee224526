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


def names_nobody(words) -> bool:
    """Whether a name made of these folded *words* names nobody (every word generic; an
    empty name names nobody)."""
    return all(is_generic_word(w) for w in words)


#: Words of what respondents type into a name question instead of a name ("Don't know",
#: "Not sure", "Too many to list", "Our CRO", "Leads data", "Individual contributor"),
#: folded: function words, hedges and common nouns that are not given names or surnames
#: (short words such as "an", "do", "he", "so", "can", "may", "will" are left out: they are
#: names too). Attack 10, SQ1.
NOT_NAME_WORDS = frozenset("""
    don't dont doesn't doesnt didn't didnt can't cant cannot won't wont isn't isnt aren't
    arent wasn't wasnt not none nobody noone everybody everyone someone somebody anyone
    anybody whoever whatever whichever our ours your yours hers they them their theirs its
    the this that these those some any each every both either neither
    know knows known sure unsure idea clue remember recall say think guess depends
    depending varies vary
    too many much less few lots several various multiple couple
    and but nor for with from about into over under than then also just only
    yes yeah yep nah maybe perhaps probably etc whom what which where when why how
    list listed data tool tools report reports reporting dashboard dashboards spreadsheet
    spreadsheets excel slack zoom meeting meetings
    individual contributor contributors people person persons myself ourselves yourself
    themselves colleague colleagues coworker coworkers
    honestly actually currently usually mostly sometimes generally basically really most
    nothing everything somewhere anywhere now today right well okay sorry thanks please
    head heads time week weeks month months year years have has had was were are
""".split())
#: Lower-case words inside a name ("Maria de los Angeles", "Ludwig van Beethoven").
NAME_PARTICLES = frozenset("""
    de del della der des di da das do dos du la le los las van von den ter ten bin ibn al
    el ben y e
""".split())
_ANSWER_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SEGMENT_BREAK = re.compile(r"[,;/&+|()\[\]{}:!?\n]+|\s-\s")
#: Most words a typed name has ("Maria de los Angeles Garcia Lopez" has six).
MAX_TYPED_NAME_WORDS = 6


def typed_names(value: str, fold=str.lower) -> list[str]:
    """The names in what a respondent typed into a name question ("Who is your manager?").

    The answer is split at punctuation, at words no name is made of
    (:data:`NOT_NAME_WORDS`) and at words not written as a name's are (lower case, except
    particles such as "de" or "van" inside a name); each remaining run of words is a name
    unless every word is generic (:func:`names_nobody`) or it has digits: "Priya from sales" → ``["Priya"]``,
    "Jane Dubois and Tom Li" → ``["Jane Dubois", "Tom Li"]``, "Don't know", "Not sure",
    "Our CRO", "Leads data" → ``[]``. A name typed all in lower case ("jane dubois") is not
    taken: such an answer cannot be told from ordinary words. As names, such answers would have removed ordinary
    words from every comment (attack 10, SQ1).

    Parameters
    ----------
    value : str
        One answer.
    fold : callable
        How a word is folded before it is looked up (:func:`toolkit.nameforms.fold`).

    Returns
    -------
    list of str
        The runs of words as typed, in order.
    """
    text = str(value).strip()
    typed = [m.group(0) for m in _ANSWER_WORD.finditer(text)]
    if (typed and not any(ch.isdigit() for ch in text) and len(typed) <= MAX_TYPED_NAME_WORDS
            and all(_name_word(w, fold, i) for i, w in enumerate(typed))):
        # a name as typed ("Dubois, Jane", "Dr. Müller"), unless it names nobody
        return [] if _nobody([fold(w) for w in typed], typed) else [text]
    out: list[str] = []
    for part in _SEGMENT_BREAK.split(text):
        if any(ch.isdigit() for ch in part):
            continue
        run: list[str] = []
        for m in _ANSWER_WORD.finditer(part):
            w = m.group(0)
            if _name_word(w, fold, len(run)):
                run.append(w)
            else:
                if run:
                    out.append(" ".join(run))
                run = []
        if run:
            out.append(" ".join(run))
    return [n for n in out if len(n.split()) <= MAX_TYPED_NAME_WORDS
            and not _nobody([fold(w) for w in n.split()], n.split())]


def _name_word(word: str, fold, position: int) -> bool:
    """Whether *word* may be part of a typed name: not a word no name is made of, and
    written as a name is — capitalised (a script without case passes), or a particle
    ("de", "van") inside a name."""
    w = fold(word.replace("\u2019", "'"))
    if w in NOT_NAME_WORDS:
        return False
    if word[:1].isupper() or not word[:1].islower():
        return True
    return position > 0 and w in NAME_PARTICLES


def _nobody(words: list[str], typed: list[str]) -> bool:
    """Generic words only, or words of one or two letters only unless written as names
    ("Li", "Jo"; not "to", "N", "A"): as a name such a run would be removed wherever it
    occurs."""
    if names_nobody(words):
        return True
    return (all(len(w) < 3 for w in words)
            and not all(len(t) == 2 and t[0].isupper() and t[1:].islower() for t in typed))
