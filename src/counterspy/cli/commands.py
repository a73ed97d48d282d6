"""Imports every CLI module so its commands register on the root app. One line per feature."""

<<<<<<< HEAD
from counterspy.cli import simulate_cmd  # noqa: F401
=======
# ruff: noqa: F401
from counterspy.cli import audit_cmd, users_cmd
>>>>>>> main
