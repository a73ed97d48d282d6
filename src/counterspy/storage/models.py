"""Imports every model module so ``Base.metadata`` knows all tables (used by migrations)."""

import counterspy.storage.loads  # noqa: F401
