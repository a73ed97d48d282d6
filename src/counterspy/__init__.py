"""counterspy: find, disrupt and report surveillance-for-hire operations on an online platform."""

__version__ = "0.1.0"
