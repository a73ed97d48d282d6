"""The source (English) text of every notice message: the one list catalogs are checked against.

Each message has a stable key, used as gettext context (``msgctxt``), so catalogs stay keyed
even when the English wording is polished. Placeholders are Python named format fields
(``%(name)s``); translations must use exactly the same set.
"""

from __future__ import annotations

from dataclasses import dataclass

from counterspy.model import Phase

# Bump when wording changes in a way a reviewer should see; stored on every batch and notice.
TEMPLATE_VERSION = "2026.1"


@dataclass(frozen=True)
class Message:
    key: str
    text: str
    plural: str | None = None  # English plural form; the message takes a count ``num``


MESSAGES: tuple[Message, ...] = (
    Message("title", "Security notice: you may have been targeted"),
    Message(
        "phase.reconnaissance",
        "We believe an attacker may have been gathering information about you on our service, "
        "for example by looking at your profile.",
    ),
    Message(
        "phase.engagement",
        "We believe an attacker may have used a fake account to contact you on our service "
        "and gain your trust.",
    ),
    Message(
        "phase.exploitation",
        "We believe an attacker may have used a fake account to send you a harmful link, "
        "meant to take over your device or your accounts.",
    ),
    Message("action_taken", "We have removed the accounts involved."),
    Message(
        "confidence",
        "We cannot be completely sure, and this may be a false alarm. We are telling you so "
        "that you can protect yourself.",
    ),
    Message(
        "no_details",
        "We cannot say more about who is responsible or how we found this, because that would "
        "help the attacker avoid detection.",
    ),
    Message("steps_heading", "What you can do now"),
    Message("step.update", "Update the software on all your phones, tablets and computers."),
    Message("step.2fa", "Turn on two-factor authentication, preferably with a security key."),
    Message(
        "step.sessions",
        "Review where your account is signed in, and sign out of any session or device you do "
        "not recognise.",
    ),
    Message(
        "step.hardened",
        "Turn on the strongest protection mode you have, such as Lockdown Mode on iPhone or "
        "Advanced Protection on Android.",
    ),
    Message("step.links", "Be careful with links and attachments, even from people you know."),
    Message("helpline", "For free, confidential help, contact %(helpline)s (%(contact)s)."),
    Message(
        "verify",
        "To check that this notice is real, open our app or website yourself, without using any "
        "link, and look for it under Security notices in your settings.",
    ),
    Message("never_ask", "We will never ask for your password or send you attachments."),
    Message(
        "retention",
        "This notice will stay in your settings for %(num)s day.",
        "This notice will stay in your settings for %(num)s days.",
    ),
    Message("date", "Date of notice: %(date)s"),
)

BY_KEY: dict[str, Message] = {m.key: m for m in MESSAGES}

PHASE_KEYS: dict[Phase, str] = {p: f"phase.{p.value}" for p in Phase}

STEP_KEYS: tuple[str, ...] = (
    "step.update",
    "step.2fa",
    "step.sessions",
    "step.hardened",
    "step.links",
)
