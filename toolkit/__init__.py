"""aligndx — diagnose why sales and marketing blame each other.

The package holds all logic of the toolkit; notebooks only call into it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
