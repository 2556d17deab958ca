"""Storage: the port every adapter implements, and the in-memory adapter."""

from govbiz.storage.memory import MemoryStore
from govbiz.storage.port import ProblemQuery, Record, RecordKind, Store, UnitOfWork

__all__ = ["MemoryStore", "ProblemQuery", "Record", "RecordKind", "Store", "UnitOfWork"]
