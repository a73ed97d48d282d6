"""Imports every model module so ``Base.metadata`` knows all tables (used by migrations)."""

from counterspy.intel import models as _intel_models  # noqa: F401
