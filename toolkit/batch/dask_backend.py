"""Run batch jobs on a Dask distributed cluster (``pip install 'aligndx[dask]'``).

Each engagement is one task that calls :func:`toolkit.batch.runner.run_job` on a worker: the
worker starts the same child process as a local batch, with the same per-job timeout and the
same files, so a hanging or crashing engagement cannot take a Dask worker down. Requirements:
the toolkit is installed on every worker, and the batch FOLDER and OUT are visible to the
workers at the same paths (a shared volume). A worker thread runs one job at a time, so the
cluster's total thread count is the number of reports built at once.
"""

from __future__ import annotations

import uuid
from typing import Callable

from ..exceptions import InputError


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError("--scheduler needs Dask distributed, which is not installed: "
                         "pip install 'aligndx[dask]'") from None
    return distributed


def run_on_dask(specs: list[dict], scheduler: str, on_done: Callable[[dict], None]) -> None:
    """Submit one task per job spec to the scheduler and call *on_done* with each result.

    Parameters
    ----------
    specs : list of dict
        Job specs from :func:`toolkit.batch.runner.make_spec`.
    scheduler : str
        Scheduler address, e.g. ``tcp://10.0.0.5:8786``.
    on_done : callable
        Called in this process with each job's result dict as tasks finish.

    Raises
    ------
    InputError
        Dask distributed is not installed, or the scheduler cannot be reached.
    """
    distributed = _import_distributed()
    from .runner import JobResult, run_job

    if not specs:
        return
    try:
        client = distributed.Client(scheduler, timeout="30s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})"
                         ) from None
    batch_id = uuid.uuid4().hex[:8]
    try:
        futures = {client.submit(run_job, spec, key=f"aligndx-{batch_id}-{spec['key']}",
                                 pure=False, retries=0): spec for spec in specs}
        try:
            with client.as_current():
                finished = distributed.as_completed(list(futures))
            for fut in finished:
                spec = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # the worker died or the task could not run
                    result = JobResult(client_id=spec["key"], folder=spec["rel"],
                                       status="failed",
                                       error=f"Dask task failed: {type(exc).__name__}: {exc}"
                                       ).to_dict()
                on_done(result)
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        client.close()
