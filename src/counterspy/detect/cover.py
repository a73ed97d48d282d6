"""Cover friends, not targets: an outsider a persona befriended but never worked on.

Operator personas build believable profiles: they send friend requests to ordinary people
at large so that the persona has a friend list (Meta's December 2021 report describes the
firms' fake accounts as built to look real before they approach anyone). The people an
operation works on it looks at *and* talks to: it views the profile (reconnaissance), then
befriends and writes (engagement). An account outside the protection programme that
received a friend request from the operation is therefore listed as a target only when the
operation also viewed it (profile, friend list or search) and wrote to it; a friend request
alone, with a view but no conversation, or with a conversation but no look, is cover.

Measured on the simulations (seeds 1–20 tuning and 21–40 validation, stealth 2, main at
43c356b), among listed outsiders without a bad link: friend request without a message 12
false / 0 true (tuning), 28 false / 0 true (validation); friend request and message but no
view 6 / 0 and 6 / 0; friend request, view and message 0 / 17 and 2 / 14 (kept). At-risk
people and recipients of a bad link are always listed: this rule is about outsiders only.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from counterspy.model import EventType

REQUEST = EventType.FRIEND_REQUEST.value
MESSAGE = EventType.MESSAGE.value
VIEWS = (
    EventType.PROFILE_VIEW.value,
    EventType.FRIEND_LIST_VIEW.value,
    EventType.SEARCH.value,
)


@dataclass(frozen=True)
class CoverContacts:
    """When a befriended outsider counts as a target (see the module docstring)."""

    # False: a friend request counts like any other targeting action, as before.
    enabled: bool = True
    # A befriended outsider needs at least this many views and messages from the operation.
    min_views: int = 1
    min_messages: int = 1

    def counts(self, t: ir.Table) -> dict[str, ir.Value]:
        """Aggregates over the operation's actions on one target (``event_type`` column)."""
        return {
            "n_requests": t.event_type.isin((REQUEST,)).cast("int64").sum(),
            "n_messages": t.event_type.isin((MESSAGE,)).cast("int64").sum(),
            "n_views": t.event_type.isin(VIEWS).cast("int64").sum(),
        }

    def worked_on(self, g: ir.Table) -> ir.BooleanValue:
        """True where the outsider is not only a cover friend (``g``: the :meth:`counts`)."""
        if not self.enabled:
            return g.n_requests >= 0
        return (g.n_requests == 0) | (
            (g.n_views >= self.min_views) & (g.n_messages >= self.min_messages)
        )
