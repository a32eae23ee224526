"""Batch reports for a whole practice: ``aligndx batch FOLDER -o OUT --jobs N``.

* :mod:`.discover` finds the engagement folders under FOLDER in a deterministic order and
  slices them into shards (``--shard K/N``).
* :mod:`.fingerprint` hashes what a report depends on, so unchanged engagements are skipped.
* :mod:`.runner` runs one child process per engagement (each starts one notebook kernel),
  ``--jobs`` at a time, with a per-job timeout that kills the whole process tree, a progress
  bar and a log per job.
* :mod:`.dask_backend` submits the same jobs to a Dask distributed cluster (``dask`` extra).
* :mod:`.summary` writes ``OUT/batch-summary.csv``; :mod:`.collect` merges shard runs.

Layout of OUT after a batch::

    OUT/<client.id>/            report.html, report.ipynb, results.json, aggregates.xlsx,
                                fingerprint.json, run.log   (last successful run)
    OUT/_failed/<client.id>/    run.log and, when a notebook cell failed, the partial
                                notebook of the last failed run
    OUT/batch-summary.csv       one row per engagement: client_id, folder, status, seconds,
                                error, log
    OUT/portfolio.html          the portfolio report (notebooks/portfolio.ipynb)
"""

from .discover import Job, discover, parse_shard, shard_of
from .runner import BatchResult, JobResult, run_batch

__all__ = ["Job", "discover", "parse_shard", "shard_of", "BatchResult", "JobResult",
           "run_batch"]
