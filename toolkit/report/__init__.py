"""Rendering of the report: the notebook calls these functions with the results dict."""
