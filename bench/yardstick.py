"""DuckDB yardstick (issue 18, SPEC §10): the same CRM figures from the same files.

``python -m bench.yardstick --sizes typical,medium,large --repeat 3`` generates (or reuses)
the benchmark engagements and, for each size, runs in fresh processes and **interleaved**
(product, DuckDB, DuckDB, product, ...):

* **product** — ``load_data`` (read, type, validate the three CRM files; the survey and the
  plan are left out, as DuckDB does not read them) + ``measure_crm``: the
  toolkit's intake and CRM measures, timed together; then, untimed, the per-source figures
  of the lead frame the measures were computed from;
* **duckdb** — one SQL query over the same CSV (or Parquet) files computing the same
  per-source figures from scratch: cohort, cumulative funnel (MQL, SAL, SQL, opportunity,
  won, rejected), handed to sales, derived first touch and attempts, hours to first touch.

Every figure of the two is compared (exact for counts, 1e-9 relative for sums of hours);
the run stops if one differs. Printed: the median wall time and peak memory of each side
and their ratio per size, the median CPU time of each side (``time.process_time``: all
threads of the process, so DuckDB's parallel scan counts in full, plus the reaped children,
i.e. the CRM measures' forked helper) and its ratio, and the 1-minute load average before and after every run (a shared machine: wall-time ratios
move with the load, CPU ratios much less). Peak memory is each process's own high-water
mark (``VmHWM`` of ``/proc/self/status``), not ``ru_maxrss``, which a child inherits from a
large parent.

The figures are computed per lead source, plus the whole cohort: for each, leads, each
stage reached, handed to sales, touched, attempts, touched within 24 h, the sum and the
median of the hours to first touch (handed leads) — 14 figures per group.

``--baseline /path/to/other/checkout`` also times that checkout's toolkit (e.g. main
before a change) in the same interleaved rounds.

Single side (used by the runner): ``python -m bench.yardstick product|duckdb ENGAGEMENT
OUT.json`` prints ``{"seconds": ..., "cpu_seconds": ..., "peak_mb": ...}`` and writes the
figures to OUT.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

FIGURES = ("leads", "mql", "sal", "sql", "opportunity", "won", "rejected", "handed",
           "touched", "attempts", "within_24h", "hours_sum", "hours_median", "excluded")


def peak_mb() -> float:
    """This process's own peak resident set in MB (``VmHWM``), not inherited at fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _frame_figures(f, excluded: int) -> dict:
    """Per-source figures of the product's lead frame (``toolkit.crm.derive.lead_frame``)."""
    import numpy as np

    out = {}
    groups = [("(all)", f)] + [(str(k), g) for k, g in f.groupby("source", sort=True)]
    for name, g in groups:
        handed = g[g["handed"].to_numpy(bool)]
        touched = handed[handed["touched"].to_numpy(bool)]
        hours = touched["hours_to_touch"].to_numpy(dtype=float)
        out[name] = {
            "leads": int(len(g)), "mql": int(g["mql"].sum()), "sal": int(g["sal"].sum()),
            "sql": int(g["sql"].sum()), "opportunity": int(g["opportunity"].sum()),
            "won": int(g["won"].sum()), "rejected": int(g["rejected"].sum()),
            "handed": int(len(handed)), "touched": int(len(touched)),
            "attempts": int(np.nansum(handed["attempts"].to_numpy(dtype=float))),
            "within_24h": int((hours <= 24.0).sum()),
            "hours_sum": float(hours.sum()),
            "hours_median": float(np.median(hours)) if len(hours) else None,
            "excluded": int(excluded) if name == "(all)" else 0,
        }
    return out


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its reaped children (the CRM measures'
    forked helper, :mod:`toolkit.crm.parallel`), in seconds."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def product(engagement: Path) -> tuple[float, dict]:
    """Time the toolkit's intake + CRM measures; return ((wall s, CPU s), figures)."""
    from toolkit.config import load_engagement
    import toolkit.crm.measures as measures
    from toolkit.crm import measure_crm
    from toolkit.intake import load_data

    captured = {}
    original = measures.lead_frame

    def keep(cohort, *args, **kwargs):
        f, info = original(cohort, *args, **kwargs)
        captured["f"] = f
        return f, info

    measures.lead_frame = keep
    # the CRM files only, as DuckDB reads them (the survey and the plan are not CRM figures)
    eng = dataclasses.replace(load_engagement(engagement), survey=None, incentives=None)
    t0, c0 = time.perf_counter(), cpu_seconds()
    data = load_data(eng)
    res = measure_crm(data.leads, data.opportunities, data.activities,
                      settings=eng.analysis, period_start=eng.client.period_start,
                      period_end=eng.client.period_end,
                      marketing_sources=eng.crm.marketing_sources,
                      extract_date=eng.crm.extract_date)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    measures.lead_frame = original
    return (seconds, cpu), _frame_figures(captured["f"],
                                          res["cohort"]["excluded_outside_period"])


