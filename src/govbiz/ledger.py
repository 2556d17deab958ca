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

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs

from govbiz import commands as c
from govbiz import due
from govbiz.audit import SHA256, seal
from govbiz.clock import Clock, SystemClock, beijing, require_aware
from govbiz.domain.actors import Actor, Role
from govbiz.domain.circular import Circular
from govbiz.domain.enterprise import Contact, Enterprise
from govbiz.domain.events import DomainEvent, JsonValue
from govbiz.domain.handling import ResultOutcome
from govbiz.domain.holiday_notice import NATIONAL, KeptNotice, notice_key
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.lifecycle import Action, ProblemState
from govbiz.domain.problem import Problem, allowed_actions, apply, authorize, decide, record
from govbiz.domain.session import Chair, ReceptionSession
from govbiz.domain.tenancy import Department, Division, DivisionLevel
from govbiz.errors import NotFoundError, PermissionDeniedError, ValidationError
from govbiz.kept_notices import KeptNotices, NoticeAdded
from govbiz.kept_notices import in_force as kept_in_force
from govbiz.notify.notifier import Notifier
from govbiz.ports.hasher import Hasher
from govbiz.ports.storage import ProblemQuery, Record, RecordKind, Store, UnitOfWork
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore

if TYPE_CHECKING:
    from govbiz.calendar import HolidayNotice
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.kept_notices import RebasedClock

__all__ = ["EventSubscriber", "Ledger"]

log = logging.getLogger(__name__)

#: Called with the events of each committed command, after the commit.
EventSubscriber = Callable[[Sequence[DomainEvent]], None]

R = TypeVar("R", bound=Record)
#: What a command's handler returns (see `govbiz.commands.Command`).
Result = TypeVar("Result")

#: Who may run each registry command (problem actions are in the lifecycle table).
_REGISTRY_ROLES: dict[type[c.Command[Any]], frozenset[Role]] = {
    c.RegisterDivision: frozenset({Role.ADMINISTRATOR}),
    c.RegisterDepartment: frozenset({Role.ADMINISTRATOR}),
    c.RegisterEnterprise: frozenset({Role.ADMINISTRATOR, Role.COLLECTOR}),
    c.PlanSession: frozenset({Role.SECRETARIAT}),
    c.RecordLastingRule: frozenset({Role.COLLECTOR, Role.SECRETARIAT, Role.DEPARTMENT_HANDLER}),
    c.PublishCircular: frozenset({Role.SUPERVISOR}),
    c.AddHolidayNotice: frozenset({Role.ADMINISTRATOR}),
}


class _Context:
    """One command's unit of work, actor and instant, plus the events it records."""

    def __init__(self, uow: UnitOfWork, actor: Actor, now: datetime) -> None:
        self.uow = uow
        self.actor = actor
        self.now = now
        self.events: list[DomainEvent] = []


