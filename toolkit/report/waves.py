"""Plain-words HTML of a wave comparison (SPEC §12): ``comparison.html``, the report's
"Since the last assessment" section and the portfolio's "change since last wave" line.

The comparison is computed by :mod:`toolkit.compare` (``aligndx compare``, or the analysis
when ``engagement.toml`` has a ``[baseline]``) and stored in ``results.json``; this module
only renders it. Written for a client CEO: what improved, what got worse, what the data cannot tell apart
from noise ("no detectable change"), one population per line, no codes or JSON paths; a
plain note says how to read "detectable", and the named methods with their sources go to
the appendix (:func:`method_markdown`, the report's methodology appendix) or, on the
stand-alone page, to a Methods list at its end. Every value from a results file is escaped here
(client names are untrusted, SPEC §8a).
"""

from __future__ import annotations

import html

from IPython.display import HTML

from ..formatting import half_up
from ..lookup import dig
from .display import Rendered, emit, renders

STATUS_WORDS = {"improved": "improved", "worsened": "got worse", "changed": "changed",
                "no_detectable_change": "no detectable change", "not_tested": "not tested",
                "not_measured": "not measured in one wave",
                "not_comparable": "not compared (different questions)",
                "hidden": "hidden (protects a small group)"}
STATUS_MARK = {"improved": "✔", "worsened": "✘", "changed": "◆", "no_detectable_change": "=",
               "not_tested": "·", "not_measured": "·", "not_comparable": "·", "hidden": "·"}
#: Statuses shown in words only (no figures, no change): a hidden group, a figure absent
#: from a wave, a figure the two waves measured with different questions.
WORDS_ONLY = ("hidden", "not_measured", "not_comparable")
CELL_WORDS = {"improved": "better", "worsened": "worse", "changed": "changed"}
SIDE_COLUMNS = (("sales", "Sales side"), ("marketing", "Marketing side"), ("all", "Everyone"))

