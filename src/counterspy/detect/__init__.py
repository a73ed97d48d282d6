"""Detection: surveillance-chain signals, coordination, operations and targets.

Importing this package registers the built-in detectors (same registry plug-ins use).
"""

from counterspy.detect import courting, engagement, exploitation, recon
from counterspy.detect.base import REGISTRY, DetectionContext, Detector, register

__all__ = [
    "REGISTRY",
    "DetectionContext",
    "Detector",
    "courting",
    "engagement",
    "exploitation",
    "recon",
    "register",
]
