"""Attacker's payloads in every field of a client's files reach no output as markup or fetch.

One engagement (the followup-gap sample) is rewritten so that every field that reaches an
output carries payloads: client name, currency, lead sources, opportunity stages, rejection
reasons, comments, team labels (through team_map), regions and levels (workshop filters),
plan roles and components, owner ids, an extra column header, the file names, and the
practice's branding (name, footer, colours, logo). The report, the executed notebook, the
portfolio, the workshop views and the PDF are then checked by an independent parser (not the
toolkit's own checker): no element or attribute able to run a script or fetch anything, no
``data:`` URI but the charts', no PDF attachment — and each field's marker is found as
escaped text, so the payload did reach the output (the test cannot pass vacuously).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow

#: Payload templates; ``{f}`` is replaced by the field's marker.
PAYLOADS = [
    "<script>alert('{f}')</script>",
    "<img src=x onerror=alert('{f}')>",
    '<img src="file:///etc/passwd" alt="{f}">',
    '<a href="http://evil.example/{f}">click</a>',
    "<svg onload=alert('{f}')><circle r=1></svg>",
    "<style>body{{background:url(http://evil.example/{f}.png)}}</style>",
    "[click {f}](javascript:alert(1))",
    "![{f}](http://evil.example/{f}.png)",
    "![{f}](../survey/responses.csv)",
    "$\\require{{action}}{f}$",
    "<link rel=attachment href=../survey/responses.csv>{f}",
    "<iframe src=http://evil.example/{f}></iframe>",
    '=HYPERLINK("http://evil.example/{f}","x")',
]
#: For names that must stay valid file or TOML names: no "/" and no newline.
FILE_PAYLOAD = "<img src=x onerror=alert('{f}')>"
#: Invisible characters (right-to-left override, zero-width space, left-to-right isolate,
#: zero-width no-break space) added to data labels and comments: they reorder or split what
#: a reader sees (review 13, I2) and must reach no output.
INVISIBLE = "\u202e\u200b\u2066\ufeff"
#: The MathJax-ignore class names as client text (review 13c M1): they must not switch the
#: notebook's math guard off for the output that shows them.
MATH_CLASS_TEXT = "tex2jax_ignore mathjax_ignore "
FIELDS = ["clientname", "currency", "source", "stage", "reason", "comment", "teamlabel",
          "region", "level", "role", "component", "owner", "header", "filename", "practice",
          "footer"]


def payload(field: str, i: int = 0) -> str:
    return PAYLOADS[i % len(PAYLOADS)].format(f=f"PWN{field}{i}")


def all_payloads(field: str) -> str:
    return " ".join(payload(field, i) for i in range(len(PAYLOADS)))


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def make_engagement(root: Path) -> Path:
    eng = root / "pwn"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    # --- survey: comments, team labels, regions, levels, an extra header
    sv = pd.read_csv(eng / "survey" / "responses.csv", dtype=str, keep_default_na=False)
    sv["OPEN1"] = [payload("comment", i) + f" {INVISIBLE}gnp.exe" for i in range(len(sv))]
    sv["OPEN2"] = [all_payloads("comment") if i % 3 == 0 else "" for i in range(len(sv))]
    label = "Inside Sales " + FILE_PAYLOAD.format(f="PWNteamlabel0")
    sv.loc[sv["team"] == "sales", "team"] = label
    sv.loc[sv["region"] == "EMEA", "region"] = "EMEA " + payload("region", 1)
    sv.loc[sv["level"] == "individual", "level"] = "individual"
    sv[payload("header", 0)] = "x"
    sv.to_csv(eng / "survey" / "responses.csv", index=False)
    # --- leads: sources, reasons, owners; renamed to a payload file name
    leads = pd.read_csv(eng / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[leads["source"] == "event", "source"] = "event " + payload("source", 3)
    leads.loc[leads["source"] == "referral", "source"] = payload("source", 1) + INVISIBLE
    rej = leads["rejected_at"] != ""
    leads.loc[rej, "rejection_reason"] = [INVISIBLE[i % 4] + payload("reason", i)
                                          for i in range(int(rej.sum()))]
    leads.loc[leads["owner_id"] == "felix.kowalski", "owner_id"] = payload("owner", 1)
    lead_file = "leads " + FILE_PAYLOAD.format(f="PWNfilename0") + ".csv"
    leads.to_csv(eng / "crm" / lead_file, index=False)
    (eng / "crm" / "leads.csv").unlink()
    # --- opportunities: stages
    opp = pd.read_csv(eng / "crm" / "opportunities.csv", dtype=str, keep_default_na=False)
    opp.loc[opp["is_closed"] == "False", "stage"] = payload("stage", 0) + INVISIBLE
    opp.to_csv(eng / "crm" / "opportunities.csv", index=False)
    # --- plan: roles, components
    plan = pd.read_csv(eng / "incentives" / "comp_plan.csv", dtype=str, keep_default_na=False)
    plan["role"] = plan["role"] + INVISIBLE[1] + " " + payload("role", 1)
    plan["component"] = [payload("component", i) for i in range(len(plan))]
    plan.to_csv(eng / "incentives" / "comp_plan.csv", index=False)
    # --- engagement.toml: client name, currency, team_map, the leads file name
    toml = (eng / "engagement.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "Northwind Fasteners Inc."',
                        "name = " + _toml_str("Northwind " + MATH_CLASS_TEXT
                                              + all_payloads("clientname")))
    # (the currency is refused at engagement.toml unless it is an ISO 4217 code, see
    # tests/test_bad_settings.py; a tampered results.json's currency is escaped there too)
    toml = toml.replace('team_column = "team"',
                        f'team_column = "team"\nteam_map = {{ {_toml_str(label)} = "sales" }}')
    toml = toml.replace('leads = "crm/leads.csv"', f"leads = {_toml_str('crm/' + lead_file)}")
    (eng / "engagement.toml").write_text(toml, encoding="utf-8")
    return eng


def make_branding(root: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (4, 4), (200, 10, 10)).save(root / "logo.png")
    (root / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    b = root / "branding.toml"
    b.write_text("[branding]\n"
                 f"practice = {_toml_str('Practice ' + all_payloads('practice'))}\n"
                 f"footer = {_toml_str('Footer ' + all_payloads('footer'))}\n"
                 'primary = "red; } body { background: url(http://evil.example/c.png) } x {"\n'
                 'accent = "#abcdef"\n'
                 'logo = "logo.png"\n', encoding="utf-8")
    return b


#: Elements that run code, load something or embed another document.
DANGEROUS = {"script", "iframe", "frame", "object", "embed", "link", "svg", "math", "base",
             "form", "input", "button", "audio", "video", "source", "track", "applet",
             "meta-refresh", "portal", "template"}


def assert_inert(html_text: str, where: str, *, charts_only: bool = True) -> None:
    """Independent check with BeautifulSoup (html.parser): nothing live survives."""
    soup = BeautifulSoup(html_text, "html.parser")
    problems = []
    for tag in soup.find_all(True):
        if tag.name in DANGEROUS:
            problems.append(f"<{tag.name}>")
        for attr, value in tag.attrs.items():
            v = " ".join(value) if isinstance(value, list) else str(value)
            if attr.lower().startswith("on"):
                problems.append(f"<{tag.name} {attr}>")
            if attr.lower() in ("src", "href", "srcset", "action", "data", "poster",
                                "background", "xlink:href", "formaction"):
                ok = (tag.name == "a" and attr == "href" and v.startswith("#")) or (
                    tag.name == "img" and attr == "src"
                    and re.match(r"data:image/(png|jpeg);base64,", v))
                if not ok:
                    problems.append(f"<{tag.name} {attr}={v[:50]!r}>")
            if attr.lower() == "style" and re.search(r"url\(|expression|@import", v, re.I):
                problems.append(f"<{tag.name} style={v[:50]!r}>")
        if tag.name == "style" and re.search(r"evil\.example|@import|url\((?!\s*['\"]?data:)",
                                            tag.get_text(), re.I):
            problems.append("<style> with an external reference")
    # data: URIs only in chart/logo <img> sources and the stylesheet's own icons
    text_without_style = re.sub(r"<style.*?</style>", "", html_text, flags=re.S | re.I)
    n_img = len(soup.find_all("img"))
    n_data = len(re.findall(r"data:", text_without_style))
    if charts_only and n_data != n_img:
        problems.append(f"{n_data} data: URIs outside <style> for {n_img} images")
    assert not problems, f"{where}: {problems[:10]}"


def visible_text(html_text: str) -> str:
    return BeautifulSoup(html_text, "html.parser").get_text(" ")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Build the report (with PDF), then the portfolio, of the attacked engagement."""
    import toolkit.htmlexport as htmlexport
    import toolkit.reporting as reporting

    root = tmp_path_factory.mktemp("pwn")
    eng = make_engagement(root)
    branding = make_branding(root)
    mp = pytest.MonkeyPatch()
    # export in this process so that the test's branding file is used
    mp.setattr(reporting, "OVERLAP_NOTEBOOK", False)
    mp.setattr(htmlexport, "BRANDING_FILE", branding)
    out = root / "out"
    try:
        outcome = reporting.build_report(eng, out, pdf=True)
    finally:
        mp.undo()
    from toolkit.batch.portfolio import build_portfolio

    portfolio = build_portfolio(out)
    return {"eng": eng, "out": out, "folder": outcome.folder, "portfolio": portfolio,
            "root": root}


