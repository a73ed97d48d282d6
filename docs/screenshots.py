"""Take the console screenshots in docs/screenshots/ (not part of the test suite).

    python docs/screenshots.py [--accounts 20000] [--keep DIR]

Runs the demo (simulated platform → detection), adds what an investigation team would have
done by then (users, indicator imports, a blocklist entry, review decisions, a notification
batch, a lawful request), serves the app on a loopback port and photographs the main pages in
Debian's Chromium at desktop and phone width. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from counterspy.api.app import create_app
from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.cases.appeals import file_appeal
from counterspy.cases.models import CaseAccountRow
from counterspy.cases.opening import open_cases
from counterspy.cases.review import review_accounts
from counterspy.cases.views import Decision
from counterspy.demo import DEMO_ADMIN, DemoConfig, run_demo
from counterspy.detect.results import read_result
from counterspy.intel import store as intel
from counterspy.intel.importer import prepare_import
from counterspy.legal import agencies, requests
from counterspy.legal.model import DataCategory, LegalProcess, RequestDraft
from counterspy.legal.policy import default_policy
from counterspy.legal.targets import WorkspaceTargets
from counterspy.notify import planning
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

HERE = Path(__file__).resolve().parent
OUT = HERE / "screenshots"
SHARED = HERE.parent.parent / "shared" / "data"
PASSWORD = "screenshots-only-password"  # noqa: S105 - throwaway demo users
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEAM = (
    (DEMO_ADMIN, "admin", None),
    ("rita", "reviewer", None),
    ("ivan", "investigator", None),
    ("ana", "auditor", None),
    ("fbi-liaison", "agency", "us-fbi"),
)


def seed(ws: Workspace) -> tuple[str, int]:
    """Give the demo workspace a team's history; returns the operation and case to show."""
    store = open_store(ws)
    ops = read_result(ws, "operations").sort_values("confidence", ascending=False)
    accounts = read_result(ws, "accounts")
    top = str(ops.iloc[0]["operation_id"])
    second = str(ops.iloc[1]["operation_id"])
    flagged = accounts[accounts["flagged"]]
    members = list(flagged.loc[flagged["operation_id"] == second, "account_id"])
    with store.session() as s:
        for name, role, org in TEAM:
            if name != DEMO_ADMIN:
                users.create_user(s, name=name, role=role, actor=DEMO_ADMIN, organisation=org)
            users.set_password(s, name=name, password=PASSWORD, actor=DEMO_ADMIN)
    if SHARED.is_dir():
        meta = SHARED / "meta" / "2021_12_taking_action_against_surveillance_for_hire.csv"
        files = [f for f in (meta, SHARED / "amnesty" / "cytrox.stix2") if f.exists()]
        intel.apply_import(store, prepare_import(files, join_split=True))
    bad = read_result(ws, "bad_domains")
    with store.session() as s:
        for domain in bad["domain"].head(2):
            intel.block_in_session(s, domain, reason="lookalike used by " + second, added_by="ivan")
            audit.record(
                s,
                actor="ivan",
                action="blocklist.add",
                subject_type="domain",
                subject_id=domain,
                reason="lookalike used by " + second,
            )
        planning.record_takedown(s, second, actor="rita", reason="accounts disabled")
    with store.session() as s:
        open_cases(s, ws, actor="ivan")
    with store.session() as s:
        case = int(
            s.execute(
                select(CaseAccountRow.case_id).where(CaseAccountRow.account_id == members[0])
            ).scalar_one()
        )
        review_accounts(
            s,
            case,
            decision=Decision.APPROVED,
            reason_code="inauthentic-behavior",
            actor="rita",
            accounts=members[:-1],
            note="persona network, see signals",
        )
        review_accounts(
            s,
            case,
            decision=Decision.REJECTED,
            reason_code="insufficient-evidence",
            actor="rita",
            accounts=members[-1:],
            note="only one weak signal",
        )
        if len(members) > 1:
            file_appeal(
                s,
                account_id=members[0],
                statement="Owner writes: the account was bought second-hand in 2020; "
                "asks for it back and offers identity documents.",
                filed_by="ivan",
            )
    with store.session() as s:
        planning.plan_batch(s, ws, actor="ivan")
    policy = default_policy()
    with store.session() as s:
        agencies.register_agency(
            s,
            agency_id="us-fbi",
            name="Federal Bureau of Investigation",
            country="US",
            email="legal@fbi.gov",
            actor=DEMO_ADMIN,
            policy=policy,
            contact_phone="+1 202 555 0100",
        )
        agencies.record_callback(
            s,
            agency_id="us-fbi",
            number="+1 202 324 3000",
            source="fbi.gov contact page",
            confirmed=True,
            actor=DEMO_ADMIN,
        )
        requests.submit_request(
            s,
            agency_id="us-fbi",
            draft=RequestDraft(
                process=LegalProcess.SEARCH_WARRANT,
                country="US",
                categories=frozenset({DataCategory.SUBSCRIBER}),
                accounts=tuple(members[:2]),
                legal_basis_ref="Warrant 21-MJ-0042 (D.D.C.)",
            ),
            actor="fbi-liaison",
            policy=policy,
            targets=WorkspaceTargets(ws),
        )
    top_member = str(flagged.loc[flagged["operation_id"] == top, "account_id"].iloc[0])
    with store.session() as s:
        top_case = s.execute(
            select(CaseAccountRow.case_id).where(CaseAccountRow.account_id == top_member)
        ).scalar_one()
    store.dispose()
    return top, int(top_case)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(ws: Workspace) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sign_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/console/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def shoot(page: Page, base: str, path: str, name: str, full: bool = False) -> None:
    resp = page.goto(base + path)
    if resp is None or resp.status != 200:
        print(f"skipped {name}: {path} answered {resp.status if resp else 'nothing'}")
        return
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print(f"saved docs/screenshots/{name}.png")


