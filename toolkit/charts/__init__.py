"""Charts of the report, in seaborn's style: ``data=`` keyword, keyword-only semantics,
``ax=`` and the Axes returned. All use :mod:`toolkit.charts.theme`."""