CSS = """
.cmp { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2933;
       line-height: 1.45; }
.cmp-page h1 { font-size: 1.7em; margin-bottom: .1em; }
.cmp-page h2 { font-size: 1.35em; margin-top: 1.4em; border-bottom: 2px solid #d9e2ec; }
.cmp h3 { font-size: 1.1em; margin-top: 1.2em; }
.cmp .subtitle { color: #52606d; margin-top: 0; }
.cmp .headline { background: #f0f4f8; border-left: 5px solid #334e68; padding: .8em 1em;
                 font-size: 1.08em; margin: 1em 0; }
.cmp table { border-collapse: collapse; margin: .6em 0 1.2em; width: 100%; font-size: .93em; }
.cmp table th, .cmp table td { border-bottom: 1px solid #d9e2ec; padding: .35em .5em;
                               text-align: left; vertical-align: top; }
.cmp table.flat td:first-child { width: 34%; }
.cmp th { background: #f5f7fa; }
.cmp table td.num { text-align: right; white-space: nowrap; }
@media print { .cmp table tr { break-inside: avoid; }
               .cmp table:not(:has(tbody tr:nth-child(11))) { break-inside: avoid; } }
.cmp .improved { color: #1e6b3a; font-weight: 600; }
.cmp .worsened { color: #a61b1b; font-weight: 600; }
.cmp .changed { color: #334e68; font-weight: 600; }
.cmp .no_detectable_change, .cmp .not_tested, .cmp .not_measured, .cmp .hidden,
.cmp .not_comparable {
       color: #616e7c; }
.cmp ul.changes li { margin: .25em 0; }
.cmp .note { color: #52606d; font-size: .88em; }
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def fmt_value(x, unit: str) -> str:
    """A figure in its unit: 1–5 means with two decimals, indexes whole, shares as %."""
    if x is None:
        return "—"
    if unit == "share":
        return f"{half_up(100 * x):.0f}%"
    if unit == "hours":
        return f"{half_up(x, 1):,.1f} h" if x < 10 else f"{half_up(x):,.0f} h"
    if unit == "index":
        return f"{half_up(x):.0f}"
    return f"{half_up(x, 2):.2f}"


def fmt_change(x, unit: str, *, fine: bool = False) -> str:
    """A change with its sign, in the figure's unit and precision as :func:`fmt_value`
    shows the figure (shares in whole percentage points, 0–100 indexes whole)."""
    if x is None:
        return "—"
    digits = {"share": 2, "index": 0, "hours": 1}.get(unit, 2)
    x = half_up(x, digits)
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    a = abs(x)
    if unit == "share":
        return f"{sign}{half_up(100 * a):.0f} pts"
    if unit == "hours":
        return f"{sign}{half_up(a, 1):,.1f} h" if a < 10 or fine else f"{sign}{half_up(a):,.0f} h"
    if unit == "index":
        return f"{sign}{half_up(a):.0f}"
    return f"{sign}{half_up(a, 2):.2f}"


def shown(x, unit: str):
    """*x* rounded as :func:`fmt_value` displays it (shares to whole percent, indexes whole,
    hours to 0.1 below 10 h else whole, 1–5 means to 0.01); None stays None."""
    if x is None:
        return None
    if unit == "share":
        return half_up(100 * x) / 100
    if unit == "hours":
        return half_up(x, 1) if x < 10 else half_up(x)
    if unit == "index":
        return half_up(x)
    return half_up(x, 2)


def shown_change(e: dict):
    """The change the reader can check: after − before as displayed (rounded), so
    "49% → 18%" reads "−31 pts", never the unrounded −32; None without both values."""
    b, a, u = e.get("before"), e.get("after"), e.get("unit")
    if b is None or a is None:
        return e.get("change")
    return shown(a, u) - shown(b, u)


def change_text(e: dict) -> str:
    """The change of entry *e* as the reader can check it against the figures shown
    (:func:`shown_change`; hours to 0.1 when either figure is shown to 0.1)."""
    b, a, u = e.get("before"), e.get("after"), e.get("unit")
    fine = u == "hours" and b is not None and a is not None and min(b, a) < 10
    return fmt_change(shown_change(e), u, fine=fine)


def _range(e: dict) -> str:
    lo, hi = e.get("ci_low"), e.get("ci_high")
    if lo is None and hi is None:
        return "—"
    u = e.get("unit")
    return f"{fmt_change(lo, u) if lo is not None else 'open'} to " \
           f"{fmt_change(hi, u) if hi is not None else 'open'}"


UNIT_WORDS = {"scale": "1–5 scale", "index": "0–100", "share": "", "hours": ""}


def _short(e: dict) -> str:
    u = e.get("unit")
    return (f"{_e(fmt_value(e['before'], u))} → {_e(fmt_value(e['after'], u))} "
            f"({_e(change_text(e))})")


def grouped_sentences(entries: list[dict]) -> list[str]:
    """One line per figure, its populations together: "Trust (1–5 scale): sales side
    2.40 → 2.99 (+0.58), marketing side …" (escaped HTML)."""
    groups: dict[str, list[dict]] = {}
    for e in entries:
        base = e["label"].split(" — ")[0]
        groups.setdefault(base, []).append(e)
    lines = []
    for base, items in groups.items():
        u = items[0].get("unit")
        words = UNIT_WORDS.get(u, "")
        if len(items) == 1 and " — " not in items[0]["label"]:
            lines.append(f"<b>{_e(base)}</b>: {_short(items[0])}")
            continue
        parts = [f"{_e(e['label'].split(' — ', 1)[1])} {_short(e)}" for e in items]
        lines.append(f"<b>{_e(base)}</b>{(' (' + words + ')') if words else ''}: "
                     + "; ".join(parts))
    return lines


