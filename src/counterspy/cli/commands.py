"""Imports every CLI module so its commands register on the root app. One line per feature."""

from counterspy.cli import (
    db_cmd,  # noqa: F401  (db upgrade, db status)
    ingest_cmd,  # noqa: F401  (ingest, workspace info)
)
