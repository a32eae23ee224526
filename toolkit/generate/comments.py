"""Planted comment themes for the synthetic survey (``OPEN1``, ``OPEN2``; SPEC §2.1).

Each theme is a small grammar (subject, complaint, optional tail) whose phrasings share the
theme's vocabulary, as real comments on one
topic do ("leads", "budget", "fit" …), with some words shared across themes ("sales",
"marketing", "leads") so that finding them is not trivial. A respondent who comments draws
one theme from the planted shares of their side, then one or two sentences of it and an
optional opener. The planted theme of every comment is kept, so tests can check that the
themes found (:mod:`toolkit.survey.themes`) are the planted ones, with their shares.
"""

from __future__ import annotations

import numpy as np

#: Themes of "the biggest obstacle" (OPEN1): key → (label, sentence parts). A sentence is
#: one pick from each part list, joined, so phrasings vary as real comments do.
OPEN1_THEMES: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "lead_quality": ("Lead quality", (
        ("Most leads", "Too many leads", "Half of the leads", "The leads we get",
         "Webinar leads"),
        ("have no budget", "are far too small for us", "are a poor fit",
         "do not fit our target accounts", "are tyre-kickers with no budget",
         "are students, not buyers"),
        ("", "", "; the lead score says nothing about fit", "; scoring ignores fit"))),
    "follow_up": ("Slow or thin follow-up", (
        ("Sales reps", "Our reps", "SDRs", "Account executives"),
        ("call a lead once and never follow up", "give up after one call",
         "follow up days too late", "never follow up on half of the MQLs",
         "stop following up after one call", "call back too late, if at all"),
        ("", "", ", and nobody checks the follow-up"))),
    "feedback": ("No feedback after the hand-off", (
        ("We get no feedback on", "There is no feedback on", "Nobody gives us feedback on",
         "We never hear back about"),
        ("the leads we send", "rejected leads", "our campaigns", "lost deals",
         "what happens after the hand-off"),
        ("", "", " from sales"))),
    "tools": ("Tools and data", (
        ("The CRM", "CRM data", "The data in our CRM", "Our CRM reporting",
         "The CRM dashboard"),
        ("is incomplete and out of date", "does not sync with marketing automation",
         "shows conflicting pipeline figures", "is full of duplicate records",
         "cannot be trusted"),
        ("", "", ", so nobody trusts the data"))),
    "targets": ("Targets that pull the teams apart", (
        ("Volume targets", "Our targets", "Bonus targets", "MQL volume targets",
         "Separate targets"),
        ("reward quantity, not revenue", "pull the teams in different directions",
         "make everyone game the numbers", "pay marketing for volume, not revenue"),
        ("",))),
    "priorities": ("Shifting priorities", (
        ("Priorities", "Leadership priorities", "Account priorities", "Our priorities"),
        ("change every quarter", "are unclear and keep changing",
         "shift before anything is finished", "keep changing in endless meetings"),
        ("",))),
}

#: Themes of "one thing to change" (OPEN2).
OPEN2_THEMES: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "define_lead": ("Agree what a qualified lead is", (
        ("Agree", "Write down", "Settle on", "Define together"),
        ("what a qualified lead is", "one definition of a qualified lead",
         "the criteria for a qualified lead", "when a lead counts as qualified"),
        ("", "", ", based on fit, not activity"))),
    "sla": ("A follow-up SLA that is checked", (
        ("An SLA", "A clear SLA", "A strict SLA", "An SLA with teeth"),
        ("to call every MQL within 24 hours", "for follow-up that someone checks",
         "with a minimum of six follow-up calls", "that tracks follow-up speed"),
        ("",))),
    "shared_targets": ("Shared targets and pay", (
        ("Shared targets", "Shared revenue targets", "Common targets", "Joint targets"),
        ("for pipeline and bookings", "tied to company revenue", "instead of MQL volume",
         "so both teams are paid on revenue"),
        ("",))),
    "joint_reviews": ("Regular joint reviews", (
        ("A weekly pipeline review", "A weekly joint meeting", "Weekly deal reviews",
         "A weekly review meeting"),
        ("with both teams", "of the sales and marketing leads", "of the top accounts",
         "where marketing sits in"),
        ("",))),
    "closed_loop": ("Closed-loop feedback on leads", (
        ("Feedback", "A reason", "Closed-loop feedback", "Written feedback"),
        ("on every rejection", "for each rejected MQL", "on rejections, in the CRM",
         "whenever sales rejects an MQL"),
        ("",))),
}

