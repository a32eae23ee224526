"""Where renderers put what they produce (light: no IPython or matplotlib at import).

Every renderer hands its output to :func:`emit`. Inside :func:`collect` the objects are
gathered and returned to the caller as a :class:`Rendered` — a displayable list — instead of
being displayed as a side effect; :func:`renders` makes a renderer function return its
:class:`Rendered`. Outside any :func:`collect` block, :func:`emit` displays at once.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_SINKS: list[list] = []


def emit(obj: Any) -> None:
    """Hand one displayable (``HTML``, ``Markdown``, ...) to the current sink: the innermost
    :func:`collect` block, else IPython's ``display``."""
    if _SINKS:
        _SINKS[-1].append(obj)
    else:
        from IPython.display import display

        display(obj)


class Rendered(list):
    """The displayable objects a renderer produced, in order.

    Displays as its items (``_ipython_display_``), so a notebook cell ending in
    ``report.render(...)`` shows the section; ``html()`` gives the concatenated HTML/Markdown
    text for tests and other media.
    """

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for obj in self:
            display(obj)

    def texts(self) -> list[str]:
        """The ``.data`` of each item (HTML or Markdown source)."""
        return [getattr(o, "data", str(o)) for o in self]

    def html(self) -> str:
        """All items' source text, joined by newlines."""
        return "\n".join(self.texts())


def renders(fn: Callable[..., Any]) -> Callable[..., Rendered]:
    """Make a renderer return its displayables (a :class:`Rendered`) instead of displaying
    them; inside an outer :func:`collect` they are also handed to it, so sections compose."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Rendered:
        with collect() as out:
            fn(*args, **kwargs)
        if _SINKS:
            _SINKS[-1].extend(out)
        return out
    return wrapper


@contextmanager
def collect() -> Iterator[Rendered]:
    """Gather everything emitted inside the block into the yielded :class:`Rendered`."""
    out = Rendered()
    _SINKS.append(out)
    try:
        yield out
    finally:
        _SINKS.pop()
