"""Notifying targets after a takedown: planning, localised content, outbox delivery."""