def _mirror(e: dict, name: str) -> dict:
    """A 1–5 scale entry of an unhealthy-direction scale (stored by an older comparison)
    as its healthy mirror ``6 − x`` under *name*: the change and its range change sign,
    the verdict (improved / got worse) stays."""
    m = dict(e)
    for k in ("before", "after"):
        if isinstance(e.get(k), (int, float)):
            m[k] = 6.0 - e[k]
    for k in ("change", "effect"):
        if isinstance(e.get(k), (int, float)):
            m[k] = -e[k]
    lo, hi = e.get("ci_low"), e.get("ci_high")
    m["ci_low"] = -hi if isinstance(hi, (int, float)) else None
    m["ci_high"] = -lo if isinstance(lo, (int, float)) else None
    side = str(e.get("label") or "").partition(" — ")[2]
    m["label"] = f"{name} — {side}" if side else name
    m["better"] = "higher"
    return m


def healthy(comp: dict) -> dict:
    """*comp* with every survey scale oriented higher = healthier, as the report names it.

    A comparison from this version already stores the conflict scale as its mirror,
    "Freedom from conflict and blame"; an older one (``better == "lower"`` on the scale's
    lines) is mirrored here, so every view (page, report, deck, workbook) reads right =
    better on every line. Other entries are returned unchanged.
    """
    from ..vocab import FREEDOM_FROM_CONFLICT

    scales = dig(comp, "survey", "scales") or {}
    if not any(isinstance(e, dict) and e.get("better") == "lower" and e.get("unit") == "scale"
               for sc in scales.values() if isinstance(sc, dict)
               for e in (sc.get("by_side") or {}).values()):
        return comp
    out = dict(comp)
    out["survey"] = dict(comp.get("survey") or {})
    new_scales, renamed = {}, {}
    for code, sc in scales.items():
        sides = (sc or {}).get("by_side") or {} if isinstance(sc, dict) else {}
        if any(isinstance(e, dict) and e.get("better") == "lower" and e.get("unit") == "scale"
               for e in sides.values()):
            name = (FREEDOM_FROM_CONFLICT if code == "CONF"
                    else f"{sc.get('name') or code} (reversed)")
            renamed[str(sc.get("name") or code)] = name
            sc = {**sc, "name": name, "mirrored": True,
                  "by_side": {s: _mirror(e, name) if isinstance(e, dict) else e
                              for s, e in sides.items()}}
        new_scales[code] = sc
    out["survey"]["scales"] = new_scales
    out["summary"] = _renamed_summary(comp.get("summary"), renamed)
    return out


def _renamed_summary(summary, renamed: dict) -> dict:
    """The summary's lists with the mirrored scales' labels (old name → new name)."""
    def fix(item):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            return item
        base, sep, who = item["label"].partition(" — ")
        return {**item, "label": renamed.get(base, base) + sep + who}

    def walk(node):
        if isinstance(node, list):
            return [walk(x) if isinstance(x, (list, dict)) and "label" not in x else fix(x)
                    for x in node]
        if isinstance(node, dict):
            return {k: walk(v) if isinstance(v, (list, dict)) else v for k, v in node.items()}
        return node
    return walk(summary) if isinstance(summary, dict) else summary


def _entries(comp: dict) -> list[dict]:
    out = []

    def walk(node):
        if isinstance(node, dict):
            if "status" in node and "label" in node:
                out.append(node)
                return
            for v in node.values():
                walk(v)
    for area in ("scores", "survey", "crm"):
        walk(comp.get(area) or {})
    return out


def _status(e: dict) -> str:
    """The entry's status when it is one the comparison writes, else ``not_tested``: a
    results.json may come from elsewhere (``aligndx render``, a baseline), and the status
    becomes a class name below."""
    st = e.get("status")
    return st if isinstance(st, str) and st in STATUS_WORDS else "not_tested"


def _cell(e: dict | None) -> str:
    if not e:
        return "<td>—</td>"
    st = _status(e)
    if st in WORDS_ONLY:
        return f"<td class='{st}'>{_e(STATUS_WORDS[st])}</td>"
    u = e.get("unit")
    body = (f"{_e(fmt_value(e.get('before'), u))} → {_e(fmt_value(e.get('after'), u))} "
            f"<span class='{st}'>{_e(change_text(e))}</span>")
    if st == "no_detectable_change":
        body += "<br><span class='note'>no detectable change</span>"
    elif st in CELL_WORDS:
        body += (f"<br><span class='{st}'>{STATUS_MARK[st]} {CELL_WORDS[st]}</span> "
                 f"<span class='note'>({_e(_range(e))})</span>")
    return f"<td class='num'>{body}</td>"