THEMES = {"OPEN1": OPEN1_THEMES, "OPEN2": OPEN2_THEMES}
OPENERS = {"OPEN1": ("",) * 9 + ("Honestly, ", "For me: ", "The biggest problem: "),
           "OPEN2": ("",) * 9 + ("Please: ", "My wish: ", "If I could pick one: ")}
#: Share of commenters who write two sentences on their theme.
TWO_SENTENCE_SHARE = 0.25
#: Share of respondents who answer each open question.
ANSWER_SHARE = {"OPEN1": 0.6, "OPEN2": 0.45}


def _sentence(parts: tuple[tuple[str, ...], ...], u: np.ndarray) -> str:
    words = [p[int(x * len(p))] for p, x in zip(parts, u)]
    return (" ".join(w for w in words[:2]) + words[2]).strip() + "."


def _lower_first(s: str) -> str:
    return s[0].lower() + s[1:] if s[:2] not in ("MQ", "CR", "SL") else s


def draw_comments(shares: dict[str, dict[str, float]], question: str,
                  rng: np.random.Generator, side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw one open question's comments from planted theme shares.

    Parameters
    ----------
    shares : dict
        Side (``sales``, ``marketing``, ``other``) → ``{theme key: probability}`` (summing
        to 1) for this question.
    question : {"OPEN1", "OPEN2"}
    rng : numpy.random.Generator
    side : numpy.ndarray of str, shape (n,)
        Side of each respondent.

    Returns
    -------
    texts : numpy.ndarray of object, shape (n,)
        The comment, or None for respondents who did not answer.
    themes : numpy.ndarray of object, shape (n,)
        The planted theme key of each comment (None where no comment).
    """
    bank = THEMES[question]
    n = len(side)
    texts = np.full(n, None, dtype=object)
    themes = np.full(n, None, dtype=object)
    answers = rng.random(n) < ANSWER_SHARE[question]
    for s, p in shares.items():
        idx = np.flatnonzero(answers & (side == s))
        if not idx.size:
            continue
        keys = list(p)
        probs = np.array([p[k] for k in keys], dtype=float)
        themes[idx] = np.array(keys, dtype=object)[rng.choice(len(keys), size=idx.size,
                                                                  p=probs / probs.sum())]
    openers = OPENERS[question]
    picks = rng.random((n, 2, 3))
    two = rng.random(n) < TWO_SENTENCE_SHARE
    op = rng.integers(len(openers), size=n)
    for i in np.flatnonzero(themes != None):  # noqa: E711 - object array comparison
        parts = bank[themes[i]][1]
        sentences = [_sentence(parts, picks[i, j]) for j in range(2 if two[i] else 1)]
        text = " ".join(sentences)
        o = openers[op[i]]
        texts[i] = o + (_lower_first(text) if o.endswith((": ", ", ")) else text)
    return texts, themes


def planted_shares(shares: dict[str, dict[str, dict[str, float]]]) -> dict:
    """Planted theme shares with labels, for ``planted.json``."""
    return {q: {s: {THEMES[q][k][0]: v for k, v in p.items()} for s, p in by_side.items()}
            for q, by_side in shares.items()}


def realized_theme_shares(survey) -> dict:
    """Realized share of each planted theme among each side's comments (``planted.json``).

    Parameters
    ----------
    survey : pandas.DataFrame
        A generated survey carrying ``attrs["planted_themes"]``.

    Returns
    -------
    dict
        ``{question: {side: {theme label: share}}}``; empty when the frame has no planted
        themes (e.g. read back from CSV).
    """
    planted = survey.attrs.get("planted_themes") or {}
    side = survey["team"].map({"sales": "sales", "sales_development": "sales",
                               "marketing": "marketing"}).fillna("other").to_numpy()
    out: dict = {}
    for q, themes in planted.items():
        out[q] = {}
        for s in ("sales", "marketing", "other"):
            lab = [t for t, sd in zip(themes, side) if sd == s and t is not None]
            if lab:
                keys = sorted(set(lab))
                out[q][s] = {THEMES[q][k][0]: round(lab.count(k) / len(lab), 4) for k in keys}
    return out
