"""One command's context (一次办理): its unit of work, actor and instant, and what it changed.

A handler (`govbiz.handlers`) receives a `CommandContext` and the command,
reads what it needs through `uow`, lets the domain decide, and records the
outcome with `act` (a problem event) or `add_record` (a registry event).
Both seal the event into the audit chain and stage it in the unit of work
with the new state, so the two are committed together or not at all.  The
context keeps the events and the problems as they stand after the command:
the notifier builds the command's notifications from those, without
reading them again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from govbiz.audit import seal
from govbiz.domain.actors import Actor, Role
from govbiz.domain.events import DomainEvent, JsonValue
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import Payload
from govbiz.domain.problem import Problem, apply, authorize, record
from govbiz.domain.session import ReceptionSession
from govbiz.domain.tenancy import Department
from govbiz.errors import NotFoundError, PermissionDeniedError, ValidationError
from govbiz.ports.cipher import ClearContacts
from govbiz.ports.storage import Record, RecordKind, UnitOfWork

if TYPE_CHECKING:
    from govbiz.contact_keys import KeyRing
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.kept_notices import KeptNotices
    from govbiz.notify.notifier import NotificationSettings
    from govbiz.ports.attachments import AttachmentStore
    from govbiz.ports.hasher import Hasher
    from govbiz.profile import CountyProfile

__all__ = ["CommandContext", "Counties", "Handler", "command_payload"]

R = TypeVar("R", bound=Record)


@attrs.frozen(slots=True)
class Counties:
    """What handlers know of the counties a ledger serves: profiles, kept notices, the audit hash."""

    #: The profile in force for a county (the Ledger's `profile`).
    profile: Callable[[str], CountyProfile]
    #: The holiday notices kept in the ledger (read before each command).
    notices: KeptNotices
    #: The hash function sealing the audit chain.
    hasher: Hasher
    #: The keys sealing enterprise contacts at rest (`govbiz.contact_keys`); `None`: kept in clear.
    contact_keys: KeyRing | None = None
    #: What to do with contacts when there is no key ring (the store's policy, or the configuration's).
    clear_contacts: ClearContacts = ClearContacts.ALLOW
    #: Where attachments' bytes are kept (`Ledger(attachments=...)`); `None`: the ledger takes none.
    attachments: AttachmentStore | None = None

    def policy(self, county: str) -> DeadlinePolicy:
        """`county`'s deadline policy on a calendar with the kept notices."""
        return self.notices.policy(self.profile(county).policy())

    def notification_settings(self, county: str) -> NotificationSettings:
        """`county`'s notification rules, address book and templates."""
        return self.profile(county).notifications


