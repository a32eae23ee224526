"""Run one benchmark stage in this (fresh) process and print its figures as JSON.

``python -m bench.stage STAGE ENGAGEMENT WORKDIR`` where STAGE is one of :data:`STAGES`.

* ``intake`` — :func:`toolkit.config.load_engagement` + :func:`toolkit.intake.load_data`;
  also pickles the loaded tables to ``WORKDIR/data.pkl`` (untimed) for the next stages.
* ``survey``, ``crm`` — the measure on the pickled tables; its results dict is saved to
  ``WORKDIR/<stage>.json`` (untimed) for ``incentives``.
* ``incentives`` — :func:`toolkit.incentives.measure_incentives` with the saved survey and
  CRM results.
* ``measures`` — everything ``aligndx report`` does before the notebook: load, validate and
  :func:`toolkit.pipeline.analyse`, from the files.

Printed (one JSON line): ``seconds`` (wall time of the stage, ``time.perf_counter``),
``peak_mb`` (the process's own peak resident set, ``VmHWM`` of ``/proc/self/status``),
``base_mb`` (the peak before the stage began: interpreter, imports and the loaded inputs).
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time
from pathlib import Path

STAGES = ("intake", "survey", "crm", "incentives", "measures")


def _peak_mb() -> float:
    """This process's own peak resident set (``VmHWM``; ``ru_maxrss`` is inherited at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_stage(stage: str, engagement: Path, workdir: Path) -> dict:
    """Run *stage* and return ``{"seconds", "peak_mb", "base_mb"}`` (see module doc)."""
    from toolkit.config import load_engagement

    workdir.mkdir(parents=True, exist_ok=True)
    eng = load_engagement(engagement)
    settings = eng.analysis
    marketing = eng.crm.marketing_sources if eng.crm else ()
    if stage == "intake":
        from toolkit.intake import load_data
        base = _peak_mb()
        t0 = time.perf_counter()
        data = load_data(eng)
        seconds = time.perf_counter() - t0
        peak = _peak_mb()
        with open(workdir / "data.pkl", "wb") as fh:
            pickle.dump({k: getattr(data, k) for k in
                         ("survey", "leads", "opportunities", "activities", "plan")}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        return {"seconds": seconds, "peak_mb": peak, "base_mb": base}
    if stage == "measures":
        from toolkit.intake import load_data
        from toolkit.pipeline import analyse
        base = _peak_mb()
        t0 = time.perf_counter()
        analyse(load_data(eng))
        return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "base_mb": base}

    with open(workdir / "data.pkl", "rb") as fh:
        tables = pickle.load(fh)
    if stage == "survey":
        from toolkit.survey import measure_survey
        func = lambda: measure_survey(tables["survey"], settings=settings,  # noqa: E731
                                      headcount=eng.client.headcount or None)
    elif stage == "crm":
        from toolkit.crm import measure_crm
        func = lambda: measure_crm(  # noqa: E731
            tables["leads"], tables["opportunities"], tables["activities"], settings=settings,
            period_start=eng.client.period_start, period_end=eng.client.period_end,
            marketing_sources=marketing, extract_date=eng.crm.extract_date if eng.crm else None)
    elif stage == "incentives":
        from toolkit.incentives import measure_incentives
        saved = {k: json.loads((workdir / f"{k}.json").read_text())
                 if (workdir / f"{k}.json").is_file() else None for k in ("survey", "crm")}
        func = lambda: measure_incentives(  # noqa: E731
            tables["plan"], leads=tables["leads"], opportunities=tables["opportunities"],
            marketing_sources=marketing,
            attainment=eng.incentives.attainment if eng.incentives else None,
            survey=saved["survey"], crm=saved["crm"])
    else:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    base = _peak_mb()
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    peak = _peak_mb()
    if stage in ("survey", "crm"):
        from toolkit.pipeline import jsonable
        (workdir / f"{stage}.json").write_text(json.dumps(jsonable(result)))
    return {"seconds": seconds, "peak_mb": peak, "base_mb": base}


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m bench.stage STAGE ENGAGEMENT WORKDIR")
    out = run_stage(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps(out))