class Ledger:
    """The problem ledger of one or more counties, over a store.

    `store` defaults to a fresh `govbiz.storage.MemoryStore`;
    `clock` to the system clock in Beijing time.  `profiles` maps a
    division code to its `govbiz.profile.CountyProfile`; for divisions
    not listed, `profile_source(county)` is asked once (plugins answer it
    when the ledger comes from `govbiz.open`), then `default_profile`.  `subscribers` are called with the
    events of every committed command.  ``hasher`` seals the audit chain
    (SHA-256 by default; see `govbiz.audit`).  The holiday notices kept in
    the store (`c.AddHolidayNotice`) are on every county's calendar
    (`policy`); `notices` re-reads them at most once a minute.

    A ledger is a context manager: leaving the block closes its store
    (`close`).  `govbiz.retry.handle_retrying` retries a command that lost
    a write conflict (`govbiz.errors.ConcurrencyError`).
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
    ) -> None:
        self.store = store if store is not None else MemoryStore()
        self.clock = clock if clock is not None else SystemClock()
        self._profiles = dict(profiles or {})
        self._default_profile = default_profile or CountyProfile()
        self._profile_source = profile_source
        self._subscribers = list(subscribers)
        self._hasher = hasher
        #: The holiday notices this ledger keeps, and the calendars they make.
        self.notices = KeptNotices()
        #: Builds the notifications each command queues (in the same transaction).
        self.notifier = Notifier(
            settings_for=lambda county: self.profile(county).notifications,
            policy_for=self._policy_of,
        )
        self._handlers: dict[type[c.Command[Any]], Callable[[_Context, Any], Any]] = {
            c.RegisterDivision: self._register_division,
            c.RegisterDepartment: self._register_department,
            c.RegisterEnterprise: self._register_enterprise,
            c.PlanSession: self._plan_session,
            c.RecordLastingRule: self._record_lasting_rule,
            c.PublishCircular: self._publish_circular,
            c.CollectProblem: self._collect,
            c.TriageProblem: self._triage,
            c.RejectProblem: self._simple(Action.REJECT, "reason"),
            c.WithdrawProblem: self._simple(Action.WITHDRAW, "reason"),
            c.MergeProblem: self._merge,
            c.ScheduleProblem: self._schedule,
            c.AssignProblem: self._assign,
            c.ReassignProblem: self._reassign,
            c.SignAssignment: self._simple(Action.SIGN),
            c.ReturnAssignment: self._return,
            c.ReportProgress: self._simple(Action.REPORT_PROGRESS, "text"),
            c.ReportResult: self._report_result,
            c.RequestExtension: self._request_extension,
            c.DecideExtension: self._decide_extension,
            c.SuspendProblem: self._simple(Action.SUSPEND, "reason"),
            c.ResumeProblem: self._resume,
            c.RecordReturnVisit: self._return_visit,
            c.SendReminder: self._remind,
            c.LinkLastingRule: self._link_lasting_rule,
            c.AddHolidayNotice: self._add_holiday_notice,
        }

    # === lifetime ======================================================================

    def close(self) -> None:
        """Release the store's connections; the ledger is unusable afterwards."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # === configuration =================================================================

    @property
    def hasher(self) -> Hasher:
        """The hash function sealing this ledger's audit chain (SHA-256 unless configured)."""
        return self._hasher

    def profile(self, county: str) -> CountyProfile:
        """The profile in force for `county` (resolved once, then remembered)."""
        profile = self._profiles.get(county)
        if profile is None:
            found = self._profile_source(county) if self._profile_source else None
            profile = self._profiles.setdefault(county, found or self._default_profile)
        return profile

    def policy(self, county: str) -> DeadlinePolicy:
        """The deadline policy in force for `county`: its profile's, on a calendar that has
        the holiday notices kept in this ledger (re-read when a minute old)."""
        self._refresh_notices()
        return self._policy_of(county)

    def holiday_notices(self) -> tuple[KeptNotice, ...]:
        """The holiday notices kept in this ledger, in the order they were added."""
        self._refresh_notices()
        return self.notices.kept

    def _policy_of(self, county: str) -> DeadlinePolicy:
        return self.notices.policy(self.profile(county).policy())

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
        handler = self._handlers.get(type(command))
        if handler is None:
            raise ValidationError("command", type(command).__name__, "not a govbiz command")
        now = require_aware(self.clock.now(), "clock.now()")
        self._refresh_notices()
        with self.store.unit_of_work() as uow:
            ctx = _Context(uow, actor, now)
            result = handler(ctx, command)
            # Notifications go to the outbox in the same transaction as their events:
            # both are stored or neither is, and a dispatcher delivers them later.
            for entry in self.notifier.for_events(ctx.events, uow):
                uow.enqueue_new(entry)
            uow.commit()
        if isinstance(result, NoticeAdded):
            self.notices.added(result.kept)  # this process counts on it from the next command
        self._publish(ctx.events)
        return result  # type: ignore[no-any-return]  # the handler table pairs each command with its R

    def _publish(self, events: Sequence[DomainEvent]) -> None:
        # The state change is already committed: a failing subscriber must not
        # look like a failed command, so it is logged, never raised.
        for subscriber in self._subscribers:
            try:
                subscriber(events)
            except Exception:
                log.exception("event subscriber %r failed; the command itself was committed", subscriber)

    # --- registry --------------------------------------------------------------------

    def _register_division(self, ctx: _Context, cmd: c.RegisterDivision) -> Division:
        self._check_registry_role(ctx, cmd)
        division = Division(code=cmd.code, name=cmd.name, level=cmd.level, parent=cmd.parent)
        own = ctx.actor.county in (division.code, division.parent)
        if not own:
            raise PermissionDeniedError(
                ctx.actor.describe(),
                "register_division",
                f"an administrator of {ctx.actor.county} registers that division or its counties only",
            )
        if division.parent is not None:
            parent = self._record(ctx, RecordKind.DIVISION, division.parent, Division)
            if parent.level is not DivisionLevel.CITY:
                raise ValidationError("parent", division.parent, "a county's parent must be a city")
        self._add_record(ctx, RecordKind.DIVISION, division.code, division, county=division.code, cmd=cmd)
        return division

    def _register_department(self, ctx: _Context, cmd: c.RegisterDepartment) -> Department:
        self._check_registry(ctx, cmd, cmd.county)
        self._record(ctx, RecordKind.DIVISION, cmd.county, Division)
        department = Department(code=cmd.code, name=cmd.name, county=cmd.county, short_name=cmd.short_name)
        self._add_record(
            ctx, RecordKind.DEPARTMENT, department.code, department, county=department.county, cmd=cmd
        )
        return department

    def _register_enterprise(self, ctx: _Context, cmd: c.RegisterEnterprise) -> Enterprise:
        self._check_registry(ctx, cmd, cmd.county)
        self._record(ctx, RecordKind.DIVISION, cmd.county, Division)
        for existing in ctx.uow.list_records(RecordKind.ENTERPRISE, frozenset({cmd.county})):
            assert isinstance(existing, Enterprise)
            if existing.credit_code == cmd.credit_code:
                raise ValidationError(
                    "credit_code", cmd.credit_code, f"already registered as enterprise {existing.id}"
                )
        enterprise = Enterprise(
            id=self._new_id(ctx, "enterprise", cmd.county, "E", 5),
            county=cmd.county,
            name=cmd.name,
            credit_code=cmd.credit_code,
            contacts=tuple(Contact(name=x.name, phone=x.phone, position=x.position) for x in cmd.contacts),
            industry=cmd.industry,
        )
        self._add_record(
            ctx, RecordKind.ENTERPRISE, enterprise.id, enterprise, county=enterprise.county, cmd=cmd
        )
        return enterprise

    def _plan_session(self, ctx: _Context, cmd: c.PlanSession) -> ReceptionSession:
        self._check_registry(ctx, cmd, cmd.county)
        for code in cmd.departments:
            self._department(ctx, code, field="departments", county=cmd.county)
        session = ReceptionSession(
            id=self._new_id(ctx, "session", cmd.county, "S", 4),
            county=cmd.county,
            held_on=cmd.held_on,
            kind=cmd.kind,
            chair=Chair(title=cmd.chair_title, name=cmd.chair_name),
            place=cmd.place,
            topic=cmd.topic,
            departments=cmd.departments,
            attendees=cmd.attendees,
        )
        self._add_record(ctx, RecordKind.SESSION, session.id, session, county=session.county, cmd=cmd)
        return session

    def _record_lasting_rule(self, ctx: _Context, cmd: c.RecordLastingRule) -> LastingRule:
        self._check_registry(ctx, cmd, cmd.county)
        self._department(ctx, cmd.issued_by, field="issued_by", county=cmd.county)
        rule = LastingRule(
            id=self._new_id(ctx, "lasting_rule", cmd.county, "R", 4),
            county=cmd.county,
            title=cmd.title,
            issued_by=cmd.issued_by,
            issued_on=cmd.issued_on,
            document_number=cmd.document_number,
            summary=cmd.summary,
        )
        self._add_record(ctx, RecordKind.LASTING_RULE, rule.id, rule, county=rule.county, cmd=cmd)
        return rule

    def _publish_circular(self, ctx: _Context, cmd: c.PublishCircular) -> Circular:
        self._check_registry(ctx, cmd, cmd.county)
        for code in cmd.departments:
            self._department(ctx, code, field="departments", county=cmd.county)
        for problem_id in cmd.problems:
            self._problem(ctx, problem_id)
        circular = Circular(
            id=self._new_id(ctx, "circular", cmd.county, "C", 4),
            county=cmd.county,
            title=cmd.title,
            period_start=cmd.period_start,
            period_end=cmd.period_end,
            published_at=ctx.now,
            published_by=ctx.actor.id,
            departments=cmd.departments,
            problems=cmd.problems,
            body=cmd.body,
        )
        self._add_record(ctx, RecordKind.CIRCULAR, circular.id, circular, county=circular.county, cmd=cmd)
        return circular

    def _add_holiday_notice(self, ctx: _Context, cmd: c.AddHolidayNotice) -> NoticeAdded:
        from govbiz.calendar import china_calendar
        from govbiz.calendar.law import check_notice
        from govbiz.kept_notices import read_notice

        self._check_registry_role(ctx, cmd)
        notice = read_notice(cmd.text, cmd.source)
        sha256 = hashlib.sha256(cmd.text.encode("utf-8")).hexdigest()
        key = notice_key(notice.number, sha256)
        existing = ctx.uow.get_record(RecordKind.HOLIDAY_NOTICE, key)
        if isinstance(existing, KeptNotice):
            return NoticeAdded(existing, already_kept=True)
        before = self.notices.kept
        warnings = check_notice(notice, self.notices.calendar(china_calendar()))
        same_number = [k for k in before if k.notice.number == notice.number]
        kept = KeptNotice(
            key=key, county=NATIONAL, notice=notice, sha256=sha256, source=cmd.source,
            added_at=ctx.now, added_by=ctx.actor.id, corrects=same_number[-1].key if same_number else None,
        )
        payload: dict[str, JsonValue] = {
            "number": notice.number, "year": notice.year, "published": notice.published.isoformat(),
            "sha256": sha256, "source": cmd.source, "corrects": kept.corrects, "text": cmd.text,
            "warnings": list(warnings),
        }
        self._add_record(ctx, RecordKind.HOLIDAY_NOTICE, key, kept, county=NATIONAL, cmd=cmd, payload=payload)
        rebased = self._rebase(ctx, kept, kept_in_force((*before, kept)))
        return NoticeAdded(kept, warnings=warnings, rebased=tuple(rebased))

    def _rebase(
        self, ctx: _Context, kept: KeptNotice, in_force: tuple[HolidayNotice, ...]
    ) -> list[RebasedClock]:
        """Count again, on `in_force`, every open clock that was provisional for the notice's year."""
        from govbiz.kept_notices import RebasedClock

        year = kept.notice.year
        found: list[RebasedClock] = []
        for problem in list(ctx.uow.find_problems(ProblemQuery())):
            if not any(year in d.provisional_years for d in problem.open_deadlines()):
                continue
            base = self.profile(problem.county).policy()
            policy = attrs.evolve(base, calendar=self.notices.calendar(base.calendar, in_force))
            changes = due.rebased(policy, problem, ctx.uow.events("problem", problem.id), year)
            if not changes:
                continue
            payload: dict[str, JsonValue] = {
                "notice": {"number": kept.notice.number, "year": year, "key": kept.key},
                "deadlines": [change.new.to_json() for change in changes],
                "changes": [change.to_json() for change in changes],
                "moved": any(change.moved for change in changes),
            }
            # Nationwide data re-bases every county's clocks: the event records who added the notice.
            county_ctx = _Context(ctx.uow, attrs.evolve(ctx.actor, county=problem.county), ctx.now)
            county_ctx.events = ctx.events
            self._act(county_ctx, problem, Action.REBASE_DEADLINES, payload)
            found.extend(RebasedClock(problem.id, problem.county, change) for change in changes)
        return found

    # --- problems: collection and triage ---------------------------------------------

    def _collect(self, ctx: _Context, cmd: c.CollectProblem) -> Problem:
        enterprise = self._record(ctx, RecordKind.ENTERPRISE, cmd.enterprise_id, Enterprise, "enterprise_id")
        profile = self.profile(enterprise.county)
        profile.check_category(cmd.category)
        profile.check_source(cmd.source)
        collected_at = cmd.collected_at or ctx.now
        if collected_at > ctx.now:
            raise ValidationError("collected_at", collected_at.isoformat(), "is in the future")
        # Problem numbers run per county and Beijing-time year (台账编号), e.g. 430800-2025-0001.
        year = ctx.now.astimezone(beijing()).year
        number = ctx.uow.next_number(f"problem:{enterprise.county}:{year}")
        payload = {
            "enterprise_id": enterprise.id,
            "title": cmd.title,
            "description": cmd.description,
            "category": cmd.category,
            "source": cmd.source,
            "collected_at": collected_at.isoformat(),
        }
        event = decide(
            None,
            Action.COLLECT,
            ctx.actor,
            ctx.now,
            payload,
            problem_id=f"{enterprise.county}-{year}-{number:04d}",
            county=enterprise.county,
        )
        return self._save(ctx, None, event)

    def _triage(self, ctx: _Context, cmd: c.TriageProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        if cmd.category is not None:
            self.profile(problem.county).check_category(cmd.category)
        return self._act(ctx, problem, Action.TRIAGE, {"category": cmd.category, "note": cmd.note})

    def _merge(self, ctx: _Context, cmd: c.MergeProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        target = self._problem(ctx, cmd.into, field="into")
        if target.county != problem.county:
            raise ValidationError("into", cmd.into, f"problem {cmd.into} belongs to another county")
        return self._act(ctx, problem, Action.MERGE, {"into": target.id})

    def _simple(self, action: Action, *fields: str) -> Callable[[_Context, Any], Problem]:
        """A handler for actions whose payload is just some of the command's fields."""

        def handler(ctx: _Context, cmd: Any) -> Problem:
            payload = {name: getattr(cmd, name) for name in fields}
            return self._act(ctx, self._problem(ctx, cmd.problem_id), action, payload)

        return handler

    # --- sessions and assignment -----------------------------------------------------

    def _schedule(self, ctx: _Context, cmd: c.ScheduleProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        session = self._session(ctx, cmd.session_id, problem.county)
        return self._act(ctx, problem, Action.SCHEDULE, {"session_id": session.id})

    def _assign(self, ctx: _Context, cmd: c.AssignProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        session_id = cmd.session_id or problem.session_id
        if session_id is not None:
            self._session(ctx, session_id, problem.county)

        def payload() -> dict[str, JsonValue]:
            data = self._assignment_payload(ctx, problem, cmd.lead, cmd.co_handlers, cmd.deadlines)
            return {**data, "session_id": session_id}

        return self._act(ctx, problem, Action.ASSIGN, payload)

    def _reassign(self, ctx: _Context, cmd: c.ReassignProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)

        def payload() -> dict[str, JsonValue]:
            data = self._assignment_payload(ctx, problem, cmd.lead, cmd.co_handlers, cmd.deadlines)
            return {**data, "session_id": problem.session_id}

        return self._act(ctx, problem, Action.REASSIGN, payload)

    def _assignment_payload(
        self,
        ctx: _Context,
        problem: Problem,
        lead: str,
        co_handlers: Sequence[str],
        fixed: Mapping[str, date],
    ) -> dict[str, JsonValue]:
        self._department(ctx, lead, field="lead", county=problem.county)
        for code in co_handlers:
            self._department(ctx, code, field="co_handlers", county=problem.county)
        if lead in co_handlers:
            raise ValidationError("co_handlers", lead, "the lead department cannot also be a co-handler")
        deadlines = due.start_assignment_clocks(self._policy(problem), ctx.now, fixed)
        return {
            "lead": lead,
            "co_handlers": list(co_handlers),
            "deadlines": [d.to_json() for d in deadlines],
            "on_the_spot": bool(fixed),
        }

    def _return(self, ctx: _Context, cmd: c.ReturnAssignment) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        if cmd.proposed_department is not None:
            self._department(ctx, cmd.proposed_department, field="proposed_department", county=problem.county)
        payload = {"reason": cmd.reason, "proposed_department": cmd.proposed_department}
        return self._act(ctx, problem, Action.RETURN, payload)

    # --- handling --------------------------------------------------------------------

    def _report_result(self, ctx: _Context, cmd: c.ReportResult) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        outcome = "long_term" if cmd.outcome is ResultOutcome.LONG_TERM else "final"

        def payload() -> dict[str, JsonValue]:
            data: dict[str, JsonValue] = {"outcome": cmd.outcome.value, "text": cmd.text}
            if outcome == "final":  # the collector's return-visit clock starts now
                visit = due.start_clock(self._policy(problem), "return_visit", ctx.now)
                data["deadlines"] = [visit.to_json()] if visit else []
            return data

        return self._act(ctx, problem, Action.REPORT_RESULT, payload, outcome=outcome)

    def _request_extension(self, ctx: _Context, cmd: c.RequestExtension) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)

        def payload() -> dict[str, JsonValue]:
            current = problem.assignment.deadline(cmd.clock) if problem.assignment else None
            if current is not None:
                due.check_extension_request(self._policy(problem), current, cmd.new_last_day, ctx.now)
            return {"clock": cmd.clock, "new_last_day": cmd.new_last_day.isoformat(), "reason": cmd.reason}

        return self._act(ctx, problem, Action.REQUEST_EXTENSION, payload)

    def _decide_extension(self, ctx: _Context, cmd: c.DecideExtension) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)

        def payload() -> dict[str, JsonValue]:
            data: dict[str, JsonValue] = {"approved": cmd.approve, "note": cmd.note}
            pending = problem.pending_extension
            current = problem.assignment.deadline(pending.clock) if pending and problem.assignment else None
            if cmd.approve and pending is not None and current is not None:
                extended = due.extended(
                    self._policy(problem), current, pending.new_last_day, pending.requested_at
                )
                data["deadlines"] = [extended.to_json()]
            return data

        return self._act(ctx, problem, Action.DECIDE_EXTENSION, payload)

    def _resume(self, ctx: _Context, cmd: c.ResumeProblem) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)

        def payload() -> dict[str, JsonValue]:
            data: dict[str, JsonValue] = {"note": cmd.note}
            if problem.suspensions and problem.assignment is not None:
                since = problem.suspensions[-1].suspended_at
                data["deadlines"] = [
                    due.resumed(self._policy(problem), d, since, ctx.now).to_json()
                    for d in problem.assignment.deadlines
                    if d.cutoff > since  # a clock that had already expired stays expired
                ]
            return data

        return self._act(ctx, problem, Action.RESUME, payload)

    def _return_visit(self, ctx: _Context, cmd: c.RecordReturnVisit) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        outcome = "satisfied" if cmd.satisfied else "unsatisfied"

        def payload() -> dict[str, JsonValue]:
            data: dict[str, JsonValue] = {"satisfied": cmd.satisfied, "notes": cmd.notes}
            if not cmd.satisfied:  # 重办: the department starts again on fresh clocks
                fresh = due.start_assignment_clocks(self._policy(problem), ctx.now, {}, redo=True)
                data["deadlines"] = [d.to_json() for d in fresh]
            return data

        return self._act(ctx, problem, Action.RETURN_VISIT, payload, outcome=outcome)

    def _remind(self, ctx: _Context, cmd: c.SendReminder) -> Problem:
        payload = {"kind": cmd.kind.value, "note": cmd.note}
        return self._act(ctx, self._problem(ctx, cmd.problem_id), Action.REMIND, payload)

    def _link_lasting_rule(self, ctx: _Context, cmd: c.LinkLastingRule) -> Problem:
        problem = self._problem(ctx, cmd.problem_id)
        rule = self._record(ctx, RecordKind.LASTING_RULE, cmd.rule_id, LastingRule, "rule_id")
        if rule.county != problem.county:
            raise ValidationError("rule_id", cmd.rule_id, "the lasting rule belongs to another county")
        return self._act(ctx, problem, Action.LINK_LASTING_RULE, {"rule_id": rule.id})

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
            return record

    def records(self, actor: Actor, kind: RecordKind | str) -> list[Any]:
        """Every registry record of `kind` the actor may see, ordered by key."""
        with self.store.unit_of_work() as uow:
            return uow.list_records(RecordKind(kind), self._visible_counties(uow, actor))

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

    def _problem(self, ctx: _Context, problem_id: str, field: str = "problem_id") -> Problem:
        problem = ctx.uow.get_problem(problem_id)
        if problem is None:
            raise NotFoundError("problem", problem_id)
        return problem

    def _record(self, ctx: _Context, kind: RecordKind, key: str, cls: type[R], field: str | None = None) -> R:
        record = ctx.uow.get_record(kind, key)
        if not isinstance(record, cls):
            raise NotFoundError(kind.value, key)
        return record

    def _department(self, ctx: _Context, code: str, *, field: str, county: str) -> Department:
        """A registered department of `county`: only it can act on that county's records."""
        department = ctx.uow.get_record(RecordKind.DEPARTMENT, code)
        if not isinstance(department, Department):
            raise ValidationError(field, code, "no such department is registered")
        if department.county != county:
            raise ValidationError(
                field, code, f"department {code} belongs to county {department.county}, not {county}"
            )
        return department

    def _policy(self, problem: Problem) -> DeadlinePolicy:
        return self._policy_of(problem.county)

    def _session(self, ctx: _Context, session_id: str, county: str) -> ReceptionSession:
        session = self._record(ctx, RecordKind.SESSION, session_id, ReceptionSession, "session_id")
        if session.county != county:
            raise ValidationError("session_id", session_id, f"the session belongs to county {session.county}")
        return session

    def _check_registry(self, ctx: _Context, cmd: c.Command[Any], county: str) -> None:
        """The actor's role may run this registry command, in its own county."""
        self._check_registry_role(ctx, cmd)
        self._check_own_county(ctx, county, type(cmd).__name__)

    @staticmethod
    def _new_id(ctx: _Context, kind: str, county: str, prefix: str, width: int) -> str:
        """A clerk-readable id such as `430800-S0003`, from the county's counter for `kind`."""
        number = ctx.uow.next_number(f"{kind}:{county}")
        return f"{county}-{prefix}{number:0{width}d}"

    def _check_registry_role(self, ctx: _Context, cmd: c.Command[Any]) -> None:
        roles = _REGISTRY_ROLES[type(cmd)]
        if ctx.actor.role not in roles:
            names = ", ".join(sorted(r.value for r in roles))
            raise PermissionDeniedError(ctx.actor.describe(), type(cmd).__name__, f"only {names} may do this")

    def _check_own_county(self, ctx: _Context, county: str, action: str) -> None:
        if ctx.actor.county != county:
            raise PermissionDeniedError(
                ctx.actor.describe(), action, f"county {county} is not the actor's county {ctx.actor.county}"
            )

    def _act(
        self,
        ctx: _Context,
        problem: Problem,
        action: Action,
        payload: Mapping[str, JsonValue] | Callable[[], Mapping[str, JsonValue]],
        *,
        outcome: str = "",
    ) -> Problem:
        """Authorize once, then build the payload (possibly costly), then record and save."""
        row = authorize(problem, action, ctx.actor, outcome)
        data = payload() if callable(payload) else payload
        return self._save(ctx, problem, record(problem, row, ctx.actor, ctx.now, data))

    def _save(self, ctx: _Context, problem: Problem | None, event: DomainEvent) -> Problem:
        event = seal(event, problem.last_hash if problem else "", self._hasher)
        changed = apply(problem, event)
        ctx.uow.save_problem(changed, event)
        ctx.events.append(event)
        return changed

    def _add_record(
        self,
        ctx: _Context,
        kind: RecordKind,
        key: str,
        record: Record,
        *,
        county: str,
        cmd: c.Command[Any],
        payload: Mapping[str, JsonValue] | None = None,
    ) -> None:
        if ctx.uow.get_record(kind, key) is not None:
            raise ValidationError("code", key, f"a {kind.value} with this code is already registered")
        event = DomainEvent.by(
            ctx.actor,
            stream=kind.value,
            stream_id=key,
            version=1,
            kind=f"{kind.value}_registered",
            county=county,
            at=ctx.now,
            payload=cmd.model_dump(mode="json") if payload is None else payload,
        )
        event = seal(event, "", self._hasher)
        ctx.uow.save_record(kind, key, record, event)
        ctx.events.append(event)


def _county_of(record: Record) -> str:
    return record.code if isinstance(record, Division) else record.county
