"""Infrastructure verdicts: URL parsing, indicator index, lookalike detection, verdict engine."""
