"""The routes under `/v1`, a module per concern: commands, problems, the registry, reports."""
