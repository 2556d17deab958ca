"""From events and deadline warnings to outbox entries (生成通知).

The `Notifier` is called by the Ledger inside a command's unit of work, so
the notifications an event causes are stored with the event or not at all.
The daily sweep (`govbiz.notify.sweep`) calls it for clocks that reached
a warning level.  Each entry's key makes queuing idempotent: the same event,
or the same warning on the same day, never queues twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from govbiz.deadlines.escalation import Rung
from govbiz.deadlines.explanation import provisional_note
from govbiz.domain.circular import Circular
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.handling import DueDate, due_dates_from_json
from govbiz.domain.problem import CO_HANDLING, Problem
from govbiz.domain.tenancy import Department
from govbiz.errors import ValidationError
from govbiz.notify.routing import DEFAULT_RULES, AddressBook, Recipient, RoutingRule, Trigger
from govbiz.notify.templates import TemplateLimits, TemplateSet
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import ONCE_PER_CLOCK, OutboxEntry
from govbiz.ports.storage import RecordKind

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy, WarningLevel
    from govbiz.ports.storage import UnitOfWork

__all__ = [
    "SAMPLE_CONTEXT",
    "CountyRules",
    "NotificationSettings",
    "Notifier",
    "TemplateProblem",
    "check_templates",
    "trigger_for_event",
    "trigger_for_warning",
]

log = logging.getLogger(__name__)

#: Offices reached by name in the address book.
_OFFICES = {
    Recipient.SUPERVISION_OFFICE: ("supervision_office", "督查室"),
    Recipient.SECRETARIAT: ("secretariat", "市委办/市政府办"),
    Recipient.COLLECTOR: ("collector", "统战部/工商联"),
    Recipient.CHAIR_OFFICE: ("chair_office", "接待领导办公室"),
}

_OFFICE_NAMES = dict(_OFFICES.values())


@attrs.frozen(slots=True)
class NotificationSettings:
    """A county's notification configuration: rules, address book, templates."""

    rules: tuple[RoutingRule, ...] = DEFAULT_RULES
    address_book: AddressBook = attrs.field(factory=AddressBook)
    templates: TemplateSet = attrs.field(factory=TemplateSet)
    enabled: bool = True

    def rules_for(self, trigger: Trigger) -> list[RoutingRule]:
        """The rules that fire on `trigger` (none when notifications are off)."""
        return [r for r in self.rules if r.trigger is trigger] if self.enabled else []

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NotificationSettings:
        """Build from plain data (a parsed TOML table); errors name the field.

        Keys: `enabled`, `language` (`zh`/`en`), `templates` (name -> template
        text, each checked for syntax here), `template_limits`
        (`milliseconds`, `output_bytes`), `address_book` (key -> channel ->
        addresses), `rules` (a list of tables with `trigger`, `recipients`,
        `channels`, `template`, replacing the defaults).
        """
        keys = {"enabled", "language", "templates", "template_limits", "address_book", "rules"}
        unknown = sorted(set(data) - keys)
        if unknown:
            raise ValidationError(
                f"notifications.{unknown[0]}", data[unknown[0]], "is not a notification setting"
            )
        rules = DEFAULT_RULES
        if "rules" in data:
            rules = tuple(_rule(i, r) for i, r in enumerate(data["rules"]))
        return cls(
            rules=rules,
            address_book=AddressBook.from_dict(data.get("address_book", {})),
            templates=TemplateSet(
                language=data.get("language", "zh"),
                overrides=dict(data.get("templates", {})),
                limits=TemplateLimits.from_dict(data.get("template_limits", {})),
            ),
            enabled=bool(data.get("enabled", True)),
        )


@attrs.frozen(slots=True)
class TemplateProblem:
    """Something wrong with a county's templates: the template's name and what is wrong."""

    template: str
    reason: str

    def __str__(self) -> str:
        return f"templates.{self.template}: {self.reason}"


