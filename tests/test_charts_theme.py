"""The chart theme written out in toolkit.charts.theme is seaborn's theme, setting for setting."""

from __future__ import annotations

import matplotlib as mpl
import pytest

from toolkit.charts import theme

# the two seaborn side effects the theme leaves out on purpose (see THEME_RC)
LEFT_OUT = {"image.cmap",
            "text.parse_math"}  # ours: client text in labels is never mathtext (SPEC §8a)


def _seaborn_rc(base: str) -> dict:
    import seaborn as sns

    with mpl.rc_context():
        mpl.style.use(base)
        sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95,
                      rc={"figure.figsize": theme.FIGSIZE, "axes.titleweight": "bold",
                          "axes.titlesize": 12, "axes.spines.top": False,
                          "axes.spines.right": False, "figure.dpi": 110,
                          "savefig.bbox": "tight"})
        return dict(mpl.rcParams)


def _toolkit_rc(base: str) -> dict:
    with mpl.rc_context():
        mpl.style.use(base)
        theme.apply_theme()
        return dict(mpl.rcParams)


@pytest.mark.parametrize("base", ["default", "classic", "ggplot"])
def test_theme_equals_seaborn_set_theme(base):
    # from any starting style, every setting ends up as seaborn.set_theme would leave it
    want, got = _seaborn_rc(base), _toolkit_rc(base)
    diff = {k: (want[k], got[k]) for k in want
            if k not in LEFT_OUT and want[k] != got[k]}
    assert diff == {}


def test_theme_does_not_import_seaborn():
    import subprocess
    import sys

    code = ("import sys; import toolkit.charts.theme as t; t.new_axes(); "
            "print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
