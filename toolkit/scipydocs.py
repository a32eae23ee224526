"""SciPy without its import-time docstring rewriting, in the toolkit's own processes (issue 18).

When ``scipy.stats`` is imported, SciPy parses and rewrites the docstrings of about 600
functions to add help text: a table of array-API support (decorator ``xp_capabilities`` in
``scipy._lib._array_api``) and the ``axis``/``nan_policy``/``keepdims`` parameters
(``scipy.stats._axis_nan_policy``; also ``scipy._lib._util``'s parameter-renaming and batching
decorators). Each rewrite parses the docstring with ``scipy._lib._docscrape.FunctionDoc``:
about 0.5 s of CPU in every process that imports ``scipy.stats`` — on the critical path of
``aligndx report``, before the first input is read (``docs/benchmarks.md``, seventh session).

:func:`keep_own_docstrings` makes those decorators keep each function's own docstring:
they are given a stand-in for ``FunctionDoc`` whose sections read as empty and whose text
is the function's docstring as written. Only help text differs (``help(scipy.stats.
mannwhitneyu)`` lacks SciPy's added notes); every decorator still wraps, registers and
checks what it did before, and no computed value changes (``tests/test_scipydocs.py``
checks the statistics the toolkit uses against an interpreter without it). The command
line (:func:`toolkit.cli.main`) and the batch's fork server call it before anything imports
SciPy; a library user's own process is left alone. ``ALIGNDX_SCIPY_DOCS=1`` keeps SciPy's
rewriting.
"""

from __future__ import annotations

import os
import sys

#: Environment switch: ``1`` keeps SciPy's docstring rewriting.
ENV = "ALIGNDX_SCIPY_DOCS"
#: SciPy modules that bind ``FunctionDoc`` at import (``from scipy._lib._docscrape import
#: FunctionDoc``): the stand-in only reaches those imported after it is installed.
BINDERS = ("scipy._lib._util", "scipy._lib._array_api", "scipy.stats._axis_nan_policy")


class OwnDocstring:
    """Stand-in for ``scipy._lib._docscrape.FunctionDoc`` in SciPy's decorators.

    Reading a section (``doc["Parameters"]``, ``doc["Notes"]``) gives a list that starts
    empty; edits are kept only on this object. ``str(doc)`` is a signature line (which the
    decorators cut off) followed by the function's own docstring.

    Parameters
    ----------
    func : callable
        The function whose docstring SciPy would rewrite.
    *args, **kwargs
        ``FunctionDoc``'s other arguments (role, doc, config): ignored.
    """

    def __init__(self, func, *args, **kwargs):
        self._func = func
        self._sections: dict[str, list] = {}

    def __getitem__(self, key: str) -> list:
        return self._sections.setdefault(key, [])

    def __setitem__(self, key: str, value: list) -> None:
        self._sections[key] = value

    def __str__(self) -> str:
        name = getattr(self._func, "__name__", "function")
        return f"{name}(...)\n{getattr(self._func, '__doc__', None) or ''}"


def keep_own_docstrings() -> bool:
    """Install :class:`OwnDocstring` for the SciPy modules not imported yet.

    Returns
    -------
    bool
        True when installed; False when switched off (``ALIGNDX_SCIPY_DOCS=1``), when SciPy
        is missing or has no ``FunctionDoc`` where expected, or when every module that binds it
        (:data:`BINDERS`) was imported already (nothing would change).
    """
    if os.environ.get(ENV) == "1":
        return False
    if all(name in sys.modules for name in BINDERS):
        return False
    try:
        from scipy._lib import _docscrape
    except Exception:  # noqa: BLE001 - no SciPy, or another layout: SciPy as it is
        return False
    if not isinstance(getattr(_docscrape, "FunctionDoc", None), type):
        return False
    _docscrape.FunctionDoc = OwnDocstring
    return True
