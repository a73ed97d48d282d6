"""Imports every CLI module so its commands register on the root app. One line per feature."""

from counterspy.cli import detect_cmd  # noqa: F401
