"""Memory allocators tuned for reading and measuring large CRM exports (issue 18).

On the large benchmark engagement (1M leads, 10M activities) a third of the intake's and
the measures' CPU time was the kernel's, not Python's: pages handed out and taken back by
the allocators, faulted in again by the next column (``docs/benchmarks.md``, sixth session).

* **NumPy and pandas** allocate through glibc ``malloc``, which serves every block larger
  than its mmap threshold (at most 32 MB by default) with a fresh ``mmap`` and returns it
  with ``munmap`` when freed: each 10M-row array of 8-byte values (80 MB) was faulted in
  page by page, every time. :func:`tune` raises the threshold to
  :data:`MMAP_THRESHOLD` (and the trim threshold to twice that), so such blocks are taken
  from the heap and reused.
* **Arrow** allocates through mimalloc by default, which on this machine gave back and
  faulted in again most of what the CSV reader used; :func:`tune` makes Arrow's default
  pool its jemalloc pool when pyarrow was built with it.

Neither changes a value: only where memory comes from. Peak memory was the same or lower
(measured with the yardstick). A setting the user made is kept: ``ARROW_DEFAULT_MEMORY_POOL``
(Arrow's own choice of pool) and ``MALLOC_MMAP_THRESHOLD_`` / ``GLIBC_TUNABLES`` (glibc's).
``ALIGNDX_MEMORY_TUNING=0`` turns both off.
"""

from __future__ import annotations

import os
import sys

#: Blocks up to this size come from glibc's heap instead of their own mmap (256 MiB: a
#: 10M-row column of 8-byte values is 80 MB).
MMAP_THRESHOLD = 256 << 20
#: Free memory kept at the top of glibc's heap before it is returned (twice the threshold,
#: as glibc's own dynamic threshold sets it).
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD

_done: dict[str, str | None] = {}


def tune() -> dict[str, str | None]:
    """Tune glibc malloc and Arrow's memory pool for large tables, once per process.

    Returns
    -------
    dict
        ``{"malloc": "mmap_threshold=..." or None, "arrow_pool": backend name or None}``:
        what was set (``None`` where nothing was: turned off, set by the user, not Linux
        with glibc, pyarrow without jemalloc). The same dict on later calls.
    """
    if _done:
        return _done
    _done.update(malloc=None, arrow_pool=None)
    if os.environ.get("ALIGNDX_MEMORY_TUNING", "1") == "0":
        return _done
    _done["malloc"] = _tune_malloc()
    _done["arrow_pool"] = _tune_arrow()
    return _done


def _tune_malloc() -> str | None:
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ \
            or "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return None
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    if not mallopt(m_mmap_threshold, MMAP_THRESHOLD):
        return None
    mallopt(m_trim_threshold, TRIM_THRESHOLD)
    return f"mmap_threshold={MMAP_THRESHOLD}"


def _tune_arrow() -> str | None:
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return None
    try:
        import pyarrow as pa

        pool = pa.jemalloc_memory_pool()
    except Exception:  # noqa: BLE001 - no pyarrow, or built without jemalloc: the default
        return None
    pa.set_memory_pool(pool)
    return pool.backend_name
