"""Cases: detected operations under review, decisions, split/merge, appeals and reversal."""
