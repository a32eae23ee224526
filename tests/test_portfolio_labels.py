"""The portfolio reads plainly: one row per client, whole numbers, words not codes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from toolkit.charts.portfolio import plot_stage_counts, plot_verdicts
from toolkit.report import portfolio as pf


def _res(cid, name, overall, stage, lq="supported", fu="not_supported"):
    return {"client": {"id": cid, "name": name},
            "scores": {"overall": overall, "politics": overall, "incentives": 51.6,
                       "communication": overall, "stage": stage},
            "verdict": {"lead_quality": {"status": lq}, "follow_up": {"status": fu}},
            "recommendations": [{"step": "incentivize", "title": "Share the goal"}],
            "incentives": {"flags": [{"code": "no_gate", "title": "No gate on pay"}]}}


CLIENTS = [_res("north-a", "Northwind", 82.0, "Integrated"),
           _res("north-b", "Northwind", 39.4, "Defined", lq=None, fu="inconclusive"),
           _res("fab", "Fabrikam", 51.0, "Aligned")]


def _shown(monkeypatch, render, portfolio) -> str:
    # renderers return their displayables (toolkit.report.output.Rendered)
    return "\n".join(render(portfolio).texts())


def test_client_table_one_row_per_client_whole_numbers_plain_words(monkeypatch):
    html = _shown(monkeypatch, pf.render_clients, pf.summarize(CLIENTS))
    table = pd.read_html(__import__("io").StringIO(html))[0]
    assert list(table["Client"]) == ["Northwind (north-a)", "Fabrikam", "Northwind (north-b)"]
    assert list(table["Overall"]) == [82, 51, 39] and ".0" not in html
    assert list(table["Incentives"]) == [52, 52, 52]
    assert set(table["“Leads are garbage”"]) == {"Supported", "Not assessed"}
    assert "Cannot be settled" in set(table["“Sales give up”"])
    assert "not_" not in html and "inconclusive" not in html


def test_findings_tables_have_no_codes(monkeypatch):
    html = _shown(monkeypatch, pf.render_findings, pf.summarize(CLIENTS))
    assert "Incentives" in html and "No gate on pay" in html
    assert "incentivize" not in html and "no_gate" not in html and "no gate</td>" not in html


def test_stage_chart_counts_whole_clients_and_names_not_assessed():
    data = pd.DataFrame({"stage": ["Undefined", "Defined", "Aligned", "Integrated",
                                   "not_assessed"], "clients": [0, 2, 1, 1, 1]})
    ax = plot_stage_counts(data=data)
    ticks = [t for t in ax.get_yticks() if 0 <= t <= 2]
    assert all(float(t).is_integer() for t in ticks)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "Not assessed"
    plt.close(ax.figure)


def test_verdict_legend_sits_below_the_bars():
    rows = [{"claim": c, "status": s, "clients": n} for c, s, n in (
        ("A", "supported", 2), ("A", "not_supported", 1), ("B", "inconclusive", 3))]
    ax = plot_verdicts(data=pd.DataFrame(rows))
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.y1 <= axes.y0  # entirely below the plotting area
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Supported", "Not supported", "Cannot be settled"]
    assert all(float(t).is_integer() for t in ax.get_xticks())
    plt.close(fig)


def test_score_chart_is_the_same_in_every_run_and_dots_sit_on_their_pillar():
    """The clients' dots are jittered by a seeded generator: the same image whatever NumPy's
    global random state (seaborn's stripplot drew from it, so two batches of the same results
    gave different charts), each dot at its client's score within ±0.15 of its pillar."""
    import numpy as np

    from toolkit.charts.png import figure_png
    from toolkit.charts.portfolio import plot_score_distribution

    data = pd.DataFrame({"overall": [82.0, 39.4, 51.0], "politics": [70.0, 20.0, np.nan],
                         "incentives": [51.6, 51.6, 60.0], "communication": [10.0, 90.0, 45.0]})
    images = []
    for seed in (1, 2):
        np.random.seed(seed)
        ax = plot_score_distribution(data=data)
        images.append(figure_png(ax.figure))
        dots = [c for c in ax.collections if len(c.get_offsets())]
        plt.close(ax.figure)
    assert images[0] == images[1]
    cols = ["overall", "politics", "incentives", "communication"]
    offsets = np.concatenate([c.get_offsets() for c in dots])
    assert len(offsets) == 11  # one dot per client and pillar with a score
    for x, y in offsets:
        i = int(round(x))
        assert abs(x - i) <= 0.15 and y in set(data[cols[i]].dropna())
