"""Benchmark runner (SPEC §10): ``python -m bench [--sizes typical,large] [--out DIR]``.

For each size (and CRM file format) it generates a synthetic engagement once (cached), then
runs every stage in a fresh process — intake, survey measures, CRM measures, incentives,
all measures (load + analyse, what ``aligndx report`` does before the notebook), the whole
``aligndx report``, and the floor (papermill running an empty parameterised notebook and
exporting it to HTML) — ``--repeat`` times. It prints the best wall time and the highest
peak memory of each stage, the report-to-floor ratio, the growth between sizes and the
targets of issue 10, and writes everything to ``OUT/bench.json``.

Peak memory is the peak resident set of the stage's process (``ru_maxrss``); for the report
and the floor it is the largest process of the tree (CLI or kernel), from ``os.wait4``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .engagements import SIZES, Size, parse_size
from .stage import STAGES

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path(os.environ.get("ALIGNDX_BENCH_CACHE",
                                    Path.home() / ".cache" / "aligndx-bench"))
#: Targets of issue 10 (one 2-core machine).
TARGETS = {"report_to_floor_typical": 3.0, "large_measures_seconds": 60.0,
           "large_measures_peak_mb": 6144.0, "growth_per_10x_rows": 12.0}


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in
                                                       [env.get("PYTHONPATH")] if p])
    return env


def compile_toolkit(root: Path = ROOT) -> None:
    """Compile the bytecode of *root*'s ``toolkit`` package before it is measured.

    ``make install`` does this (as a wheel install does); a checkout given as a baseline, or
    one installed by hand, would otherwise compile its modules in every process where
    ``PYTHONDONTWRITEBYTECODE`` is set, and the two sides of a comparison would not be
    installed alike. Existing, up-to-date bytecode is left as it is.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(root) / "toolkit")],
                   check=True, stdout=subprocess.DEVNULL)


