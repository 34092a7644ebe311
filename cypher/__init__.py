"""crossaudit.cypher."""