_SAMPLE_DEADLINE = {
    "clock": "progress",
    "rule": "7个工作日内报送落实情况",
    "last_day": "2025-04-10",
    "cutoff": "2025-04-11 00:00",
    "provisional": False,
    "note": "",
}
#: Values of every name the notifier gives templates, for trying a county's templates out.
SAMPLE_CONTEXT: dict[str, Any] = {
    "subject_id": "430800-2025-0001",
    "problem": {
        "id": "430800-2025-0001",
        "title": "新厂五通一平施工保障",
        "category": "土地规划",
        "enterprise": "张家界久瑞生物科技有限公司",
        "state": "已交办待签收",
    },
    "lead_codes": ["430800-zgj", "430800-zjj"],
    "enterprise_codes": ["430800-E00001"],
    "named_codes": ["430800-zgj"],
    "lead": "市自规局",
    "co_handlers": "市住建局",
    "department": "市自规局、市住建局",
    "assigned_at": "2025-03-31 10:00",
    "deadlines": [_SAMPLE_DEADLINE],
    "deadline": _SAMPLE_DEADLINE,
    "days_left": 2,
    "days_late": 0,
    "letter_day": "2025-04-11",
    "criticism_day": "2025-04-18",
    "explanation": "自2025-03-31交办起算，第7个工作日为2025-04-10。",
    "reason": "属住建职责",
    "proposed": "市住建局",
    "circular": {"title": "第一季度督查通报", "body": "通报内容", "id": "430800-C0001"},
    "notice": {"year": 2026, "number": "国办发明电〔2025〕7号"},
    "changes": [
        {
            "clock": "result",
            "rule": "30日内报送办理结果",
            "old_last_day": "2026-02-17",
            "new_last_day": "2026-02-24",
            "cutoff": "2026-02-25 00:00",
            "note": "",
        },
    ],
}


def check_templates(settings: NotificationSettings) -> list[TemplateProblem]:
    """What is wrong with a county's templates, found by trying each on `SAMPLE_CONTEXT`.

    Run it when a county's configuration changes (or see `govbiz county
    check`): a template that fails here would fall back to the built-in one
    at every notification.  Reported: a rule naming a template that neither
    the county nor govbiz has, and an override that cannot be rendered (an
    undefined name, a sandbox refusal, a time or size limit).  An empty list
    means every template renders.
    """
    problems: list[TemplateProblem] = []
    templates = settings.templates
    missing = {r.template_name for r in settings.rules if templates.source(r.template_name) is None}
    for name in sorted(missing):
        problems.append(TemplateProblem(name, "no such template: a rule names it, the built-in one is used"))
    for name in sorted(templates.overrides):
        try:
            templates.render(name, SAMPLE_CONTEXT)
        except ValidationError as error:
            problems.append(TemplateProblem(name, error.reason))
    return problems


def _rule(index: int, data: Mapping[str, Any]) -> RoutingRule:
    try:
        return RoutingRule(
            trigger=data["trigger"],
            recipients=data["recipients"],
            channels=tuple(data.get("channels", ("console",))),
            template=data.get("template", ""),
        )
    except (KeyError, ValueError) as exc:
        raise ValidationError(
            f"notifications.rules[{index}]", dict(data), f"is not a valid rule: {exc}"
        ) from None


#: The problem events that notify someone, by kind (and state after, for a return visit).
_PROBLEM_TRIGGERS: dict[tuple[str, str | None], Trigger] = {
    ("assign", None): Trigger.ASSIGNED,
    ("reassign", None): Trigger.ASSIGNED,
    ("return", None): Trigger.RETURNED,
    ("decide_return", None): Trigger.RETURN_DECIDED,
    ("return_visit", "redo"): Trigger.REDO,
    ("verify", "redo"): Trigger.REDO,  # a redo decided by the verification of a 差评 (核实)
    ("deadline_rebased", None): Trigger.DEADLINE_REBASED,
}


