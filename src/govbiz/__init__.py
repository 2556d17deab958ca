"""govbiz: the government–enterprise reception-day mechanism as a library.

政企面对面暨企业家接待日: enterprise problems are collected into a ledger
(问题台账), assigned on the spot at reception days (现场交办), tracked against
working-day deadlines, visited again (回访) and supervised (督查通报).

Importing this package has no side effects: no storage is opened, no plugin
is loaded and no clock is read until you ask for it.
"""

from __future__ import annotations

__version__ = "0.1.0"
