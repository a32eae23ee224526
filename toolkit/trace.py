"""A wall-clock and CPU timeline of one report across its processes (issue 18; off by default).

``ALIGNDX_TRACE=/path/file.jsonl aligndx report ...`` makes the processes of a report — the
``aligndx report`` process, the notebook process, the kernel and the kernel's section helper
— append one JSON line per step to that file: ``{"t": wall seconds since the epoch, "cpu":
CPU seconds of the process so far, "pid", "who", "what"}``. ``python -m bench.timeline``
runs a report this way and prints who waits for whom. Without the variable, :func:`mark` does
nothing (one dictionary look-up).
"""

from __future__ import annotations

import json
import os
import time

ENV = "ALIGNDX_TRACE"


def mark(who: str, what: str) -> None:
    """Append one step of process *who* to the trace file, if tracing is on.

    Parameters
    ----------
    who : str
        The process's role ("main", "notebook", "kernel", "helper", ...).
    what : str
        What has just happened (plain words, e.g. "results.json written").
    """
    path = os.environ.get(ENV)
    if not path:
        return
    line = json.dumps({"t": time.time(), "cpu": time.process_time(), "pid": os.getpid(),
                       "who": who, "what": what})
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:  # a trace must never stop a report
        pass
