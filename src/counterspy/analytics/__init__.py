"""Batch analytics plane: Ibis engine connection and the canonical table registry."""

from counterspy.analytics.engine import ENGINES, connect, fetch
from counterspy.analytics.tables import CanonicalTables, load_tables

__all__ = ["ENGINES", "CanonicalTables", "connect", "fetch", "load_tables"]
