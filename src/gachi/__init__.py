"""gachi — measure social value with published, reproducible formulas."""

__version__ = "0.1.0"
