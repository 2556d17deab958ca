"""Clock rules (时限规则): how long a department has for each report, and in which unit."""

from __future__ import annotations

from enum import StrEnum

import attrs

__all__ = ["ClockRule", "Trigger", "Unit", "default_clocks"]


class Unit(StrEnum):
    """The unit of a period; each rule states its own, never implied ("7个工作日" vs "7日")."""

    WORKING_DAYS = "working_days"
    """Working days (工作日): rest days are not counted."""
    CALENDAR_DAYS = "calendar_days"
    """Days (日, 自然日): every day counts; a last day on a rest day moves (民法典第二百零三条)."""

    def amount_text(self, amount: int, lang: str = "zh") -> str:
        """Return the amount as written in a rule, e.g. `"7个工作日"` or `"30 days"`."""
        if lang == "en":
            word = "working day" if self is Unit.WORKING_DAYS else "day"
            return f"{amount} {word}{'' if amount == 1 else 's'}"
        return f"{amount}个工作日" if self is Unit.WORKING_DAYS else f"{amount}日"


class Trigger(StrEnum):
    """What starts a clock (起算事件)."""

    ASSIGNED = "assigned"
    """The assignment (交办): sign, progress and result clocks."""
    RESULT = "result"
    """The result report (办结): the return-visit clock (回访)."""
    CO_HANDLERS = "co_handlers"
    """An assignment with co-handling departments (协办): their reply clock, started at the 交办."""
    UNSATISFIED = "unsatisfied"
    """A return visit at a level that does not close (差评): the verification clock (核实)."""


@attrs.frozen(slots=True)
class ClockRule:
    """One named clock of a county's deadline policy (时限规则).

    `label` is the rule as a clerk reads it (`"7个工作日内报送落实情况"`);
    `enabled` switches a clock off for a county (e.g. no separate sign-for
    step); `starts_on` says which event starts it.
    """

    name: str
    amount: int
    unit: Unit
    label: str
    enabled: bool = True
    starts_on: Trigger = Trigger.ASSIGNED

    @property
    def basis(self) -> str:
        """Return the period as written in Chinese rules, e.g. `"7个工作日"` or `"30日"`."""
        return self.unit.amount_text(self.amount)


def default_clocks() -> tuple[ClockRule, ...]:
    """Return the default clocks: from the source article and common public practice.

    * `sign`: sign for or return the assignment (签收或退回) within 1 working day;
    * `progress`: progress report (落实情况) within 7 working days;
    * `result`: result report (办理结果) within 30 days;
    * `return_visit`: return visit (回访) within 5 working days after the result;
    * `co_handling`: each co-handling department (协办) replies to the lead within
      3 working days of the assignment (started only when there are co-handlers);
    * `verification`: an unsatisfied visit (差评) is verified (核实) within 5 working
      days, ending in a redo or a recorded explanation.  Off by default: a county
      switches it on (`enabled = true`); until then an unsatisfied visit redoes at once.
    """
    return (
        ClockRule("sign", 1, Unit.WORKING_DAYS, "1个工作日内签收或退回"),
        ClockRule("progress", 7, Unit.WORKING_DAYS, "7个工作日内报送落实情况"),
        ClockRule("result", 30, Unit.CALENDAR_DAYS, "30日内报送办理结果"),
        ClockRule(
            "return_visit", 5, Unit.WORKING_DAYS, "办结后5个工作日内回访", starts_on=Trigger.RESULT
        ),
        ClockRule(
            "co_handling", 3, Unit.WORKING_DAYS, "3个工作日内向主办单位反馈协办意见",
            starts_on=Trigger.CO_HANDLERS,
        ),
        ClockRule(
            "verification", 5, Unit.WORKING_DAYS, "差评5个工作日内核实", enabled=False,
            starts_on=Trigger.UNSATISFIED,
        ),
    )
