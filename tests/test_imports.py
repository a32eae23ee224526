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


def test_measures_do_not_import_statsmodels_api():
    """The dose–response logit and the drivers' OLS use statsmodels' modules directly."""
    code = ("import sys; from toolkit.config import load_engagement;"
            "from toolkit.intake import load_data; from toolkit.pipeline import analyse;"
            "analyse(load_data(load_engagement('data/samples/followup-gap')));"
            "print(sorted(m for m in ('pingouin', 'seaborn', 'matplotlib.pyplot', 'xarray',"
            " 'statsmodels.api') if m in sys.modules))")
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root).stdout.strip().splitlines()[-1]
    assert out == "[]"


def test_side_files_and_theme_import_no_plotting_stack(tmp_path):
    """aligndx report writes aggregates.xlsx and report.pptx after results.json; the deck
    reads the side colours from the chart theme, which loads no matplotlib at import."""
    import shutil

    from toolkit.paths import EXAMPLE_RESULTS

    shutil.copy(EXAMPLE_RESULTS, tmp_path / "results.json")
    code = ("import sys, toolkit.charts.theme; print('matplotlib' in sys.modules);"
            "from pathlib import Path; from toolkit.reporting import write_side_files;"
            f"write_side_files(Path({str(tmp_path)!r}));"
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
    assert (tmp_path / "report.pptx").is_file() and (tmp_path / "aggregates.xlsx").is_file()
