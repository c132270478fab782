"""jixiao: budget-performance self-evaluation reports into a DuckDB warehouse."""
__version__ = "0.1.0"
