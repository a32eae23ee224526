"""The child process of one batch job: ``python -m toolkit.batch.worker JOB.json``.

The parent (:func:`toolkit.batch.runner.run_job`) writes the job spec, starts this module
with stdout and stderr going to the job's ``run.log``, and kills the whole process tree
(this process and the notebook kernel it starts) when the job exceeds its timeout. The
worker calls the spec's ``target`` (``module:function``, default :func:`report_job`) and
writes ``{"status": "ok"|"failed", ...}`` to the spec's ``result`` path.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

DEFAULT_TARGET = "toolkit.batch.worker:report_job"  # same as toolkit.batch.runner.DEFAULT_TARGET


def _say(msg: str) -> None:
    from ..privacy import terminal_text

    print(f"{dt.datetime.now().strftime('%H:%M:%S')}  {terminal_text(msg)}", flush=True)


def report_job(spec: dict) -> dict:
    """Build one engagement's report with :func:`toolkit.reporting.build_report`.

    Parameters
    ----------
    spec : dict
        Keys ``folder``, ``out``, ``notebook``, ``cell_timeout`` (seconds), ``pdf``.

    Returns
    -------
    dict
        ``{"client_id", "warnings"}`` (number of warnings in ``results.json``).
    """
    from ..reporting import build_report

    outcome = build_report(spec["folder"], spec["out"], progress=_say,
                           timeout=int(spec.get("cell_timeout") or 600),
                           notebook=Path(spec["notebook"]), pdf=bool(spec.get("pdf")))
    for w in outcome.warnings:
        _say(f"warning: {w}")
    return {"client_id": outcome.client_id, "warnings": len(outcome.warnings)}


def resolve_target(target: str):
    """Import ``module:function`` and return the function."""
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def _print_traceback(exc: BaseException) -> None:
    """The traceback of an unexpected error for the run log: where it happened (the
    frames: file, line, code), not its message (a library's message may quote a cell)."""
    lines = ["Traceback (most recent call last):\n",
             *traceback.format_tb(exc.__traceback__),
             f"{type(exc).__name__}: [message withheld]\n"]
    sys.stderr.write("".join(lines))
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the job described by the JSON file ``argv[0]``; exit 0 on success, 1 on failure."""
    argv = sys.argv[1:] if argv is None else argv
    from ..scipydocs import keep_own_docstrings

    keep_own_docstrings()  # as the command line does (a no-op in a fork of the warm server)
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if spec.get("parent_pid"):
        from ..runsafe import die_with_parent

        die_with_parent(int(spec["parent_pid"]))
    t0 = time.perf_counter()
    from ..exceptions import one_line

    _say(f"job {spec['key']}: {one_line(spec['folder'])} (pid {os.getpid()})")
    try:
        info = resolve_target(spec.get("target") or DEFAULT_TARGET)(spec) or {}
        result = {"status": "ok", **info}
    except BaseException as exc:  # noqa: BLE001 - the job's failure is reported, not raised
        from ..exceptions import AligndxError, InputError

        from ..exceptions import ReportError

        if not isinstance(exc, AligndxError):
            _print_traceback(exc)
        # the summary and the run log are kept: cell values quoted by a validation error,
        # and any text of a library's or a notebook cell's error message (which may quote a
        # cell: a name, a respondent id), are withheld; file, row, column, what was expected
        # and the kind of error stay (attack 7 LG1, attack 8 LG2)
        msg = (exc.render(withhold=True) if isinstance(exc, (InputError, ReportError))
               else str(exc) if isinstance(exc, AligndxError)
               else f"{type(exc).__name__} (an unexpected error; its message is withheld "
                    "from the kept files as it may quote the input — run `aligndx --debug "
                    "report` on this engagement to see it)")
        result = {"status": "failed", "error": msg, "error_type": type(exc).__name__,
                  "exit_code": getattr(exc, "exit_code", 1)}
        _say(f"FAILED: {msg}")
    result["seconds"] = time.perf_counter() - t0
    tmp = Path(spec["result"]).with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, spec["result"])
    if result["status"] == "ok":
        _say(f"done in {result['seconds']:.1f} s")
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
