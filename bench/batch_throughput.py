"""Batch throughput: ``--jobs 1`` against ``--jobs 2`` on N typical engagements (issue 18).

Usage: ``python -m bench.batch_throughput [--engagements 6] [--jobs 1 2] [--repeat 2]``
(or ``--folder data/samples`` for the sample engagements).

N copies of the typical benchmark engagement (SPEC §10: 200 respondents, 20k leads, 200k
activities; each its own client id) are built from scratch in every run (``force=True``, a
fresh OUT) **including the portfolio**, as ``aligndx batch`` does. Runs are interleaved
(1, 2, 2, 1, ...) and the median wall time of each ``--jobs`` value is compared: the
speed-up is median(jobs 1) / median(jobs N). Results go in docs/benchmarks.md with the
machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def prepare(n: int, cache: Path) -> Path:
    """A folder of *n* copies of the typical benchmark engagement (distinct client ids)."""
    from .__main__ import generate
    from .engagements import SIZES

    src = generate(SIZES["typical"], "csv", cache)
    folder = cache / f"batch-typical-{n}"
    marker = folder / ".complete"
    if marker.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for i in range(1, n + 1):
        dst = folder / f"client-{i}"
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("bench.json"))
        toml = (dst / "engagement.toml").read_text(encoding="utf-8")
        toml = toml.replace('id = "bench-typical"', f'id = "bench-typical-{i}"')
        (dst / "engagement.toml").write_text(toml, encoding="utf-8")
    marker.write_text("ok")
    return folder


def main(argv=None) -> int:
    from toolkit.batch import discover, run_batch

    from .__main__ import DEFAULT_CACHE, ROOT, compile_toolkit

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engagements", type=int, default=6)
    ap.add_argument("--folder", type=Path, default=None,
                    help="engagements to use instead of generated typical ones")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--no-portfolio", action="store_true")
    ap.add_argument("--no-forkserver", action="store_true",
                    help="start every job as a fresh interpreter (as before issue 18)")
    args = ap.parse_args(argv)
    if args.no_forkserver:
        os.environ["ALIGNDX_BATCH_FORKSERVER"] = "0"
    folder = args.folder or prepare(args.engagements, args.cache)
    compile_toolkit(ROOT)
    n = len(discover(folder))
    print(f"{n} engagements under {folder}; {os.cpu_count()} CPUs; "
          f"{platform.python_implementation()} {platform.python_version()}; portfolio "
          f"{'off' if args.no_portfolio else 'on'}; warm job server "
          f"{'off' if args.no_forkserver else 'on'}", flush=True)
    import resource

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_CHILDREN)
        return u.ru_utime + u.ru_stime

    times: dict[int, list[float]] = {j: [] for j in args.jobs}
    cpus: dict[int, list[float]] = {j: [] for j in args.jobs}
    for r in range(args.repeat):
        order = args.jobs if r % 2 == 0 else args.jobs[::-1]
        for jobs in order:
            with tempfile.TemporaryDirectory() as out:
                t0, c0 = time.perf_counter(), cpu()
                res = run_batch(folder, out, jobs=jobs, force=True,
                                portfolio=not args.no_portfolio, show_progress=False)
                times[jobs].append(time.perf_counter() - t0)
                cpus[jobs].append(cpu() - c0)  # every waited-for process: jobs, kernels
                bad = res.failed
                if bad or res.portfolio_error:
                    print("  warning: " + "; ".join(f"{x.client_id}: {x.error[:80]}"
                                                    for x in bad) + res.portfolio_error)
            print(f"  round {r + 1}: --jobs {jobs}: {times[jobs][-1]:.1f} s, CPU "
                  f"{cpus[jobs][-1]:.1f} s (load average {os.getloadavg()[0]:.1f})",
                  file=sys.stderr, flush=True)
    base = statistics.median(times[args.jobs[0]])
    for jobs in args.jobs:
        med = statistics.median(times[jobs])
        print(f"--jobs {jobs}: median {med:6.1f} s ({', '.join(f'{t:.1f}' for t in times[jobs])})"
              f" for {n} reports = {60 * n / med:5.2f} reports/min "
              f"(speed-up {base / med:.2f}×); CPU {statistics.median(cpus[jobs]) / n:.1f} s "
              f"per report")
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
