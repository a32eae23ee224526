"""Attack 7, RD1: names in scripts written without spaces between words (Chinese,
Japanese, Thai; Hangul with its particles) are removed from comments that run them into
the sentence ("问王小明吧", "田中太郎さんに聞いて"), two-character names included ("张伟"),
everywhere the redactor runs (SPEC §8)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.conftest import SAMPLES
from toolkit.intake.contacts import names_in_text, text_words
from toolkit.privacy import make_redactor, redact_tree

M = "[name removed]"


@pytest.mark.parametrize("owner, text, expected", [
    ("王小明", "问王小明吧", f"问{M}吧"),
    ("王小明", "王小明说线索质量差", f"{M}说线索质量差"),
    ("王小明", "王小明 ignores us", f"{M} ignores us"),
    ("张伟", "张伟从不跟进", f"{M}从不跟进"),
    ("张伟", "张伟 never follows up", f"{M} never follows up"),
    ("王小明", "王总从不跟进，张先生也是", f"{M}从不跟进，张先生也是"),
    ("张伟", "问张先生吧", f"问{M}吧"),
    ("李伟", "问李伟吧", f"问{M}吧"),
    ("Wei Li (李伟)", "李伟 ignores us", f"{M} ignores us"),
    ("田中太郎", "田中太郎さんに聞いて", f"{M}さんに聞いて"),
    ("田中 太郎", "田中さんに聞いて", f"{M}さんに聞いて"),
    ("田中 太郎", "田中 太郎 ignores us", f"{M} ignores us"),
    ("김민준", "김민준이 말했다", f"{M}이 말했다"),
    ("ราเชน ใจดี", "คุณราเชนบอกว่า", f"คุณ{M}บอกว่า"),
    ("ราเชน ใจดี", "ราเชน ใจดี ignores us", f"{M} ignores us"),
])
def test_unspaced_names_are_removed_inside_sentences(owner, text, expected):
    assert make_redactor([owner])(text) == expected


def test_ordinary_unspaced_text_and_single_characters_stay():
    """A one-character family name alone is not a form (王 is part of many words), and a
    text without the name is returned as it was; Latin redaction is unchanged."""
    r = make_redactor(["王小明", "jane.dubois"])
    assert r("王府井的小明团队") == "王府井的小明团队"
    assert r("线索质量差，市场部不跟进。") == "线索质量差，市场部不跟进。"
    assert r("Ask Jane Dubois, 王小明 agrees") == f"Ask {M}, {M} agrees"


def test_labels_lose_the_whole_unspaced_name_only():
    """redact_tree (labels, parts off): the whole name goes, a part of a spaced name stays."""
    tree = {"source": "推荐 - 田中太郎", "role": "田中さんのチーム"}
    out = redact_tree(tree, ["田中 太郎"])
    assert out == {"source": f"推荐 - {M}", "role": "田中さんのチーム"}


def test_long_unspaced_text_with_many_names():
    names = [chr(0x4E00 + i) + chr(0x4E00 + 2 * i + 1) + chr(0x5000 + i) for i in range(2000)]
    text = ("市场部不跟进" * 20000) + names[1234] + "说了"
    out = make_redactor(names)(text)
    assert out.endswith(f"{M}说了") and out.count(M) == 1


def test_a_contact_named_in_an_unspaced_comment_is_kept_for_redaction():
    pool = ["王小明", "Hortensia Blackwood", "田中 太郎"]
    words = text_words([["问王小明吧，他知道。", "田中さんは毎回断ります。"]])
    assert names_in_text(pool, words) == ["王小明", "田中 太郎"]


def test_cjk_owners_are_removed_from_every_comment_end_to_end(tmp_path):
    """The attacker's engagement: followup-gap with three owners renamed 王小明, 张伟 and
    田中太郎 in every CRM file and Chinese / Japanese comments naming them: no name in
    results.json, the sentences around them kept."""
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.pipeline import analyse

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    ren = {"priya.chen": "王小明", "leo.okafor": "张伟", "nina.larsen": "田中太郎"}
    for f in ("crm/leads.csv", "crm/opportunities.csv", "crm/activities.csv"):
        p = eng / f
        with open(p, encoding="utf-8", newline="") as fh:
            rows = [[ren.get(c, c) for c in r] for r in csv.reader(fh)]
        with open(p, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    p = eng / "survey" / "responses.csv"
    with open(p, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    a, b = rows[0].index("OPEN1"), rows[0].index("OPEN2")
    t1 = ["王小明从不跟进市场部的线索。", "问张伟吧，他知道为什么线索被拒。",
          "田中太郎さんに聞いてください、リードは放置されています。"]
    t2 = ["我们需要每周和王小明开会。", "张伟说线索质量差。", "田中太郎さんは毎回断ります。"]
    for i, r in enumerate(rows[1:]):
        r[a], r[b] = t1[i % 3], t2[i % 3]
    with open(p, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    blob = json.dumps(analyse(load_data(load_engagement(eng))), ensure_ascii=False)
    for name in ren.values():
        assert name not in blob, name
    assert f"问{M}吧，他知道为什么线索被拒。" in blob
    assert f"{M}さんは毎回断ります。" in blob


@pytest.mark.parametrize("owner, text, expected", [
    ("Sean O'Brien", "Sean OBrien said no, ask OBrien or O Brien",
     f"{M} said no, ask {M} or {M}"),
    ("Sean O'Brien", "Ask O'Brien about it", f"Ask {M} about it"),
    ("Anne-Marie Dubois", "AnneMarie Dubois and Anne Marie", f"{M} and {M}"),
    ("jane.doe", "Janes leads are bad", f"{M} leads are bad"),
    ("jane.dubois", "the sales team is fine; Dubois leads", f"the sales team is fine; {M} leads"),
])
def test_latin_names_joined_or_possessive_are_removed(owner, text, expected):
    """The attacker's Latin lows (RD1): an apostrophe or hyphen dropped or spaced ("OBrien",
    "O Brien", "AnneMarie"), a possessive without its apostrophe ("Janes leads")."""
    assert make_redactor([owner])(text) == expected
