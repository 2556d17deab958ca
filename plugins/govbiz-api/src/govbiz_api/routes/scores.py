"""`GET /v1/scores?county=&month=`: a county's monthly scores per department and its 红黑榜 (月度考核).

The answer is `govbiz.metrics.score.MonthlyScores.to_json`, what
`govbiz score --json` prints: each department's score line by line, every
line with the problem ids behind it, and the boards with the minimum number
of problems to be ranked.  The rules are the county's (`[score]` in its
configuration file).  Which problems are counted is the library's decision:
the caller's problems (`govbiz.metrics.LedgerProblems` with the caller as
actor), so a county's token scoring another county is refused as a report is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from govbiz_api.app import caller, services
from govbiz_api.routes.problems import aware
from govbiz_api.tokens import ApiToken

__all__ = ["DepartmentScoreOut", "MonthlyScoresOut", "ScoreLineOut", "router"]

router = APIRouter(tags=["reports"])


class ScoreLineOut(BaseModel):
    """One line of a score: what earned or cost the points, how, and the problems behind it."""

    label: str
    points: float
    detail: str
    problems: list[str]


class DepartmentScoreOut(BaseModel):
    """A department's score for the month and the problems first assigned to it then."""

    department: str
    score: float
    assigned: list[str]
    lines: list[ScoreLineOut]


class MonthlyScoresOut(BaseModel):
    """The month's scores (`MonthlyScores.to_json`); the boards name department codes."""

    county: str
    month: str
    as_of: datetime
    min_assigned: int
    scores: list[DepartmentScoreOut]
    red_list: list[str]
    black_list: list[str]
    unranked: list[str]


@router.get("/scores", operation_id="getScores", response_model=MonthlyScoresOut)
def get_scores(
    *,
    request: Request,
    token: Annotated[ApiToken, Depends(caller)],
    month: Annotated[str, Query(description="The month of the assignments, YYYY-MM")],
    county: Annotated[str | None, Query(description="Default: the caller's division")] = None,
    as_of: Annotated[
        datetime | None, Query(description="Default: the month's end, or now for the month under way")
    ] = None,
) -> dict[str, Any]:
    """Each department's score for the problems first assigned in `month`, with the 红黑榜."""
    from govbiz.metrics.score import county_scores

    ledger = services(request).ledger
    code = county or token.actor.county
    return county_scores(ledger, token.actor, code, month, as_of=aware(as_of)).to_json()
