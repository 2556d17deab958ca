"""Running clocks as rows, indexed by cutoff: "what is due or overdue as of T" by index.

Existing problems get their rows from their snapshot.  Which clocks run in
which state is copied here as it was at this revision (a migration must not
change meaning when the domain code does later).

Revision ID: 0003
Revises: 0002
Create Date: 2025-06-01
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KEY = sa.String(200)

#: Problem.open_deadlines at this revision: the clocks awaiting a report per state.
_OPEN_CLOCKS = {
    "assigned": {"sign", "progress", "result"},
    "signed": {"progress", "result"},
    "redo": {"progress", "result"},
    "in_progress": {"result"},
    "result_reported": {"return_visit"},
}


def upgrade() -> None:
    op.create_table(
        "problem_clocks",
        sa.Column("problem_id", KEY, nullable=False),
        sa.Column("clock", sa.String(64), nullable=False),
        sa.Column("county", KEY, nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name="fk_problem_clocks_problem_id_problems", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("problem_id", "clock", name="pk_problem_clocks"),
    )
    op.create_index("ix_problem_clocks_cutoff", "problem_clocks", ["cutoff", "problem_id"])
    op.create_index("ix_problem_clocks_county_cutoff", "problem_clocks", ["county", "cutoff"])
    _fill_clocks()


def _fill_clocks() -> None:
    from govbiz.storage.sql.schema import problem_clocks  # UTCDateTime: the stored form of instants

    conn = op.get_bind()
    problems = sa.table("problems", sa.column("data", sa.JSON()))
    rows = [row for (data,) in conn.execute(sa.select(problems.c.data)) for row in _clock_rows(data)]
    if rows:
        conn.execute(sa.insert(problem_clocks), rows)


def _clock_rows(problem: dict[str, Any]) -> list[dict[str, Any]]:
    assignment = problem.get("assignment")
    suspensions = problem.get("suspensions") or []
    if assignment is None or (suspensions and suspensions[-1].get("resumed_at") is None):
        return []
    running = _OPEN_CLOCKS.get(problem["state"], set())
    cutoffs: dict[str, datetime] = {}
    for due in assignment.get("deadlines", []):
        if due["clock"] in running:
            cutoff = datetime.fromisoformat(due["cutoff"]).astimezone(UTC)
            cutoffs[due["clock"]] = min(cutoff, cutoffs.get(due["clock"], cutoff))
    return [
        {"problem_id": problem["id"], "clock": clock, "county": problem["county"], "cutoff": cutoff}
        for clock, cutoff in cutoffs.items()
    ]


def downgrade() -> None:
    op.drop_table("problem_clocks")
