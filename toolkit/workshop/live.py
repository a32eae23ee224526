"""Live views for the workshop widgets, without capturing display output.

``ipywidgets.interactive_output`` and ``Output`` capture what a callback displays; executed
headless (papermill, nbval, nbconvert) that capture can deadlock intermittently (reported
upstream, jupyter/nbconvert#2029). :func:`live_output` instead collects what the callback
emits (:func:`toolkit.report.display.collect`) into one HTML string and shows it in an
``ipywidgets.HTML`` whose value is replaced when a control changes: no capture, the same
look, and it works live and headless alike.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping



def _to_html(obj: Any) -> str:
    from IPython.display import HTML, Markdown

    if isinstance(obj, HTML):
        return obj.data or ""
    if isinstance(obj, Markdown):
        import mistune

        return mistune.html(obj.data or "")
    rich = getattr(obj, "_repr_html_", None)
    if callable(rich):
        out = rich()
        if out:
            return out
    return f"<pre>{html.escape(str(obj))}</pre>"


def render_html(func: Callable[..., Any], **kwargs: Any) -> str:
    """Call *func* and return what it displayed through :mod:`toolkit.report.display` as HTML.

    Parameters
    ----------
    func : callable
        A view function (e.g. one calling :func:`toolkit.workshop.views.show_reveal`).
    **kwargs
        Passed to *func*.

    Returns
    -------
    str
        The concatenated HTML (charts as embedded PNG ``<img>`` with alt text).
    """
    from ..report import display as report_display  # imports pyplot: only when drawn

    with report_display.collect() as rendered:
        func(**kwargs)
    return "".join(_to_html(o) for o in rendered)


def live_output(func: Callable[..., Any], controls: Mapping[str, Any]):
    """An ``ipywidgets.HTML`` showing ``func(**values)``, re-rendered when a control changes.

    Parameters
    ----------
    func : callable
        View function taking one keyword argument per control.
    controls : mapping of str to ipywidgets widget
        Keyword name to a widget with a ``value``.

    Returns
    -------
    ipywidgets.HTML
    """
    import ipywidgets as W

    def values() -> dict:
        return {name: w.value for name, w in controls.items()}

    out = W.HTML(value=render_html(func, **values()))

    def update(_change=None) -> None:
        out.value = render_html(func, **values())

    for w in controls.values():
        w.observe(update, names="value")
    return out
