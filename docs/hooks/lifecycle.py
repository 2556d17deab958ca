"""MkDocs hook: render the problem lifecycle from the code at build time.

A page that contains ``<!-- govbiz:lifecycle-diagram -->`` gets a Mermaid
state diagram generated from ``govbiz.domain.lifecycle.TRANSITIONS``, and
``<!-- govbiz:lifecycle-table -->`` gets the table itself (action, states,
roles).  The picture in the docs is therefore always the table the code
enforces; nobody maintains it by hand.
"""

from __future__ import annotations

from typing import Any

from govbiz.domain.lifecycle import ACTION_ROLES, TRANSITIONS, ProblemState, mermaid_diagram

DIAGRAM = "<!-- govbiz:lifecycle-diagram -->"
TABLE = "<!-- govbiz:lifecycle-table -->"


def lifecycle_table() -> str:
    """The lifecycle table as Markdown: one row per transition."""
    rows = [
        "| action | 中文 | from | to | roles |",
        "| --- | --- | --- | --- | --- |",
    ]
    order = list(ProblemState)
    for t in TRANSITIONS:
        sources = ", ".join(f"`{s.value}`" for s in sorted(t.sources, key=order.index)) or "(new)"
        target = f"`{t.target.value}`" if t.target else "(unchanged)"
        action = f"`{t.action.value}`" + (f" ({t.outcome})" if t.outcome else "")
        roles = ", ".join(sorted(r.value for r in ACTION_ROLES[t.action]))
        rows.append(f"| {action} | {t.action.label_zh} | {sources} | {target} | {roles} |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the lifecycle markers with the generated diagram and table."""
    if DIAGRAM in markdown:
        markdown = markdown.replace(DIAGRAM, "```mermaid\n" + mermaid_diagram() + "```\n")
    if TABLE in markdown:
        markdown = markdown.replace(TABLE, lifecycle_table())
    return markdown