def trigger_for_event(event: DomainEvent) -> Trigger | None:
    """The trigger an event fires, if any."""
    if event.stream == "circular":
        return Trigger.CIRCULAR
    if event.stream != "problem":
        return None
    if "imported" in event.payload:  # a step of an imported history happened long ago: nobody is told now
        return None
    triggers = _PROBLEM_TRIGGERS
    trigger = triggers.get((event.kind, None)) or triggers.get((event.kind, event.state_after))
    if trigger is Trigger.DEADLINE_REBASED and not event.payload.get("moved"):
        return None  # every last day stood: the departments need no news
    return trigger


def trigger_for_warning(clock: str, level: WarningLevel) -> Trigger | None:
    """The trigger a clock's warning level fires in the daily sweep (`None` when normal)."""
    if level.value == "normal":
        return None
    if clock == "return_visit":
        return Trigger.RETURN_VISIT_DUE
    if clock == "verification":  # the collector's and the supervisor's clock, not the department's
        return Trigger.VERIFICATION_DUE
    return Trigger(level.value)


class CountyRules(Protocol):
    """What notifications need to know of a county (`govbiz.handlers.Counties` provides it)."""

    def notification_settings(self, county: str) -> NotificationSettings:
        """The county's routing rules, address book and templates."""

    def policy(self, county: str) -> DeadlinePolicy:
        """The county's deadline policy (for the rules and working days named in messages)."""


