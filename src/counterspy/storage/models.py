"""Imports every model module so ``Base.metadata`` knows all tables (used by migrations)."""

# ruff: noqa: F401
import counterspy.audit.models
import counterspy.auth.models
import counterspy.cases.models
import counterspy.console.models
import counterspy.enforce.models
import counterspy.intel.models
import counterspy.legal.models
import counterspy.notify.models
import counterspy.share.taxii_models
import counterspy.storage.loads