def run_process(args: list[str], *, cwd: Path | None = None) -> tuple[float, float, str]:
    """Run *args*; return (wall seconds, peak MB of the largest process, stdout).

    Raises
    ------
    RuntimeError
        The process failed (its stderr is in the message).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=cwd, env=_env(), text=True)
    # read the pipes before waiting so that a chatty child cannot block
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args[:4]))}… failed "
                           f"({proc.returncode}):\n{err[-3000:]}")
    return seconds, usage.ru_maxrss / 1024.0, out


def machine() -> dict:
    """Describe this machine and the package versions (for docs/benchmarks.md)."""
    import importlib.metadata as md

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("pandas", "numpy", "pyarrow", "scipy", "pandera", "papermill", "nbconvert",
                "ipykernel", "matplotlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"cpus": os.cpu_count(), "memory_gb": mem_gb, "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "packages": versions}


def generate(size: Size, crm_format: str, cache: Path, log=print) -> Path:
    """The engagement folder of *size*, generated in a child process when not cached.

    Generating the large engagement takes ~2 GB; done in this process, every stage process
    forked afterwards would inherit that high-water mark in its ``ru_maxrss`` (the floor
    was once reported at 2.3 GB instead of its real 129 MB). Peaks are now also read from
    each process's own ``VmHWM``.
    """
    code = ("import sys; from pathlib import Path; from bench.engagements import "
            "engagement_folder, Size; print(engagement_folder(Size(sys.argv[1], "
            "*map(int, sys.argv[2:5])), sys.argv[5], Path(sys.argv[6]), log=lambda m: "
            "print(m, file=sys.stderr)))")
    proc = subprocess.run([sys.executable, "-c", code, size.name, str(size.respondents),
                           str(size.leads), str(size.activities), crm_format, str(cache)],
                          capture_output=True, text=True, env=_env(), cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"generating {size.name} failed:\n{proc.stderr[-3000:]}")
    if proc.stderr.strip():
        log(proc.stderr.strip())
    return Path(proc.stdout.strip().splitlines()[-1])


def bench_one(size: Size, crm_format: str, *, cache: Path, out: Path, repeat: int,
              report: bool, log=print) -> dict:
    """Run every stage of one engagement *repeat* times; return its figures."""
    folder = generate(size, crm_format, cache, log=log)
    label = f"{size.name}/{crm_format}"
    work = out / "work" / f"{size.name}-{crm_format}"
    stages = list(STAGES) + (["report"] if report else [])
    runs: dict[str, list[dict]] = {s: [] for s in stages}
    for i in range(repeat):
        for stage in STAGES:
            log(f"{label}: {stage} (run {i + 1}/{repeat})")
            _, tree_mb, text = run_process([sys.executable, "-m", "bench.stage", stage,
                                            str(folder), str(work)])
            fig = json.loads(text.strip().splitlines()[-1])
            runs[stage].append(fig)
        if report:
            log(f"{label}: aligndx report (run {i + 1}/{repeat})")
            reports = work / "reports"
            shutil.rmtree(reports, ignore_errors=True)
            seconds, peak, _ = run_process(
                [sys.executable, "-c", "from toolkit.cli import main; main()", "report",
                 str(folder), "-o", str(reports), "--quiet"])
            runs["report"].append({"seconds": seconds, "peak_mb": peak})
    return {"size": size.name, "crm_format": crm_format,
            "rows": {"respondents": size.respondents, "leads": size.leads,
                     "activities": size.activities},
            "stages": {s: summarise(v) for s, v in runs.items()}}


def summarise(figs: list[dict]) -> dict:
    """Best (lowest) wall time and highest peak memory over repeated runs."""
    out = {"seconds": min(f["seconds"] for f in figs),
           "peak_mb": max(f["peak_mb"] for f in figs),
           "all_seconds": [round(f["seconds"], 3) for f in figs]}
    if all("base_mb" in f for f in figs):
        out["base_mb"] = max(f["base_mb"] for f in figs)
    return out


def bench_floor(out: Path, repeat: int, log=print) -> dict:
    """Time the floor (:mod:`bench.floor`) *repeat* times in fresh processes."""
    figs = []
    for i in range(repeat):
        log(f"floor (run {i + 1}/{repeat})")
        seconds, peak, _ = run_process([sys.executable, "-m", "bench.floor",
                                        str(out / "work" / "floor")])
        figs.append({"seconds": seconds, "peak_mb": peak})
    return summarise(figs)


def checks(results: list[dict], floor: dict | None) -> list[dict]:
    """Compare the figures with :data:`TARGETS`; one record per target that can be judged."""
    out = []
    for r in results:
        st = r["stages"]
        if r["size"] == "typical" and floor and "report" in st:
            ratio = st["report"]["seconds"] / floor["seconds"]
            r["report_to_floor"] = ratio
            out.append({"target": f"typical/{r['crm_format']} report ≤ 3× floor",
                        "value": f"{ratio:.2f}×",
                        "ok": ratio <= TARGETS["report_to_floor_typical"]})
        if r["size"] == "large":
            m = st["measures"]
            out.append({"target": f"large/{r['crm_format']} measures ≤ 60 s",
                        "value": f"{m['seconds']:.1f} s",
                        "ok": m["seconds"] <= TARGETS["large_measures_seconds"]})
            out.append({"target": f"large/{r['crm_format']} measures ≤ 6 GB",
                        "value": f"{m['peak_mb'] / 1024:.2f} GB",
                        "ok": m["peak_mb"] <= TARGETS["large_measures_peak_mb"]})
    by_fmt: dict[str, list[dict]] = {}
    for r in results:
        by_fmt.setdefault(r["crm_format"], []).append(r)
    for fmt, rs in by_fmt.items():
        rs = sorted(rs, key=lambda r: r["rows"]["leads"])
        for a, b in zip(rs, rs[1:]):
            rows = b["rows"]["leads"] / a["rows"]["leads"]
            t = b["stages"]["measures"]["seconds"] / a["stages"]["measures"]["seconds"]
            limit = TARGETS["growth_per_10x_rows"] / 10 * rows
            out.append({"target": f"{a['size']}→{b['size']}/{fmt}: {rows:.0f}× leads, "
                                  f"measures time ≤ {limit:.0f}×",
                        "value": f"{t:.1f}×", "ok": t <= limit})
    return out


def table(results: list[dict], floor: dict | None) -> str:
    """Plain-text table of the figures (seconds, peak MB)."""
    cols = list(STAGES) + ["report"]
    head = f"{'engagement':<22}" + "".join(f"{c:>18}" for c in cols)
    lines = [head, "-" * len(head)]
    for r in results:
        cells = []
        for c in cols:
            f = r["stages"].get(c)
            cells.append(f"{f['seconds']:>8.2f}s {f['peak_mb']:>6.0f}MB" if f else
                         f"{'—':>18}")
        lines.append(f"{r['size'] + '/' + r['crm_format']:<22}" + "".join(f"{c:>18}"
                                                                           for c in cells))
    if floor:
        lines.append(f"{'floor (empty notebook)':<22}" + " " * 18 * (len(cols) - 1)
                     + f"{floor['seconds']:>8.2f}s {floor['peak_mb']:>6.0f}MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (0 even when a target is missed)."""
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="typical,large",
                    help=f"comma-separated: {', '.join(SIZES)} or name=resp/leads/activities")
    ap.add_argument("--formats", default="csv",
                    help="CRM file formats to benchmark: csv, parquet or csv,parquet")
    ap.add_argument("--out", type=Path, default=Path("bench-results"),
                    help="folder for bench.json and the work files")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="where generated engagements are kept between runs")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage (best of N)")
    ap.add_argument("--skip-report", action="store_true",
                    help="skip the whole `aligndx report` and the floor")
    ap.add_argument("--quiet", action="store_true", help="no progress messages")
    args = ap.parse_args(argv)
    log = (lambda _m: None) if args.quiet else (lambda m: print(f"· {m}", file=sys.stderr,
                                                                flush=True))
    sizes = [parse_size(s.strip()) for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    compile_toolkit(ROOT)
    results = [bench_one(size, fmt, cache=args.cache, out=args.out, repeat=args.repeat,
                         report=not args.skip_report, log=log)
               for size in sizes for fmt in formats]
    floor = None if args.skip_report else bench_floor(args.out, args.repeat, log)
    verdicts = checks(results, floor)
    doc = {"machine": info, "repeat": args.repeat, "results": results, "floor": floor,
           "targets": verdicts}
    (args.out / "bench.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(f"machine: {info['cpus']} CPUs, {info['memory_gb']} GB, {info['cpu']}, Python "
          f"{info['python']}, pandas {info['packages']['pandas']}, pyarrow "
          f"{info['packages']['pyarrow']}; load average {info['load_average']}")
    print(f"best of {args.repeat}: wall time and peak memory per stage\n")
    print(table(results, floor))
    if verdicts:
        print()
        for v in verdicts:
            print(f"  [{'ok' if v['ok'] else 'MISS'}] {v['target']}: {v['value']}")
    print(f"\nfigures: {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