def test_report_html_holds_no_live_markup(attacked):
    html_text = (attacked["folder"] / "report.html").read_text(encoding="utf-8")
    assert_inert(html_text, "report.html")
    assert "PWN" in html_text  # the payloads did reach the report ...
    text = visible_text(html_text)
    # (case-insensitive: lead sources are normalised to lower-case identifiers at intake)
    reached = {f for f in FIELDS if f"pwn{f}" in text.lower()}
    # ... as text, in every field that the report shows
    # (opportunity stages and team labels are mapped to canonical values before any output;
    # regions, levels and owner ids appear in no report figure by design)
    assert {"clientname", "source", "reason", "comment", "role",
            "component", "practice", "footer", "filename"} <= reached, reached
    # a column header reached the report only in the file-by-file intake log, which the
    # report no longer prints (issue 17); it must not turn up as markup either way
    assert "<script>alert('PWNclientname0')</script>" in text  # shown literally
    assert "evil.example/c.png" not in html_text.split("</style>")[0]  # colour refused


def test_report_ipynb_outputs_hold_no_live_markup(attacked):
    nb = json.loads((attacked["folder"] / "report.ipynb").read_text(encoding="utf-8"))
    n = 0
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data") or {}
            assert "text/markdown" not in data  # rendered at the boundary, never raw
            if "text/html" in data:
                h = data["text/html"]
                h = "".join(h) if isinstance(h, list) else h
                assert_inert(h, "report.ipynb")
                # every output sits whole inside one block MathJax ignores (review 13c M1)
                top = [t for t in BeautifulSoup(h, "html.parser").contents if str(t).strip()]
                assert len(top) == 1 and {"tex2jax_ignore", "mathjax_ignore"} <= set(
                    top[0].get("class", [])), h[:120]
                n += 1
    assert n > 20


