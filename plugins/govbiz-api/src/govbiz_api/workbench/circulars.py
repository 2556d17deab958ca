"""督查通报: draft a circular for a period, read it as the document it will be, and publish it.

The draft page (`/supervision/circular?start=…&end=…`) asks the library for
the draft (`govbiz.supervision.generate_circular`, as of now, with the
county's deadline policy) and shows it as the official document
(`govbiz.documents.circular_document`, laid out by
`govbiz.documents.html.document_html` with its own stylesheet,
`/static/gongwen.css`).  The publish form (CSRF) posts the period and the
instant the draft was taken at; the server makes the same draft again and
runs `govbiz.supervision.publish_command(draft)` as the signed-in user: the
library decides whether that user may publish (a supervisor of the county).
Published circulars are listed, each with its page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz.clock import beijing
from govbiz.domain.actors import Actor, Role
from govbiz.domain.circular import Circular
from govbiz.errors import GovbizError, ValidationError
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind
from govbiz_api.workbench.sessions import WebSession
from govbiz_api.workbench.users import User
from govbiz_api.workbench.web import checked_form, error_page, page, signed_in, with_headers, workbench

__all__ = ["draft_of", "router"]

router = APIRouter(include_in_schema=False)


@router.get("/supervision/circular")
def draft_page(
    request: Request,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """起草督查通报: the period chooser, the draft as its document, the publish form and those published."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor, now = bench.services.ledger, user.actor, bench.now()
    today = now.astimezone(beijing()).date()
    try:
        first = _day(start, "start") if start else today.replace(day=1)
        last = _day(end, "end") if end else today
        draft, document = draft_of(ledger, actor, first, last, now)
        published = _published(ledger, actor)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    from govbiz.documents.html import document_html

    return page(
        request, "circular_draft.html", user=user, session=session, start=first.isoformat(),
        end=last.isoformat(), draft=draft, document=document_html(document), number=document.number,
        as_of=now.isoformat(), as_of_text=now.astimezone(beijing()).strftime("%Y-%m-%d %H:%M"),
        may_publish=actor.role is Role.SUPERVISOR, published=published,
    )  # fmt: skip


@router.post("/supervision/circular")
async def publish(request: Request) -> Response:
    """发布: the draft of the posted period, as of the posted instant, published as the signed-in user."""
    user, session = await run_in_threadpool(signed_in, request)
    form = await checked_form(request, session.csrf)
    return await run_in_threadpool(_publish, request, user, session, form)


def _publish(request: Request, user: User, session: WebSession, form: Any) -> Response:
    from govbiz.supervision import publish_command

    bench = workbench(request)
    ledger, now = bench.services.ledger, bench.now()
    try:
        first, last = _day(form.get("start"), "start"), _day(form.get("end"), "end")
        as_of = _instant(form.get("as_of"), now)
        draft, _ = draft_of(ledger, user.actor, first, last, as_of)
        circular = ledger.handle(user.actor, publish_command(draft))
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    return with_headers(RedirectResponse(f"/supervision/circulars/{circular.id}?done=1", status_code=303))


@router.get("/supervision/circulars/{circular_id}")
def circular_page(
    request: Request, circular_id: str, done: Annotated[str, Query(max_length=4)] = ""
) -> Response:
    """A published circular: what it names and its text, as recorded."""
    user, session = signed_in(request)
    ledger = workbench(request).services.ledger
    try:
        circular = ledger.record(user.actor, RecordKind.CIRCULAR, circular_id)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    published = circular.published_at.astimezone(beijing()).strftime("%Y-%m-%d %H:%M")
    return page(
        request, "circular.html", user=user, session=session, circular=circular, published=published,
        done=bool(done),
    )  # fmt: skip


def draft_of(ledger: Ledger, actor: Actor, first: date, last: date, as_of: datetime) -> tuple[Any, Any]:
    """The library's draft of `actor`'s county for the period, as of `as_of`, and its official document.

    The document is numbered after the circulars the county published this
    year (张督通〔2026〕3号 for the third), issued by the county's office as its
    configuration file names it (or as derived from the county's name).
    """
    from govbiz.documents import DocumentSettings, circular_document
    from govbiz.metrics import GroupContext, LedgerProblems
    from govbiz.metrics.grouping import Grouping
    from govbiz.supervision import generate_circular

    county = actor.county
    context = GroupContext.from_ledger(ledger, actor)
    draft = generate_circular(
        LedgerProblems(ledger, actor, county=county), county=county, period_start=first, period_end=last,
        as_of=as_of, context=context, policy=ledger.policy(county),
    )  # fmt: skip
    issued_on = as_of.astimezone(beijing()).date()
    earlier = [
        c for c in _published(ledger, actor) if c.published_at.astimezone(beijing()).year == issued_on.year
    ]
    settings = DocumentSettings.default(context.label(Grouping.COUNTY, county), issued_on)
    settings = _configured(ledger, county, settings)
    return draft, circular_document(draft, attrs.evolve(settings, number=len(earlier) + 1))


def _configured(ledger: Ledger, county: str, settings: Any) -> Any:
    """`settings` with the [documents] table of the county's kept configuration file, if it has one."""
    from govbiz.config.kept import kept_files

    with ledger.store.unit_of_work() as uow:
        files = kept_files(uow)
    found = next((f for f in files if county in f.codes()), None)
    table = found.documents if found is not None else None
    if table is None:
        return settings
    return attrs.evolve(
        settings, issuer=table.issuer or settings.issuer, mark=table.mark,
        prefix=table.prefix or settings.prefix, addressees=tuple(table.addressees),
        copies_to=tuple(table.copies_to), printed_by=table.printed_by,
    )  # fmt: skip


def _published(ledger: Ledger, actor: Actor) -> list[Circular]:
    """The circulars of the actor's county, newest first."""
    found = [c for c in ledger.records(actor, RecordKind.CIRCULAR) if c.county == actor.county]
    return sorted(found, key=lambda c: c.published_at, reverse=True)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, text, "请填写日期，如 2026-11-30") from None


def _instant(text: str, now: datetime) -> datetime:
    """The posted instant the draft was taken at; now when absent, unreadable or in the future."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return now
    if instant.tzinfo is None or instant > now:
        return now
    return instant