class Notifier:
    """Builds outbox entries from a county's rules; reads names through the unit of work.

    Called with the problems the command already holds (as they stand after
    its events), so nothing is read twice.
    """

    def __init__(self, rules: CountyRules) -> None:
        self._rules = rules

    def _settings_for(self, county: str) -> NotificationSettings:
        return self._rules.notification_settings(county)

    def _policy_for(self, county: str) -> DeadlinePolicy:
        return self._rules.policy(county)

    def for_events(
        self, events: Iterable[DomainEvent], problems: Mapping[str, Problem], uow: UnitOfWork
    ) -> list[OutboxEntry]:
        """Entries for the events of one command (called before it commits).

        `problems` holds each problem the command changed, after its events.
        """
        entries: list[OutboxEntry] = []
        for event in events:
            trigger = trigger_for_event(event)
            if trigger is None:
                continue
            context = self._event_context(event, trigger, problems, uow)
            base = f"{event.stream}:{event.stream_id}:v{event.version}"
            entries.extend(
                self._entries(
                    county=event.county,
                    trigger=trigger,
                    base=base,
                    context=context,
                    at=event.occurred_at,
                    uow=uow,
                )
            )
        return entries

    def for_warning(
        self,
        problem: Problem,
        due: DueDate,
        level: WarningLevel,
        as_of: datetime,
        uow: UnitOfWork,
        *,
        queued_at: datetime | None = None,
    ) -> list[OutboxEntry]:
        """Entries for a clock at a warning level on the sweep's day (one per rule and channel).

        They wait until `as_of` (a `--future` sweep's reminders are not sent
        early); their `created_at` is `queued_at`, the real time of queuing
        (default `as_of`), and the sweep's instant is kept in their data
        (`as_of`), so that a sweep run for a past day is not dated that day.
        """
        trigger = trigger_for_warning(due.clock, level)
        if trigger is None:
            return []
        policy = self._policy_for(problem.county)
        today = policy.local_day(as_of)
        context = self._problem_context(problem, uow)
        context.update(self._deadline_context(policy, due, today, self._settings_for(problem.county)))
        if due.clock == CO_HANDLING and problem.assignment is not None:
            context.update(_co_handlers_reminded(problem.assignment.awaited_co_handlers(), uow))
        base = f"sweep:{problem.id}:{due.clock}:{due.last_day.isoformat()}:{today.isoformat()}"
        # What the dispatcher checks again before sending (govbiz.notify.recheck).
        facts = {"problem_id": problem.id, "clock": due.clock, "last_day": due.last_day.isoformat()}
        entries = self._entries(
            county=problem.county, trigger=trigger, base=base, context=context, at=as_of, uow=uow,
            facts={**facts, "as_of": as_of.isoformat()},
        )  # fmt: skip
        if queued_at is None:
            return entries
        return [attrs.evolve(entry, created_at=queued_at) for entry in entries]

    def for_reminder_letter(
        self,
        problem: Problem,
        due: DueDate,
        as_of: datetime,
        uow: UnitOfWork,
        *,
        queued_at: datetime | None = None,
    ) -> list[OutboxEntry]:
        """The reminder letter (催办通知书) of an overdue clock, if the ladder has reached it by `as_of`.

        Once per clock: the key names the problem, the clock and its last day,
        not the sweep's day, so every later sweep (in any process) finds it
        queued (`govbiz.deadlines.EscalationPolicy`).  Nothing when the county
        sends no letter, the clock does not escalate or its letter day is to
        come.  The dispatcher judges it again before sending, as any reminder.
        """
        policy = self._policy_for(problem.county)
        ladder = policy.escalation
        if not (ladder.reminder_letter and ladder.escalates(due.clock)):
            return []
        today = policy.local_day(as_of)
        if ladder.rung(policy.calendar, due.last_day, today) is Rung.OVERDUE:
            return []
        context = self._problem_context(problem, uow)
        context.update(self._deadline_context(policy, due, today, self._settings_for(problem.county)))
        context["letter_day"] = ladder.letter_day(policy.calendar, due.last_day).isoformat()
        criticism = ladder.criticism_day(policy.calendar, due.last_day) if ladder.criticism else None
        context["criticism_day"] = criticism.isoformat() if criticism else ""
        if due.clock == CO_HANDLING and problem.assignment is not None:
            context.update(_co_handlers_reminded(problem.assignment.awaited_co_handlers(), uow))
        base = f"{ONCE_PER_CLOCK}{problem.id}:{due.clock}:{due.last_day.isoformat()}"
        facts = {"problem_id": problem.id, "clock": due.clock, "last_day": due.last_day.isoformat()}
        entries = self._entries(
            county=problem.county, trigger=Trigger.REMINDER_LETTER, base=base, context=context, at=as_of,
            uow=uow, facts={**facts, "as_of": as_of.isoformat()},
        )  # fmt: skip
        if queued_at is None:
            return entries
        return [attrs.evolve(entry, created_at=queued_at) for entry in entries]

    # --- building ---------------------------------------------------------------------

    def _entries(
        self,
        *,
        county: str,
        trigger: Trigger,
        base: str,
        context: dict[str, Any],
        at: datetime,
        uow: UnitOfWork,
        facts: Mapping[str, str] | None = None,
    ) -> list[OutboxEntry]:
        settings = self._settings_for(county)
        entries = []
        for rule in settings.rules_for(trigger):
            # A county template that fails never blocks the command: the built-in one is sent.
            rendered = settings.templates.render_safely(rule.template_name, context, builtin=trigger.value)
            if rendered.fallback:
                log.warning(
                    "county %s: template %r failed, the built-in one was used (%s)",
                    county, rule.template_name, rendered.fallback,
                )  # fmt: skip
            keys = self._recipient_keys(rule.recipients, context)
            for channel in rule.channels:
                addresses = self._addresses(settings.address_book, keys, channel, uow)
                _warn_unaddressed(county, settings.address_book, keys, channel, trigger)
                if not addresses:
                    continue  # nobody to reach on this channel: the county has not configured it
                note = Notification(
                    key=f"{base}:{trigger.value}:{channel}",
                    channel=channel,
                    recipients=addresses,
                    subject=rendered.subject,
                    body=rendered.body,
                    data={
                        "trigger": trigger.value,
                        "subject_id": str(context.get("subject_id", "")),
                        **(facts or {}),
                        **({"template_fallback": rendered.fallback} if rendered.fallback else {}),
                    },
                )
                entries.append(
                    OutboxEntry(notification=note, county=county, created_at=at, next_attempt_at=at)
                )
        return entries

    def _recipient_keys(self, recipients: Sequence[Recipient], context: Mapping[str, Any]) -> list[str]:
        keys: list[str] = []
        for recipient in recipients:
            if recipient is Recipient.LEAD:
                # A clock the co-handlers owe (协办) reminds them in the lead's place.
                keys.extend(context.get("reminded_codes", context.get("lead_codes", [])[:1]))
            elif recipient is Recipient.CO_HANDLERS:
                keys.extend(context.get("lead_codes", [])[1:])
            elif recipient is Recipient.DEPARTMENTS_NAMED:
                keys.extend(context.get("named_codes", []))
            elif recipient is Recipient.ENTERPRISE:
                keys.extend(context.get("enterprise_codes", []))
            else:
                keys.append(_OFFICES[recipient][0])
        return list(dict.fromkeys(keys))

    def _addresses(
        self, book: AddressBook, keys: Sequence[str], channel: str, uow: UnitOfWork
    ) -> tuple[str, ...]:
        addresses: list[str] = []
        for key in keys:
            found = book.addresses(key, channel)
            if channel == "console" and found == (key,):
                found = (_display_name(key, uow),)  # print 市自规局, not 430800-zgj
            addresses.extend(found)
        return tuple(dict.fromkeys(addresses))

    def _event_context(
        self, event: DomainEvent, trigger: Trigger, problems: Mapping[str, Problem], uow: UnitOfWork
    ) -> dict[str, Any]:
        if trigger is Trigger.CIRCULAR:
            circular = uow.get_record(RecordKind.CIRCULAR, event.stream_id)
            assert isinstance(circular, Circular)
            return {
                "subject_id": circular.id,
                "circular": {"title": circular.title, "body": circular.body, "id": circular.id},
                "named_codes": list(circular.departments),
            }
        problem = problems[event.stream_id]  # the command holds every problem it changed
        context = self._problem_context(problem, uow)
        context["reason"] = event.payload.get("reason", "")
        proposed = event.payload.get("proposed_department")
        context["proposed"] = _display_name(proposed, uow) if proposed else ""
        if trigger is Trigger.DEADLINE_REBASED:
            context.update(self._rebase_context(problem, event))
        if trigger is Trigger.RETURN_DECIDED:
            context.update(_return_decision_context(problem, event))
        return context

    def _rebase_context(self, problem: Problem, event: DomainEvent) -> dict[str, Any]:
        policy = self._policy_for(problem.county)
        language = self._settings_for(problem.county).templates.language
        new = due_dates_from_json(event.payload["deadlines"])
        rules = {d.clock: _due_summary(d, policy, language) for d in new}
        changes = [
            {**change, **{k: rules[change["clock"]][k] for k in ("rule", "cutoff", "note")}}
            for change in event.payload["changes"]
            if change["old_last_day"] != change["new_last_day"]
        ]
        return {"notice": event.payload["notice"], "changes": changes}

    def _problem_context(self, problem: Problem, uow: UnitOfWork) -> dict[str, Any]:
        enterprise = uow.get_record(RecordKind.ENTERPRISE, problem.enterprise_id)
        assignment = problem.assignment
        codes = [assignment.lead, *assignment.co_handlers] if assignment else []
        names = [_display_name(code, uow) for code in codes]
        policy = self._policy_for(problem.county)
        language = self._settings_for(problem.county).templates.language
        deadlines = [_due_summary(d, policy, language) for d in assignment.deadlines] if assignment else []
        return {
            "subject_id": problem.id,
            "problem": {
                "id": problem.id,
                "title": problem.title,
                "category": problem.category,
                "enterprise": enterprise.name
                if isinstance(enterprise, Enterprise)
                else problem.enterprise_id,
                "state": problem.state.label_zh,
            },
            "lead_codes": codes,
            "enterprise_codes": [problem.enterprise_id],
            "lead": names[0] if names else "",
            "co_handlers": "、".join(names[1:]),
            "department": "、".join(names),
            "assigned_at": assignment.assigned_at.strftime("%Y-%m-%d %H:%M") if assignment else "",
            "deadlines": deadlines,
        }

    def _deadline_context(
        self, policy: DeadlinePolicy, due: DueDate, today: date, settings: NotificationSettings
    ) -> dict[str, Any]:
        deadline = policy.restore(due.clock, due.start, due.last_day)
        language = settings.templates.language
        left = policy.calendar.working_days_between(today, due.last_day)
        return {
            "deadline": _due_summary(due, policy, language),
            "days_left": max(left, 0),
            "days_late": max(-left, 0),
            "explanation": deadline.explain("en" if language == "en" else "zh"),
        }


