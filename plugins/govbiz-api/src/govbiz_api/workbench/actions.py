"""The action forms of a problem (可办理操作): one form per action, and the command it becomes.

`ACTION_FORMS` says, for each action a person takes in the browser, which
command it is and which fields its form asks for.  `command_of` turns a
submitted form into that command; `Ledger.handle` then decides whether the
user may take it (role, county, department, state), exactly as for a
Python or HTTP caller.  A form is shown only for the actions
`govbiz_api.views.caller_actions` lists, but a form posted for any other
is still handed to the library, which refuses it.
"""

from __future__ import annotations

from typing import Any

import attrs

from govbiz import commands as c
from govbiz.domain.handling import ReminderKind, ResultOutcome
from govbiz.domain.lifecycle import Action
from govbiz.errors import ValidationError
from govbiz_api.workbench.web import Form

__all__ = ["ACTION_FORMS", "ActionForm", "Field", "command_of"]


@attrs.frozen(slots=True)
class Field:
    """One field of an action form.

    `kind` is `text`, `textarea`, `date`, `select` (`choices` fixed, or
    `source` names the ledger's list: `departments`, `sessions`, `clocks`,
    `categories`) or `multi` (several departments).
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    source: str = ""


@attrs.frozen(slots=True)
class ActionForm:
    """The form of one action: its command and fields, and the button's text."""

    command: type[c.Command[Any]]
    fields: tuple[Field, ...] = ()
    button: str = ""


_YES_NO = (("true", "满意"), ("false", "不满意"))
_APPROVE = (("true", "批准"), ("false", "不批准"))
_OUTCOMES = tuple((o.value, o.label_zh) for o in ResultOutcome)
_REMINDERS = ((ReminderKind.REMINDER.value, "催办"), (ReminderKind.SUPERVISION.value, "督办"))
_REASON = Field("reason", "理由", "textarea", required=True)
_NOTE = Field("note", "备注", "textarea")
_DEADLINES = (
    Field("deadline_progress", "现场明确的落实情况期限（可不填，按规定计算）", "date"),
    Field("deadline_result", "现场明确的办理结果期限（可不填，按规定计算）", "date"),
)

ACTION_FORMS: dict[Action, ActionForm] = {
    Action.TRIAGE: ActionForm(
        c.TriageProblem, (Field("category", "类别", "select", source="categories"), _NOTE)
    ),
    Action.REJECT: ActionForm(c.RejectProblem, (_REASON,)),
    Action.MERGE: ActionForm(c.MergeProblem, (Field("into", "并入问题编号", required=True),)),
    Action.WITHDRAW: ActionForm(c.WithdrawProblem, (_REASON,)),
    Action.SCHEDULE: ActionForm(
        c.ScheduleProblem, (Field("session_id", "接待日", "select", required=True, source="sessions"),)
    ),
    Action.ASSIGN: ActionForm(
        c.AssignProblem,
        (
            Field("lead", "主办部门", "select", required=True, source="departments"),
            Field("co_handlers", "协办部门", "multi", source="departments"),
            Field("session_id", "现场交办的接待日", "select", source="sessions"),
            *_DEADLINES,
        ),
    ),
    Action.REASSIGN: ActionForm(
        c.ReassignProblem,
        (
            Field("lead", "主办部门", "select", required=True, source="departments"),
            Field("co_handlers", "协办部门", "multi", source="departments"),
            *_DEADLINES,
        ),
    ),
    Action.SIGN: ActionForm(c.SignAssignment, button="签收"),
    Action.RETURN: ActionForm(
        c.ReturnAssignment,
        (_REASON, Field("proposed_department", "建议承办部门", "select", source="departments")),
    ),
    Action.REPORT_PROGRESS: ActionForm(
        c.ReportProgress, (Field("text", "落实情况", "textarea", required=True),)
    ),
    Action.REPORT_RESULT: ActionForm(
        c.ReportResult,
        (
            Field("outcome", "办理结果", "select", required=True, choices=_OUTCOMES),
            Field("text", "结果说明", "textarea", required=True),
        ),
    ),
    Action.REQUEST_EXTENSION: ActionForm(
        c.RequestExtension,
        (
            Field("clock", "延期的期限", "select", required=True, source="clocks"),
            Field("new_last_day", "申请延至", "date", required=True),
            _REASON,
        ),
    ),
    Action.DECIDE_EXTENSION: ActionForm(
        c.DecideExtension, (Field("approve", "审批意见", "select", required=True, choices=_APPROVE), _NOTE)
    ),
    Action.SUSPEND: ActionForm(c.SuspendProblem, (_REASON,)),
    Action.RESUME: ActionForm(c.ResumeProblem, (_NOTE,)),
    Action.RETURN_VISIT: ActionForm(
        c.RecordReturnVisit,
        (
            Field("satisfied", "企业评价", "select", required=True, choices=_YES_NO),
            Field("notes", "回访记录", "textarea"),
        ),
    ),
    Action.REMIND: ActionForm(c.SendReminder, (Field("kind", "类型", "select", choices=_REMINDERS), _NOTE)),
}

_BOOLEAN = {"approve", "satisfied"}


def command_of(action: Action, problem_id: str, form: Form) -> c.Command[Any]:
    """The command the submitted `form` asks for; `ValidationError` naming the field when it is invalid."""
    spec = ACTION_FORMS[action]
    data: dict[str, Any] = {"problem_id": problem_id}
    deadlines: dict[str, str] = {}
    for field in spec.fields:
        if field.kind == "multi":
            data[field.name] = form.all(field.name)
            continue
        value = form.get(field.name)
        if field.name.startswith("deadline_"):
            if value:
                deadlines[field.name.removeprefix("deadline_")] = value
            continue
        if not value:
            if field.required:
                raise ValidationError(field.name, value, f"请填写「{field.label}」")
            continue
        data[field.name] = _boolean(field.name, value) if field.name in _BOOLEAN else value
    if deadlines:
        data["deadlines"] = deadlines
    return spec.command(**data)


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise ValidationError(name, value, "is true or false")
    return value == "true"
