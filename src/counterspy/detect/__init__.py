"""Detection: surveillance-chain signals, coordination, operations and targets.

Importing this package registers the built-in detectors (same registry plug-ins use).
"""

from counterspy.detect import engagement, exploitation, recon
from counterspy.detect.base import REGISTRY, DetectionContext, Detector, register

__all__ = [
    "REGISTRY",
    "DetectionContext",
    "Detector",
    "engagement",
    "exploitation",
    "recon",
    "register",
]
