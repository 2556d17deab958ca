"""alembic migrations of the govbiz schema, oldest first in `versions/` (0001, 0002 ...)."""
