"""crossaudit: a graph-based cross-audit engine for tax administration."""

__version__ = "0.1.0"
