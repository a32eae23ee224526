"""Portfolio summary across clients, from results.json files only."""

from __future__ import annotations

import json

import pytest
from scipy.stats import percentileofscore

from toolkit.report import portfolio as pf

from conftest import write


def res(cid, overall, stage, lq="supported", fu="inconclusive", recs=(), flags=(),
        version="0.1.0"):
    return {"client": {"id": cid, "name": cid.upper()}, "toolkit_version": version,
            "scores": {"overall": overall, "politics": None if overall is None else overall - 10,
                       "incentives": overall, "communication": overall, "stage": stage},
            "verdict": {"lead_quality": {"status": lq}, "follow_up": {"status": fu}},
            "recommendations": [{"step": s, "title": t} for s, t in recs],
            "incentives": {"flags": [{"code": c, "title": c.title()} for c in flags]}}


CLIENTS = [
    res("a", 80.0, "Integrated", recs=[("communicate", "Define an MQL"),
                                       ("communicate", "Define an MQL")], flags=["volume"]),
    res("b", 40.0, "Defined", lq="not_supported", fu="supported",
        recs=[("communicate", "Define an MQL"), ("incentivize", "Share the goal")]),
    res("c", 60.0, "Aligned", recs=[("incentivize", "Share the goal")], flags=["volume", "gate"]),
    res("d", None, None, lq=None, fu=None),
    res("e", 60.0, "Aligned", version="0.2.0"),
]


def test_summary_by_hand():
    s = pf.summarize(CLIENTS)
    assert s["n_clients"] == 5
    st = s["score_stats"]["overall"]
    # scored: 40, 60, 60, 80 -> mean 60, median 60, linear quartiles 55 and 65
    assert (st["n"], st["mean"], st["median"], st["p25"], st["p75"], st["min"], st["max"]) == \
        (4, 60.0, 60.0, 55.0, 65.0, 40.0, 80.0)
    assert s["stages"] == {"Undefined": 0, "Defined": 1, "Aligned": 2, "Integrated": 1,
                           "not_assessed": 1}
    assert s["verdicts"]["lead_quality"] == {"supported": 3, "not_supported": 1,
                                             "inconclusive": 0, "not_assessed": 1}
    assert s["verdicts"]["follow_up"]["supported"] == 1
    # a finding counts once per client, share of all 5 clients
    assert s["recommendations"][0] == {"step": "communicate", "title": "Define an MQL",
                                       "clients": 2, "share": 0.4}
    assert {r["title"]: r["clients"] for r in s["recommendations"]} == {
        "Define an MQL": 2, "Share the goal": 2}
    assert s["flags"][0]["code"] == "volume" and s["flags"][0]["clients"] == 2
    assert any("different toolkit versions" in w for w in s["warnings"])
    json.dumps(s, allow_nan=False)  # JSON-safe


def test_percentiles_match_scipy_and_order():
    s = pf.summarize(CLIENTS)
    rows = {r["client_id"]: r for r in s["clients"]}
    scored = [80.0, 40.0, 60.0, 60.0]
    for cid in ("a", "b", "c", "e"):
        want = percentileofscore(scored, rows[cid]["overall"], kind="mean")
        assert rows[cid]["overall_percentile"] == pytest.approx(want)
    assert rows["c"]["overall_percentile"] == pytest.approx(50.0)   # by hand: (1 + 2/2)/4
    assert rows["d"]["overall_percentile"] is None and rows["d"]["overall"] is None
    assert [r["client_id"] for r in s["clients"]] == ["a", "c", "e", "b", "d"]


def test_load_reads_client_folders_only(tmp_path):
    for r in CLIENTS[:3]:
        write(tmp_path / r["client"]["id"] / "results.json", json.dumps(r))
    write(tmp_path / "_failed/x/results.json", json.dumps(res("x", 1.0, "Undefined")))
    write(tmp_path / ".a.123.partial/results.json", json.dumps(res("y", 1.0, "Undefined")))
    write(tmp_path / "broken/results.json", "{not json")
    p = pf.load(tmp_path)
    assert [c["client_id"] for c in p["clients"]] == ["a", "c", "b"]
    assert any(w.startswith("broken:") for w in p["warnings"])


def test_renderers_run(capsys):
    s = pf.summarize(CLIENTS)
    for f in (pf.render_overview, pf.render_scores, pf.render_stages, pf.render_clients,
              pf.render_verdicts, pf.render_findings):
        f(s)
    empty = pf.summarize([])
    pf.render_overview(empty)
    pf.render_scores(empty)


@pytest.mark.slow
def test_portfolio_notebook_html(tmp_path):
    from toolkit.batch.portfolio import build_portfolio

    for r in CLIENTS:
        write(tmp_path / r["client"]["id"] / "results.json", json.dumps(r))
    html = build_portfolio(tmp_path).read_text()
    assert "Internal to the practice" in html and "Define an MQL" in html
    assert "<img" in html and 'alt="' in html
    assert "portfolio.load(" not in html   # no code in the HTML
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
