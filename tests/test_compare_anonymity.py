"""Anonymity of the wave comparison against differencing across the side triple
(review 13c, W2; SPEC §8, §12)."""

from __future__ import annotations

import copy

from toolkit.compare import audit_comparison, compare_results
from toolkit.config import AnalysisSettings
from toolkit.generate.waves import survey_wave_pair
from toolkit.lookup import get
from toolkit.survey import measure_survey

from tests.conftest import comparison_entries


_walk = comparison_entries


def _survey_results(df, hc, cid="acme") -> dict:
    return {"client": {"id": cid, "name": "Acme"}, "survey": measure_survey(
        df, settings=AnalysisSettings(), headcount=hc)}


def _rest(comp: dict, wave: str) -> list[tuple[str, float, float]]:
    """Every (line, n, mean) of the people outside the two sides that follows from the
    comparison by subtraction (all − sales − marketing) in *wave*."""
    out = []
    for area in ("scales", "pillars"):
        for code, node in (get(comp, f"survey.{area}") or {}).items():
            by = node.get("by_side") or {}
            vals = [(by.get(s) or {}) for s in ("all", "sales", "marketing")]
            ns = [v.get(f"n_{wave}") for v in vals]
            ms = [v.get(wave) for v in vals]
            if None in ns or None in ms:
                continue
            n = ns[0] - ns[1] - ns[2]
            if n > 0:
                out.append((code, n, (ns[0] * ms[0] - ns[1] * ms[1] - ns[2] * ms[2]) / n))
    return out


def test_baseline_rest_group_under_the_threshold_is_not_recoverable():
    """Review 13c, W2: a baseline written with min_group_size = 3 and 3–4 respondents
    outside the sales and marketing sides; compared under this engagement's threshold (5),
    the rest group cannot be worked out as all − sales − marketing from any comparison
    output, and the audit models all = sales + marketing + rest."""
    from toolkit.compare.audit import complement_problems

    before, after, hc = survey_wave_pair("followup-gap", seed=7415)
    outside = before.index[~before["team"].isin(["sales", "sales_development", "marketing"])]
    assert len(outside) > 5
    before = before.drop(index=outside[4:]).reset_index(drop=True)   # 4 people outside
    rb = {"client": {"id": "acme", "name": "Acme"}, "survey": measure_survey(
        before, settings=AnalysisSettings(min_group_size=3), headcount=hc)}
    rb["data"] = {"settings": {"min_group_size": 3}}
    ra = _survey_results(after, hc)
    ra["data"] = {"settings": {"min_group_size": 5}}
    # the baseline's own figures give the rest exactly (what the attack used)
    trust = rb["survey"]["scales"]["TRUST"]["by_side"]
    assert trust["all"]["n"] - trust["sales"]["n"] - trust["marketing"]["n"] in (3, 4)
    comp = compare_results(rb, ra)
    assert _rest(comp, "before") == [] and _rest(comp, "after") == []
    hidden = [e for e in _walk(comp) if e.get("status") == "hidden"
              and "sales and marketing figures" in (e.get("note") or "")]
    assert len(hidden) >= 12                       # everyone's line of each scale
    assert get(comp, "survey.scales.TRUST.by_side.sales")["status"] != "hidden"
    assert get(comp, "survey.scales.TRUST.by_side.all")["before"] is None
    assert audit_comparison(comp, rb, ra) == []
    # the audit catches a comparison that shows everyone beside the sides
    bad = copy.deepcopy(comp)
    leak = bad["survey"]["scales"]["TRUST"]["by_side"]["all"]
    leak.update(status="no_detectable_change", before=trust["all"]["mean"], after=2.5,
                n_before=trust["all"]["n"], n_after=100)
    assert complement_problems(bad, 5) and audit_comparison(bad, rb, ra)
    # the after wave under the same rule: its own rest group under 5 is hidden too
    comp2 = compare_results(ra, rb)
    assert _rest(comp2, "after") == [] and audit_comparison(comp2, ra, rb) == []


def test_complement_rule_with_a_side_hidden_and_counts_that_do_not_add_up():
    """all − sales leaves marketing + rest when marketing is hidden: hidden under k too;
    a rest of exactly 0 or at least k keeps everyone's line; counts that do not add up
    (negative rest) are treated as unsafe."""
    from toolkit.compare.figures import Figure, hide_complements

    def triple(n_all, n_sales, n_mk, mk_hidden=False, after=(50, 20, 20)):
        def fig(side, nb, na, hidden=False):
            return Figure(("survey", "scales", "X", "by_side", side), side, "survey", "mean",
                          "scale", "higher", {"mean": 3.0, "n": nb}, {"mean": 3.0, "n": na},
                          hidden=hidden)
        return [fig("sales", n_sales, after[1]), fig("marketing", n_mk, after[2], mk_hidden),
                fig("all", n_all, after[0])]

    cases = [((40, 20, 17), True),          # rest 3 < 5
             ((40, 20, 20), False),         # rest 0
             ((45, 20, 20), False),         # rest 5
             ((40, 30, 2, True), False),    # marketing hidden: all − sales = 10 ≥ 5
             ((34, 30, 2, True), True),     # marketing hidden: all − sales = 4 < 5
             ((38, 20, 20), True)]          # −2: counts do not add up
    for args, hide in cases:
        figs = triple(*args)
        hide_complements(figs, 5)
        assert figs[2].hidden is hide, args
    # the after wave alone can trigger it
    figs = triple(40, 20, 20, after=(44, 20, 20))
    hide_complements(figs, 5)
    assert figs[2].hidden and figs[2].extra["complement"]
