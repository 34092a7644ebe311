"""crossaudit.viz."""
