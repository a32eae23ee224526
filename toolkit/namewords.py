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
