"""Attack 14, BF1: an engagement.toml that is a named pipe, a link to a device or a huge file
is never read by the batch's discovery or fingerprint (a FIFO waited forever before any job
ran; /dev/zero filled the memory); validate and report say what it is, exit 2."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES
from toolkit.batch.discover import discover, read_client_id
from toolkit.batch.fingerprint import input_files
from toolkit.config import MAX_TOML_BYTES, read_engagement_text

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")


@pytest.fixture
def alarm():
    """Fail (instead of hanging the suite) when a call blocks."""
    def _raise(*_):
        raise TimeoutError("blocked on a special file")
    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _odd_folders(root):
    (root / "fifo").mkdir(parents=True)
    os.mkfifo(root / "fifo" / "engagement.toml")
    (root / "zero").mkdir()
    os.symlink("/dev/zero", root / "zero" / "engagement.toml")
    (root / "huge").mkdir()
    with open(root / "huge" / "engagement.toml", "wb") as fh:
        fh.write(b'[client]\nid = "huge"\n' + b"#" * (MAX_TOML_BYTES + 10))
    shutil.copytree(SAMPLES / "well-aligned", root / "good")


def test_discovery_and_fingerprint_never_read_special_files(tmp_path, alarm):
    _odd_folders(tmp_path)
    jobs = {j.rel: j for j in discover(tmp_path)}
    assert set(jobs) == {"fifo", "zero", "huge", "good"}
    assert jobs["good"].client_id is not None
    for rel in ("fifo", "zero", "huge"):
        assert jobs[rel].client_id is None
        assert read_client_id(tmp_path / rel) is None
        assert input_files(tmp_path / rel) == [(tmp_path / rel).resolve() / "engagement.toml"]
    for rel in ("fifo", "zero", "huge"):
        with pytest.raises(OSError):
            read_engagement_text(tmp_path / rel / "engagement.toml")


@pytest.mark.parametrize("rel, says", [("fifo", "not a regular file"),
                                       ("zero", "not a regular file"),
                                       ("huge", "larger than")])
def test_validate_says_what_the_file_is(tmp_path, rel, says):
    _odd_folders(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(tmp_path / rel)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
