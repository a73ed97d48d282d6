"""Roles and what each may do, as data.

Permission and role names are storage keys (users are stored with their role name) and appear
in the API's 403 messages: they never change. Routes ask for a permission, never for a role, so
the matrix below is the one place that decides who may do what.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    PARTNER = "partner"  # another platform or a researcher consuming shared indicators
    AGENCY = "agency"  # a government agency using the lawful-request channel
    # The platform's own integration service: pulls in-product notices to show them to people.
    PLATFORM = "platform"


class Permission(StrEnum):
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"  # split / merge cases, add evidence
    CASES_REVIEW = "cases:review"  # approve or reject proposed actions
    ACTIONS_EXECUTE = "actions:execute"
    TARGETS_READ = "targets:read"  # who was targeted: the most sensitive data we hold
    CONTACTS_READ = "contacts:read"  # decrypted contact details of targets
    INTEL_READ = "intel:read"
    INTEL_WRITE = "intel:write"  # import indicators, edit the blocklist
    VERDICTS_CHECK = "verdicts:check"
    NOTIFY_PLAN = "notify:plan"
    NOTIFY_APPROVE = "notify:approve"
    NOTIFY_FEED = "notify:feed"  # poll and acknowledge the in-product notice feed
    SHARE_EXPORT = "share:export"
    TAXII_READ = "taxii:read"
    LEGAL_SUBMIT = "legal:submit"
    LEGAL_READ_OWN = "legal:read_own"
    LEGAL_REVIEW = "legal:review"
    LEGAL_READ_ALL = "legal:read_all"
    AUDIT_READ = "audit:read"
    ENTITIES_SCREEN = "entities:screen"  # screen names against the entity ban registry
    USERS_MANAGE = "users:manage"


_P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.INVESTIGATOR: frozenset(
        {
            _P.CASES_READ,
            _P.CASES_WRITE,
            _P.TARGETS_READ,
            _P.INTEL_READ,
            _P.INTEL_WRITE,
            _P.VERDICTS_CHECK,
            _P.NOTIFY_PLAN,
            _P.SHARE_EXPORT,
            _P.TAXII_READ,  # check what partners receive, see every collection
            _P.ENTITIES_SCREEN,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            _P.CASES_READ,
            _P.CASES_REVIEW,
            _P.ACTIONS_EXECUTE,
            _P.TARGETS_READ,
            _P.CONTACTS_READ,
            _P.INTEL_READ,
            _P.VERDICTS_CHECK,
            _P.NOTIFY_APPROVE,
            _P.LEGAL_REVIEW,
            _P.LEGAL_READ_ALL,
            _P.ENTITIES_SCREEN,
        }
    ),
    Role.AUDITOR: frozenset({_P.CASES_READ, _P.INTEL_READ, _P.LEGAL_READ_ALL, _P.AUDIT_READ}),
    Role.PARTNER: frozenset({_P.TAXII_READ, _P.VERDICTS_CHECK}),
    Role.AGENCY: frozenset({_P.LEGAL_SUBMIT, _P.LEGAL_READ_OWN}),
    Role.PLATFORM: frozenset({_P.NOTIFY_FEED}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def parse_role(value: str) -> Role:
    """The role named ``value``; raises ValueError listing the valid names."""
    try:
        return Role(value)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r} (valid: {valid})") from None
