"""Indicator intelligence: import, normalisation, provenance and the indicator store."""