def test_results_and_xlsx_neutralise_formulas(attacked):
    from openpyxl import load_workbook

    wb = load_workbook(attacked["folder"] / "aggregates.xlsx")
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert cells and not [v for v in cells if v.startswith(("=", "+", "-", "@"))]
    assert any("PWN" in v for v in cells)


def test_pdf_fetches_nothing_and_attaches_nothing(attacked):
    pdf = attacked["folder"] / "report.pdf"
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdfdetach"):
        listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True,
                                 text=True).stdout
        assert listing.strip().startswith("0 embedded files"), listing
    raw = pdf.read_bytes()
    assert b"/EmbeddedFile" not in raw and b"/JavaScript" not in raw and b"/URI" not in raw
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        assert "respondent_id" not in text  # no other file of the engagement pulled in


def _output_texts(attacked):
    """Every text a reader of the attacked engagement's outputs can obtain, by output."""
    import zipfile

    folder = attacked["folder"]
    texts = {}
    for name in ("report.html", "report.ipynb"):
        texts[name] = (folder / name).read_text(encoding="utf-8")
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    texts["results.json"] = json.dumps(results, ensure_ascii=False)
    for name in ("aggregates.xlsx", "report.pptx"):
        with zipfile.ZipFile(folder / name) as z:
            texts[name] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                                  if n.endswith((".xml", ".rels")))
    texts["portfolio.html"] = Path(attacked["portfolio"]).read_text(encoding="utf-8")
    if shutil.which("pdftotext"):
        texts["report.pdf"] = subprocess.run(["pdftotext", str(folder / "report.pdf"), "-"],
                                             capture_output=True, text=True).stdout
    return texts