def _reader(path: Path, types: dict[str, str]) -> str:
    p = str(path).replace("'", "''")
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"read_parquet('{p}')"
    cols = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
    return f"read_csv('{p}', header=true, types={{{cols}}})"


def duckdb_sql(engagement: Path) -> str:
    """The yardstick query (DuckDB SQL) for a benchmark engagement's CRM files.

    Assumes what the benchmark generator writes: canonical columns, ``mql_at`` present,
    first touch and attempts derived from the activities. The definitions are those of
    ``toolkit.crm.definitions`` (written again in SQL, not imported): source codes
    lower-cased with runs of other characters as ``_``; touches between ``created_at`` and
    ``converted_at`` (else the extract date); hours from ``mql_at`` (else ``created_at``),
    0 when the first touch came earlier; handed = MQL or later, or not a marketing source.
    """
    from toolkit.config import load_engagement

    eng = load_engagement(engagement)
    crm = eng.crm
    start = eng.client.period_start
    end = eng.client.period_end
    keys = {re.sub(r"[^a-z0-9]+", "_", s.strip().lower()).strip("_")
            for s in crm.marketing_sources}
    msrc = ", ".join(sorted("'" + k + "'" for k in keys if k)) or "''"
    ext = f"TIMESTAMP '{crm.extract_date}'" if crm.extract_date else "NULL"
    ts = "TIMESTAMP"
    leads = _reader(crm.leads, {"lead_id": "VARCHAR", "created_at": ts, "source": "VARCHAR",
                                "mql_at": ts, "accepted_at": ts, "rejected_at": ts,
                                "sql_at": ts, "converted_at": ts,
                                "opportunity_id": "VARCHAR"})
    opps = _reader(crm.opportunities, {"opportunity_id": "VARCHAR", "lead_id": "VARCHAR",
                                       "is_won": "BOOLEAN"})
    acts = _reader(crm.activities, {"lead_id": "VARCHAR", "occurred_at": ts})
    return f"""
WITH leads AS (SELECT * FROM {leads}),
cohort AS (
  SELECT lead_id, created_at, mql_at, accepted_at, rejected_at, sql_at, converted_at,
         opportunity_id,
         coalesce(nullif(trim(regexp_replace(lower(trim(source)), '[^a-z0-9]+', '_', 'g'),
                              '_'), ''), 'unknown') AS source,
         coalesce(mql_at, created_at) AS start_at,
         coalesce(converted_at, {ext}) AS end_at
  FROM leads
  WHERE created_at >= DATE '{start}' AND created_at < DATE '{end}' + INTERVAL 1 DAY),
opps AS (SELECT opportunity_id, lead_id, coalesce(is_won, false) AS is_won FROM {opps}),
touch AS (
  SELECT c.lead_id, min(a.occurred_at) AS first_touch, count(*) AS attempts
  FROM cohort c JOIN (SELECT lead_id, occurred_at FROM {acts}
                      WHERE lead_id IS NOT NULL AND occurred_at IS NOT NULL) a
    ON a.lead_id = c.lead_id
  WHERE a.occurred_at >= c.created_at AND (c.end_at IS NULL OR a.occurred_at <= c.end_at)
  GROUP BY c.lead_id),
f0 AS (
  SELECT c.*, t.first_touch, coalesce(t.attempts, 0) AS attempts,
    (c.opportunity_id IN (SELECT opportunity_id FROM opps WHERE is_won)
     OR c.lead_id IN (SELECT lead_id FROM opps WHERE is_won AND lead_id IS NOT NULL))
      AS won,
    c.lead_id IN (SELECT lead_id FROM opps WHERE lead_id IS NOT NULL) AS linked,
    c.source IN ({msrc}) AS marketing
  FROM cohort c LEFT JOIN touch t USING (lead_id)),
f1 AS (SELECT *, coalesce(won, false) OR converted_at IS NOT NULL OR linked
              OR coalesce(trim(opportunity_id), '') <> '' AS opportunity FROM f0),
f2 AS (SELECT *, opportunity OR sql_at IS NOT NULL AS sql_ FROM f1),
f3 AS (SELECT *, sql_ OR accepted_at IS NOT NULL AS sal FROM f2),
f4 AS (SELECT *, rejected_at IS NOT NULL AND NOT sal AS rejected FROM f3),
f5 AS (SELECT *, sal OR rejected OR mql_at IS NOT NULL AS mql FROM f4),
f AS (SELECT *, mql OR NOT marketing AS handed,
             greatest(epoch(first_touch - start_at) / 3600.0, 0.0) AS hours FROM f5),
g AS (
  SELECT coalesce(source, '(all)') AS grp, count(*) AS leads, count_if(mql) AS mql,
    count_if(sal) AS sal, count_if(sql_) AS sql, count_if(opportunity) AS opportunity,
    count_if(coalesce(won, false)) AS won, count_if(rejected) AS rejected,
    count_if(handed) AS handed,
    count_if(handed AND first_touch IS NOT NULL) AS touched,
    coalesce(sum(attempts) FILTER (WHERE handed), 0) AS attempts,
    count_if(handed AND first_touch IS NOT NULL AND hours <= 24.0) AS within_24h,
    coalesce(sum(hours) FILTER (WHERE handed AND first_touch IS NOT NULL), 0.0) AS hours_sum,
    median(hours) FILTER (WHERE handed AND first_touch IS NOT NULL) AS hours_median
  FROM f GROUP BY GROUPING SETS ((source), ()))
SELECT g.*, CASE WHEN grp = '(all)'
  THEN (SELECT count(*) FROM leads) - (SELECT count(*) FROM cohort) ELSE 0 END AS excluded
FROM g ORDER BY grp
"""


