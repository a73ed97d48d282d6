"""Fixed prose of the report: methodology and limitations (our own wording)."""

from __future__ import annotations

from counterspy.report.model import Totals
from counterspy.share.tlp import Tlp


def _n(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary(t: Totals, *, unattributed: bool) -> str:
    """The opening paragraph: what was found and what was done, from the totals only."""
    found = (
        f"We found {_n(t.operations, 'operation', 'operations')} that used "
        f"{_n(t.accounts_detected, 'fake or hijacked account', 'fake or hijacked accounts')} "
        f"to watch, contact or compromise people on our platform."
    )
    firms = (
        f" {_n(t.firms, 'surveillance-for-hire firm is', 'surveillance-for-hire firms are')} "
        f"behind them" + ("; the rest are reported as unattributed." if unattributed else ".")
        if t.firms
        else " None could be attributed to a firm with confidence."
    )
    done = []
    if t.accounts_removed:
        done.append(f"removed {_n(t.accounts_removed, 'account', 'accounts')}")
    if t.blocked_domains:
        done.append(f"blocked {_n(t.blocked_domains, 'domain', 'domains')}")
    action = (
        f" We {' and '.join(done)}." if done else " No enforcement action has been confirmed yet."
    )
    return found + firms + action + " The people targeted are counted here, never named."


def methodology(k: int, tlp: Tlp) -> tuple[str, ...]:
    return (
        "Operator accounts were found from platform telemetry along the three phases of the "
        "surveillance chain: reconnaissance (silent profiling of people), engagement (fake "
        "personas contacting them) and exploitation (links to phishing or malware "
        "infrastructure). No account is flagged on one kind of evidence alone, except a link to "
        "known-bad infrastructure.",
        "Flagged accounts were grouped into operations by shared devices, IP addresses and "
        "photos and by acting on the same people; each operation was compared with public "
        "reporting on each firm (phases, personas, target countries, infrastructure) and "
        "attributed only when one firm matched clearly better than the rest. The others are "
        "reported as unattributed.",
        "Accounts are counted as removed only when the platform confirmed that it disabled "
        "them; infrastructure is counted as blocked only when it is on the enforcement "
        "blocklist.",
        f"People are never named. Targeted accounts are counted per country and per phase; any "
        f"count below {k} is shown as “<{k}”, and countries with fewer than {k} targets are "
        f"combined. Operator accounts are counted, never listed: some are hijacked accounts of "
        f"real people.",
        f"This edition is {tlp.label}. The appendix lists only indicators cleared for that "
        f"level: our own detections once enforcement has blocked them, and indicators from "
        f"other sources only at the level their source allows.",
    )


def limitations(k: int) -> tuple[str, ...]:
    return (
        "Detection misses operators that stay quiet: personas that contact few people, or none "
        "in the protection programme, look like ordinary users. Counts of operators and targets "
        "are therefore lower bounds.",
        "Attribution is an assessment from behaviour and infrastructure compared with public "
        "reporting, not proof; an operation may be split across pieces and a piece may be "
        "left unattributed.",
        "A targeted account was reached by an operation; it does not mean the person was "
        "compromised. Countries are those the accounts declare.",
        f"Small counts are suppressed (<{k}) so that no individual can be singled out; totals "
        f"therefore may exceed the sum of the rows shown.",
    )
