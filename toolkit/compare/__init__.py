"""Waves: what changed between two assessments of one client (SPEC §12).

* :func:`compare_results` — two ``results.json`` dicts → ``comparison.json`` dict.
* :func:`compare_paths` — two engagement folders or ``results.json`` files → the dict.
* :func:`write_comparison` — ``OUT/<client.id>/comparison.json`` and ``comparison.html``.
* :func:`audit_comparison` — proves no group hidden in either wave shows in the comparison.

Reads ``results.json`` only (SPEC §6): no analysis module is imported here, except to
analyse an engagement folder given on the command line.
"""

from .audit import audit_comparison
from .core import compare_results
from .io import compare_paths, load_results, load_wave, write_comparison

__all__ = ["compare_results", "compare_paths", "write_comparison", "audit_comparison",
           "load_results", "load_wave"]
