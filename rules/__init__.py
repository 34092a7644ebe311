"""crossaudit.rules."""
