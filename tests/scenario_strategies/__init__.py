"""Strategy classes for the acceptance scenarios (reference §6.2), written against jesse_dag's public API."""
