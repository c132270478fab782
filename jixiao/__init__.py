"""jixiao: budget-performance self-evaluation reports into a DuckDB warehouse.

import jixiao
wh = jixiao.connect("yuhua.duckdb")
wh.spending(below_pct=80)
"""

from jixiao.base import __version__

__all__ = ["__version__", "connect"]


def connect(path="jixiao.duckdb", read_only=True):
    """Open a warehouse for analysis; see `jixiao.api.Warehouse`."""
    from jixiao.api import connect as _connect

    return _connect(path, read_only)
