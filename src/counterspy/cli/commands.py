"""Imports every CLI module so its commands register on the root app. One line per feature."""

# ruff: noqa: F401
from counterspy.cli import audit_cmd, detect_cmd, intel_cmd, legal_cmd, simulate_cmd, users_cmd
