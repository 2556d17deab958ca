"""Storage: the port every adapter implements, and the in-memory adapter."""

from govbiz.ports.storage import ProblemQuery, Record, RecordKind, Store, UnitOfWork
from govbiz.storage.memory import MemoryStore

__all__ = ["MemoryStore", "ProblemQuery", "Record", "RecordKind", "Store", "UnitOfWork"]
