"""The lawful-request channel: agencies, requests, due-process rules, workflow, transparency."""
