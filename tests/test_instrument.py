"""The instrument as data and its exports (SPEC §3)."""

import re

import pandas as pd
import pytest

from toolkit import instrument as ins

SPEC_SCALES = {"FAIR": 4, "TRUST": 3, "CONF": 4, "SUPP": 3, "SHARE": 3, "RINT": 3,
               "RFAIR": 3, "BIDIR": 3, "QUAL": 3, "DEFN": 3, "FEED": 2, "MAT": 12, "REFF": 3}
SPEC_REVERSE = {"FAIR4", "TRUST3", "SUPP3", "SHARE3", "RINT3", "RFAIR3", "BIDIR3", "QUAL3",
                "DEFN3", "REFF3"}


@pytest.fixture(scope="module")
def table():
    return ins.load_instrument()


def test_every_item_of_spec_is_present(table):
    expected = {f"{s}{i}" for s, n in SPEC_SCALES.items() for i in range(1, n + 1)}
    expected |= {"CLAIM_LEADS", "CLAIM_FOLLOW"}
    agree = set(table.loc[table["response_set"] == "agree5", "code"])
    assert agree == expected
    assert len(agree) == 51
    for extra in ("FREQ", "OPEN1", "OPEN2", "team", "level", "tenure", "region"):
        assert extra in set(table["code"])
    assert ins.SCALES == SPEC_SCALES


def test_reverse_keys_match_spec(table):
    assert set(table.loc[table["reverse"], "code"]) == SPEC_REVERSE
    assert ins.REVERSE_ITEMS == SPEC_REVERSE
    # CONF, FEED, MAT and the claims have none
    for scale in ("CONF", "FEED", "MAT", "CLAIM_LEADS", "CLAIM_FOLLOW"):
        assert not table.loc[table["scale"] == scale, "reverse"].any()


def test_scale_and_pillar_columns(table):
    items = table[table["response_set"] == "agree5"]
    for code, scale in zip(items["code"], items["scale"]):
        assert code.startswith(scale)
    sizes = items.groupby("scale").size().drop(["CLAIM_LEADS", "CLAIM_FOLLOW"])
    assert sizes.to_dict() == SPEC_SCALES
    pillar = dict(zip(items["scale"], items["pillar"]))
    for p, scales in ins.PILLARS.items():
        assert all(pillar[s] == p for s in scales)
    assert ins.PILLARS == {"politics": ["FAIR", "TRUST", "CONF", "SUPP"],
                           "incentives": ["SHARE", "RINT", "RFAIR"],
                           "communication": ["BIDIR", "QUAL", "DEFN", "FEED"]}


def test_wording_is_distinctive(table):
    w = table["wording"].str.lower().str.replace(r"[^a-z ]", "", regex=True)
    assert w.is_unique
    # no two items share their first six words (importers match on question text)
    starts = w.str.split().str[:6].str.join(" ")
    assert starts.is_unique
    assert table["short_label"].is_unique


def test_scales_file_covers_every_scale():
    s = ins.load_scales()
    assert set(SPEC_SCALES) | {"CLAIM_LEADS", "CLAIM_FOLLOW"} == set(s["scale"])
    assert s.set_index("scale").loc["CONF", "reversed_in_pillar"]
    assert dict(zip(s["scale"], s["n_items"])) == {**SPEC_SCALES, "CLAIM_LEADS": 1,
                                                        "CLAIM_FOLLOW": 1}


def _parse_qualtrics(txt: str) -> dict:
    """Minimal reader of Advanced Format: {ID: (type, text, choices)}."""
    out = {}
    blocks = re.split(r"^\[\[Question:", txt, flags=re.M)[1:]
    for b in blocks:
        lines = [ln for ln in b.splitlines()]
        qtype = lines[0].rstrip("]")
        qid = re.match(r"\[\[ID:(.+)\]\]", lines[1]).group(1)
        rest = [ln for ln in lines[2:] if not ln.startswith("[[Block") and
                ln != "[[PageBreak]]"]
        if "[[Choices]]" in rest:
            i = rest.index("[[Choices]]")
            text, choices = " ".join(rest[:i]).strip(), [c for c in rest[i + 1:] if c]
        else:
            text, choices = " ".join(x for x in rest if x).strip(), []
        out[qid] = (qtype, text, choices)
    return out


def test_qualtrics_export_round_trips(tmp_path, table):
    path = ins.export_qualtrics_txt(tmp_path / "survey.txt")
    txt = path.read_text(encoding="utf-8")
    assert txt.startswith("[[AdvancedFormat]]")
    names = re.findall(r"^\[\[Block:(.+)\]\]$", txt, flags=re.M)
    assert len(names) >= 7 and len(names) == len(set(names))   # Qualtrics: unique names
    q = _parse_qualtrics(txt)
    assert set(q) == set(table["code"])
    for row in table.itertuples():
        qtype, text, choices = q[row.code]
        assert text == row.wording          # question text comes back as worded
        if row.response_set == "agree5":
            assert qtype == "MC:SingleAnswer:Horizontal"
            assert choices == ["Strongly disagree", "Disagree", "Neither agree nor disagree",
                               "Agree", "Strongly agree", "Don't know"]
    assert q["OPEN1"][0] == "TE:Essay"
    assert q["FREQ"][2][0] == "Daily" and len(q["FREQ"][2]) == 6


def test_printable_exports(tmp_path, table):
    html_path = ins.export_printable(tmp_path / "survey.html")
    h = html_path.read_text(encoding="utf-8")
    import html as _h
    for w in table["wording"]:
        assert _h.escape(w) in h
    # respondents see no item codes: the code is only an attribute (HTML) or comment (Markdown)
    visible = re.sub(r"<[^>]*>", " ", h)
    assert not re.search(r"\[(?:[A-Z_]+\d*|team|level|tenure|region)\]", visible)
    assert not any(re.search(rf"\b{c}\b", visible) for c in table["code"] if c[-1].isdigit())
    assert h.count("data-item=") == len(table)
    md = ins.export_printable(tmp_path / "survey.md").read_text(encoding="utf-8")
    assert md.count("<!-- ") == len(table) and "`[" not in md


def test_translated_copy_is_loaded(tmp_path, table):
    t = table.copy()
    t.loc[t["code"] == "FAIR1", "wording"] = "Das Budget ist fair verteilt."
    p = tmp_path / "instrument_de.csv"
    t.to_csv(p, index=False)
    back = ins.load_instrument(p)
    assert back.set_index("code").loc["FAIR1", "wording"] == "Das Budget ist fair verteilt."
    assert back["reverse"].dtype == bool
    assert "Das Budget ist fair verteilt." in ins.qualtrics_txt(back)


def test_duplicate_codes_are_refused(tmp_path, table):
    t = pd.concat([table, table.head(1)])
    p = tmp_path / "bad.csv"
    t.to_csv(p, index=False)
    with pytest.raises(ValueError, match="duplicate"):
        ins.load_instrument(p)
