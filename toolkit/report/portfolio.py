"""The portfolio view of a practice: every client's ``results.json`` side by side.

Built from the ``results.json`` files of a batch's OUT folder only — client-level aggregates
that already respect each client's anonymity rule; no respondent or CRM row of any client is
read. The portfolio names every client, so it is internal to the practice and never goes to
a client (SPEC §8).

:func:`summarize` turns the list of results dicts into a JSON-safe portfolio dict;
:func:`render_*` functions display it in ``notebooks/portfolio.ipynb``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd

from .waves import change_line
from ..lookup import dig as _get
from .output import Rendered, renders
from ..formatting import half_up
from ..results_shape import shape_problem

STAGE_ORDER = ("Undefined", "Defined", "Aligned", "Integrated")
PILLARS = ("overall", "politics", "incentives", "communication")
CLAIMS = {"lead_quality": "“The leads are garbage” (sales)",
          "follow_up": "“Sales call once and give up” (marketing)"}
STATUSES = ("supported", "not_supported", "inconclusive", "not_assessed")
STATUS_WORDS = {"supported": "Supported", "not_supported": "Not supported",
                "inconclusive": "Cannot be settled", "not_assessed": "Not assessed"}
STEP_WORDS = {"remove_politics": "Company politics", "incentivize": "Incentives",
              "communicate": "Communication"}


#: Statuses of ``OUT/batch-summary.csv`` whose ``results.json`` is from the last run.
CURRENT_STATUSES = ("ok", "skipped")


def last_run_status(out_dir: str | Path) -> dict[str, str]:
    """Status of each client in the batch's last run, from ``OUT/batch-summary.csv``.

    Returns
    -------
    dict of str to str
        ``{client_id: status}`` (``ok``, ``skipped``, ``failed``, ``not_run``); empty when
        the folder has no readable summary (e.g. results copied by hand).
    """
    from ..privacy import unneutralize_cell

    f = Path(out_dir) / "batch-summary.csv"
    try:
        with open(f, newline="", encoding="utf-8") as fh:
            # the summary neutralises formula starts ("-acme" is written "'-acme")
            return {unneutralize_cell(r["client_id"]): (r.get("status") or "").strip()
                    for r in csv.DictReader(fh) if r.get("client_id")}
    except (OSError, KeyError, csv.Error):
        return {}


def load_results(out_dir: str | Path) -> tuple[list[dict], list[str]]:
    """Read ``OUT/<client>/results.json`` for every client folder of a batch.

    Folders starting with ``.`` or ``_`` (staging, failures) are ignored. When
    ``OUT/batch-summary.csv`` says a client's last run failed or did not run, its folder
    still holds the *previous* report: that client is left out and named in a warning
    ("previous report — last run failed"), so the portfolio never mixes in stale figures.

    Returns
    -------
    (list of dict, list of str)
        Results dicts sorted by folder name, and warnings for unreadable or stale files.
    """
    status = last_run_status(out_dir)
    results, warnings = [], []
    for f in sorted(Path(out_dir).glob("*/results.json")):
        if f.parent.name.startswith((".", "_")):
            continue
        st = status.get(f.parent.name)
        if st is not None and st not in CURRENT_STATUSES:
            what = "did not run" if st == "not_run" else "failed"
            warnings.append(f"{f.parent.name}: previous report — last run {what}; left out "
                            "of this portfolio (see batch-summary.csv).")
            continue
        try:
            res = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            warnings.append(f"{f.parent.name}: results.json could not be read ({exc})")
            continue
        problem = shape_problem(res) if isinstance(res, dict) else "not an object"
        if problem:   # attack 6 RJ1: an edited file is named, not rendered
            warnings.append(f"{f.parent.name}: results.json does not have the shape this "
                            f"toolkit writes ({problem}); left out of this portfolio.")
            continue
        results.append(res)
    # a client whose run failed (or did not run) with no earlier report is named too: the
    # medians and ranks are then of fewer clients than the batch (attack 42b, PF1)
    seen = {f.parent.name for f in Path(out_dir).glob("*/results.json")}
    for client, st in sorted(status.items()):
        if st not in CURRENT_STATUSES and client not in seen:
            what = "not run in the last batch" if st == "not_run" else "last run failed"
            warnings.append(f"{client}: {what} and there is no earlier report; not in this "
                            "portfolio (see batch-summary.csv).")
    return results, warnings



def client_table(results: list[dict]) -> pd.DataFrame:
    """One row per client: scores, stage, verdict statuses and percentile ranks.

    Percentile rank of a score = (average rank − 0.5) ÷ n × 100 over the clients with that
    score, i.e. the share of clients scoring lower plus half of those tied
    (``scipy.stats.percentileofscore(kind="mean")``); ``None`` where the score is missing.

    Returns
    -------
    DataFrame
        Columns ``client_id``, ``name``, the scores of :data:`PILLARS`, ``stage``,
        ``lead_quality``, ``follow_up``, ``toolkit_version``, ``generated_at``,
        ``change_since_last`` (one line from the results' ``comparison`` when the engagement
        has a ``[baseline]``, else None) and ``<pillar>_percentile``; sorted by overall
        score, best first.
    """
    rows = [{
        "client_id": _get(r, "client", "id"), "name": _get(r, "client", "name"),
        **{p: _get(r, "scores", p) for p in PILLARS},
        "stage": _get(r, "scores", "stage"),
        "lead_quality": _get(r, "verdict", "lead_quality", "status") or "not_assessed",
        "follow_up": _get(r, "verdict", "follow_up", "status") or "not_assessed",
        "toolkit_version": r.get("toolkit_version"), "generated_at": r.get("generated_at"),
        "change_since_last": change_line(r.get("comparison")),
    } for r in results]
    cols = (["client_id", "name", *PILLARS, "stage", "lead_quality", "follow_up",
             "toolkit_version", "generated_at", "change_since_last"])
    df = pd.DataFrame(rows, columns=cols)
    for p in PILLARS:
        s = pd.to_numeric(df[p], errors="coerce").astype("float64")
        df[p] = s
        df[f"{p}_percentile"] = (s.rank(method="average") - 0.5) / s.notna().sum() * 100
    return df.sort_values(["overall", "client_id"], ascending=[False, True],
                          na_position="last").reset_index(drop=True)


def _num(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def summarize(results: list[dict], *, top: int = 10) -> dict:
    """Summarize a practice's clients from their results dicts.

    Parameters
    ----------
    results : list of dict
        ``results.json`` contents, one per client.
    top : int
        How many of the most common recommendations and flags to keep.

    Returns
    -------
    dict
        JSON-safe: ``n_clients``; ``clients`` (rows of :func:`client_table`);
        ``score_stats.<pillar>`` = ``{n, mean, median, p25, p75, min, max}`` (0..100);
        ``stages`` = ``{stage: count}`` in stage order plus ``not_assessed``;
        ``verdicts.<claim>`` = ``{status: count}``; ``recommendations`` and ``flags`` =
        lists of ``{step|code, title, clients, share}`` (share of all clients), most common
        first; ``warnings``.
    """
    df = client_table(results)
    n = len(df)
    stats = {}
    for p in PILLARS:
        s = df[p].dropna()
        stats[p] = {"n": int(len(s)), "mean": _num(s.mean()), "median": _num(s.median()),
                    "p25": _num(s.quantile(0.25)), "p75": _num(s.quantile(0.75)),
                    "min": _num(s.min()), "max": _num(s.max())}
    stage_counts = df["stage"].fillna("not_assessed").value_counts()
    stages = {s: int(stage_counts.get(s, 0)) for s in (*STAGE_ORDER, "not_assessed")}
    verdicts = {c: {s: int((df[c] == s).sum()) for s in STATUSES} for c in CLAIMS}

    rec_counter: Counter = Counter()
    flag_counter: Counter = Counter()
    for r in results:  # one pass per client; each finding counted once per client
        recs = r.get("recommendations") or []
        rec_counter.update({(x.get("step"), x.get("title")) for x in recs
                            if isinstance(x, dict) and x.get("title")})
        flags = _get(r, "incentives", "flags") or []
        flag_counter.update({(x.get("code"), x.get("title")) for x in flags
                             if isinstance(x, dict) and x.get("title")})

    def ranked(counter: Counter, first: str) -> list[dict]:
        items = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0][1])))[:top]
        return [{first: k[0], "title": k[1], "clients": v, "share": v / n if n else None}
                for k, v in items]

    warnings = []
    versions = sorted({str(v) for v in df["toolkit_version"].dropna()})
    if len(versions) > 1:
        warnings.append(f"clients were analysed with different toolkit versions "
                        f"({', '.join(versions)}); re-run the batch with --force to compare "
                        "like with like")
    clients = [{k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
               for row in df.to_dict(orient="records")]
    return {"n_clients": n, "clients": clients, "score_stats": stats, "stages": stages,
            "verdicts": verdicts, "recommendations": ranked(rec_counter, "step"),
            "flags": ranked(flag_counter, "code"), "warnings": warnings}


def load(out_dir: str | Path = "") -> dict:
    """Read a batch's OUT folder and return :func:`summarize` of its clients (for the
    notebook); unreadable files are listed in ``warnings``."""
    results, warnings = load_results(out_dir or ".")
    summary = summarize(results)
    summary["warnings"] = warnings + summary["warnings"]
    summary["out_dir"] = str(out_dir)
    return summary


# --------------------------------------------------------------------------- rendering


@renders
def render_overview(portfolio: dict) -> Rendered:
    """Title block: how many clients, the median score, the internal-use notice."""
    from .display import fmt_num, show_markdown

    n = portfolio["n_clients"]
    st = portfolio["score_stats"]["overall"]
    show_markdown(
        f"**{n} client{'s' if n != 1 else ''}** in this portfolio; overall alignment scored "
        f"for {st['n']}. Median overall score **{fmt_num(st['median'], 0)}/100** "
        f"(middle half {fmt_num(st['p25'], 0)}–{fmt_num(st['p75'], 0)}).\n\n"
        "*Internal to the practice: this page names every client and must not be sent to a "
        "client. It is built from each client's results.json only; no respondent data is "
        "read.*")
    from .safe import md_text  # a warning may quote a client's folder or values (§8a)

    for w in portfolio.get("warnings") or []:
        show_markdown(f"> ⚠ {md_text(w)}")


@renders
def render_scores(portfolio: dict) -> Rendered:
    """Distribution of the overall and pillar scores across clients."""
    from ..charts.portfolio import plot_score_distribution
    from .display import show_figure, show_not_assessed

    df = pd.DataFrame(portfolio["clients"])
    st = portfolio["score_stats"]
    if not st["overall"]["n"]:
        show_not_assessed("Score distribution", ["No client has an overall score."])
        return
    ax = plot_score_distribution(data=df)
    weakest = min((p for p in PILLARS[1:] if st[p]["median"] is not None),
                  key=lambda p: st[p]["median"], default=None)
    take = (f"Median overall score {half_up(st['overall']['median']):.0f}/100 across "
            f"{st['overall']['n']} clients")
    if weakest:
        take += f"; the weakest step across the portfolio is {weakest} " \
                f"(median {half_up(st[weakest]['median']):.0f})."
    show_figure(ax, alt="Box and dot plot of overall, politics, incentives and communication "
                "scores (0 to 100) across clients, with the stage cut points at 25, 50 and 75.",
                takeaway=take)


@renders
def render_stages(portfolio: dict) -> Rendered:
    """How many clients are at each alignment stage."""
    from ..charts.portfolio import plot_stage_counts
    from .display import show_figure

    stages = portfolio["stages"]
    data = pd.DataFrame({"stage": list(stages), "clients": list(stages.values())})
    top = max(STAGE_ORDER, key=lambda s: (stages[s], -STAGE_ORDER.index(s)))
    ax = plot_stage_counts(data=data)
    show_figure(ax, alt="Bar chart of the number of clients at each alignment stage: "
                + ", ".join(f"{k} {v}" for k, v in stages.items()) + ".",
                takeaway=f"Most common stage: {top} ({stages[top]} of "
                f"{portfolio['n_clients']} clients).")


@renders
def render_clients(portfolio: dict) -> Rendered:
    """Each client's scores and percentile within the portfolio."""
    from .display import show_table

    df = pd.DataFrame(portfolio["clients"])
    if df.empty:
        return
    names = df["name"].fillna(df["client_id"])
    twice = names.duplicated(keep=False)  # two engagements, one name: say which is which
    names = names.where(~twice, names + " (" + df["client_id"].astype(str) + ")")

    def whole(col: str) -> pd.Series:
        return pd.to_numeric(df[col], errors="coerce").map(half_up, na_action="ignore").astype("Int64")

    table = pd.DataFrame({
        "Client": names,
        "Overall": whole("overall"),
        "Percentile": whole("overall_percentile"),
        "Stage": df["stage"].fillna("Not assessed"),
        "Politics": whole("politics"),
        "Incentives": whole("incentives"),
        "Communication": whole("communication"),
        "“Leads are garbage”": df["lead_quality"].map(STATUS_WORDS),
        "“Sales give up”": df["follow_up"].map(STATUS_WORDS),
    })
    if "change_since_last" in df and df["change_since_last"].notna().any():
        table["Change since last wave"] = df["change_since_last"].fillna("— (no baseline)")
    show_table(table, caption="Clients by overall score (0..100). Percentile = share of "
               "the portfolio's clients scoring lower, ties counted half.")


