"""Benchmarks of SPEC §10: wall time and peak memory per stage at two engagement sizes.

Run ``python -m bench`` (or ``make bench``); see ``docs/benchmarks.md`` for the figures,
the machine they were taken on and the targets.

Modules
-------
* :mod:`bench.engagements` — generate (and cache) benchmark engagements with
  :func:`toolkit.generate.generate_tables`, CRM tables as CSV or Parquet.
* :mod:`bench.stage` — one stage (intake, survey, CRM, incentives, measures) run in a fresh
  process, printing its wall time and peak memory as JSON.
* :mod:`bench.floor` — the floor: papermill running an empty parameterised notebook and
  exporting it to HTML through :func:`toolkit.execute.run_notebook`.
* :mod:`bench.__main__` — the runner: every stage per size, best of N, table + JSON.
"""

from .engagements import SIZES, Size, engagement_folder

__all__ = ["SIZES", "Size", "engagement_folder"]