def photograph(base: str, operation: str, case: int, batch: int | None) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        shoot(page, base, "/console/sign-in", "sign-in")
        sign_in(page, base, "rita")
        shoot(page, base, "/console/", "dashboard", full=True)
        shoot(page, base, "/console/cases", "cases")
        shoot(page, base, "/console/operations", "operations")
        shoot(page, base, f"/console/operations/{operation}", "operation")
        case_path = f"/console/cases/{case}"
        shoot(page, base, case_path, "case")
        page.goto(base + case_path)
        page.locator("figure").screenshot(path=str(OUT / "operation-graph.png"))
        boxes = page.locator('#review-form input[name="accounts"]')
        for i in range(min(2, boxes.count())):
            boxes.nth(i).check()
        page.get_by_label("Reason code").select_option("surveillance-for-hire")
        page.get_by_label("Note for the audit log").fill("persona network; links to lookalike news")
        page.locator("#review-form fieldset.review").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "review.png"))
        shoot(page, base, "/console/actions", "actions")
        shoot(page, base, "/console/appeals", "appeals")
        if batch is not None:
            shoot(page, base, f"/console/notifications/{batch}", "notification-batch", full=True)
        shoot(
            page,
            base,
            "/console/notifications/preview?locale=ar&phase=engagement",
            "notice-preview-ar",
        )
        shoot(page, base, "/console/legal", "legal-queue")
        shoot(page, base, "/console/intel", "intel")
        auditor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(auditor, base, "ana")
        shoot(auditor, base, "/console/audit", "audit")
        shoot(auditor, base, "/transparency", "public-transparency")
        shoot(auditor, base, "/threat-report", "public-threat-report")
        shoot(auditor, base, "/verify-notice", "public-verify-notice", full=True)
        phone = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
        mobile = phone.new_page()
        sign_in(mobile, base, "rita")
        shoot(mobile, base, "/console/", "phone-dashboard")
        shoot(mobile, base, case_path, "phone-case")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, default=None, help="demo folder to keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp) / "demo"
        summary = run_demo(home, DemoConfig(accounts=args.accounts))
        ws = Workspace(summary.workspace)
        operation, case = seed(ws)
        store = open_store(ws)
        with store.session() as s:
            batches = planning.list_batches(s)
        store.dispose()
        with serve(ws) as base:
            photograph(base, operation, case, batches[0].id if batches else None)
    print(f"demo from {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; pages in {OUT}")


if __name__ == "__main__":
    main()
