"""Progress display of a batch: a rich progress bar on a terminal, one line per job otherwise.

The bar shows clients done / failed / skipped / remaining, elapsed time and an estimate of the
time left. The estimate is elapsed ÷ finished × remaining over the jobs that actually ran
(skipped engagements are decided before the run and are not counted), which already includes
the parallelism of the pool.
"""

from __future__ import annotations

import datetime as dt


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    return str(dt.timedelta(seconds=int(round(seconds))))


class BatchProgress:
    """Context manager that reports the progress of a batch.

    Parameters
    ----------
    total : int
        Jobs to run (skipped ones excluded).
    skipped : int
        Jobs skipped because unchanged.
    console : rich.console.Console, optional
        Where to draw; default stderr.
    enabled : bool, optional
        Force the bar on or off; default on when the console is a terminal.
    """

    def __init__(self, total: int, *, skipped: int = 0, console=None,
                 enabled: bool | None = None):
        from rich.console import Console

        self.console = console or Console(stderr=True, highlight=False)
        self.total, self.skipped = total, skipped
        self.ok = self.failed = 0
        self.bar = self.console.is_terminal if enabled is None else enabled
        self._progress = None
        self._task = None

    def _fields(self) -> dict:
        return {"ok": self.ok, "failed": self.failed, "skipped": self.skipped,
                "remaining": self.total - self.ok - self.failed}

    def __enter__(self) -> "BatchProgress":
        if self.bar:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                       ProgressColumn, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)
            from rich.text import Text

            class Eta(ProgressColumn):
                def render(self, task):
                    done, elapsed = task.completed, task.elapsed
                    left = (elapsed / done * (task.total - done)) if done and elapsed else None
                    return Text(f"ETA {_fmt(left)}", style="progress.remaining")

            self._progress = Progress(
                SpinnerColumn(), TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
                TextColumn("[green]{task.fields[ok]} done[/] · [red]{task.fields[failed]} "
                           "failed[/] · {task.fields[skipped]} skipped · "
                           "{task.fields[remaining]} remaining"),
                TimeElapsedColumn(), Eta(), console=self.console, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task("batch", total=self.total, **self._fields())
        return self

    def job_done(self, key: str, status: str, seconds: float, error: str = "") -> None:
        """Record one finished job and print a line for it."""
        if status == "ok":
            self.ok += 1
        elif status == "failed":
            self.failed += 1
        n = self.ok + self.failed
        lines = [ln.strip(" -") for ln in (error or "").splitlines() if ln.strip()]
        brief = " ".join(lines[:2])
        brief = brief if len(brief) <= 200 else brief[:197] + "..."
        from ..exceptions import one_line

        line = (f"[{n}/{self.total}] {one_line(key)}: "
                + ("ok" if status == "ok" else f"FAILED — {brief or status}")
                + f" ({seconds:.0f} s)")
        from ..privacy import terminal_text

        line = terminal_text(line)  # folder names and messages quote clients' values
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
            self._progress.update(self._task, completed=n, **self._fields())
        else:
            self.console.print(line, markup=False, highlight=False)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
