"""Import trimming (issue 18): the analysis does not pull in a plotting stack."""

import subprocess
import sys


def test_analysis_imports_no_plotting_stack():
    code = ("import sys, toolkit.pipeline, toolkit.survey, toolkit.crm, toolkit.incentives;"
            "print(sorted(m for m in ('pingouin', 'seaborn', 'matplotlib.pyplot', 'xarray',"
            " 'statsmodels.api') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
