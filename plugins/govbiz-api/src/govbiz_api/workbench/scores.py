"""红黑榜: each department's monthly score (月度考核), line by line, and the red and black lists.

The page asks the library (`govbiz.metrics.score.monthly_scores`, over the
problems as they stood at the instant of the score, with the county's
working calendar) exactly as `govbiz score` does, so the page and the
command agree.  The instant is the end of the chosen month, or now for the
month under way.  Every line names the problems behind its points, each
linked to its page; departments with fewer problems than the policy's
minimum are scored but not ranked, and the page says so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from govbiz.clock import beijing
from govbiz.errors import GovbizError
from govbiz_api.workbench.ledger_pages import department_names
from govbiz_api.workbench.web import error_page, page, signed_in, workbench

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/supervision/scores")
def scores_page(request: Request, month: Annotated[str, Query(max_length=7)] = "") -> Response:
    """红黑榜 of `month` (YYYY-MM; the current month by default) for the user's county."""
    from govbiz.metrics.score import county_scores, month_end

    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor, now = bench.services.ledger, user.actor, bench.now()
    month = month or now.astimezone(beijing()).strftime("%Y-%m")
    county = actor.county
    try:
        scores = county_scores(ledger, actor, county, month, as_of=now)  # the county's own rules
        names = department_names(ledger, actor)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    ranks = {s.department: i for i, s in enumerate(scores.ranked(), start=1)}
    return page(
        request, "scores.html", user=user, session=session, month=month, scores=scores, names=names,
        ranks=ranks, as_of=scores.as_of.astimezone(beijing()).strftime("%Y-%m-%d %H:%M"),
        under_way=scores.as_of < month_end(month),
    )  # fmt: skip
