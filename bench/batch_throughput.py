"""Batch throughput on the sample engagements: ``--jobs 1`` against ``--jobs 2``.

Usage: ``python bench/batch_throughput.py [--jobs 1 2] [--folder data/samples] [--repeat 1]``

Each run builds every sample report from scratch (``force=True``, a fresh OUT, no portfolio)
and prints wall time, reports per minute and the speed-up over the first ``--jobs`` value.
Results go in docs/benchmarks.md with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from toolkit.batch import discover, run_batch
from toolkit.paths import SAMPLES_DIR


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--folder", type=Path, default=SAMPLES_DIR)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    n = len(discover(args.folder))
    print(f"{n} engagements under {args.folder}; {os.cpu_count()} CPUs; "
          f"{platform.python_implementation()} {platform.python_version()}")
    base = None
    for jobs in args.jobs:
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                res = run_batch(args.folder, out, jobs=jobs, force=True, portfolio=False,
                                show_progress=False)
                times.append(time.perf_counter() - t0)
                if res.failed:
                    print(f"  warning: {len(res.failed)} job(s) failed: "
                          + "; ".join(f"{r.client_id}: {r.error[:80]}" for r in res.failed))
        best = min(times)
        base = base or best
        print(f"--jobs {jobs}: {best:6.1f} s for {n} reports = {60 * n / best:5.2f} reports/min "
              f"(speed-up {base / best:.2f}x)")


if __name__ == "__main__":
    main()
