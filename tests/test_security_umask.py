"""Attack 8 (noted): the report folder is made private while it is written (``mkdtemp``) and
then given the user's umask — ``0o755`` under ``022`` as before, ``0o700`` under ``077`` — not
always ``0o755``."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.runsafe import folder_mode


@pytest.mark.parametrize("mask, mode", [(0o022, 0o755), (0o077, 0o700), (0o027, 0o750),
                                        (0o002, 0o775)])
def test_folder_mode_follows_the_umask(mask, mode):
    old = os.umask(mask)
    try:
        assert folder_mode() == mode
    finally:
        os.umask(old)


@pytest.mark.slow
def test_rendered_report_folder_is_private_under_umask_077(tmp_path, followup_results):
    src = tmp_path / "results.json"
    src.write_text(json.dumps(followup_results), encoding="utf-8")
    old = os.umask(0o077)
    try:
        res = CliRunner().invoke(main, ["render", str(src), "-o", str(tmp_path / "out")])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / followup_results["client"]["id"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for f in folder.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f
