"""Attribution of operations to surveillance-for-hire firms, from public facts and behaviour."""

from counterspy.attribute.profiles import FirmProfile, load_profiles
from counterspy.attribute.scoring import Attribution, attribute_operations

__all__ = ["Attribution", "FirmProfile", "attribute_operations", "load_profiles"]