def duckdb_side(engagement: Path) -> tuple[float, dict]:
    """Time DuckDB computing the figures from the files; return ((wall s, CPU s), figures)."""
    import duckdb

    sql = duckdb_sql(engagement)
    t0, c0 = time.perf_counter(), cpu_seconds()
    con = duckdb.connect()
    rows = con.execute(sql).fetchall()
    names = [d[0] for d in con.description]
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    out = {}
    for r in rows:
        rec = dict(zip(names, r))
        grp = rec.pop("grp")
        out[grp] = {k: (None if rec[k] is None else
                        float(rec[k]) if k.startswith("hours") else int(rec[k]))
                    for k in FIGURES}
    return (seconds, cpu), out


def compare(a: dict, b: dict) -> tuple[int, list[str]]:
    """Compare two figure sets; return (values compared, differences)."""
    diffs, n = [], 0
    for grp in sorted(set(a) | set(b)):
        if grp not in a or grp not in b:
            diffs.append(f"group {grp!r} only on one side")
            continue
        for k in FIGURES:
            n += 1
            x, y = a[grp][k], b[grp][k]
            if x is None or y is None:
                same = x is None and y is None
            elif isinstance(x, float) or isinstance(y, float):
                same = math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6)
            else:
                same = x == y
            if not same:
                diffs.append(f"{grp}.{k}: product {x!r} vs DuckDB {y!r}")
    return n, diffs


ROOT = Path(__file__).resolve().parents[1]


