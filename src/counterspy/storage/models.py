"""Imports every model module so ``Base.metadata`` knows all tables (used by migrations)."""

# ruff: noqa: F401
import counterspy.audit.models
import counterspy.auth.models
import counterspy.notify.models
