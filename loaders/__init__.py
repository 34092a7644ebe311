"""crossaudit.loaders."""
