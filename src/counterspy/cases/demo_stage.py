"""The demo's enforcement stage: cases from detection → a reviewer approves the top case → the
outbox worker delivers to the simulated platform → the platform's own record is checked."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

from counterspy.auth import users
from counterspy.cases.opening import open_cases
from counterspy.cases.review import review_accounts
from counterspy.cases.views import Decision, get_case, list_cases
from counterspy.enforce.simplatform import PlatformState, serve_in_thread
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig
from counterspy.enforce.worker import run_outbox
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.storage.db import Store
from counterspy.workspace import Workspace

DEMO_INVESTIGATOR = "demo-investigator"  # opens the cases
DEMO_REVIEWER = "demo-reviewer"  # approves (a different person: four eyes)
DEMO_REASON = "surveillance-for-hire"


@dataclass(frozen=True)
class EnforcementDemo:
    cases_opened: int
    top_case: int | None
    approved: int  # accounts approved in the top case
    acked: int  # deliveries the platform acknowledged
    disabled_once_each: int  # accounts the platform disabled exactly once
    disabled_more_than_once: int
    unapproved_touched: int  # accounts the platform changed that nobody approved (must be 0)


def run_enforcement_demo(
    store: Store, ws: Workspace, progress: Progress = NULL_PROGRESS
) -> EnforcementDemo:
    with store.session() as s:
        users.create_user(s, name=DEMO_INVESTIGATOR, role="investigator", actor="demo")
        users.create_user(s, name=DEMO_REVIEWER, role="reviewer", actor="demo")
    with store.session() as s:
        opened = open_cases(s, ws, actor=DEMO_INVESTIGATOR, progress=progress)
    with store.session() as s:
        cases = list_cases(s)
    if not cases:
        return EnforcementDemo(len(opened.created), None, 0, 0, 0, 0, 0)
    top = max(cases, key=lambda c: (c.accounts, -c.id))
    with store.session() as s:
        review_accounts(
            s, top.id, decision=Decision.APPROVED, reason_code=DEMO_REASON, actor=DEMO_REVIEWER,
            note="demo: approved after reviewing the evidence",
        )  # fmt: skip
    approved = top.accounts
    secret = secrets.token_bytes(32)
    state = PlatformState(secret=secret)
    with serve_in_thread(state) as url:
        with WebhookAdapter(WebhookConfig(url=url, secret=secret)) as adapter:
            run = run_outbox(store, adapter, progress=progress)
        record = state.snapshot()
    with store.session() as s:
        accounts = get_case(s, top.id).accounts
        wanted = {a.account_id for a in accounts if a.decision == Decision.APPROVED}
    disables = Counter(
        a["target"] for a in record["applications"] if a["action"] == "disable_account"
    )
    return EnforcementDemo(
        cases_opened=len(opened.created),
        top_case=top.id,
        approved=approved,
        acked=run.acked,
        disabled_once_each=sum(1 for t, n in disables.items() if n == 1 and t in wanted),
        disabled_more_than_once=sum(1 for n in disables.values() if n > 1),
        unapproved_touched=len(set(record["accounts"]) - wanted),
    )
