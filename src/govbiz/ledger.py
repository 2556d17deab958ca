"""The Ledger (问题台账): the one application service county systems call.

Every change goes the same way::

    command (validated pydantic model)
      -> Ledger.handle(actor, command)
        -> unit of work: load the record, let the domain decide, apply the event
        -> commit state and event together (or nothing)
      -> after commit: subscribers see the events (notifications, plugins)

The ledger reads the time from its injected clock once per command and never
elsewhere, so a simulation or a test controls time completely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs

from govbiz import commands as c
from govbiz.audit import SHA256
from govbiz.clock import Clock, SystemClock, require_aware
from govbiz.contact_keys import clear_contacts_policy
from govbiz.domain.actors import Actor
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.holiday_notice import KeptNotice
from govbiz.domain.lifecycle import Action, ProblemState
from govbiz.domain.problem import Problem, allowed_actions
from govbiz.domain.tenancy import Division
from govbiz.errors import NotFoundError, PermissionDeniedError, ValidationError
from govbiz.handlers import HANDLERS, CommandContext, Counties
from govbiz.kept_notices import KeptNotices, NoticeAdded
from govbiz.notify.notifier import Notifier
from govbiz.ports.cipher import ClearContacts
from govbiz.ports.hasher import Hasher
from govbiz.ports.storage import ProblemQuery, Record, RecordKind, Store, UnitOfWork
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore

if TYPE_CHECKING:
    from govbiz.contact_keys import KeyRing
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.ports.attachments import AttachmentStore

__all__ = ["EventSubscriber", "Ledger", "LedgerUnit"]

log = logging.getLogger(__name__)

#: Called with the events of each committed command, after the commit.
EventSubscriber = Callable[[Sequence[DomainEvent]], None]

#: What a command's handler returns (see `govbiz.commands.Command`).
Result = TypeVar("Result")


class Ledger:
    """The problem ledger of one or more counties, over a store.

    `store` defaults to a fresh `govbiz.storage.MemoryStore`;
    `clock` to the system clock in Beijing time.  `profiles` maps a
    division code to its `govbiz.profile.CountyProfile`; for divisions
    not listed, `profile_source(county)` is asked once (plugins answer it
    when the ledger comes from `govbiz.open`), then `default_profile`.  `subscribers` are called with the
    events of every committed command.  ``hasher`` seals the audit chain
    (SHA-256 by default; see `govbiz.audit`).  ``contact_keys`` seals
    enterprise contacts at rest (`govbiz.contact_keys`); without it,
    ``clear_contacts`` (default: the store's policy, unless
    ``$GOVBIZ_CONTACTS_IN_CLEAR=1``) says whether they may be
    kept in clear.  Queries never return contacts in clear:
    `c.RevealContacts` does, for the roles that may see them, and records it.  The holiday notices kept in
    the store (`c.AddHolidayNotice`) are on every county's calendar
    (`policy`); `notices` re-reads them at most once a minute.
    ``attachments`` keeps the bytes of files attached to problems
    (`govbiz.ports.attachments.AttachmentStore`; see `govbiz.attachments`);
    without one, `c.AttachFile` is refused.

    Each command is handled by a function of `govbiz.handlers`; `unit`
    commits several commands together.  A ledger is a context manager:
    leaving the block closes its store (`close`).
    `govbiz.retry.handle_retrying` retries a command that lost a write
    conflict (`govbiz.errors.ConcurrencyError`).
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        profiles: Mapping[str, CountyProfile] | None = None,
        default_profile: CountyProfile | None = None,
        profile_source: Callable[[str], CountyProfile | None] | None = None,
        subscribers: Iterable[EventSubscriber] = (),
        hasher: Hasher = SHA256,
        contact_keys: KeyRing | None = None,
        clear_contacts: ClearContacts | None = None,
        attachments: AttachmentStore | None = None,
    ) -> None:
        self.store = store if store is not None else MemoryStore()
        self.clock = clock if clock is not None else SystemClock()
        self._profiles = dict(profiles or {})
        self._given = frozenset(self._profiles)
        self._default_profile = default_profile or CountyProfile()
        self._profile_source = profile_source
        self._subscribers = list(subscribers)
        #: What command handlers and notifications know of the counties served.
        self.counties = Counties(
            profile=self.profile, notices=KeptNotices(), hasher=hasher, contact_keys=contact_keys,
            clear_contacts=clear_contacts or clear_contacts_policy(self.store.clear_contacts),
            attachments=attachments,
        )  # fmt: skip
        #: Builds the notifications each command queues (in the same transaction).
        self.notifier = Notifier(self.counties)

    # === lifetime ======================================================================

    def close(self) -> None:
        """Close the subscribers that can be (a `govbiz.checkpointer.Checkpointer` anchors what is
        pending), then release the store's connections; the ledger is unusable afterwards."""
        for subscriber in self._subscribers:
            close = getattr(subscriber, "close", None)
            if callable(close):
                close()
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # === configuration =================================================================

    @property
    def notices(self) -> KeptNotices:
        """The holiday notices this ledger keeps, and the calendars they make."""
        return self.counties.notices

    @notices.setter
    def notices(self, notices: KeptNotices) -> None:
        self.counties = attrs.evolve(self.counties, notices=notices)
        self.notifier = Notifier(self.counties)

    @property
    def attachments(self) -> AttachmentStore | None:
        """Where this ledger keeps the bytes of attachments (附件), or `None`: it takes none."""
        return self.counties.attachments

    @attachments.setter
    def attachments(self, store: AttachmentStore | None) -> None:
        self.counties = attrs.evolve(self.counties, attachments=store)
        self.notifier = Notifier(self.counties)

    @property
    def hasher(self) -> Hasher:
        """The hash function sealing this ledger's audit chain (SHA-256 unless configured)."""
        return self.counties.hasher

    def profile(self, county: str) -> CountyProfile:
        """The profile in force for `county` (resolved once, then remembered)."""
        profile = self._profiles.get(county)
        if profile is None:
            found = self._profile_source(county) if self._profile_source else None
            profile = self._profiles.setdefault(county, found or self._default_profile)
        return profile

    def forget_profiles(self) -> None:
        """Resolve each county's profile again on next use (after a configuration file is applied).

        Profiles given to the constructor (`profiles`) are kept.
        """
        self._profiles = {county: p for county, p in self._profiles.items() if county in self._given}

    def policy(self, county: str) -> DeadlinePolicy:
        """The deadline policy in force for `county`: its profile's, on a calendar that has
        the holiday notices kept in this ledger (re-read when a minute old)."""
        self._refresh_notices()
        return self.counties.policy(county)

    def holiday_notices(self) -> tuple[KeptNotice, ...]:
        """The holiday notices kept in this ledger, in the order they were added."""
        self._refresh_notices()
        return self.notices.kept

    def _refresh_notices(self) -> None:
        if self.notices.stale():
            with self.store.unit_of_work() as uow:
                self.notices.refresh(uow)

    def subscribe(self, subscriber: EventSubscriber) -> None:
        """Call `subscriber` with the events of every command committed from now on."""
        self._subscribers.append(subscriber)

    # === commands ======================================================================

    def handle(self, actor: Actor, command: c.Command[Result]) -> Result:
        """Carry out `command` for `actor` atomically and return the changed record.

        Returns the new `govbiz.domain.problem.Problem` for problem
        commands and the registry record (`Division`, `Department`,
        `Enterprise`, `ReceptionSession`, `LastingRule`, `Circular`)
        for the others.  On any error nothing is stored and the error
        propagates: `govbiz.errors.ValidationError`,
        `govbiz.errors.NotFoundError`,
        `govbiz.errors.PermissionDeniedError`,
        `govbiz.errors.IllegalTransitionError` or
        `govbiz.errors.ConcurrencyError`.
        """
        self._refresh_notices()
        with self.store.unit_of_work() as uow:
            ctx, result = self._run(uow, actor, command)
            uow.commit()
        self._committed(ctx.events, result)
        return result

    @contextmanager
    def unit(self) -> Iterator[LedgerUnit]:
        """Several commands in one unit of work (整批提交): all stored together, or none.

        ``with ledger.unit() as unit: unit.handle(actor, command) ...``
        runs each command as `handle` does (the same checks, events,
        notifications), each reading what the earlier ones staged; leaving
        the block commits them all in one transaction, and only then are
        the ledger's subscribers told (`LedgerUnit.events` holds them).
        An error leaving the block discards every command.  A command that
        fails inside the block spoils the unit even when the error is
        caught: leaving the block then stores nothing and raises
        `govbiz.errors.ValidationError`.  Other writers may commit
        meanwhile; a conflict on the same record fails the whole unit with
        `govbiz.errors.ConcurrencyError`.
        """
        self._refresh_notices()
        with self.store.unit_of_work() as uow:
            unit = LedgerUnit(self, uow)
            yield unit
            if unit.failed is not None:
                raise ValidationError(
                    "unit", type(unit.failed).__name__, "a command of this unit failed: nothing was stored"
                ) from unit.failed
            uow.commit()
        self._committed(unit.events, *unit.results)

    def _run(
        self, uow: UnitOfWork, actor: Actor, command: c.Command[Result]
    ) -> tuple[CommandContext, Result]:
        """Decide and stage one command in `uow`, with its notifications (nothing is committed)."""
        handler = HANDLERS.get(type(command))
        if handler is None:
            raise ValidationError("command", type(command).__name__, "not a govbiz command")
        ctx = CommandContext(uow, actor, require_aware(self.clock.now(), "clock.now()"), self.counties)
        result: Result = handler(ctx, command)
        # Notifications go to the outbox in the same transaction as their events:
        # both are stored or neither is, and a dispatcher delivers them later.
        for entry in self.notifier.for_events(ctx.events, ctx.problems, uow):
            uow.enqueue_new(entry)
        return ctx, result

    def _committed(self, events: Sequence[DomainEvent], *results: object) -> None:
        """After the commit: count on added notices at once, then tell the subscribers."""
        for result in results:
            if isinstance(result, NoticeAdded):
                self.notices.added(result.kept)  # this process counts on it from the next command
        # The state change is already committed: a failing subscriber must not
        # look like a failed command, so it is logged, never raised.
        for subscriber in self._subscribers:
            try:
                subscriber(events)
            except Exception:
                log.exception("event subscriber %r failed; the command itself was committed", subscriber)

    # === queries =======================================================================

    def problem(self, actor: Actor, problem_id: str) -> Problem:
        """The problem `problem_id` as the actor may see it."""
        with self.store.unit_of_work() as uow:
            return self._visible_problem(uow, actor, problem_id)

    def problems(
        self,
        actor: Actor,
        *,
        county: str | None = None,
        states: Iterable[ProblemState | str] | None = None,
        department: str | None = None,
        lead: str | None = None,
        enterprise_id: str | None = None,
        session_id: str | None = None,
        category: str | None = None,
        due_before: datetime | None = None,
    ) -> list[Problem]:
        """Problems the actor may see, filtered; ordered by id.

        `county` narrows a city actor's roll-up to one county;
        `due_before` lists problems with a running clock whose cutoff is at
        or before that instant (approaching, due or overdue).
        """
        with self.store.unit_of_work() as uow:
            visible = self._visible_counties(uow, actor)
            if county is not None:
                if county not in visible:
                    reason = f"county {county} is not yours"
                    raise PermissionDeniedError(actor.describe(), "list problems", reason)
                visible = frozenset({county})
            query = ProblemQuery(
                counties=visible,
                states=frozenset(ProblemState(s) for s in states) if states is not None else None,
                department=department,
                lead=lead,
                enterprise_id=enterprise_id,
                session_id=session_id,
                category=category,
                due_before=require_aware(due_before, "due_before") if due_before else None,
            )
            return list(uow.find_problems(query))

    def agenda(self, actor: Actor, session_id: str) -> list[Problem]:
        """The problems scheduled for or assigned at a session (接待日议程)."""
        session = self.record(actor, RecordKind.SESSION, session_id)
        return self.problems(actor, county=session.county, session_id=session.id)

    def history(self, actor: Actor, problem_id: str) -> list[DomainEvent]:
        """The audit trail (留痕) of a problem: every event, oldest first."""
        with self.store.unit_of_work() as uow:
            self._visible_problem(uow, actor, problem_id)
            return uow.events("problem", problem_id)

    def allowed_actions(self, actor: Actor, problem_id: str) -> frozenset[Action]:
        """What the lifecycle allows on the problem now (before role and scope checks)."""
        return allowed_actions(self.problem(actor, problem_id))

    def record(self, actor: Actor, kind: RecordKind | str, key: str) -> Any:
        """A registry record (division, department, enterprise, session, lasting rule, circular)."""
        kind = RecordKind(kind)
        with self.store.unit_of_work() as uow:
            record = uow.get_record(kind, key)
            if record is None or _county_of(record) not in self._visible_counties(uow, actor):
                raise NotFoundError(kind.value, key)
            return _withheld(record)

    def records(self, actor: Actor, kind: RecordKind | str) -> list[Any]:
        """Every registry record of `kind` the actor may see, ordered by key."""
        with self.store.unit_of_work() as uow:
            return [
                _withheld(r) for r in uow.list_records(RecordKind(kind), self._visible_counties(uow, actor))
            ]

    # === helpers =======================================================================

    def _visible_counties(self, uow: UnitOfWork, actor: Actor) -> frozenset[str]:
        """The actor's own division and, for a city, its counties (rolled up)."""
        children = {
            d.code
            for d in uow.list_records(RecordKind.DIVISION)
            if isinstance(d, Division) and d.parent == actor.county
        }
        return frozenset({actor.county, *children})

    def _visible_problem(self, uow: UnitOfWork, actor: Actor, problem_id: str) -> Problem:
        problem = uow.get_problem(problem_id)
        if problem is None or problem.county not in self._visible_counties(uow, actor):
            raise NotFoundError("problem", problem_id)
        return problem


