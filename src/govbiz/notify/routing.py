"""Routing rules (通知规则): which happening notifies whom, over which channel, with which template.

A `Trigger` is something worth telling people about: an assignment, a
redo, a circular, or a deadline clock reaching a warning level in the daily
sweep.  A `RoutingRule` maps a trigger to recipient roles (the lead
department, the supervision office ...) and channels.  The `AddressBook`
turns a recipient (a department code or an office) into addresses on a
channel.  All of it is configuration a county can change; `DEFAULT_RULES`
follows the issue's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

import attrs

from govbiz.errors import ValidationError

__all__ = [
    "DEFAULT_RULES",
    "AddressBook",
    "Recipient",
    "RoutingRule",
    "Trigger",
]


class Trigger(StrEnum):
    """What a notification is about."""

    #: 交办: a problem was assigned (or reassigned) to departments.
    ASSIGNED = "assigned"
    #: 退回: the lead department returned an assignment.
    RETURNED = "returned"
    #: 退单审定: the secretariat accepted or refused a department's return; the department is told.
    RETURN_DECIDED = "return_decided"
    #: 重办: an unsatisfied return visit sent the problem back.
    REDO = "redo"
    #: 督查通报: a circular was published.
    CIRCULAR = "circular"
    #: 临期: a clock has few working days left.
    APPROACHING = "approaching"
    #: 今日到期: today is a clock's last day.
    DUE_TODAY = "due_today"
    #: 超期 / 催办: a clock has run out and its report has not arrived.
    OVERDUE = "overdue"
    #: 严重超期: late by more than the county's threshold.
    SERIOUSLY_OVERDUE = "seriously_overdue"
    #: 催办通知书: the escalation ladder's formal letter, once per clock, the working day after it ran out.
    REMINDER_LETTER = "reminder_letter"
    #: 回访到期: the collector's return-visit clock needs attention.
    RETURN_VISIT_DUE = "return_visit_due"
    #: 差评核实提醒: the verification of an unsatisfied visit (核实) needs attention.
    VERIFICATION_DUE = "verification_due"
    #: 期限调整: a holiday notice added to the ledger moved a provisional last day.
    DEADLINE_REBASED = "deadline_rebased"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the trigger."""
        return _LABELS[self]


_LABELS = {
    Trigger.ASSIGNED: "交办通知",
    Trigger.RETURNED: "退回通知",
    Trigger.RETURN_DECIDED: "退单审定结果通知",
    Trigger.REDO: "重办通知",
    Trigger.CIRCULAR: "督查通报",
    Trigger.APPROACHING: "临期提醒",
    Trigger.DUE_TODAY: "今日到期提醒",
    Trigger.OVERDUE: "超期催办",
    Trigger.SERIOUSLY_OVERDUE: "严重超期督办",
    Trigger.REMINDER_LETTER: "催办通知书",
    Trigger.RETURN_VISIT_DUE: "回访提醒",
    Trigger.VERIFICATION_DUE: "差评核实提醒",
    Trigger.DEADLINE_REBASED: "期限调整通知",
}


class Recipient(StrEnum):
    """Who a rule notifies, resolved against the problem or circular at hand."""

    #: 主办单位
    LEAD = "lead"
    #: 协办单位
    CO_HANDLERS = "co_handlers"
    #: every department a circular names
    DEPARTMENTS_NAMED = "departments_named"
    #: 督查室
    SUPERVISION_OFFICE = "supervision_office"
    #: 市委办/市政府办
    SECRETARIAT = "secretariat"
    #: 收集人 (统战部/工商联)
    COLLECTOR = "collector"
    #: 接待领导的办公室
    CHAIR_OFFICE = "chair_office"
    #: 企业联系人 (personal data: only where the county configures it)
    ENTERPRISE = "enterprise"


def _recipients(values: Iterable[Recipient | str]) -> tuple[Recipient, ...]:
    return tuple(Recipient(value) for value in values)


@attrs.frozen(slots=True)
class RoutingRule:
    """Notify `recipients` over `channels` when `trigger` happens, with template `template`."""

    trigger: Trigger = attrs.field(converter=Trigger)
    recipients: tuple[Recipient, ...] = attrs.field(converter=_recipients)
    channels: tuple[str, ...] = ("console",)
    template: str = ""

    @property
    def template_name(self) -> str:
        """The template to render: the rule's own, or the trigger's name."""
        return self.template or self.trigger.value


#: The defaults: who is told what, as issue 6 and common practice put it.
DEFAULT_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(Trigger.ASSIGNED, (Recipient.LEAD, Recipient.CO_HANDLERS)),
    RoutingRule(Trigger.RETURNED, (Recipient.SECRETARIAT,)),
    # The department that asked (the lead of the assignment it asked to return) hears the decision.
    RoutingRule(Trigger.RETURN_DECIDED, (Recipient.LEAD,)),
    RoutingRule(Trigger.REDO, (Recipient.LEAD,)),
    RoutingRule(Trigger.CIRCULAR, (Recipient.DEPARTMENTS_NAMED,)),
    RoutingRule(Trigger.APPROACHING, (Recipient.LEAD,)),
    RoutingRule(Trigger.DUE_TODAY, (Recipient.LEAD,)),
    RoutingRule(Trigger.OVERDUE, (Recipient.LEAD, Recipient.SUPERVISION_OFFICE)),
    RoutingRule(
        Trigger.SERIOUSLY_OVERDUE, (Recipient.LEAD, Recipient.SUPERVISION_OFFICE, Recipient.SECRETARIAT)
    ),
    RoutingRule(Trigger.REMINDER_LETTER, (Recipient.LEAD, Recipient.SUPERVISION_OFFICE)),
    RoutingRule(Trigger.RETURN_VISIT_DUE, (Recipient.COLLECTOR,)),
    RoutingRule(Trigger.VERIFICATION_DUE, (Recipient.COLLECTOR, Recipient.SUPERVISION_OFFICE)),
    RoutingRule(Trigger.DEADLINE_REBASED, (Recipient.LEAD, Recipient.CO_HANDLERS)),
)


@attrs.frozen(slots=True)
class AddressBook:
    """Where each recipient is reached, per channel (通讯录).

    `entries` maps a key (a department code, or an office name such as
    `"supervision_office"`) to `{channel: (address, ...)}`.  The console
    channel needs no entry: it prints the recipient's key.
    """

    entries: Mapping[str, Mapping[str, tuple[str, ...]]] = attrs.field(factory=dict)

    def addresses(self, key: str, channel: str) -> tuple[str, ...]:
        """The addresses of `key` on `channel` (empty if it has none there)."""
        found = tuple(self.entries.get(key, {}).get(channel, ()))
        if not found and channel == "console":
            return (key,)
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, object]]) -> AddressBook:
        """Build from plain data (a parsed TOML table); errors name the entry."""
        entries: dict[str, dict[str, tuple[str, ...]]] = {}
        for key, channels in data.items():
            if not isinstance(channels, Mapping):
                raise ValidationError(
                    f"address_book.{key}", channels, "must be a table of channel = [addresses]"
                )
            entries[key] = {}
            for channel, given in channels.items():
                addresses = [given] if isinstance(given, str) else given
                if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
                    raise ValidationError(
                        f"address_book.{key}.{channel}", addresses, "must be a list of addresses"
                    )
                entries[key][channel] = tuple(addresses)
        return cls(entries)
