"""Sharing findings with partners and researchers: STIX 2.1, MISP, Meta CSV, TAXII 2.1."""