def _withheld(record: Record) -> Record:
    """A record as a query shows it: an enterprise without its contacts (`c.RevealContacts` shows them)."""
    return record.withheld() if isinstance(record, Enterprise) else record


def _county_of(record: Record) -> str:
    return record.code if isinstance(record, Division) else record.county


class LedgerUnit:
    """Commands staged in one unit of work of a ledger (`Ledger.unit`)."""

    def __init__(self, ledger: Ledger, uow: UnitOfWork) -> None:
        self._ledger = ledger
        self._uow = uow
        #: The events of the unit's commands, in order.
        self.events: list[DomainEvent] = []
        #: What each command returned, in order.
        self.results: list[object] = []
        #: The first error a command raised; the unit then stores nothing.
        self.failed: Exception | None = None

    def handle(self, actor: Actor, command: c.Command[Result]) -> Result:
        """Stage `command` for `actor` in the unit; like `Ledger.handle`, committed with the unit."""
        if self.failed is not None:
            raise ValidationError(
                "unit",
                type(self.failed).__name__,
                "an earlier command of this unit failed: nothing will be stored",
            ) from self.failed
        try:
            ctx, result = self._ledger._run(self._uow, actor, command)
        except Exception as error:
            self.failed = error
            raise
        self.events.extend(ctx.events)
        self.results.append(result)
        return result
