"""Command handlers (办理): one function per command, in modules by concern.

- `govbiz.handlers.registry`: divisions, departments, enterprises, lasting rules (登记);
- `govbiz.handlers.problems`: a problem's own life, from collection to return visit (办理);
- `govbiz.handlers.imported`: the handling an imported ledger records (导入的办理经过);
- `govbiz.handlers.sessions`: reception days and assignment (接待日与交办);
- `govbiz.handlers.supervision`: circulars and reminders (督查);
- `govbiz.handlers.notices`: holiday notices kept in the ledger (放假安排).

A handler takes the command's `CommandContext` and the command, and returns
what `Ledger.handle` returns for it.  `HANDLERS` is the one table the
Ledger dispatches on; a command missing from it is not a govbiz command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govbiz import commands as c
from govbiz.handlers import (
    contacts,
    county_config,
    imported,
    notices,
    problems,
    registry,
    sessions,
    supervision,
)
from govbiz.handlers.context import CommandContext, Counties, Handler

__all__ = ["HANDLERS", "CommandContext", "Counties", "Handler"]

#: Every command's handler.
HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    **registry.HANDLERS,
    **contacts.HANDLERS,
    **problems.HANDLERS,
    **imported.HANDLERS,
    **sessions.HANDLERS,
    **supervision.HANDLERS,
    **notices.HANDLERS,
    **county_config.HANDLERS,
}