def test_no_invisible_character_reaches_an_output(attacked):
    """Review 13 I2: bidi overrides and zero-width characters in a client's labels and
    comments reach no output (they would reorder or disguise what the reader sees)."""
    texts = _output_texts(attacked)
    assert "gnp.exe" in texts["results.json"]  # the comment carrying them was published
    for name, text in texts.items():
        found = sorted({f"U+{ord(c):04X}" for c in text if c in INVISIBLE})
        assert not found, f"{name}: {found}"


def test_invisible_characters_in_settings_are_refused(tmp_path):
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "well-aligned", eng)
    toml = eng / "engagement.toml"
    text = toml.read_text(encoding="utf-8")
    # a byte-order mark at the start (Windows Notepad) is fine ...
    toml.write_text("\ufeff" + text, encoding="utf-8")
    from toolkit.config import load_engagement

    load_engagement(eng)
    # ... a zero-width space inside a value is not
    toml.write_text(text.replace('name = "', 'name = "Fabrikam\u200b ', 1), encoding="utf-8")
    from toolkit.exceptions import ConfigError

    with pytest.raises(ConfigError, match="U\\+200B"):
        load_engagement(eng)


def test_pdf_fetcher_refuses_files_and_network(tmp_path):
    from toolkit.exceptions import ReportError
    from toolkit.pdf import RefusedFetch, check_fetch, html_to_pdf

    for url in ("file:///etc/passwd", "http://evil.example/x.png", "https://e.example/",
                "secret.csv", "data:text/html,<script>", "data:application/pdf;base64,AA"):
        with pytest.raises(RefusedFetch):
            check_fetch(url)
    check_fetch("data:image/png;base64,iVBORw0KGgo=")
    page = tmp_path / "p.html"
    page.write_text('<p>x</p><img src="file:///etc/passwd">', encoding="utf-8")
    with pytest.raises(ReportError):
        html_to_pdf(page, tmp_path / "p.pdf")
    assert not (tmp_path / "p.pdf").exists()


def test_portfolio_holds_no_live_markup(attacked):
    html_text = Path(attacked["portfolio"]).read_text(encoding="utf-8")
    assert_inert(html_text, "portfolio.html")
    assert "PWNclientname" in visible_text(html_text)


def test_workshop_views_hold_no_live_markup(attacked):
    from toolkit.workshop import open_workshop, render_html
    from toolkit.workshop import views

    w = open_workshop(attacked["eng"])
    parts = [render_html(views.show_intro, session=w)]
    opts = w.filter_options()
    for region in [None, *opts["region"], "EMEA " + payload("region", 1)]:
        view, result = w.reveal("TRUST", region=region)
        parts.append(render_html(views.show_filter_note, result=view))
        if result is not None:
            parts.append(render_html(views.show_reveal, result=result, stage="gap"))
    html_text = "".join(parts)
    assert_inert(html_text, "workshop")
    assert "PWNclientname" in visible_text(html_text)
    assert "PWNregion" in visible_text(html_text)


