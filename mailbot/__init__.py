"""mailbot: collects rectification ledgers and reports by email and answers every unit."""

__version__ = "0.1.0"
