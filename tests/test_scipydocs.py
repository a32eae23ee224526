"""SciPy's import-time docstring rewriting is skipped in the toolkit's processes (issue 18):
only help text differs; every figure is the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.paths import SAMPLES_DIR

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("scipy.stats")


def _python(code: str, *, keep_scipy_docs: bool, cwd: Path | None = None) -> str:
    """Run *code* in a fresh interpreter; its standard output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env["ALIGNDX_SCIPY_DOCS"] = "1" if keep_scipy_docs else "0"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


DOCS = """
from toolkit.scipydocs import keep_own_docstrings
installed = keep_own_docstrings()
import scipy.stats as st
import scipy._lib._array_api as a, scipy._lib._util as u, scipy.stats._axis_nan_policy as p
d = st.mannwhitneyu.__doc__
print(installed, [m.FunctionDoc.__name__ for m in (a, u, p)],
      'Array API Standard Support' in d, 'keepdims' in d, d.startswith('Perform the Mann'))
"""


def test_own_docstrings_kept_and_scipy_rewrites_them_otherwise():
    mine = _python(DOCS, keep_scipy_docs=False).split()
    assert mine == ["True", "['OwnDocstring',", "'OwnDocstring',", "'OwnDocstring']",
                    "False", "False", "True"]
    theirs = _python(DOCS, keep_scipy_docs=True).split()
    assert theirs == ["False", "['FunctionDoc',", "'FunctionDoc',", "'FunctionDoc']",
                      "True", "True", "True"]


def test_nothing_is_installed_once_scipy_stats_is_loaded():
    out = _python("import scipy.stats\nfrom toolkit.scipydocs import keep_own_docstrings\n"
                  "print(keep_own_docstrings())", keep_scipy_docs=False)
    assert out.split() == ["False"]


STATS = """
import json
from toolkit.scipydocs import keep_own_docstrings
keep_own_docstrings()
import numpy as np
import scipy.stats as st
rng = np.random.default_rng(7)
x, y = rng.normal(size=40), rng.normal(0.4, 1.2, size=35)
t = np.array([[12, 5], [7, 14]])
out = {
    "mannwhitneyu": list(st.mannwhitneyu(x, y)),
    "ttest_ind": list(st.ttest_ind(x, y, equal_var=False)),
    "spearmanr": list(st.spearmanr(x[:35], y)),
    "kruskal": list(st.kruskal(x, y, x[:10] + 1)),
    "chi2": list(st.chi2_contingency(t)[:3]),
    "fisher": list(st.fisher_exact(t)),
    "binomtest": st.binomtest(13, 40, 0.5).pvalue,
    "nan_omit": st.mannwhitneyu(np.r_[x, np.nan], y, nan_policy="omit").pvalue,
    "axis": st.ttest_ind(np.c_[x[:35], x[5:]], np.c_[y, y], axis=0).pvalue.tolist(),
}
print(json.dumps({k: np.asarray(v, dtype=float).tolist() for k, v in out.items()}))
"""


def test_statistics_identical_with_and_without():
    assert _python(STATS, keep_scipy_docs=False) == _python(STATS, keep_scipy_docs=True)


ANALYSE = """
import json, sys
from toolkit.scipydocs import keep_own_docstrings
keep_own_docstrings()
from toolkit.pipeline import analyse_folder
res = analyse_folder(sys.argv[1] if len(sys.argv) > 1 else {folder!r})
res.pop("generated_at")
print(json.dumps(res, sort_keys=True, default=str))
"""


def test_analysis_results_identical_with_and_without():
    code = ANALYSE.format(folder=str(SAMPLES_DIR / "followup-gap"))
    mine = json.loads(_python(code, keep_scipy_docs=False))
    assert mine == json.loads(_python(code, keep_scipy_docs=True))
    assert mine["survey"] and mine["crm"]  # the statistics ran


CLI = """
import sys
from toolkit.cli import main
sys.argv = ["aligndx", {command!r}, {arg!r}]
try:
    main()
except SystemExit:
    pass
import scipy._lib._array_api as a
print("CHECK", a.FunctionDoc.__name__)
"""


@pytest.mark.parametrize("command, expected", [("validate", "OwnDocstring"),
                                                ("init", "FunctionDoc")])
def test_command_line_skips_the_rewriting_in_commands_that_analyse(tmp_path, command,
                                                                    expected):
    arg = str(SAMPLES_DIR / "followup-gap") if command == "validate" else str(tmp_path / "e")
    out = _python(CLI.format(command=command, arg=arg), keep_scipy_docs=False)
    assert out.strip().splitlines()[-1] == f"CHECK {expected}"
