"""Pure domain types. This package imports nothing else of counterspy's."""

from counterspy.model.enums import AccountType, AtRiskCategory, EventType, Phase
from counterspy.model.firms import UNATTRIBUTED, FirmId
from counterspy.model.verdict import LinkChecker, Reason, Verdict, VerdictLabel

__all__ = [
    "UNATTRIBUTED",
    "AccountType",
    "AtRiskCategory",
    "EventType",
    "FirmId",
    "LinkChecker",
    "Phase",
    "Reason",
    "Verdict",
    "VerdictLabel",
]
