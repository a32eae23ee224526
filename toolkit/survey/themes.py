"""Comment themes of the open questions (``OPEN1``, ``OPEN2``), offline and deterministic.

Nothing leaves the laptop and nothing is downloaded: themes come from the comments alone, by
non-negative matrix factorization (NMF) of their term frequencies with scikit-learn, or from
a consultant's codebook.

Automatic themes (:func:`nmf_themes`)
------------------------------------
1. Comments are redacted first (:func:`toolkit.privacy.make_redactor`), so no name can become
   a theme word. Words are lower-cased; English stop words, filler words of survey answers
   ("honestly", "biggest problem") and the redaction masks are dropped;
   plurals folded (``leads`` → ``lead``); words used in fewer than two comments are ignored.
2. Each comment is a vector of sublinear term frequencies, L2-normalised. Inverse document
   frequency is not used: in comments of a dozen words it up-weights words written once and
   splits themes on them.
3. NMF with the Kullback–Leibler divergence (multiplicative updates; Lee & Seung 2001), the
   objective of probabilistic topic models for word counts (Gaussier & Goutte 2005), is fitted
   for 2, 3, … themes, each from ``RESTARTS`` starting points (NNDSVDa, then seeded random
   ones; Boutsidis & Gallopoulos 2008), keeping the best fit.
4. The number of themes is the largest one for which every theme keeps its own words: more
   themes are tried until two of them share their main words (cosine similarity of their
   word profiles of at least ``DISTINCT_COSINE``), and the number before that is kept (at
   most ``MAX_THEMES``, and at least ``COMMENTS_PER_THEME`` comments per theme). The cut-off
   was calibrated on generated comments with planted themes (tests/test_survey_themes.py);
   it is a rule of thumb, which is why a consultant's codebook overrides it.
5. A comment belongs to the theme with the largest weight; a comment sharing no word with
   any theme is "other". The label is the theme's top words.

Same comments and same ``seed`` → the same themes; comments are sorted before fitting, so
the order of the export does not matter either.

Codebook (:func:`codebook_themes`)
----------------------------------
A CSV with columns ``theme`` and ``keywords`` (keywords separated by ``;``; see
``templates/comment_codebook.csv``). A keyword matches at the start of a word, case-
insensitively, so ``follow`` matches "follow-up" and "followed". A comment belongs to the
theme with most keyword matches (ties: the codebook's first theme); no match → "other".

Anonymity (SPEC §8): a side's share of a theme is shown only when the side wrote at least
``min_comment_group_size`` comments on the question and the subtraction rule of
:func:`toolkit.survey.groups.visibility` holds; example comments are drawn only from groups
whose comment lists could be shown (:func:`toolkit.survey.sections.comments`: at least that
many comments, and the teams outside sales and marketing only when none of them is hidden in
the participation table), use one of the theme's label words, and are redacted. A theme
whose comments all come from groups hidden for comments is not shown.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .. import method
from ..exceptions import InputError, Problem
from ..instrument import OPEN_ITEMS
from ..privacy import make_redactor
from .groups import REST, SIDE_NAMES, visibility

SEED = 19
RESTARTS = 5
#: NMF stopping rule: relative change of the divergence below TOL, or MAX_ITER updates.
MAX_ITER = 500
TOL = 1e-4
MAX_THEMES = 8
COMMENTS_PER_THEME = int(method.value("themes_comments_per_theme"))
#: Fewest comments on a question for themes: two themes of ``COMMENTS_PER_THEME`` each.
MIN_COMMENTS = 2 * COMMENTS_PER_THEME
DISTINCT_COSINE = method.value("themes_distinct_cosine")
N_EXAMPLES = 3
#: Bounds of a comment codebook (attack 7, CB1): the cost of matching is themes ×
#: keywords × comments, and each theme is a line of the report a person reads. A
#: consultant's codebook has tens of themes and a few hundred keywords.
MAX_CODEBOOK_THEMES = 100
MAX_CODEBOOK_KEYWORDS = 1000
MAX_KEYWORD_CHARS = 100
MAX_CODEBOOK_BYTES = 256 * 1024
TOP_TERMS = 8
LABEL_TERMS = 3
QUESTIONS = {"OPEN1": "Biggest obstacle", "OPEN2": "One thing to change"}
_MASK_WORDS = {"removed", "name", "mail", "phone", "e-mail"}
#: Filler words of survey answers that say nothing about the topic.
_FILLER_WORDS = {"honestly", "simple", "simply", "biggest", "problem", "issue", "wish", "pick",
                 "think", "really", "just", "like", "thing", "things", "need", "needs", "make",
                 "better", "lot", "way", "pretty", "bit", "actually", "maybe", "obstacle",
                 "sure", "definitely", "probably", "feel", "personally", "overall"}
#: A word: letters (any script), with inner apostrophes or hyphens ("follow-up", "don't").
_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['\-])*[^\W\d_]")


def _stop_words() -> frozenset:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _MASK_WORDS | _FILLER_WORDS


def _fold(word: str) -> str:
    """Fold a plural onto its singular (``leads`` → ``lead``, ``priorities`` → ``priority``)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _Analyzer:
    """Tokenizer for the vectorizer that also remembers each stem's most used spelling."""

    def __init__(self):
        self.stop = _stop_words()
        self.surface: dict[str, Counter] = {}

    def __call__(self, doc: str) -> list[str]:
        out = []
        for m in _WORD_RE.finditer(doc):
            written = m.group(0)
            w = written.lower()
            if len(w) < 3 or w in self.stop:
                continue
            s = _fold(w)
            # remember the spelling as written (CRM, SLA) for the label
            if written[:1].isupper() and not written.isupper():
                written = written.lower()     # a capital at the start of a sentence
            self.surface.setdefault(s, Counter())[written] += 1
            out.append(s)
        return out

    def word(self, stem: str) -> str:
        """The most used spelling of a stem (ties: alphabetical)."""
        c = self.surface.get(stem)
        return min(c, key=lambda w: (-c[w], w)) if c else stem