def test_branding_settings_are_validated(tmp_path):
    from toolkit.execute import load_branding

    b = make_branding(tmp_path)
    got = load_branding(b)
    assert got["primary"] == "#1f3a5f"  # the injected declaration is refused
    assert got["logo"].startswith("data:image/png;base64,")
    for bad in ("evil.svg", "../logo.png", "/etc/passwd", "http://evil.example/l.png",
                "data:image/svg+xml;base64,PHN2Zz4=", "branding.toml"):
        b.write_text(f"[branding]\nlogo = {_toml_str(bad)}\n", encoding="utf-8")
        assert load_branding(b)["logo"] == "", bad


def test_markdown_boundary_unit():
    from toolkit.report.safe import check_html, markdown_html, md_text

    for i in range(len(PAYLOADS)):
        p = payload("unit", i)
        out = markdown_html(f"**Title** {p}\n\n- item {p}")
        assert check_html(out, allow_style_data_svg=False) == [], (p, out)
        assert_inert(out, p)
        assert "<strong>Title</strong>" in out
        esc = markdown_html(md_text(p))
        assert "PWNunit" in visible_text(esc) and check_html(esc) == []


def test_css_escapes_are_decoded_before_the_url_and_import_checks():
    """``u\\72l(`` is ``url(`` and ``@\\69mport`` is ``@import`` to a browser (CSS Syntax
    §4.3.7); the post-render proof must see them (review 13b, F6)."""
    from toolkit.report.safe import check_html, css_unescape

    assert css_unescape(r"u\72l(x) u\000072 l(y) @\69mport \"a\" b\
c") == 'url(x) url(y) @import "a" bc'
    for style in (r"background-image:u\72l(http://evil.example/t.png)",
                  r"background:U\52L(//evil.example/t.png)",
                  r"background:u/**/rl(http://evil.example/t.png)"):
        page = f'<html><body><span style="{style}">x</span></body></html>'
        assert any("url(" in p for p in check_html(page)), style
    page = r'<html><head><style>@\69mport "http://evil.example/a.css";</style></head></html>'
    assert any("@import" in p for p in check_html(page))


def test_comparison_section_of_an_untrusted_results_json_is_escaped():
    """``aligndx render`` and ``[baseline]`` read a results.json that may come from anywhere:
    a crafted comparison status must not become an attribute (review 13b, F6)."""
    from toolkit.report.safe import check_html
    from toolkit.report.waves import fragment

    bad = "x' style='background-image:u\\72l(http://evil.example/t.png)"

    def entry(label, unit="scale"):
        return {"label": label, "status": bad, "unit": unit, "before": 3.0, "after": 3.5,
                "change": 0.5, "ci_low": 0.1, "ci_high": 0.9}

    comp = {"before": {}, "after": {},
            "scores": {"overall": entry("Overall", "score")},
            "survey": {"scales": {"TRUST": {"name": "Trust", "by_side": {
                s: entry(f"Trust — {s}") for s in ("sales", "marketing", "all")}}},
                       "maturity": {"by_side": {"all": entry("Alignment maturity — all")}},
                       "claims": {"c": entry("Claim", "share")}},
            "crm": {"untouched": entry("Untouched", "share")}}
    html = f"<html><body>{fragment(comp)}</body></html>"
    assert check_html(html) == []
    assert "evil.example" not in html and "style='" not in html


def test_comment_question_keys_of_an_untrusted_results_json_are_escaped():
    """Review 13b F6 (second instance): a key of survey.comments.by_side.<side> was written
    into the comments list as markup."""
    from toolkit.report.survey import render_comments

    key = "<b style='background:u\\72l(http://evil.example/c.png)'>OPEN9</b>"
    results = {"survey": {"respondents": {"all": 20, "sales": 10, "marketing": 10},
                          "comments": {"min_group_size": 8, "by_side": {
        "sales": {key: ["more feedback please", "more feedback please"]}}}}}
    html = render_comments(results).html()
    assert "feedback" in html and "<b style" not in html and "&lt;b style=" in html
