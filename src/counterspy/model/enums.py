"""Closed vocabularies of the data contract.

The string value of each member is what appears in data files and in storage: it never changes.
"""

from __future__ import annotations

from enum import StrEnum


class AccountType(StrEnum):
    """What kind of presence an account is on the platform."""

    PERSON = "person"
    PAGE = "page"
    BUSINESS = "business"


class AtRiskCategory(StrEnum):
    """Why a platform's protection programme flags an account as at risk of targeting."""

    JOURNALIST = "journalist"
    ACTIVIST = "activist"
    HUMAN_RIGHTS_DEFENDER = "human_rights_defender"
    LAWYER = "lawyer"
    POLITICIAN = "politician"
    FAMILY = "family"  # family member of one of the above


class EventType(StrEnum):
    """What an account did. ``target_id`` / ``group_id`` / ``url`` are set where the type says."""

    LOGIN = "login"
    PROFILE_VIEW = "profile_view"
    FRIEND_LIST_VIEW = "friend_list_view"
    SEARCH = "search"
    FRIEND_REQUEST = "friend_request"
    FRIEND_ACCEPT = "friend_accept"
    FOLLOW = "follow"
    GROUP_JOIN = "group_join"
    MESSAGE = "message"
    LINK_SHARE = "link_share"
    POST = "post"
    COMMENT = "comment"
    REACTION = "reaction"


class Phase(StrEnum):
    """The surveillance chain of Meta's December 2021 report, in order."""

    RECONNAISSANCE = "reconnaissance"
    ENGAGEMENT = "engagement"
    EXPLOITATION = "exploitation"

    @property
    def rank(self) -> int:
        return _PHASE_RANK[self]


_PHASE_RANK = {Phase.RECONNAISSANCE: 1, Phase.ENGAGEMENT: 2, Phase.EXPLOITATION: 3}
