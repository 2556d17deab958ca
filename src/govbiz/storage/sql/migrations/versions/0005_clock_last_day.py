"""Each running clock's last day (最后一日), so the warning sweep is classified in SQL.

A clock's warning level (临期, 今日到期, 逾期, 严重逾期) depends on its last day
and the county's calendar; `govbiz.deadlines.WarningThresholds` turns the
calendar part into a few dates per county, which SQL compares with this
column.  Existing rows get the last day of the deadline whose cutoff they
hold, read from the problem's snapshot.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problem_clocks") as batch:
        batch.add_column(sa.Column("last_day", sa.Date(), nullable=True))
    _fill_last_days()
    with op.batch_alter_table("problem_clocks") as batch:
        batch.alter_column("last_day", existing_type=sa.Date(), nullable=False)
    op.create_index("ix_problem_clocks_county_last_day", "problem_clocks", ["county", "last_day"])


def _fill_last_days() -> None:
    conn = op.get_bind()
    clocks = sa.table(
        "problem_clocks",
        sa.column("problem_id", sa.String()),
        sa.column("clock", sa.String()),
        sa.column("last_day", sa.Date()),
    )
    problems = sa.table("problems", sa.column("id", sa.String()), sa.column("data", sa.JSON()))
    running = sa.select(problems.c.data).where(problems.c.id.in_(sa.select(clocks.c.problem_id)))
    last_days = {key: day for (data,) in conn.execute(running) for key, day in _last_days(data).items()}
    for (problem_id, clock), (_, day) in last_days.items():
        where = (clocks.c.problem_id == problem_id, clocks.c.clock == clock)
        conn.execute(sa.update(clocks).where(*where).values(last_day=day))


def _last_days(problem: dict[str, Any]) -> dict[tuple[str, str], tuple[datetime, date]]:
    """The (earliest cutoff, its last day) of each clock of the problem's assignment.

    A clock row holds its clock's earliest cutoff; the day is that deadline's.
    """
    found: dict[tuple[str, str], tuple[datetime, date]] = {}
    for due in (problem.get("assignment") or {}).get("deadlines", []):
        key = (problem["id"], due["clock"])
        cutoff = datetime.fromisoformat(due["cutoff"]).astimezone(UTC)
        if key not in found or cutoff < found[key][0]:
            found[key] = (cutoff, date.fromisoformat(due["last_day"]))
    return found


def downgrade() -> None:
    op.drop_index("ix_problem_clocks_county_last_day", table_name="problem_clocks")
    with op.batch_alter_table("problem_clocks") as batch:
        batch.drop_column("last_day")