class CommandContext:
    """One command's unit of work, actor, instant and counties, plus what it changed."""

    __slots__ = ("actor", "counties", "events", "now", "problems", "uow")

    def __init__(self, uow: UnitOfWork, actor: Actor, now: datetime, counties: Counties) -> None:
        self.uow = uow
        self.actor = actor
        self.now = now
        self.counties = counties
        #: The events recorded, in order.
        self.events: list[DomainEvent] = []
        #: Each problem changed, as it stands after its latest event.
        self.problems: dict[str, Problem] = {}

    def for_county(self, county: str) -> CommandContext:
        """The same command acting in `county` (nationwide data touching each county's problems)."""
        other = CommandContext(self.uow, _in_county(self.actor, county), self.now, self.counties)
        other.events = self.events
        other.problems = self.problems
        return other

    # --- what the counties say --------------------------------------------------------

    def profile(self, county: str) -> CountyProfile:
        return self.counties.profile(county)

    def policy(self, county: str) -> DeadlinePolicy:
        return self.counties.policy(county)

    # --- reading --------------------------------------------------------------------

    def problem(self, problem_id: str) -> Problem:
        """The problem `problem_id` (this unit's latest version of it)."""
        problem = self.uow.get_problem(problem_id)
        if problem is None:
            raise NotFoundError("problem", problem_id)
        return problem

    def record(self, kind: RecordKind, key: str, cls: type[R]) -> R:
        """The registry record of `kind` under `key`, which must be a `cls`."""
        found = self.uow.get_record(kind, key)
        if not isinstance(found, cls):
            raise NotFoundError(kind.value, key)
        return found

    def department(self, code: str, *, field: str, county: str) -> Department:
        """A registered department of `county`: only it can act on that county's records."""
        department = self.uow.get_record(RecordKind.DEPARTMENT, code)
        if not isinstance(department, Department):
            raise ValidationError(field, code, "no such department is registered")
        if department.county != county:
            raise ValidationError(
                field, code, f"department {code} belongs to county {department.county}, not {county}"
            )
        return department

    def session(self, session_id: str, county: str) -> ReceptionSession:
        """A reception session (接待日) of `county`."""
        session = self.record(RecordKind.SESSION, session_id, ReceptionSession)
        if session.county != county:
            raise ValidationError("session_id", session_id, f"the session belongs to county {session.county}")
        return session

    def new_id(self, kind: str, county: str, prefix: str, width: int) -> str:
        """A clerk-readable id such as `430800-S0003`, from the county's counter for `kind`."""
        number = self.uow.next_number(f"{kind}:{county}")
        return f"{county}-{prefix}{number:0{width}d}"

    # --- checking -------------------------------------------------------------------

    def require_role(self, roles: frozenset[Role], action: str) -> None:
        """The actor holds one of `roles` (registry commands; problem actions use the lifecycle)."""
        if self.actor.role not in roles:
            names = ", ".join(sorted(r.value for r in roles))
            raise PermissionDeniedError(self.actor.describe(), action, f"only {names} may do this")

    def require_own_county(self, county: str, action: str) -> None:
        """The actor works in `county` itself."""
        if self.actor.county != county:
            raise PermissionDeniedError(
                self.actor.describe(),
                action,
                f"county {county} is not the actor's county {self.actor.county}",
            )

    # --- recording ------------------------------------------------------------------

    def act(
        self,
        problem: Problem,
        action: Action,
        payload: Payload | Callable[[], Payload],
        *,
        outcome: str = "",
    ) -> Problem:
        """Authorize once, then build the payload (possibly costly), then record and save."""
        row = authorize(problem, action, self.actor, outcome)
        data = payload() if callable(payload) else payload
        return self.save(problem, record(problem, row, self.actor, self.now, data), data)

    def save(self, problem: Problem | None, event: DomainEvent, data: Payload | None = None) -> Problem:
        """Seal `event` after `problem`'s last, apply it (with its typed payload `data`), and stage both."""
        event = seal(event, problem.last_hash if problem else "", self.counties.hasher)
        changed = apply(problem, event, data)
        self.uow.save_problem(changed, event)
        self.events.append(event)
        self.problems[changed.id] = changed
        return changed

    def add_record(
        self,
        kind: RecordKind,
        key: str,
        value: Record,
        *,
        county: str,
        payload: Mapping[str, JsonValue],
    ) -> None:
        """Register `value` under `key` with its `<kind>_registered` event (the first of its stream)."""
        if self.uow.get_record(kind, key) is not None:
            raise ValidationError("code", key, f"a {kind.value} with this code is already registered")
        event = DomainEvent.by(
            self.actor,
            stream=kind.value,
            stream_id=key,
            version=1,
            kind=f"{kind.value}_registered",
            county=county,
            at=self.now,
            payload=payload,
        )
        event = seal(event, "", self.counties.hasher)
        self.uow.save_record(kind, key, value, event)
        self.events.append(event)

    def update_record(
        self,
        kind: RecordKind,
        key: str,
        value: Record,
        *,
        county: str,
        event_kind: str,
        payload: Mapping[str, JsonValue],
    ) -> DomainEvent:
        """Store `value` again under `key` with an `event_kind` event after its stream's last."""
        staged = [e for e in self.events if (e.stream, e.stream_id) == (kind.value, key)]
        stream = staged or self.uow.events(kind.value, key)
        last = max(stream, key=lambda e: e.version) if stream else None
        event = DomainEvent.by(
            self.actor,
            stream=kind.value,
            stream_id=key,
            version=(last.version if last else 0) + 1,
            kind=event_kind,
            county=county,
            at=self.now,
            payload=payload,
        )
        event = seal(event, last.hash if last else "", self.counties.hasher)
        self.uow.save_record(kind, key, value, event)
        self.events.append(event)
        return event


def _in_county(actor: Actor, county: str) -> Actor:
    return attrs.evolve(actor, county=county)


def command_payload(command: Any) -> dict[str, JsonValue]:
    """A registry command as its event's payload: its fields, as JSON."""
    return command.model_dump(mode="json")  # type: ignore[no-any-return]


#: A command handler: the command's context and the command in, the command's result out.
Handler = Callable[[CommandContext, Any], Any]
