"""Plain-language sentences for detection signals, used in the report's behaviour summaries.

Keyed by the registered signal name (a stable storage key). A signal without an entry is
described by its name, so a new detector never breaks the report. The sentences describe what
the operator accounts did; they never quote signal evidence text, which names accounts.
"""

from __future__ import annotations

BEHAVIOURS: dict[str, str] = {
    "at_risk_viewing": "profiled people in the protection programme they had no tie to",
    "at_risk_concentration": (
        "concentrated their profile viewing on people in the protection programme"
    ),
    "friend_list_enumeration": "went through the friend lists of at-risk people",
    "at_risk_strangers": "acted on at-risk people who had never interacted with them",
    "automation_regularity": "viewed profiles at machine-regular intervals",
    "automation_user_agent": "collected profiles with automation tooling",
    "hosting_network": "operated from hosting and data-centre networks",
    "at_risk_outreach": "sent friend requests or messages to at-risk strangers",
    "young_active_persona": "used newly created personas that started contacting people early",
    "country_mismatch": "claimed to live in one country while connecting from others",
    "shared_photo": "reused the same profile photos across personas",
    "malicious_links": "sent links to credential-phishing or malware domains",
    "co_action": "acted in step with other operator accounts on the same people",
    "shared_device": "shared devices with other operator accounts",
    "shared_ip": "shared IP addresses with other operator accounts",
    "infrastructure": "shared devices, IP addresses or photos with other operator accounts",
    # Same signal name in another phase: keyed "phase.signal", checked first.
    "coordination.shared_photo": "used the same profile photo as other operator accounts",
}


def describe(phase: str, signal: str) -> str:
    return BEHAVIOURS.get(
        f"{phase}.{signal}", BEHAVIOURS.get(signal, f"triggered the `{signal}` detector")
    )
