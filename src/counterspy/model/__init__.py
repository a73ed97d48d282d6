"""Pure domain types. This package imports nothing else of counterspy's."""

from counterspy.model.enums import AccountType, AtRiskCategory, EventType, Phase

__all__ = ["AccountType", "AtRiskCategory", "EventType", "Phase"]
