"""Who waits for whom in one ``aligndx report``: a per-process timeline (issue 18).

``python -m bench.timeline [ENGAGEMENT] [--out DIR]`` runs ``aligndx report`` once with
``ALIGNDX_TRACE`` set (:mod:`toolkit.trace`), adds the notebook's per-cell start and end
times that papermill records in ``report.ipynb``, and prints one line per step: seconds since
the command was started, the process (``main`` = the ``aligndx report`` process,
``notebook`` = the notebook process running papermill and nbconvert, ``kernel``, ``helper`` =
the kernel's forked section renderer), the CPU seconds that process had used by then, and the
step. Then the CPU of the whole tree (the command and every process it waited for). Default
engagement: ``data/samples/followup-gap``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .__main__ import ROOT, _env, compile_toolkit


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run(engagement: Path, out: Path) -> dict:
    """Run the report with tracing; return ``{"t0", "wall", "cpu", "events"}``."""
    shutil.rmtree(out, ignore_errors=True)
    trace = Path(tempfile.mkstemp(prefix="aligndx-trace-", suffix=".jsonl")[1])
    env = _env()
    env["ALIGNDX_TRACE"] = str(trace)
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-c", "from toolkit.cli import main; main()",
                             "report", str(engagement), "-o", str(out), "--quiet"],
                            env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"aligndx report failed (exit {os.waitstatus_to_exitcode(status)})")
    events = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
    trace.unlink()
    nb_path = next(out.glob("*/report.ipynb"))
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell.get("cell_type") != "code" or not meta.get("start_time"):
            continue
        src = "".join(cell["source"]).strip().splitlines()[-1][:48]
        events.append({"t": _ts(meta["start_time"]), "cpu": None, "pid": 0, "who": "cell",
                       "what": f"{i:2d} start  {src}"})
        events.append({"t": _ts(meta["end_time"]), "cpu": None, "pid": 0, "who": "cell",
                       "what": f"{i:2d} end    ({meta['duration']:.2f} s)"})
    events.sort(key=lambda e: e["t"])
    return {"t0": t0, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "events": events}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("engagement", nargs="?", type=Path,
                    default=ROOT / "data" / "samples" / "followup-gap")
    ap.add_argument("--out", type=Path, default=Path("bench-results") / "timeline")
    args = ap.parse_args(argv)
    compile_toolkit(ROOT)
    load = os.getloadavg()[0]
    res = run(args.engagement.resolve(), args.out.resolve())
    for e in res["events"]:
        cpu = "" if e["cpu"] is None else f"{e['cpu']:6.2f}"
        print(f"{e['t'] - res['t0']:7.2f}  {e['who']:8s} {cpu:>6s}  {e['what']}")
    last = {}
    for e in res["events"]:
        if e["cpu"] is not None:
            last[(e["who"], e["pid"])] = e["cpu"]
    print(f"wall {res['wall']:.2f} s, CPU of the tree {res['cpu']:.2f} s "
          f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after); "
          "CPU at the last step: " + ", ".join(f"{w} {c:.2f} s" for (w, _), c in last.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