def _return_decision_context(problem: Problem, event: DomainEvent) -> dict[str, Any]:
    """The return decided (退单审定): what the department asked, and what the secretariat said."""
    asked = problem.returns[-1]  # the decision is folded into the return it decides
    reason = "：".join(part for part in (asked.ground, asked.reason) if part)
    return {"accepted": bool(event.payload.get("accepted")), "note": event.payload.get("note", ""),
            "reason": reason}  # fmt: skip


def _co_handlers_reminded(awaited: Sequence[str], uow: UnitOfWork) -> dict[str, Any]:
    """The context of a `co_handling` reminder: it goes to the co-handlers that owe a reply, named as such."""
    names = [_display_name(code, uow) for code in awaited]
    return {
        "reminded_codes": list(awaited),
        "lead": "、".join(f"{name}（协办单位）" for name in names),
        "co_handling": True,
    }


def _due_summary(due: DueDate, policy: DeadlinePolicy, language: str) -> dict[str, Any]:
    """A deadline as templates see it; `rule` is the clock's full rule (7个工作日内报送落实情况).

    `note` is empty, or for a provisional last day says on what calendar it
    stands and when it is checked again (`provisional_note`).
    """
    try:
        rule = policy.rule(due.clock).label
    except ValidationError:  # a clock the county has since removed: fall back to the stored basis
        rule = due.basis
    if due.origin.is_set:  # a day a person set: say who set it (现场明确 / 延期)
        rule = f"{rule}（{due.basis}）"
    return {
        "clock": due.clock,
        "rule": rule,
        "last_day": due.last_day.isoformat(),
        "cutoff": due.cutoff.strftime("%Y-%m-%d %H:%M"),
        "provisional": due.provisional,
        "note": provisional_note(due.provisional_years, language),
    }


def _display_name(code: str, uow: UnitOfWork) -> str:
    """What a person reads: a department's short name, an office's Chinese name, else the code."""
    record = uow.get_record(RecordKind.DEPARTMENT, code)
    if isinstance(record, Department):
        return record.label
    return _OFFICE_NAMES.get(code, code)


def _warn_unaddressed(
    county: str, book: AddressBook, keys: Sequence[str], channel: str, trigger: Trigger
) -> None:
    """Log each routed recipient that the address book has no address for on `channel`.

    Only for a channel the county's book uses at all (one it has not set up
    is not a mistake), and naming a key such as `zgj` that looks like the
    department `430800-zgj` (department codes are `<county>-<short>`).
    """
    if channel == "console" or not any(channel in entry for entry in book.entries.values()):
        return
    for key in dict.fromkeys(keys):
        if book.addresses(key, channel):
            continue
        short = key.rpartition("-")[2]
        near = [k for k in book.entries if k != key and (k == short or k.rpartition("-")[2] == short)]
        hint = f"; the address book has {', '.join(near)}: key it by the department's code {key}"
        log.warning(
            "county %s: %s notification not sent to %s on %s: no address in the address book%s",
            county, trigger.value, key, channel, hint if near else "",
        )  # fmt: skip