def _side_table(rows: list[tuple[str, dict]], caption: str) -> str:
    head = "".join(f"<th>{_e(w)}</th>" for _, w in SIDE_COLUMNS)
    body = []
    for name, by_side in rows:
        cells = "".join(_cell((by_side or {}).get(s)) for s, _ in SIDE_COLUMNS)
        body.append(f"<tr><td>{_e(name)}</td>{cells}</tr>")
    return (f"<table><caption class='note'>{_e(caption)}</caption><thead><tr><th></th>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _flat_table(entries: list[dict]) -> str:
    rows = []
    for e in entries:
        st = _status(e)
        u = e.get("unit")
        rows.append(
            f"<tr><td>{_e(e['label'])}</td><td class='num'>{_e(fmt_value(e.get('before'), u))}"
            f"</td><td class='num'>{_e(fmt_value(e.get('after'), u))}</td>"
            f"<td class='num'>{_e(change_text(e))}</td>"
            f"<td class='num'>{_e(_range(e))}</td>"
            f"<td class='{st}'>{STATUS_MARK.get(st, '')} {_e(STATUS_WORDS.get(st, st))}</td></tr>")
    return ("<table class='flat'><thead><tr><th></th><th>Before</th><th>After</th><th>Change</th>"
            "<th>Likely range of the change</th><th>Verdict</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _period(w: dict) -> str:
    from .sections import long_date

    if w.get("period_start") or w.get("period_end"):
        return f"{long_date(w.get('period_start'))} to {long_date(w.get('period_end'))}"
    return long_date(str(w.get("generated_at") or "")[:10]) if w.get("generated_at") \
        else "unknown date"


def months(w: dict) -> int | None:
    """Whole calendar months of a wave's period (1 Jan–30 Sep = 9), None without dates."""
    import datetime as dt

    try:
        a = dt.date.fromisoformat(str(w.get("period_start"))[:10])
        b = dt.date.fromisoformat(str(w.get("period_end"))[:10]) + dt.timedelta(days=1)
    except ValueError:
        return None
    n = (b.year - a.year) * 12 + (b.month - a.month) + (b.day - a.day) / 31
    return round(n) if n > 0 else None


def basis_text(comp: dict) -> str:
    """The two periods compared, their lengths when they differ (and which figures are then
    not like for like), and where the earlier figures come from (plain text)."""
    b, a = comp.get("before") or {}, comp.get("after") or {}
    mb, ma = months(b), months(a)
    text = (f"Earlier assessment: {_period(b)}"
            + (f" ({mb} months)" if mb and ma and mb != ma else "")
            + f". This assessment: {_period(a)}"
            + (f" ({ma} months)" if mb and ma and mb != ma else "") + ".")
    if mb and ma and mb != ma:
        text += (" The periods differ in length: the rates, shares, averages and medians "
                 "compared here are like for like, but totals (leads, deals and revenue won) "
                 "are not, so none is compared.")
    text += " Earlier figures are those of the earlier report, as published."
    vb, va = b.get("toolkit_version"), a.get("toolkit_version")
    if vb and va and vb != va:
        text += (f" That report was produced with version {vb} of the toolkit and this one "
                 f"with {va}; where a method changed between versions, the change shown "
                 "includes it.")
    return text


def scales_caption(survey: dict) -> str:
    """The caption of the scales table: the unit and the healthy direction of every line
    (higher is healthier throughout once the conflict scale is shown as its mirror)."""
    mirrored = [sc.get("name") for sc in (survey.get("scales") or {}).values()
                if isinstance(sc, dict) and sc.get("mirrored") and sc.get("name")]
    text = "Average answer on the 1–5 agreement scale; higher is healthier on every line"
    if mirrored:
        text += (f" ({', '.join(n[:1].lower() + n[1:] for n in mirrored)} is 6 minus the "
                 "average answer to the conflict and blame statements)")
    return text + "."


def scores_note(comp: dict) -> str:
    """Under the scores table: which scores are tested (those resting on the survey alone,
    as their pillar index) and which are shown without a test (plain text)."""
    scores = [e for e in (comp.get("scores") or {}).values()
              if isinstance(e, dict) and "label" in e]
    tested = [e for e in scores if e.get("same_test_as")]
    untested = [e for e in scores if not e.get("same_test_as")]
    parts = []
    for e in tested:
        twin = str(e["same_test_as"]).split(" — ")[0]
        parts.append(f"The {str(e['label']).lower()} rests on the survey alone: it is the "
                     f"same figure as the {twin[:1].lower() + twin[1:]} for everyone and "
                     "carries the same verdict.")
    if untested:
        parts.append(("The other scores" if tested else "The scores") + " combine the survey "
                     "with CRM and compensation evidence and are shown without a test; the "
                     "tested figures say what changed detectably.")
    return " ".join(parts)


#: Singular of the measure kinds counted in ``summary.measures.by_kind``.
KIND_ONE = {"survey scales": "survey scale", "pillar indexes": "pillar index",
            "blame claims": "blame claim", "CRM figures": "CRM figure"}


def kinds_text(by_kind: dict | None) -> str:
    """"4 survey scales, 2 pillar indexes and 5 CRM figures" (plain text)."""
    parts = [f"{n} {KIND_ONE.get(k, k) if n == 1 else k}" for k, n in (by_kind or {}).items()
             if n]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] \
        if parts else ""


def measure_counts(comp: dict) -> tuple[int, int, int, dict, str]:
    """(improved, worse, no detectable change, by kind, noun): counted once per measure when
    the comparison records it (a scale's three lines are one measure), else per line."""
    s = comp.get("summary") or {}
    m = s.get("measures")
    if isinstance(m, dict) and isinstance(m.get("counts"), dict):
        c = m["counts"]
        return (c.get("improved", 0), c.get("worsened", 0), c.get("no_detectable_change", 0),
                m.get("by_kind") or {}, "measure")
    return (len(s.get("improved") or []), len(s.get("worsened") or []),
            len(s.get("no_detectable_change") or []), {}, "figure")


def not_compared(comp: dict) -> list[str]:
    """Why survey figures were not compared (the two waves asked different questions), one
    plain sentence per scale, as stored in the comparison (plain text)."""
    notes = []
    for sc in (dig(comp, "survey", "scales") or {}).values():
        e = dig(sc, "by_side", "all") if isinstance(sc, dict) else None
        if isinstance(e, dict) and e.get("status") == "not_comparable" and \
                isinstance(e.get("note"), str) and e["note"] not in notes:
            notes.append(e["note"])
    return [n[:1].upper() + n[1:] + "." for n in notes]


def _not_compared_words(comp: dict) -> str:
    n = len(not_compared(comp))
    if not n:
        return ""
    return (f" {n} survey scale{'s were' if n != 1 else ' was'} not compared (with the "
            "pillars and scores built on "
            f"{'them' if n != 1 else 'it'}): the two assessments asked different questions.")


def headline(comp: dict) -> str:
    """The one-paragraph answer to "did it work?" (escaped HTML)."""
    imp, wor, same, by_kind, noun = measure_counts(comp)
    if not imp and not wor:
        return (f"No {noun} changed detectably between the two assessments: every difference "
                f"is within what chance alone would produce ({same} {noun}s compared)."
                + _e(_not_compared_words(comp)))
    parts = []
    for n, st, words in ((imp, "improved", "improved detectably"),
                         (wor, "worsened", "got worse detectably")):
        if n:
            kinds = kinds_text(by_kind.get(st))
            parts.append(f"<b>{n}</b> {noun}{'s' if n != 1 else ''} {words}"
                         + (f" ({_e(kinds)})" if kinds else ""))
    once = (" A survey measure counts once, whether the sales side, the marketing side or "
            "everyone moved." if noun == "measure" else "")
    return (f"Since the last assessment, {' and '.join(parts)}; <b>{same}</b> show no "
            "detectable change (the difference is within what chance alone would produce)."
            f"{once}{_e(_not_compared_words(comp))}")


def fragment(comp: dict, *, level: int = 2, title: str | None = None,
             extra_class: str = "", methods: bool = False, where: str | None = None) -> str:
    """The comparison as an HTML fragment (used by the report and by the page).

    Parameters
    ----------
    comp : dict
        ``comparison.json``.
    level : int
        Heading level of the section title (sub-headings one below).
    title : str, optional
        Section title; default "Since the last assessment".
    methods : bool
        Add the methods list at the end (the stand-alone page; the report lists them in its
        methodology appendix instead).
    where : str, optional
        Where the reading note says the methods are.
    """
    h, h2 = f"h{level}", f"h{min(level + 1, 6)}"
    comp = healthy(comp)
    out = [f"<div class='cmp{extra_class}'><{h}>{_e(title or 'Since the last assessment')}</{h}>",
           f"<p class='subtitle'>{_e(basis_text(comp))}</p>",
           f"<p class='headline'>{headline(comp)}</p>"]
    entries = _entries(comp)
    detect = [e for e in entries if e.get("status") in ("improved", "worsened", "changed")
              and not e["label"].startswith("Alignment maturity")
              and not e.get("same_test_as")]      # a score listed once, as its pillar
    scores = [e for e in _entries({"scores": comp.get("scores") or {}})]
    overall = dig(comp, "scores", "overall") or {}
    if overall.get("before") is not None and overall.get("after") is not None:
        stage = dig(comp, "scores", "stage") or {}
        st = (f", stage {_e(stage.get('before'))} → {_e(stage.get('after'))}"
              if stage.get("before") and stage.get("after") else "")
        out.append(f"<p>Overall alignment score {_short(overall)}{st}. The score combines "
                   "the survey with CRM and compensation evidence; the lists below say which "
                   "parts changed detectably.</p>")
    for st, words in (("improved", "What improved"), ("worsened", "What got worse"),
                      ("changed", "What changed")):
        chosen = [e for e in detect if e["status"] == st]
        if chosen:
            out.append(f"<{h2}>{words}</{h2}><ul class='changes'>"
                       + "".join(f"<li>{x}</li>" for x in grouped_sentences(chosen))
                       + "</ul>")
    survey = comp.get("survey") or {}
    if survey.get("scales") or survey.get("pillars"):
        out.append(f"<{h2}>What the teams say</{h2}>")
        out += [f"<p class='note'>{_e(n)}</p>" for n in not_compared(comp)]
        pillars = [(dig(comp, "survey", "pillars", p, "by_side", "all", "label") or p)
                   .split(" — ")[0] for p in (survey.get("pillars") or {})]
        out.append(_side_table([(n, (survey["pillars"][p] or {}).get("by_side"))
                                for n, p in zip(pillars, survey.get("pillars") or {})],
                               "The three pillars, 0–100 (higher is healthier)."))
        chart = _chart(survey)
        if chart:
            out.append(chart)
        out.append(_side_table([(sc.get("name") or code, sc.get("by_side"))
                                for code, sc in (survey.get("scales") or {}).items()],
                               scales_caption(survey)))
        mat = dig(survey, "maturity", "by_side") or {}
        if mat:
            out.append(_maturity(mat, h2))
        claims = [e for e in (survey.get("claims") or {}).values() if isinstance(e, dict)]
        if claims:
            out.append(f"<{h2}>Who blames whom</{h2}>" + _flat_table(claims))
    crm = comp.get("crm") or {}
    crm_entries = [e for e in _entries({"crm": crm})]
    if crm_entries:
        out.append(f"<{h2}>What the CRM shows</{h2}>" + _flat_table(crm_entries))
    if scores:
        out.append(f"<{h2}>Overall scores</{h2}>" + _flat_table(scores) +
                   f"<p class='note'>{_e(scores_note(comp))}</p>")
    out.append(f"<{h2}>How to read this</{h2}>"
               + method_html(comp, where=where or "the report's methodology appendix"))
    if methods:
        out.append(f"<{h2}>Methods</{h2}><ul class='note'>"
                   + "".join(f"<li>{_e(x)}</li>" for x in method_lines(comp)) + "</ul>")
    out.append("</div>")
    return "\n".join(out)


def _chart(survey: dict) -> str:
    """Change of every scale for everyone, with its likely range (embedded PNG)."""
    rows = []
    for code, sc in (survey.get("scales") or {}).items():
        e = dig(sc, "by_side", "all") or {}
        if e.get("ci_low") is None or e.get("ci_high") is None or e.get("change") is None:
            continue
        rows.append({"label": sc.get("name") or code, "change": e["change"],
                     "ci_low": e["ci_low"], "ci_high": e["ci_high"], "status": e["status"]})
    if len(rows) < 2:
        return ""
    import pandas as pd

    from ..charts.waves import plot_changes
    from .display import figure_html

    data = pd.DataFrame(rows)
    ax = plot_changes(data=data, unit_label="Change in the average answer, everyone "
                                            "(1–5 scale; right is better on every line)")
    better = int((data["status"] == "improved").sum())
    worse = int((data["status"] == "worsened").sum())
    return figure_html(ax.figure, alt="Dot chart of the change in each survey scale's "
                       "average answer for everyone, with the likely range of each change "
                       "and a line at zero.", takeaway=f"{better} of {len(data)} scales "
                       f"improved detectably and {worse} got worse; a range crossing the "
                       "zero line is no detectable change.")


def _maturity(mat: dict, h2: str) -> str:
    rows = []
    for s, words in SIDE_COLUMNS:
        e = mat.get(s)
        if not e:
            continue
        st = _status(e)
        if st in WORDS_ONLY:
            rows.append(f"<tr><td>{_e(words)}</td><td colspan='3' class='{st}'>"
                        f"{_e(STATUS_WORDS[st])}</td></tr>")
            continue
        rows.append(f"<tr><td>{_e(words)}</td><td>{_e(e.get('before_stage') or '—')}</td>"
                    f"<td>{_e(e.get('after_stage') or '—')}</td><td class='{st}'>"
                    f"{STATUS_MARK.get(st, '')} {_e(STATUS_WORDS.get(st, st))} in the "
                    f"maturity average ({_e(change_text(e))})</td></tr>")
    return (f"<{h2}>Alignment maturity stage</{h2}><table><thead><tr><th></th><th>Before</th>"
            "<th>After</th><th>Verdict</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _level_words(m: dict) -> str:
    """The widened range's level in words, e.g. "about 99.9%" (from the stored method)."""
    lo, hi = m.get("ci_level_min"), m.get("ci_level_max")
    if not isinstance(lo, (int, float)):
        lo = hi = m.get("ci_level")
    if not isinstance(lo, (int, float)):
        return ""
    hi = hi if isinstance(hi, (int, float)) else lo
    a, b = f"{half_up(100 * lo, 1):.1f}%", f"{half_up(100 * hi, 1):.1f}%"
    return f" (to about {a})" if a == b else f" (to between {a} and {b})"


def method_html(comp: dict, *, where: str = "the appendix") -> str:
    """The plain-words note under the comparison: how to read "detectable" (no method names;
    those are in :func:`method_lines`, for the appendix)."""
    m = comp.get("method") or {}
    n = m.get("family_size")
    alpha = m.get("alpha")
    count = f"{n} figures" if isinstance(n, int) and n > 1 else "many figures"
    if isinstance(alpha, (int, float)):
        guard = (f"so that the chance of calling even one unchanged figure improved or worse "
                 f"stays at {alpha:.0%} or less")
    else:   # a comparison written before the family-wise rule (false-discovery rate)
        guard = "so that few of the changes called detectable are chance"
    return (
        "<p class='note'>Each assessment asked a separate group of people (answers are not "
        "matched person by person), and the CRM figures cover different leads. A change is "
        "called <i>detectable</i> only when its likely range excludes zero; otherwise the "
        "report says <i>no detectable change</i>: the difference could be chance. Because "
        f"{_e(count)} are compared at once, every range is widened{_e(_level_words(m))} "
        f"{guard}. Where a team's headcount is known, the survey ranges allow for having asked "
        "most of the team. Groups too small to report in either assessment are not shown. "
        f"The methods are listed in {_e(where)}.</p>")


#: The stored method sentences shown in the appendix, in order, with their plain heading.
METHOD_PARTS = (("design", "Design"), ("means", "Averages"), ("shares", "Shares"),
                ("medians", "Medians"), ("finite_population", "Finite population"),
                ("pillar_reliability", "Pillar reliability"), ("pillars", "Pillars"),
                ("multiplicity", "Many figures at once"), ("detectable", "Detectable"),
                ("scores", "Scores"), ("anonymity", "Anonymity"))


def method_lines(comp: dict) -> list[str]:
    """The comparison's methods with their sources, one plain-text line each (appendix).

    Read from ``comparison["method"]`` as the comparison recorded them (an older
    comparison shows the method it used). Plain text: the caller escapes or renders it.
    """
    m = comp.get("method") or {}
    out = []
    for key, words in METHOD_PARTS:
        text = m.get(key)
        if isinstance(text, str) and text.strip():
            text = text.strip().replace("results.json", "the stored results")
            head, colon, rest = text.partition(": ")
            if colon and len(head) < 40:      # "Design: independent samples — respondents…"
                text = f"{head} — {rest}"
            out.append(f"{words}: {text[:1].upper()}{text[1:].rstrip('.')}.")
    return out


def method_markdown(comp: dict | None) -> str | None:
    """The appendix paragraph "Comparison with the last assessment" (Markdown), or None."""
    if not comp:
        return None
    lines = method_lines(comp)
    if not lines:
        return None
    return ("**Comparison with the last assessment.** How the \"Since the last assessment\" "
            "section tests each change:\n\n" + "\n".join(f"- {x}" for x in lines))


def page(comp: dict) -> str:
    """A self-contained ``comparison.html`` page (no scripts, no external resources)."""
    c = comp.get("client") or {}
    name = c.get("name") or c.get("id") or "Client"
    title = f"{name}: what changed since the last assessment"
    body = fragment(comp, level=1, title=title, extra_class=" cmp-page", methods=True,
                    where="the Methods list at the end of this page")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><meta name='viewport' content='width=device-width'>"
            f"<style>body {{ max-width: 980px; margin: 2em auto; padding: 0 1em; }}{CSS}"
            "</style></head><body>" + body +
            f"<p class='note'>Generated {_e(str(comp.get('generated_at') or '')[:10])} with "
            f"aligndx {_e(comp.get('toolkit_version'))}. Confidential.</p></body></html>")


def change_line(comp: dict | None) -> str | None:
    """One line for the portfolio's "change since last wave" column (plain text).

    Returns
    -------
    str or None
        e.g. ``"overall 35 → 43; 12 measures better, 0 worse, 23 no detectable change"``;
        None when the results carry no comparison (no ``[baseline]``).
    """
    if not comp:
        return None
    o = dig(comp, "scores", "overall") or {}
    head = ""
    if o.get("before") is not None and o.get("after") is not None:
        head = f"overall {half_up(o['before']):.0f} → {half_up(o['after']):.0f}; "
    imp, wor, same, _, noun = measure_counts(comp)
    return (f"{head}{imp} {noun}{'s' if imp != 1 else ''} better, {wor} worse, "
            f"{same} no detectable change")


@renders
def render(results: dict) -> Rendered:
    """Emit the comparison with the previous assessment, if the results carry one."""
    comp = results.get("comparison")
    if not comp:
        return
    emit(HTML(f"<style>{CSS}</style>" + fragment(comp, level=2)))
