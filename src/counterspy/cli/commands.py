"""Imports every CLI module so its commands register on the root app. One line per feature."""

# ruff: noqa: F401
from counterspy.cli import (  # db upgrade/status; ingest, workspace info
    audit_cmd,
    db_cmd,
    ingest_cmd,
    users_cmd,
)
