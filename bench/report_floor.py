"""A typical report against the floor, measured both ways, interleaved (issue 18, SPEC §10).

``python -m bench.report_floor [--size typical] [--repeat 5]``

Each round runs, in fresh processes and in a rotating order:

* **report** — ``aligndx report ENGAGEMENT -o OUT`` (interpreter start to finished HTML);
* **product floor** — ``python -m bench.floor``: an empty parameterised notebook through
  :func:`toolkit.execute.run_notebook` and the HTML export with the report template;
* **CLI floor** — the same empty notebook through the stock tools as two CLI processes:
  ``papermill`` then ``jupyter nbconvert --to html --no-input``;
* **report (baseline)** — with ``--baseline /path/to/other/checkout``, the same
  ``aligndx report`` with that checkout's toolkit (e.g. before a change).

Printed: the median wall time, the median CPU time (user + system of the process and the
children it waited for, kernels included) and the peak resident set of the largest process
of each, and the ratios report / product floor and report / CLI floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .__main__ import DEFAULT_CACHE, ROOT, _env, compile_toolkit, generate
from .engagements import parse_size
from .floor import write_empty_notebook


def timed(args: list[str], cwd: Path | None = None, root: Path | None = None) -> dict:
    """Run *args*; wall seconds, CPU seconds (tree) and peak MB of its largest process.

    *root* (another checkout) replaces this checkout at the front of ``PYTHONPATH``.
    """
    env = _env()
    if root is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(root), env["PYTHONPATH"]])
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                            env=env, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args[:4])}… failed:\n{err[-2000:]}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024.0}


def run_report(engagement: Path, work: Path, root: Path | None = None) -> dict:
    out = work / ("report" if root is None else "report-baseline")
    shutil.rmtree(out, ignore_errors=True)
    return timed([sys.executable, "-c", "from toolkit.cli import main; main()", "report",
                  str(engagement), "-o", str(out), "--quiet"], root=root)


def run_product_floor(work: Path) -> dict:
    return timed([sys.executable, "-m", "bench.floor", str(work / "floor")], cwd=ROOT)


def run_cli_floor(work: Path) -> dict:
    d = work / "cli-floor"
    d.mkdir(parents=True, exist_ok=True)
    nb = write_empty_notebook(d / "floor.ipynb")
    bindir = Path(sys.executable).parent
    a = timed([str(bindir / "papermill"), str(nb), str(d / "floor.out.ipynb"), "-k",
               "python3", "-p", "engagement", str(d), "-p", "results_path", "results.json",
               "--log-level", "ERROR", "--no-progress-bar"], cwd=d)
    b = timed([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
               str(d / "floor.out.ipynb"), "--output", "floor.html"], cwd=d)
    return {"seconds": a["seconds"] + b["seconds"], "cpu": a["cpu"] + b["cpu"],
            "peak_mb": max(a["peak_mb"], b["peak_mb"])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="typical")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=Path("bench-results"))
    ap.add_argument("--baseline", type=Path, default=None,
                    help="root of another checkout whose report is timed alongside")
    args = ap.parse_args(argv)
    work = (args.out / "report-floor").resolve()
    work.mkdir(parents=True, exist_ok=True)
    eng = generate(parse_size(args.size), "csv", args.cache)
    compile_toolkit(ROOT)
    if args.baseline:
        compile_toolkit(args.baseline.resolve())
    sides = {"report": lambda: run_report(eng, work),
             "product floor": lambda: run_product_floor(work),
             "CLI floor": lambda: run_cli_floor(work)}
    if args.baseline:
        base = args.baseline.resolve()
        sides["report (baseline)"] = lambda: run_report(eng, work, base)
    names = list(sides)
    runs = {n: [] for n in names}
    for r in range(args.repeat):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            runs[n].append(sides[n]())
            runs[n][-1]["load"] = os.getloadavg()[0]
            print(f"round {r + 1}: {n} {runs[n][-1]['seconds']:.2f} s "
                  f"(CPU {runs[n][-1]['cpu']:.2f} s, load average {runs[n][-1]['load']:.1f})",
                  file=sys.stderr, flush=True)
    med = {n: {k: statistics.median(x[k] for x in v) for k in ("seconds", "cpu")}
           for n, v in runs.items()}
    peak = {n: max(x["peak_mb"] for x in v) for n, v in runs.items()}
    print(f"{args.size}, {args.repeat} interleaved rounds; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for n in names:
        print(f"  {n:17s} wall {med[n]['seconds']:6.2f} s   CPU {med[n]['cpu']:6.2f} s   "
              f"peak {peak[n]:5.0f} MB")
    for n in names[1:]:
        print(f"  report / {n}: {med['report']['seconds'] / med[n]['seconds']:.2f}× wall, "
              f"{med['report']['cpu'] / med[n]['cpu']:.2f}× CPU")
    (args.out / "report-floor.json").write_text(json.dumps(
        {"runs": runs, "median": med, "peak_mb": peak}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
