"""Analytics over the warehouse: derived tables and insight runners."""
