"""Spreadsheet cells that cannot run: neutralising formula injection (公式注入防护).

A spreadsheet program treats a cell that starts with `=`, `+`, `-` or `@`
as a formula, and a formula can run commands or send data away
(`=HYPERLINK(...)`, `=cmd|'/c calc'!A1`).  An enterprise name or a problem
description typed by anyone must never become one.  Following the OWASP
advice on CSV injection, such a text value is written with a leading
apostrophe (`'=1+1`): every spreadsheet shows it as text, and the
apostrophe is visible, so nothing is silently changed.  Tab and carriage
return are included because some programs skip them before deciding.

`restore` undoes it on import, so a ledger exported and imported again
comes back exactly as it was.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "neutralise", "restore"]

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"


def neutralise(text: str) -> str:
    """`text` made safe for a spreadsheet cell: `'` before a formula-like start."""
    return _GUARD + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """Undo `neutralise`: drop the `'` that guards a formula-like value."""
    if text.startswith(_GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
