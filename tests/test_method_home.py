"""One home for thresholds (issue 15 deliverable 3): every judgement cut-off lives in
``toolkit.method.THRESHOLDS`` with its rationale and source, and is recorded in
``results["method"]``.

A static scan of the toolkit finds every module-level UPPER_CASE number: each must be a
technical constant named in :data:`TECHNICAL` below (draw counts, seeds, ports, sizes,
limits of input validation) or read from the registry (the CRM modules included: their
four cut-offs are read with ``method.value``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from toolkit import method

ROOT = Path(__file__).resolve().parents[1] / "toolkit"

#: Module-level numbers that are not judgement thresholds: module → names (and why).
TECHNICAL = {
    "crm/derive.py": {"MAX_SHARED_OPPORTUNITY"},  # a shared id above it is a placeholder
    "privacy.py": {"_JOIN_PARTS", "_JOIN_LONGEST"},  # bounds of a joined name's matching
    "privacy_linkage.py": {"_TOL", "_BUDGET"},   # float tolerance, search budget
    "spreadsheet.py": {"MAX_COLUMNS", "MAX_BLANK_ROWS", "MAX_CELL_CHARS", "MAX_VALUE_BYTES",
                       "MAX_EXPANSION", "MAX_PART_PLAIN", "MAX_WORKBOOK_BYTES",
                       "_CHUNK", "_MIN_SHARED_CELL"},                             # input validation limits
    "report/parallel.py": {"SILENCE_LIMIT"},     # seconds before the kernel renders alone
    "forked.py": {"SILENCE_LIMIT"},              # seconds before the caller computes alone
    "report/survey.py": {"COMMENTS_PER_QUESTION"},          # presentation: quotes shown
    "report/survey_analytics.py": {"EXAMPLES_PER_THEME"},   # presentation: quotes shown
    "execute.py": {"DEFAULT_CELL_TIMEOUT"},                             # seconds
    "notebookproc.py": {"ABORT_GRACE"},                                 # seconds
    "config.py": {"MAX_GROUP_SIZE", "MAX_SLA_HOURS", "MAX_ATTEMPTS", "MAX_CLIENT_NAME",
                  "MAX_CLIENT_ID", "MAX_HEADCOUNT", "MAX_TOML_DEPTH", "MAX_TOML_BYTES"},  # input validation
    "report/display.py": {"MAX_LABEL", "MAX_ALT", "PRINT_MIN_PT"},  # output size, print legibility
    "survey/sections.py": {"MAX_COMMENT"},                              # output size
    "incentives/plan.py": {"WEIGHT_TOLERANCE"},                         # rounding tolerance
    "runsafe.py": {"PR_SET_PDEATHSIG", "_AT_FDCWD", "_RENAME_NOREPLACE", "_RENAME_EXCHANGE"},
    "schemas.py": {"MAX_PROBLEMS_PER_CHECK", "MAX_ROWS", "MAX_CELLS",  # message, input size
                   "MAX_AMOUNT", "MAX_SCORE", "MAX_COUNT"},  # plausible values (attack 5 V1)
    "textfit.py": {"XLSX_HEADER_FOOTER_MAX", "XLSX_CELL_MAX", "XLSX_SHEET_NAME_MAX"},  # Excel
    "deck/fit.py": {"EMU_PER_PT", "LINE_SPACING", "SAFETY", "FOOTER_PT"},  # layout
    "deck/draw.py": {"MARGIN"},
    "workshop/launch.py": {"APP_PORT", "STOP_GRACE_S"},
    "workshop/room.py": {"MAX_BODY", "MAX_CONNECTIONS", "MAX_ANSWERS", "MAX_QUESTIONS", "ROOM_PORT",
                         "TOKENS_PER_ADDRESS", "MAX_PER_ADDRESS", "REQUEST_DEADLINE",
                         "CONNECTIONS_PER_ADDRESS", "CONNECTIONS_PER_PHONE"},  # limits, seconds
    "workshop/sla.py": {"N_DRAWS"},                                     # Monte Carlo draws
    "workshop/filters.py": {"PARTITIONS_KEPT"},                       # memo size (issue 18)
    "workshop/store.py": {"STORE_SCHEMA", "_MAX_AUDIT_ROUNDS"},
    "nameforms.py": {"MAX_UNSPACED"},             # redaction: longest unspaced name form
    "namewords.py": {"MAX_TYPED_NAME_WORDS"},     # redaction: longest typed name (SQ1)
    "survey/themes.py": {"MAX_CODEBOOK_THEMES", "MAX_CODEBOOK_KEYWORDS", "MAX_KEYWORD_CHARS",  # input size
                         "SEED", "RESTARTS", "MAX_ITER", "TOL", "MAX_THEMES", "N_EXAMPLES",
                         "TOP_TERMS", "LABEL_TERMS"},                   # NMF fitting, display
    "survey/dominance.py": {"N_BOOT", "SEED", "CONFIDENCE", "MAX_PREDICTORS"},
    "compare/methods.py": {"_Z_MAX"},
    "jsonio.py": {"RESULTS_SCHEMA", "MAX_RESULTS_DEPTH", "MAX_RESULTS_BYTES"},
    "idmask.py": {"MIN_NUMERIC_ID_DIGITS", "MIN_ID_CHARS", "MAX_ID_WORDS"},
    "exceptions.py": {"MAX_QUOTED_VALUES"},
    "intake/identifiers.py": {"MAX_ID_HEADER_WORDS"},
    "intake/amounts.py": {"MAX_CURRENCIES_LISTED"},
    "results_shape.py": {"MAX_MAGNITUDE"},   # input validation: largest number read back
    "instrument.py": {"DONT_KNOW_CODE"},
    "privacy_audit.py": {"_P"},                                         # a prime modulus
    "batch/runner.py": {"DEFAULT_JOB_TIMEOUT", "_POLL"},
    "batch/portfolio.py": {"GO_POLL"},   # polling interval of the portfolio job
    "batch/collect.py": {"MAX_SLICE_DEPTH", "_COPY_CHUNK"},   # input validation, copy size
    "crm/persistence.py": {"MAX_SINGLE_BIN"},                         # distribution bins
    "crm/speed.py": {"KM_POINTS"},                                     # curve points kept
    "crm/stake.py": {"BOOTSTRAP", "SEED"},                             # resamples, seed
    "crm/parallel.py": {"MIN_ROWS"},                   # leads before the measures fork
}
#: Packages outside this rule: the generator (planted truths), charts (sizes), intake
#: (format detection).
SKIP = ("generate/", "charts/", "intake/")

#: The CRM modules' names for registry entries (read with ``method.value``):
#: (module, name) → registry name.
CRM_COPIES = {("toolkit.crm.measures", "MIN_COHORT"): "min_cohort_leads",
              ("toolkit.crm.dose", "MIN_BAND_N"): "score_band_min_leads",
              ("toolkit.crm.funnel", "EVIDENCE_SCORE_ACCEPTANCE_TARGET"):
                  "evidence_score_acceptance_target",
              ("toolkit.crm.funnel", "EVIDENCE_SCORE_FIT_REJECTION_MAX"):
                  "evidence_score_fit_rejection_max",
              ("toolkit.crm.effort", "EARLY_ATTEMPTS"): "effort_early_attempts"}


def _numeric(node) -> bool:
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def test_no_threshold_outside_the_registry():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(SKIP):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = (node.targets if isinstance(node, ast.Assign) else
                       [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
            value = getattr(node, "value", None)
            for t in targets:
                if (isinstance(t, ast.Name) and t.id.lstrip("_").isupper() and value is not None
                        and _numeric(value) and t.id not in TECHNICAL.get(rel, ())):
                    found.append(f"{rel}: {t.id}")
    assert not found, ("numbers outside toolkit.method.THRESHOLDS — a judgement cut-off "
                       "belongs in the registry, a technical constant in TECHNICAL: "
                       + ", ".join(found))


@pytest.mark.parametrize("where,name", sorted(CRM_COPIES.items()))
def test_crm_cut_offs_read_the_registry(where, name):
    """The CRM modules' cut-offs are read from the registry (not copies of it): the
    module-level assignment calls ``method.value`` with the registry's name."""
    import importlib

    module, const = where
    assert getattr(importlib.import_module(module), const) == method.value(name)
    path = ROOT / (module.removeprefix("toolkit.").replace(".", "/") + ".py")
    assign = [n for n in ast.parse(path.read_text(encoding="utf-8")).body
              if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == const
                                                   for t in n.targets)]
    assert len(assign) == 1
    calls = [c for c in ast.walk(assign[0].value) if isinstance(c, ast.Call)
             and ast.unparse(c.func) == "method.value"]
    assert [ast.literal_eval(c.args[0]) for c in calls] == [name]


def test_survey_cut_offs_read_the_registry():
    from toolkit.survey import compare, psychometrics, sections

    assert sections.AGREE_MIN == method.value("agree_min_answer") == 4
    assert psychometrics.MIN_N_RELIABILITY == method.value("reliability_min_n")
    assert compare.MIN_N_TEST == method.value("min_n_side_test")
    # a scale with fewer complete respondents than the registry's minimum gets no alpha
    import numpy as np
    import pandas as pd

    n = int(method.value("reliability_min_n"))
    rng = np.random.default_rng(1)
    items = pd.DataFrame(rng.integers(1, 6, size=(n - 1, 3)).astype(float))
    assert psychometrics.cronbach_alpha(items)["alpha"] is None
    assert psychometrics.cronbach_alpha(pd.concat([items, items.iloc[:1]]))["alpha"] is not None


def test_results_method_records_the_moved_thresholds():
    rows = {r["name"]: r for r in method.record()["thresholds"]}
    for name in ("agree_min_answer", "reliability_min_n", "min_n_side_test",
                 *CRM_COPIES.values()):
        assert rows[name]["rationale"] and rows[name]["source"] and rows[name]["used_by"]
