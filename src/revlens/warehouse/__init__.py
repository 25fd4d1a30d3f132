"""The warehouse: all business data, reached through Ibis (DuckDB by default)."""

from revlens.warehouse.connection import REFRESH_STEPS, Warehouse, quoted, refresh_step

__all__ = ["REFRESH_STEPS", "Warehouse", "quoted", "refresh_step"]
