"""Report section "Since the last assessment" (SPEC §12), from ``results["comparison"]``.

The comparison is computed by the analysis (``[baseline]`` in ``engagement.toml``) and stored
in ``results.json``; this module only renders it, with the same plain-words HTML as
``comparison.html``.
"""

from __future__ import annotations

from IPython.display import HTML, display

from ..compare.render import CSS, fragment


def render(results: dict) -> None:
    """Display the comparison with the previous assessment, if the results carry one."""
    comp = results.get("comparison")
    if not comp:
        return
    display(HTML(f"<style>{CSS}</style>" + fragment(comp, level=2)))
