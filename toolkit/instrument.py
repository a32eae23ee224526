"""The survey instrument (SPEC §3): items, scales and pillars as data, and its exports.

The instrument lives in ``templates/`` as three CSV files so consultants can translate it
and importers can match question text to item codes:

* ``instrument.csv`` — one row per question: ``order, code, scale, pillar, item_no,
  reverse, wording, response_set, short_label``. Scored items have a ``scale``; background
  questions (``team``, ``level``, ``tenure``, ``region``), ``FREQ`` and the open questions
  (``OPEN1``, ``OPEN2``) have none.
* ``scales.csv`` — one row per scale: ``scale, pillar, name, description, n_items,
  reversed_in_pillar, role``.
* ``response_sets.csv`` — the answer options of each response set: ``response_set, value,
  label, code`` (``code`` is the position of the option, i.e. the numeric value a survey
  platform records; the agreement scale's "Don't know" is code 6 and has no value — it is
  scored as missing).

:func:`export_qualtrics_txt` writes the instrument in Qualtrics' *Advanced Format* TXT
(importable via *Tools → Import/Export → Import Survey*), one multiple-choice question per
item with the item code as the question ID, so exported data comes back with the item codes
as column names and the wording as question text. :func:`export_printable` writes a
printable HTML questionnaire.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import pandas as pd

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
INSTRUMENT_FILE = TEMPLATES_DIR / "instrument.csv"
SCALES_FILE = TEMPLATES_DIR / "scales.csv"
RESPONSE_SETS_FILE = TEMPLATES_DIR / "response_sets.csv"

#: Scales of the three pillars, in report order (SPEC §3).
PILLARS: dict[str, list[str]] = {
    "politics": ["FAIR", "TRUST", "CONF", "SUPP"],
    "incentives": ["SHARE", "RINT", "RFAIR"],
    "communication": ["BIDIR", "QUAL", "DEFN", "FEED"],
}
#: Scales whose raw direction is unhealthy ("more conflict"): reversed when entering a pillar.
PILLAR_REVERSED_SCALES: tuple[str, ...] = ("CONF",)
#: Number of items of every multi-item scale, in instrument order.
SCALES: dict[str, int] = {
    "FAIR": 4, "TRUST": 3, "CONF": 4, "SUPP": 3,
    "SHARE": 3, "RINT": 3, "RFAIR": 3,
    "BIDIR": 3, "QUAL": 3, "DEFN": 3, "FEED": 2,
    "MAT": 12, "REFF": 3,
}
#: Scale of each pillar, plus the maturity and outcome scales.
SCALE_PILLAR: dict[str, str] = {
    **{s: p for p, scales in PILLARS.items() for s in scales},
    "MAT": "maturity", "REFF": "outcome",
}
#: Single-item blame claims (SPEC §3, §4.1).
CLAIM_ITEMS: tuple[str, ...] = ("CLAIM_LEADS", "CLAIM_FOLLOW")
#: Item codes of every scale, e.g. ``SCALE_ITEMS["FAIR"] == ["FAIR1", ..., "FAIR4"]``.
SCALE_ITEMS: dict[str, list[str]] = {s: [f"{s}{i}" for i in range(1, n + 1)]
                                     for s, n in SCALES.items()}
#: Every 1..5 item code (scales then claims), in instrument order.
LIKERT_ITEMS: list[str] = [c for s in SCALES for c in SCALE_ITEMS[s]] + list(CLAIM_ITEMS)
#: Reverse-keyed items, scored 6 − x (SPEC §3).
REVERSE_ITEMS: frozenset[str] = frozenset({"FAIR4", "TRUST3", "SUPP3", "SHARE3", "RINT3",
                                           "RFAIR3", "BIDIR3", "QUAL3", "DEFN3", "REFF3"})
#: Scales used as predictors of ``REFF`` in the driver analysis.
DRIVER_SCALES: list[str] = [s for scales in PILLARS.values() for s in scales]
#: Categorical and free-text questions.
FREQ_CODE = "FREQ"
FREQ_LEVELS: tuple[str, ...] = ("daily", "several_weekly", "weekly", "monthly", "rarely",
                                "never")
OPEN_ITEMS: tuple[str, ...] = ("OPEN1", "OPEN2")
BACKGROUND_ITEMS: tuple[str, ...] = ("team", "level", "tenure", "region")
AGREE_LABELS: tuple[str, ...] = ("Strongly disagree", "Disagree",
                                 "Neither agree nor disagree", "Agree", "Strongly agree")
DONT_KNOW_LABEL = "Don't know"
DONT_KNOW_CODE = 6


def _as_bool(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(["true", "1", "yes"])


def load_instrument(path: str | Path | None = None) -> pd.DataFrame:
    """Read the instrument table.

    Parameters
    ----------
    path : str or Path, optional
        A translated or adapted ``instrument.csv``; default ``templates/instrument.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per question (58 in the shipped instrument: 51 scored 1..5 items, ``FREQ``,
        two open questions, four background questions), columns ``order`` (int), ``code``,
        ``scale`` (str, ``""`` for unscored questions), ``pillar``, ``item_no``
        (``Int64``), ``reverse`` (bool), ``wording``, ``response_set``, ``short_label``;
        sorted by ``order``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a required column is missing or item codes are not unique.
    """
    path = Path(path) if path is not None else INSTRUMENT_FILE
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    required = {"code", "scale", "pillar", "reverse", "wording", "response_set"}
    missing = required - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    if not df["code"].is_unique:
        dup = df.loc[df["code"].duplicated(), "code"].tolist()
        raise ValueError(f"{path}: duplicate item code(s) {', '.join(dup)}")
    df["reverse"] = _as_bool(df["reverse"])
    if "order" in df:
        df["order"] = pd.to_numeric(df["order"]).astype(int)
    else:
        df["order"] = range(1, len(df) + 1)
    if "item_no" in df:
        df["item_no"] = pd.to_numeric(df["item_no"].replace("", None)).astype("Int64")
    if "short_label" not in df:
        df["short_label"] = df["code"]
    return df.sort_values("order", kind="stable").reset_index(drop=True)


def load_scales(path: str | Path | None = None) -> pd.DataFrame:
    """Read the scale table (``templates/scales.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per scale and claim: ``scale, pillar, name, description, n_items`` (int),
        ``reversed_in_pillar`` (bool), ``role`` (``index``, ``maturity``, ``outcome``,
        ``claim``).
    """
    path = Path(path) if path is not None else SCALES_FILE
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["n_items"] = pd.to_numeric(df["n_items"]).astype(int)
    df["reversed_in_pillar"] = _as_bool(df["reversed_in_pillar"])
    return df


def load_response_sets(path: str | Path | None = None) -> pd.DataFrame:
    """Read the answer options (``templates/response_sets.csv``).

    Returns
    -------
    pandas.DataFrame
        ``response_set, value, label, code`` (``code`` int, the option's position).
    """
    path = Path(path) if path is not None else RESPONSE_SETS_FILE
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["code"] = pd.to_numeric(df["code"]).astype(int)
    return df


def scale_names() -> dict[str, str]:
    """Return ``{scale code: display name}`` from ``templates/scales.csv`` (a new dict)."""
    return dict(_scale_names())


def item_labels() -> dict[str, str]:
    """Return ``{item code: short label}`` for charts and tables (a new dict)."""
    return dict(_item_labels())


@lru_cache(maxsize=1)
def _scale_names() -> tuple[tuple[str, str], ...]:
    # the shipped files do not change during a run: read once per process (the workshop
    # views asked for these ~60 times per report, ~0.3 s of CPU; issue 18)
    s = load_scales()
    return tuple(zip(s["scale"], s["name"]))


@lru_cache(maxsize=1)
def _item_labels() -> tuple[tuple[str, str], ...]:
    d = load_instrument()
    return tuple(zip(d["code"], d["short_label"]))


def _options(rs: pd.DataFrame, name: str) -> list[str]:
    return rs.loc[rs["response_set"] == name].sort_values("code")["label"].tolist()


def qualtrics_txt(instrument: pd.DataFrame | None = None) -> str:
    """Return the instrument as Qualtrics Advanced Format TXT.

    Each item becomes a ``[[Question:MC:SingleAnswer:Horizontal]]`` with ``[[ID:<code>]]``
    (the item code, which Qualtrics uses as the question's export tag) and the five
    agreement options plus "Don't know" in order, so the recorded values are 1..5 and 6 for
    "Don't know". Open questions are ``[[Question:TE:Essay]]``; ``region`` is
    ``[[Question:TE:SingleLine]]``. One block per pillar (a pillar met again later gets a block of its own, named after
    its first question, as block names must be unique), page breaks between blocks.

    Source of the format: Qualtrics support, "Import and export surveys — Preparing an
    Advanced Format TXT file".
    """
    ins = load_instrument() if instrument is None else instrument
    rs = load_response_sets()
    lines = ["[[AdvancedFormat]]", ""]
    blocks = {"background": "About you", "politics": "Working together",
              "incentives": "Goals and rewards", "communication": "Communication",
              "maturity": "How the teams are organised", "outcome": "Overall",
              "claims": "Overall", "open": "In your own words"}
    current, used = None, set()
    for row in ins.itertuples(index=False):
        block = blocks.get(row.pillar, row.pillar.title())
        if block != current:
            if current is not None:
                lines += ["[[PageBreak]]", ""]
            current = block
            # a pillar met again later (FREQ after the claims) gets its own, unique name:
            # Qualtrics needs distinct block names
            name = block if block not in used else f"{block}: {row.short_label}"
            while name in used:
                name += " (continued)"
            used.add(name)
            lines += [f"[[Block:{name}]]", ""]
        text = " ".join(str(row.wording).split())
        if row.response_set.startswith("text"):
            kind = "TE:Essay" if row.response_set == "text_long" else "TE:SingleLine"
            lines += [f"[[Question:{kind}]]", f"[[ID:{row.code}]]", text, ""]
            continue
        layout = "Horizontal" if row.response_set == "agree5" else "Vertical"
        lines += [f"[[Question:MC:SingleAnswer:{layout}]]", f"[[ID:{row.code}]]", text,
                  "[[Choices]]", *_options(rs, row.response_set), ""]
    return "\n".join(lines).rstrip() + "\n"


def export_qualtrics_txt(path: str | Path, instrument: pd.DataFrame | None = None) -> Path:
    """Write the instrument as a Qualtrics Advanced Format TXT file.

    Parameters
    ----------
    path : str or Path
        Output file (``.txt``), written as UTF-8.
    instrument : pandas.DataFrame, optional
        A (translated) instrument as returned by :func:`load_instrument`.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    path.write_text(qualtrics_txt(instrument), encoding="utf-8")
    return path


_PRINT_CSS = """
body{font-family:"Helvetica Neue",Arial,sans-serif;color:#222;max-width:54em;margin:2em auto;
  padding:0 1.2em;font-size:11pt;line-height:1.4}
h1{color:#1f3a5f;font-size:1.7em;margin:.2em 0 .4em}
h2{color:#1f3a5f;font-size:1.2em;border-bottom:2px solid #e07b00;padding-bottom:.2em;
  margin:1.8em 0 .6em}
.intro{background:#f5f7fa;border-left:4px solid #1f3a5f;padding:.7em 1em;margin:1em 0 1.5em}
.intro p{margin:.3em 0}
.q{margin:.9em 0;break-inside:avoid}
.q .n,.grid td.n{color:#1f3a5f;font-weight:bold;margin-right:.4em}
.opts{list-style:none;margin:.35em 0 0 1.6em;padding:0}
.opts li{margin:.15em 0}
.mark{display:inline-block;width:.9em;height:.9em;border:1.5px solid #555;border-radius:50%;
  vertical-align:-.1em;margin-right:.5em}
.open{border:1px solid #999;border-radius:4px;height:6em;margin:.4em 0 0 1.6em}
table.grid{border-collapse:collapse;width:100%;margin:.4em 0 1.2em;font-size:10.5pt}
.grid th{font-size:8.5pt;font-weight:bold;color:#444;text-align:center;vertical-align:bottom;
  padding:.3em .2em;width:5.6em;border-bottom:2px solid #1f3a5f}
.grid th.stmt{text-align:left;width:auto}
.grid td{padding:.45em .3em;border-bottom:1px solid #ddd;vertical-align:middle}
.grid td.n{width:2.2em;text-align:right;vertical-align:top}
.grid td.box{text-align:center}
.grid tr:nth-child(even) td{background:#fafafa}
.grid tr{break-inside:avoid}
.thanks{margin-top:2em;font-weight:bold;color:#1f3a5f}
@media print{body{margin:0;max-width:none}.intro{break-inside:avoid}
  thead{display:table-header-group}h2{break-after:avoid}}
"""


def printable_html(instrument: pd.DataFrame | None = None, *,
                   title: str = "Sales and marketing collaboration survey") -> str:
    """Return a printable, self-contained HTML questionnaire for respondents.

    Agreement statements are grouped in answer grids (one per block) with one column per
    answer option; every question is numbered in the order of the instrument's ``order``
    column, so paper answers can be keyed in with ``templates/instrument.csv`` beside them.
    Respondents see no item codes: each question carries its code only in a ``data-item``
    attribute.
    """
    ins = load_instrument() if instrument is None else instrument
    rs = load_response_sets()
    agree = _options(rs, "agree5")
    esc = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{_PRINT_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<div class='intro'><p>This survey is anonymous. Results are reported only for groups "
        "of at least five people, and comments are shown only in groups large enough that "
        "nobody can be recognised. Names, e-mail addresses and phone numbers in comments are "
        "removed.</p><p>“The other team” means marketing if you work in sales, and sales if "
        "you work in marketing. Mark one answer per statement; choose “Don't know” when you "
        "cannot judge it.</p></div>",
    ]
    blocks = {"background": "About you", "politics": "Working together",
              "incentives": "Goals and rewards", "communication": "Communication",
              "maturity": "How the teams are organised", "outcome": "Overall",
              "claims": "Overall", "open": "In your own words"}
    grid: list[str] = []
    mark = "<span class='mark' aria-hidden='true'></span>"

    def flush():
        if grid:
            head = "".join(f"<th scope='col'>{esc(a)}</th>" for a in agree)
            out.append("<table class='grid'><thead><tr><th></th>"
                       f"<th class='stmt' scope='col'>Statement</th>{head}</tr></thead>"
                       "<tbody>" + "".join(grid) + "</tbody></table>")
            grid.clear()

    current = None
    for n, row in enumerate(ins.itertuples(index=False), start=1):
        block = blocks.get(row.pillar, row.pillar.title())
        if block != current:
            flush()
            out.append(f"<h2>{esc(block)}</h2>")
            current = block
        item = esc(str(row.code), quote=True)
        if row.response_set == "agree5":
            boxes = "".join(f"<td class='box'>{mark}</td>" for _ in agree)
            grid.append(f"<tr data-item='{item}'><td class='n'>{n}</td>"
                        f"<td>{esc(row.wording)}</td>{boxes}</tr>")
            continue
        flush()
        question = f"<span class='n'>{n}.</span>{esc(row.wording)}"
        if row.response_set.startswith("text"):
            out.append(f"<div class='q' data-item='{item}'>{question}"
                       "<div class='open'></div></div>")
        else:
            opts = "".join(f"<li>{mark}{esc(o)}</li>" for o in _options(rs, row.response_set))
            out.append(f"<div class='q' data-item='{item}'>{question}"
                       f"<ul class='opts'>{opts}</ul></div>")
    flush()
    out.append("<p class='thanks'>Thank you for taking part.</p></body></html>")
    return "\n".join(out)


def export_printable(path: str | Path, instrument: pd.DataFrame | None = None) -> Path:
    """Write the printable questionnaire.

    Parameters
    ----------
    path : str or Path
        Output file; ``.md`` writes Markdown, anything else HTML.
    instrument : pandas.DataFrame, optional
        A (translated) instrument as returned by :func:`load_instrument`.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    if path.suffix.lower() == ".md":
        path.write_text(printable_markdown(instrument), encoding="utf-8")
    else:
        path.write_text(printable_html(instrument), encoding="utf-8")
    return path


def printable_markdown(instrument: pd.DataFrame | None = None) -> str:
    """Return the questionnaire as Markdown (one numbered line per question).

    Item codes are kept only as HTML comments (``<!-- FAIR1 -->``), invisible once rendered.
    """
    ins = load_instrument() if instrument is None else instrument
    rs = load_response_sets()
    lines = ["# Sales and marketing collaboration survey", "",
             "Answer scale: " + " / ".join(_options(rs, "agree5")), ""]
    for n, row in enumerate(ins.itertuples(index=False), start=1):
        lines.append(f"{n}. {row.wording} <!-- {row.code} -->")
        if not row.response_set.startswith("text") and row.response_set != "agree5":
            lines.append("   " + " / ".join(_options(rs, row.response_set)))
    return "\n".join(lines) + "\n"