@renders
def render_verdicts(portfolio: dict) -> Rendered:
    """How often each side's claim in the blame game was supported by the evidence."""
    from ..charts.portfolio import plot_verdicts
    from .display import show_figure

    v = portfolio["verdicts"]
    rows = [{"claim": CLAIMS[c], "status": s, "clients": v[c][s]}
            for c in CLAIMS for s in STATUSES]
    ax = plot_verdicts(data=pd.DataFrame(rows))
    lq, fu = v["lead_quality"]["supported"], v["follow_up"]["supported"]
    n = portfolio["n_clients"]
    show_figure(ax, alt="Stacked bars of the verdict on each blame-game claim across "
                "clients: supported, not supported, inconclusive, not assessed.",
                takeaway=f"“The leads are garbage” was supported at {lq} of {n} clients; "
                f"“sales call once and give up” at {fu} of {n}.")


@renders
def render_findings(portfolio: dict) -> Rendered:
    """The most common recommendations and incentive conflict flags."""
    from .display import show_markdown, show_table

    for key, first, heading in (("recommendations", "step", "Most common recommendations"),
                                ("flags", "code", "Most common incentive conflict flags")):
        items = portfolio.get(key) or []
        if not items:
            show_markdown(f"**{heading}:** none recorded in these results.")
            continue
        df = pd.DataFrame(items)
        cols = {"Step": df[first].map(STEP_WORDS).fillna("")} if first == "step" else {}
        table = pd.DataFrame({**cols,
                              "Recommendation" if first == "step" else "Conflict": df["title"],
                              "Clients": df["clients"],
                              "Share of clients": (df["share"] * 100).map(half_up)
                              .astype("Int64").astype(str) + "%"})
        show_table(table, caption=heading)


def _load_chart_stack() -> None:
    """In the portfolio notebook's kernel, load the charts' libraries now (issue 18).

    The batch starts the portfolio notebook with its first batch job; this module is
    imported by the notebook's first cell, which runs while the reports are being built,
    and its cell that reads the results waits for the last report. Importing
    :mod:`toolkit.charts.portfolio` here (seaborn and, through it, ``scipy.stats`` and
    pyplot: ~2 s of CPU, measured) and a first chart drawn take that cost off the batch's serial tail after the
    last report. Outside a kernel (tests, the CLI) nothing is loaded.
    """
    from .parallel import in_kernel

    if in_kernel():
        from ..charts import portfolio as charts
        from ..charts.png import figure_png
        from ..charts.theme import pyplot

        # one small chart drawn and dropped: seaborn's and Agg's first-use costs (~0.4 s)
        # are paid here too; a box plot draws no random numbers (the strip plot's jitter
        # would, and change the real chart's dots)
        ax = charts.new_axes()
        charts.sns.boxplot(data=pd.DataFrame({"pillar": ["a", "b"], "score": [1.0, 2.0]}),
                           x="pillar", y="score", ax=ax)
        figure_png(ax.figure)
        pyplot().close(ax.figure)


_load_chart_stack()