def _run(side: str, engagement: Path, out: Path, code: Path | None = None) -> dict:
    """Run one side in a fresh process; *code* = another checkout's root for ``toolkit``."""
    import os
    import tempfile

    env = dict(os.environ)
    cwd = ROOT
    if code is not None:  # this bench package, that checkout's toolkit
        cwd = Path(tempfile.mkdtemp(prefix="yardstick-"))
        (cwd / "bench").symlink_to(ROOT / "bench")
        env["PYTHONPATH"] = str(code)
    else:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in
                                                           [env.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, "-m", "bench.yardstick", side, str(engagement),
                           str(out)], capture_output=True, text=True, cwd=cwd, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(sizes: list[str], crm_format: str, repeat: int, cache: Path, workdir: Path,
        baseline: Path | None = None) -> list:
    """Interleaved runs per size; returns one result dict per size.

    With *baseline* (the root of another checkout, e.g. before a change), its toolkit is
    timed too, in the same interleaved rounds (``before``).
    """
    from .engagements import parse_size
    from .__main__ import compile_toolkit, generate

    compile_toolkit(ROOT)
    if baseline:
        compile_toolkit(baseline)
    results = []
    for name in sizes:
        size = parse_size(name)
        eng = generate(size, crm_format, cache)
        sides = ["product", "duckdb"] + (["before"] if baseline else [])
        runs = {s: [] for s in sides}
        load = [os.getloadavg()[0]]
        for r in range(repeat):
            order = sides if r % 2 == 0 else sides[::-1]
            for side in order:
                runs[side].append(_run("product" if side == "before" else side, eng,
                                       workdir / f"{name}-{side}.json",
                                       baseline if side == "before" else None))
                load.append(os.getloadavg()[0])
        a = json.loads((workdir / f"{name}-product.json").read_text())
        b = json.loads((workdir / f"{name}-duckdb.json").read_text())
        n, diffs = compare(a, b)
        before_diffs = []
        if baseline:  # the old code may define a figure differently: reported, not fatal
            _, before_diffs = compare(
                json.loads((workdir / f"{name}-before.json").read_text()), b)
        med = {s: statistics.median(x["seconds"] for x in v) for s, v in runs.items()}
        cpu = {s: statistics.median(x.get("cpu_seconds", math.nan) for x in v)
               for s, v in runs.items()}
        peak = {s: max(x["peak_mb"] for x in v) for s, v in runs.items()}
        results.append({"size": name, "format": crm_format, "runs": runs, "median": med,
                        "cpu_median": cpu, "cpu_ratio": cpu["product"] / cpu["duckdb"],
                        "load_average": [round(x, 2) for x in load],
                        "peak_mb": peak, "ratio": med["product"] / med["duckdb"],
                        "values_compared": n, "differences": diffs,
                        "before_differences": before_diffs})
        if baseline:
            print(f"{name:8s} {crm_format}: before  {med['before']:6.2f} s "
                  f"({peak['before']:6.0f} MB)  ratio to DuckDB "
                  f"{med['before'] / med['duckdb']:4.1f}×"
                  + (f"  ({len(before_diffs)} figures defined differently then)"
                     if before_diffs else ""), flush=True)
        print(f"{name:8s} {crm_format}: product {med['product']:6.2f} s "
              f"({peak['product']:6.0f} MB)  DuckDB {med['duckdb']:6.2f} s "
              f"({peak['duckdb']:5.0f} MB)  ratio {med['product'] / med['duckdb']:4.1f}×  "
              f"CPU {cpu['product']:6.2f} s / {cpu['duckdb']:5.2f} s = "
              f"{cpu['product'] / cpu['duckdb']:4.1f}×  "
              f"{n} values {'equal' if not diffs else 'DIFFER'}  "
              f"(load average {min(load):.1f}–{max(load):.1f})", flush=True)
        for d in diffs[:20]:
            print("   ", d)
    return results


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("product", "duckdb"):
        side, eng, out = argv[0], Path(argv[1]), Path(argv[2])
        (seconds, cpu), figures = (product if side == "product" else duckdb_side)(eng)
        out.write_text(json.dumps(figures, indent=1, sort_keys=True))
        # a side from an older checkout may give no CPU time: the runner reads it if there
        import resource
        # a forked helper's own high-water mark (it shares the parent's pages, so this
        # counts pages it only read too): reported beside, not added
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb(),
                          "child_peak_mb": child}))
        return 0
    from .__main__ import DEFAULT_CACHE

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="typical,medium,large")
    ap.add_argument("--format", default="csv", choices=("csv", "parquet"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=Path("bench-results"))
    ap.add_argument("--baseline", type=Path, default=None,
                    help="root of another checkout whose toolkit is timed too (before)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = run([s.strip() for s in args.sizes.split(",") if s.strip()], args.format,
                  args.repeat, args.cache, args.out.resolve(),
                  args.baseline.resolve() if args.baseline else None)
    (args.out / "yardstick.json").write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(r["differences"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
