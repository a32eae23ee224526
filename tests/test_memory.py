"""Allocator tuning for large tables (toolkit.memory, issue 18): what is set, what is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import json, resource
import numpy as np, pyarrow as pa
from toolkit.memory import tune
got = tune()
again = tune()
a = np.ones(10_000_000)            # 80 MB: above glibc's default mmap threshold
a[::512] = 2.0
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(10_000_000)            # the same size again, every page written
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"got": got, "same": again is got, "pool": pa.default_memory_pool().backend_name,
                  "faults": faults, "sum": float(b.sum())}))
"""


def _probe(**env) -> dict:
    e = {k: v for k, v in os.environ.items()
         if k not in ("ALIGNDX_MEMORY_TUNING", "ARROW_DEFAULT_MEMORY_POOL",
                      "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")}
    e.update(env, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         env=e, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _has_jemalloc() -> bool:
    import pyarrow as pa
    try:
        pa.jemalloc_memory_pool()
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc: Linux")
def test_tune_sets_jemalloc_and_reuses_large_numpy_blocks():
    r = _probe()
    assert r["same"] and r["sum"] == 10_000_000.0
    assert r["got"]["malloc"] == "mmap_threshold=268435456"
    # the second 80 MB array takes the first one's heap block: its pages are still there
    assert r["faults"] < 64, r
    if _has_jemalloc():
        assert r["got"]["arrow_pool"] == "jemalloc" and r["pool"] == "jemalloc"


def test_tune_off_and_user_settings_are_kept():
    off = _probe(ALIGNDX_MEMORY_TUNING="0")
    assert off["got"] == {"malloc": None, "arrow_pool": None}
    plain = subprocess.run([sys.executable, "-c", "import pyarrow as pa; "
                            "print(pa.default_memory_pool().backend_name)"],
                           capture_output=True, text=True, check=True,
                           env={k: v for k, v in os.environ.items()
                                if k != "ARROW_DEFAULT_MEMORY_POOL"}).stdout.strip()
    assert off["pool"] == plain          # Arrow's default for this build, untouched
    user = _probe(ARROW_DEFAULT_MEMORY_POOL="system", MALLOC_MMAP_THRESHOLD_="65536")
    assert user["got"] == {"malloc": None, "arrow_pool": None}
    assert user["pool"] == "system"      # Arrow's own choice, from the user's variable
