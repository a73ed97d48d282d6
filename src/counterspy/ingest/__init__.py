"""Canonical telemetry schemas, readers, validation and the platform simulator."""
