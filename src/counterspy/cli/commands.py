"""Imports every CLI module so its commands register on the root app. One line per feature."""

# ruff: noqa: F401
from counterspy.cli import (
    actions_cmd,
    audit_cmd,
    cases_cmd,
    db_cmd,
    demo_cmd,
    detect_cmd,
    entities_cmd,
    firstseen_cmd,
    ingest_cmd,
    intel_cmd,
    legal_cmd,
    letters_cmd,
    notify_cmd,
    report_cmd,
    share_cmd,
    simulate_cmd,
    taxii_cmd,
    users_cmd,
)