def nmf_themes(texts: Sequence[str], *, seed: int = SEED) -> dict:
    """Automatic themes of one question's comments (steps 1–5 of the module docstring).

    Parameters
    ----------
    texts : sequence of str
        Redacted comments, at least :data:`MIN_COMMENTS`.
    seed : int
        Seed of the random restarts.

    Returns
    -------
    dict
        ``{"assign": int array (n,) theme index or -1 for other, "weight": float array (n,)
        (share of the comment's loading on its theme: 1 = only this theme),
        "themes": [{"label", "terms"}], "k_tried": [{"k", "max_cosine"}]}``. Order of the
        themes: as fitted (the caller sorts by share).
    """
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    an = _Analyzer()
    vec = TfidfVectorizer(analyzer=an, min_df=2, use_idf=False, sublinear_tf=True)
    try:
        X = vec.fit_transform(list(texts))
    except ValueError:  # no word used twice
        n = len(texts)
        return {"assign": np.full(n, -1), "weight": np.zeros(n), "themes": [], "k_tried": []}
    terms = vec.get_feature_names_out()
    n = X.shape[0]
    if n * X.shape[1] <= 20_000_000:   # small: dense multiplicative updates are faster
        X = X.toarray()
    k_max = max(2, min(MAX_THEMES, n // COMMENTS_PER_THEME, X.shape[1]))

    def fit(k: int):
        best = None
        for r in range(RESTARTS):
            model = NMF(n_components=k, init="nndsvda" if r == 0 else "random",
                        solver="mu", beta_loss="kullback-leibler", max_iter=MAX_ITER, tol=TOL,
                        random_state=seed + r)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                W = model.fit_transform(X)
            if best is None or model.reconstruction_err_ < best[0] - 1e-12:
                best = (model.reconstruction_err_, W, model.components_)
        return best[1], best[2]

    from threadpoolctl import threadpool_limits

    chosen, tried = None, []
    # one BLAS thread: these matrices are small (threads only contend), and the result does
    # not depend on the machine's thread count
    with threadpool_limits(1):
        for k in range(2, k_max + 1):
            W, H = fit(k)
            Hn = normalize(H)
            cos = Hn @ Hn.T
            np.fill_diagonal(cos, 0.0)
            mc = float(cos.max())
            tried.append({"k": k, "max_cosine": round(mc, 4)})
            if chosen is not None and mc >= DISTINCT_COSINE:
                break
            chosen = (W, H)
            if mc >= DISTINCT_COSINE:   # already at k = 2: two themes is the floor
                break
    W, H = chosen
    total = W.sum(axis=1)
    assign = np.where(total > 0, W.argmax(axis=1), -1)
    weight = np.where(total > 0, W.max(axis=1) / np.where(total > 0, total, 1), 0.0)
    themes = []
    for h in H:
        order = np.argsort(-h, kind="stable")[:TOP_TERMS]
        words = [an.word(terms[i]) for i in order if h[i] > 0]
        themes.append({"label": ", ".join(words[:LABEL_TERMS]), "terms": words})
    return {"assign": assign, "weight": weight, "themes": themes, "k_tried": tried}


def _keyword_re(keyword: str) -> re.Pattern:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", keyword.strip().lower()) if p]
    return re.compile(r"(?<![a-z0-9])" + r"[\s\-]+".join(parts))


def codebook_themes(texts: Sequence[str], codebook: Sequence[tuple[str, Sequence[str]]]
                    ) -> dict:
    """Assign comments to a consultant's codebook themes by keyword matches.

    Parameters
    ----------
    texts : sequence of str
        Redacted comments.
    codebook : sequence of (theme, keywords)
        From :func:`load_codebook`.

    Returns
    -------
    dict
        Same shape as :func:`nmf_themes` (``weight`` = number of keyword matches).
    """
    low = [t.lower() for t in texts]
    hits = np.zeros((len(low), len(codebook)))
    for j, (_, keywords) in enumerate(codebook):
        pats = [_keyword_re(k) for k in keywords]
        hits[:, j] = [sum(len(p.findall(t)) for p in pats) for t in low]
    assign = np.where(hits.max(axis=1, initial=0) > 0, hits.argmax(axis=1), -1) \
        if len(codebook) else np.full(len(low), -1)
    weight = hits.max(axis=1, initial=0) if len(codebook) else np.zeros(len(low))
    themes = [{"label": name, "terms": list(kw)} for name, kw in codebook]
    return {"assign": assign, "weight": weight, "themes": themes, "k_tried": []}


def load_codebook(path: str | Path, *, display: str | None = None
                  ) -> list[tuple[str, list[str]]]:
    """Read a comment codebook CSV (``theme``, ``keywords``; keywords separated by ``;``).

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, header row).
    display : str, optional
        How to name the file in messages (relative to the engagement folder).

    Returns
    -------
    list of (str, list of str)
        Themes in file order with their keywords.

    Raises
    ------
    InputError
        Unreadable file, missing column, a theme without keywords or named twice; every
        problem names the file, row and column.
    """
    name = display or str(path)
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0   # reported by the open below
    if size > MAX_CODEBOOK_BYTES:
        raise InputError(Problem(name, f"the comment codebook is {size:,} bytes; a codebook may "
                                 f"be at most {MAX_CODEBOOK_BYTES // 1024} KB (at most "
                                 f"{MAX_CODEBOOK_THEMES} themes and {MAX_CODEBOOK_KEYWORDS:,} "
                                 "keywords in all); check that this is the right file"))
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(Problem(name, f"cannot read the comment codebook ({exc}); expected "
                                 "a UTF-8 CSV with columns theme,keywords")) from None
    if not rows:
        raise InputError(Problem(name, "empty file; expected a header row theme,keywords "
                                 "and one row per theme"))
    header = [h.strip().lower() for h in rows[0]]
    problems = [Problem(name, f"missing column; the header is {rows[0]!r}", row=1, column=c)
                for c in ("theme", "keywords") if c not in header]
    if problems:
        raise InputError(problems)
    it, ik = header.index("theme"), header.index("keywords")
    out: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        theme = row[it].strip() if it < len(row) else ""
        kws = [k.strip() for k in (row[ik] if ik < len(row) else "").split(";") if k.strip()]
        if not theme:
            problems.append(Problem(name, "empty theme name", row=r, column="theme"))
        elif theme.lower() in seen:
            problems.append(Problem(name, f"theme {theme!r} is listed twice", row=r,
                                    column="theme"))
        if not kws:
            problems.append(Problem(name, "no keywords; expected words separated by ';'",
                                    row=r, column="keywords"))
        long = [k for k in kws if len(k) > MAX_KEYWORD_CHARS]
        if long:
            problems.append(Problem(name, f"{len(long)} keyword(s) longer than "
                                    f"{MAX_KEYWORD_CHARS} characters; a keyword is a word or "
                                    "a short phrase", row=r, column="keywords"))
        if theme and kws:
            seen.add(theme.lower())
            out.append((theme, kws))
    n_kw = sum(len(k) for _, k in out)
    if len(out) > MAX_CODEBOOK_THEMES or n_kw > MAX_CODEBOOK_KEYWORDS:
        problems.append(Problem(name, f"{len(out):,} themes with {n_kw:,} keywords; a comment "
                                f"codebook may hold at most {MAX_CODEBOOK_THEMES} themes and "
                                f"{MAX_CODEBOOK_KEYWORDS:,} keywords in all (each theme is a "
                                "line of the report): merge themes or keep those to report"))
    if problems:
        raise InputError(problems[:50] + ([Problem(name, f"... and {len(problems) - 50:,} "
                                                   "more problems")]
                                          if len(problems) > 50 else []))
    if not out:
        raise InputError(Problem(name, "no themes; expected one row per theme below the "
                                 "header"))
    return out


def _mentions(text: str, terms: Sequence[str]) -> bool:
    """Whether *text* uses one of *terms* (a word starting with the term, plurals folded:
    "leads" mentions "lead", "follow-up" mentions "follow")."""
    stems = [_fold(str(t).lower()) for t in terms if str(t).strip()]
    words = [_fold(m.group(0).lower()) for m in _WORD_RE.finditer(text)]
    return any(w.startswith(t) for t in stems for w in words)


def _examples(idx: np.ndarray, weight: np.ndarray, texts: list[str], eligible: np.ndarray,
              terms: Sequence[str] = ()) -> list[str]:
    """Up to N_EXAMPLES distinct, eligible comments of a theme, most typical first; with
    *terms* (the theme's label words) only comments that use one of them, so every example
    reads as its theme (partner review 16c: "Feedback, leads, rejected" was illustrated by
    "Our priorities change every quarter.")."""
    cand = [i for i in idx if eligible[i] and (not terms or _mentions(texts[i], terms))]
    # those using the theme's first word, then more of its words, then clearly on the theme,
    # then short but not terse (a reader scans them)
    cand.sort(key=lambda i: (bool(terms) and not _mentions(texts[i], terms[:1]),
                             -sum(_mentions(texts[i], [t]) for t in terms),
                             weight[i] < 0.9, len(texts[i]) < 25, len(texts[i]), texts[i]))
    out: list[str] = []
    from .sections import MAX_COMMENT

    for i in cand:
        text = texts[i] if len(texts[i]) <= MAX_COMMENT else \
            texts[i][:MAX_COMMENT - 1].rstrip() + "…"  # quoted, not reproduced in full
        if text not in out:
            out.append(text)
        if len(out) == N_EXAMPLES:
            break
    return out


def _question(texts: pd.Series, side: pd.Series, min_size: int, scrub: Callable,
              codebook, seed: int, quote_rest: bool = True) -> tuple[dict, list]:
    q = texts.name
    col = texts.astype("string").str.strip()
    ok = (col.notna() & (col != "")).to_numpy(dtype=bool)
    side = side.astype(str)
    n = side[ok].value_counts()
    n_s, n_m, n_r = (int(n.get(k, 0)) for k in ("sales", "marketing", REST))
    # the comment lists' rule (toolkit.survey.sections.comments): the teams outside sales and
    # marketing hidden for comments are left out of the theme counts too, as a group under
    # the comment threshold is — "Everyone" minus the sides would otherwise count them
    vis = visibility(n_s, n_m, n_r if quote_rest else 0, min_size)
    out = {"question": q, "prompt": QUESTIONS.get(q, q), "status": None, "reason": None,
           "method": "codebook" if codebook else "nmf", "n_comments": None,
           "min_comments": MIN_COMMENTS, "sides": [], "themes": [], "other_share": None,
           "n_themes_tried": []}
    records = []
    for s, k in (("sales", n_s), ("marketing", n_m)):
        if k and not vis.shown(s):
            records.append({"where": f"survey.comments.themes.{q}", "group": f"{s} side",
                            "reason": "few_for_comments"})
    if not vis.all:
        out.update(status="not_enough_comments",
                   reason=f"Fewer than {min_size} people answered this question, so its "
                          "comments are not analysed.")
        return out, records
    pool = ok & (side != REST).to_numpy() if not (vis.include_rest and quote_rest) else ok
    if 0 < n_r < min_size:
        records.append({"where": f"survey.comments.themes.{q}",
                        "group": "revops, leadership and other teams",
                        "reason": "few_for_comments"})
    elif n_r and not quote_rest:
        records.append({"where": f"survey.comments.themes.{q}",
                        "group": "revops, leadership and other teams",
                        "reason": "team_hidden"})
    rows = np.flatnonzero(pool)
    raw = [scrub(t) for t in col.to_numpy()[rows]]
    psides = side.to_numpy()[rows]
    order = sorted(range(len(raw)), key=lambda i: (raw[i], psides[i]))
    texts_s = [raw[i] for i in order]
    sides_s = psides[order]
    out["n_comments"] = len(texts_s)
    if len(texts_s) < MIN_COMMENTS:
        out.update(status="not_enough_comments",
                   reason=f"{len(texts_s)} comments; themes need at least {MIN_COMMENTS}.")
        return out, records
    fit = codebook_themes(texts_s, codebook) if codebook else nmf_themes(texts_s, seed=seed)
    shown_sides = [s for s in SIDE_NAMES if vis.shown(s)]
    out["sides"] = shown_sides
    out["n_themes_tried"] = fit["k_tried"]
    # the same rule as the comment lists (toolkit.survey.sections.comments): a group is
    # quoted only when it wrote at least min_size comments, and the teams outside sales and
    # marketing only when none of them is hidden in the participation table
    own = {"sales": n_s, "marketing": n_m, REST: n_r}
    eligible = np.array([own.get(s, 0) >= min_size for s in sides_s])
    assign = np.array(fit["assign"], copy=True)
    groups = {"all": np.ones(len(texts_s), dtype=bool),
              **{s: sides_s == s for s in shown_sides}}
    themes = []
    for j, th in enumerate(fit["themes"]):
        member = assign == j
        if not member.any():
            continue
        if not eligible[member].any():
            # every comment of the theme comes from groups hidden for comments: a row
            # (0% sales, 0% marketing) would speak for them — the theme is not shown and
            # its comments count as fitting no theme
            assign[member] = -1
            continue
        share = {g: float(member[m].mean()) if m.any() else None for g, m in groups.items()}
        themes.append({"label": th["label"], "terms": th["terms"],
                       "n_comments": int(member.sum()), "share": share,
                       "examples": _examples(np.flatnonzero(member), fit["weight"], texts_s,
                                             eligible, th["terms"][:LABEL_TERMS])})
    themes.sort(key=lambda t: (-t["share"]["all"], t["label"]))
    other = assign < 0
    out["other_share"] = {g: float(other[m].mean()) if m.any() else None
                          for g, m in groups.items()}
    out.update(status="ok", themes=themes,
               n_by_side={g: int(m.sum()) for g, m in groups.items()})
    return out, records


def comment_themes(survey: pd.DataFrame, side: pd.Series, *, min_size: int,
                   known_names: Sequence[str] = (), codebook=None, seed: int = SEED,
                   quote_rest: bool = True) -> tuple[dict, list]:
    """Themes of each open question, with shares by side and redacted examples.

    Parameters
    ----------
    survey : pandas.DataFrame
        Reportable respondents with ``OPEN1`` / ``OPEN2`` when asked (and
        ``respondent_id`` for redaction).
    side : pandas.Series
        ``sales`` / ``marketing`` / ``other_teams`` per respondent, same index.
    min_size : int
        ``min_comment_group_size``.
    known_names : sequence of str
        Names to redact (respondents, CRM owners).
    codebook : list of (theme, keywords), optional
        A consultant's codebook (:func:`load_codebook`); replaces the automatic themes.
    seed : int
        Seed of the NMF restarts.
    quote_rest : bool
        ``False`` when a team outside sales and marketing is hidden in the participation
        table: their comments then count in the themes' totals but are never quoted, and a
        theme that only they wrote is not shown (the comment lists' rule).

    Returns
    -------
    section : dict
        ``results["survey"]["comments"]["themes"]``: ``{"method", "seed",
        "min_group_size", "questions": {"OPEN1": {...}, "OPEN2": {...}}}``; each question:
        ``status`` (``ok``, ``not_enough_comments``, ``not_asked``), ``reason``,
        ``n_comments``, ``sides`` (sides whose shares are shown), ``themes`` (largest
        first: ``label``, ``terms``, ``n_comments``, ``share`` {``all``, side: 0..1},
        ``examples``), ``other_share``.
    records : list
        Suppression records.
    """
    names = [str(n) for n in known_names if isinstance(n, str)]
    if "respondent_id" in survey:
        ids = survey["respondent_id"].dropna().astype(str)
        names += [i for i in ids if len(i) > 2 and any(ch.isalpha() for ch in i)]
    scrub = make_redactor(names)
    out = {"method": "codebook" if codebook else "nmf", "seed": int(seed),
           "min_group_size": int(min_size), "codebook_themes": len(codebook or []),
           "questions": {}}
    records: list = []
    for q in OPEN_ITEMS:
        if q not in survey:
            out["questions"][q] = {"question": q, "prompt": QUESTIONS.get(q, q),
                                   "status": "not_asked", "reason": "Not in the survey "
                                   "export.", "themes": []}
            continue
        out["questions"][q], recs = _question(survey[q].rename(q), side, min_size, scrub,
                                              codebook, seed, quote_rest)
        records += recs
    return out, records
