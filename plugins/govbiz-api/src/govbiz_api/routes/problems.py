"""`GET /v1/problems` and `GET /v1/problems/{id}`: the ledger's problems as the caller may see them.

The list asks `Ledger.problems` (which applies the caller's division and its
roll-up) with the filters the library has, then narrows by the due window's
start and the text, sorts, and cuts a page.  The cursor is opaque: it holds
the sort and the last item's sort key, so a page never repeats or skips a
problem that did not change meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from govbiz.clock import beijing
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem
from govbiz.errors import ValidationError
from govbiz.records import ProblemRecord
from govbiz_api.app import caller, services
from govbiz_api.problem_details import language
from govbiz_api.tokens import ApiToken
from govbiz_api.views import ProblemDetail, ProblemPage, caller_actions, deadlines_of, etag, event_record

__all__ = ["SORTS", "aware", "router"]

router = APIRouter(tags=["problems"])

#: How a list can be sorted; `-name` sorts descending.  `due` is the earliest running cutoff.
SORTS = ("id", "collected_at", "updated_at", "due")
_NO_DUE = "~"  # sorts after every ISO instant: problems without a running clock come last

Caller = Annotated[ApiToken, Depends(caller)]


@router.get("/problems", response_model=ProblemPage, operation_id="listProblems")
def list_problems(
    *,
    request: Request,
    token: Caller,
    state: Annotated[list[str] | None, Query(description="States (repeat for several)")] = None,
    department: Annotated[str | None, Query(description="Lead or co-handling department")] = None,
    lead: Annotated[str | None, Query(description="Lead department")] = None,
    enterprise: Annotated[str | None, Query(description="Enterprise id")] = None,
    session: Annotated[str | None, Query(description="Session id")] = None,
    category: Annotated[str | None, Query()] = None,
    county: Annotated[str | None, Query(description="A city caller: one of its counties")] = None,
    due_after: Annotated[datetime | None, Query(description="A running clock's cutoff at or after")] = None,
    due_before: Annotated[datetime | None, Query(description="A running clock's cutoff at or before")] = None,
    q: Annotated[str | None, Query(description="Text in id, title or description", max_length=200)] = None,
    sort: Annotated[str, Query(description="id, collected_at, updated_at or due; -name descends")] = "id",
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Problems the caller may see (问题列表), filtered, sorted and paged."""
    ledger = services(request).ledger
    key, descending = _sort(sort)
    states = [_state(s) for s in state] if state is not None else None
    after, before = aware(due_after), aware(due_before)
    found = ledger.problems(
        token.actor, county=county, states=states, department=department, lead=lead,
        enterprise_id=enterprise, session_id=session, category=category, due_before=before,
    )  # fmt: skip
    if after is not None or before is not None:
        found = [p for p in found if _due_within(p, after, before)]
    if q:
        needle = q.casefold()
        found = [p for p in found if needle in f"{p.id}\n{p.title}\n{p.description}".casefold()]
    ranked = sorted(((_key(p, key), p) for p in found), key=lambda pair: pair[0], reverse=descending)
    if cursor is not None:
        last = _read_cursor(cursor, sort)
        ranked = [(k, p) for k, p in ranked if (k < last if descending else k > last)]
    page = ranked[:limit]
    more = len(ranked) > limit
    next_cursor = _write_cursor(sort, page[-1][0]) if more and page else None
    found_page = ProblemPage(
        items=[ProblemRecord.model_validate(p) for _, p in page], next_cursor=next_cursor
    )
    return _json(found_page)


@router.get("/problems/{problem_id}", response_model=ProblemDetail, operation_id="getProblem")
def get_problem(*, request: Request, problem_id: str, token: Caller) -> Response:
    """One problem (问题详情) with its history, deadlines explained, and what the caller may do now.

    The `ETag` header is the problem's version, for `If-Match` on a command.
    """
    ledger = services(request).ledger
    problem = ledger.problem(token.actor, problem_id)
    history = ledger.history(token.actor, problem_id)
    lang = language(request.headers.get("accept-language"))
    detail = ProblemDetail(
        problem=ProblemRecord.model_validate(problem),
        history=[event_record(e) for e in history],
        deadlines=deadlines_of(ledger, problem, lang),
        allowed_actions=caller_actions(problem, token.actor),
    )
    return _json(detail, headers={"ETag": etag(problem)})


def _json(model: BaseModel, headers: dict[str, str] | None = None) -> Response:
    """`model` as the response, serialised once (`response_model` documents it without validating again)."""
    return Response(model.model_dump_json(), media_type="application/json", headers=headers)


def aware(instant: datetime | None) -> datetime | None:
    """A query's instant; without an offset it is Beijing time, as on the command line."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=beijing())


def _due_within(problem: Problem, after: datetime | None, before: datetime | None) -> bool:
    return any(
        (after is None or due.cutoff >= after) and (before is None or due.cutoff <= before)
        for due in problem.open_deadlines()
    )


def _state(text: str) -> ProblemState:
    try:
        return ProblemState(text)
    except ValueError:
        known = ", ".join(s.value for s in ProblemState)
        raise ValidationError("state", text, f"is not a problem state ({known})") from None


def _sort(sort: str) -> tuple[str, bool]:
    name = sort.removeprefix("-")
    if name not in SORTS:
        raise ValidationError("sort", sort, f"sort by one of {', '.join(SORTS)} (-name descends)")
    return name, sort.startswith("-")


def _key(problem: Problem, name: str) -> tuple[str, str]:
    """The sort key: the field as text that sorts in time order, then the id (unique)."""
    if name == "id":
        return (problem.id, problem.id)
    if name == "collected_at":
        return (_utc(problem.collected_at), problem.id)
    if name == "updated_at":
        return (_utc(problem.updated_at) if problem.updated_at else "", problem.id)
    cutoffs = [_utc(due.cutoff) for due in problem.open_deadlines()]
    return (min(cutoffs) if cutoffs else _NO_DUE, problem.id)


def _utc(instant: datetime) -> str:
    from datetime import UTC

    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def _write_cursor(sort: str, key: tuple[str, str]) -> str:
    data = json.dumps({"sort": sort, "after": list(key)}, ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _read_cursor(cursor: str, sort: str) -> tuple[str, str]:
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        made_for, after = str(data["sort"]), (str(data["after"][0]), str(data["after"][1]))
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        raise ValidationError("cursor", cursor, "is not a cursor this API gave") from None
    if made_for != sort:
        raise ValidationError("cursor", cursor, f"was made for sort={made_for}, not sort={sort}")
    return after


@router.get("/problems/{problem_id}/query-code", operation_id="getQueryCode")
def get_query_code(*, request: Request, problem_id: str, token: Caller) -> dict[str, str]:
    """The problem's query code (查询码), for the enterprise's public status lookup.

    Whoever may see the problem may read its code (the library decides, as
    for the problem itself); give it to the enterprise with the number.
    """
    found = services(request)
    problem = found.ledger.problem(token.actor, problem_id)
    return {"number": problem.id, "code": found.query_codes.code(problem.id)}
