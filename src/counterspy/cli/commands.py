"""Imports every CLI module so its commands register on the root app. One line per feature."""

# ruff: noqa: F401
from counterspy.cli import audit_cmd, notify_cmd, users_cmd
