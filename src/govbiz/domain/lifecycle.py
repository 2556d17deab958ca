"""The problem lifecycle (问题办理流程) as one table.

`TRANSITIONS` is the single source of truth: which action is allowed
from which state, where it leads, and which roles may take it.  The domain
model refuses anything not in the table, and the documentation's state
diagram is rendered from it by `mermaid_diagram`, so the picture and
the behaviour cannot drift apart.

An action whose `target` is `None` changes no state: it modifies the
running clocks (extension 延期, suspension 中止) or records something beside
the flow (reminder 催办, a lasting rule 长效机制).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

import attrs

from govbiz.domain.actors import Role

__all__ = [
    "ACTION_ROLES",
    "FINAL_STATES",
    "SYSTEM_ACTIONS",
    "TRANSITIONS",
    "Action",
    "ProblemState",
    "Transition",
    "find_transition",
    "mermaid_diagram",
    "transitions_from",
]


class ProblemState(StrEnum):
    """Where a problem (问题) stands in the ledger."""

    COLLECTED = "collected"
    TRIAGED = "triaged"
    REJECTED = "rejected"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    SCHEDULED = "scheduled"
    ASSIGNED = "assigned"
    #: 退单待审定: the lead department asked to return the assignment; the secretariat decides.
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    LONG_TERM = "long_term"
    RESULT_REPORTED = "result_reported"
    REDO = "redo"
    #: 差评核实中: an unsatisfied visit is verified before a redo (a county's `verification` clock).
    VERIFYING = "verifying"
    CLOSED = "closed"

    @property
    def label_zh(self) -> str:
        """The Chinese name a clerk uses for this state."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ProblemState.COLLECTED: "已收集",
    ProblemState.TRIAGED: "已研判",
    ProblemState.REJECTED: "不予受理",
    ProblemState.MERGED: "已合并",
    ProblemState.WITHDRAWN: "已撤回",
    ProblemState.SCHEDULED: "已列入议程",
    ProblemState.ASSIGNED: "已交办待签收",
    ProblemState.RETURN_REQUESTED: "退单待审定",
    ProblemState.RETURNED: "已退回",
    ProblemState.SIGNED: "已签收",
    ProblemState.IN_PROGRESS: "办理中",
    ProblemState.LONG_TERM: "长期推进",
    ProblemState.RESULT_REPORTED: "已报结果待回访",
    ProblemState.REDO: "重办",
    ProblemState.VERIFYING: "差评核实中",
    ProblemState.CLOSED: "已销号",
}

#: States no action leaves (a lasting rule can still be linked to a closed problem).
FINAL_STATES = frozenset(
    {ProblemState.REJECTED, ProblemState.MERGED, ProblemState.WITHDRAWN, ProblemState.CLOSED}
)


class Action(StrEnum):
    """What an actor can do to a problem; also the `kind` of the event it records."""

    COLLECT = "collect"
    TRIAGE = "triage"
    REJECT = "reject"
    MERGE = "merge"
    WITHDRAW = "withdraw"
    SCHEDULE = "schedule"
    ASSIGN = "assign"
    SIGN = "sign"
    RETURN = "return"
    #: The secretariat accepts or refuses a return (退单审定).
    DECIDE_RETURN = "decide_return"
    REASSIGN = "reassign"
    REPORT_PROGRESS = "report_progress"
    REPORT_RESULT = "report_result"
    #: A co-handling department replies to the lead (协办反馈), on its own clock.
    REPORT_CO_HANDLING = "report_co_handling"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUSPEND = "suspend"
    RESUME = "resume"
    RETURN_VISIT = "return_visit"
    #: The verification of an unsatisfied visit ends (核实): in a redo or a recorded explanation.
    VERIFY = "verify"
    #: The lead department contests the latest rating as unjust (申诉复核).
    APPEAL_RATING = "appeal_rating"
    #: The supervisor grants or refuses the appeal; granted, the rating leaves the scores.
    DECIDE_APPEAL = "decide_appeal"
    REMIND = "remind"
    #: A file attached (上传附件): a scan of a signed document; its bytes are kept apart.
    ATTACH = "attach"
    LINK_LASTING_RULE = "link_lasting_rule"
    #: The running clocks are counted again on a holiday notice just added (期限复核).
    REBASE_DEADLINES = "deadline_rebased"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the action."""
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.COLLECT: "收集",
    Action.TRIAGE: "研判分类",
    Action.REJECT: "不予受理",
    Action.MERGE: "合并重复",
    Action.WITHDRAW: "撤回",
    Action.SCHEDULE: "列入接待日议程",
    Action.ASSIGN: "交办",
    Action.SIGN: "签收",
    Action.RETURN: "退回",
    Action.DECIDE_RETURN: "审定退单",
    Action.REASSIGN: "重新交办",
    Action.REPORT_PROGRESS: "报送落实情况",
    Action.REPORT_RESULT: "报送办理结果",
    Action.REPORT_CO_HANDLING: "报送协办意见",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期",
    Action.SUSPEND: "中止",
    Action.RESUME: "恢复办理",
    Action.RETURN_VISIT: "回访",
    Action.VERIFY: "核实差评",
    Action.APPEAL_RATING: "申诉评价",
    Action.DECIDE_APPEAL: "复核申诉",
    Action.REMIND: "催办/督办",
    Action.ATTACH: "上传附件",
    Action.LINK_LASTING_RULE: "关联长效机制",
    Action.REBASE_DEADLINES: "按放假安排复核期限",
}

#: Actions no command asks for: the ledger records them itself, as part of another command
#: (re-basing follows `AddHolidayNotice`).  A user interface offers no button for them.
SYSTEM_ACTIONS = frozenset({Action.REBASE_DEADLINES})

S = ProblemState
_HANDLING = frozenset({S.SIGNED, S.IN_PROGRESS, S.REDO})
_OPEN_AFTER_ASSIGNMENT = frozenset({S.ASSIGNED, S.RETURN_REQUESTED, *_HANDLING, S.LONG_TERM})
_NOT_FINAL = frozenset(set(S) - FINAL_STATES)
#: Where a problem may carry a return visit's rating (after a visit: redone, reported again, closed).
_RATED = frozenset({*_HANDLING, S.LONG_TERM, S.RESULT_REPORTED, S.VERIFYING, S.CLOSED})


@attrs.frozen(slots=True)
class Transition:
    """One row of the lifecycle table.

    `sources` are the states the action is allowed from (empty for
    `Action.COLLECT`, which creates the problem); `target` is the new
    state, or `None` when the action leaves the state unchanged;
    `outcome` distinguishes rows of one action that lead to different
    states (a satisfied or unsatisfied return visit).
    """

    action: Action
    sources: frozenset[ProblemState]
    target: ProblemState | None
    outcome: str = ""


#: The lifecycle table.  Read it top to bottom as the life of a problem.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.COLLECT, frozenset(), S.COLLECTED),
    Transition(Action.TRIAGE, frozenset({S.COLLECTED}), S.TRIAGED),
    Transition(Action.REJECT, frozenset({S.COLLECTED, S.TRIAGED}), S.REJECTED),
    Transition(Action.MERGE, frozenset({S.COLLECTED, S.TRIAGED, S.SCHEDULED}), S.MERGED),
    Transition(Action.WITHDRAW, _NOT_FINAL, S.WITHDRAWN),
    Transition(Action.SCHEDULE, frozenset({S.TRIAGED, S.SCHEDULED}), S.SCHEDULED),
    Transition(Action.ASSIGN, frozenset({S.TRIAGED, S.SCHEDULED}), S.ASSIGNED),
    Transition(Action.SIGN, frozenset({S.ASSIGNED}), S.SIGNED),
    Transition(Action.RETURN, frozenset({S.ASSIGNED}), S.RETURN_REQUESTED),
    Transition(Action.DECIDE_RETURN, frozenset({S.RETURN_REQUESTED}), S.RETURNED, "accepted"),
    Transition(Action.DECIDE_RETURN, frozenset({S.RETURN_REQUESTED}), S.ASSIGNED, "refused"),
    # Reassigning a problem whose return awaits a decision accepts the return (改派即同意退单).
    Transition(Action.REASSIGN, frozenset({S.RETURNED, S.RETURN_REQUESTED}), S.ASSIGNED),
    Transition(Action.REPORT_PROGRESS, _HANDLING, S.IN_PROGRESS),
    Transition(Action.REPORT_PROGRESS, frozenset({S.LONG_TERM}), None),
    Transition(Action.REPORT_RESULT, _HANDLING | {S.LONG_TERM}, S.RESULT_REPORTED, "final"),
    Transition(Action.REPORT_RESULT, _HANDLING, S.LONG_TERM, "long_term"),
    Transition(Action.REPORT_CO_HANDLING, frozenset({S.ASSIGNED, S.RETURN_REQUESTED, *_HANDLING}), None),
    Transition(Action.REQUEST_EXTENSION, _HANDLING, None),
    Transition(Action.DECIDE_EXTENSION, _HANDLING, None),
    Transition(Action.SUSPEND, _HANDLING | {S.LONG_TERM}, None),
    Transition(Action.RESUME, _HANDLING | {S.LONG_TERM}, None),
    Transition(Action.RETURN_VISIT, frozenset({S.RESULT_REPORTED}), S.CLOSED, "satisfied"),
    Transition(Action.RETURN_VISIT, frozenset({S.RESULT_REPORTED}), S.REDO, "unsatisfied"),
    Transition(Action.RETURN_VISIT, frozenset({S.RESULT_REPORTED}), S.VERIFYING, "verify"),
    Transition(Action.VERIFY, frozenset({S.VERIFYING}), S.REDO, "redo"),
    Transition(Action.VERIFY, frozenset({S.VERIFYING}), S.CLOSED, "explained"),
    # A rating stays in the history; the appeal and its decision sit beside the flow.
    Transition(Action.APPEAL_RATING, _RATED, None),
    Transition(Action.DECIDE_APPEAL, _RATED, None),
    Transition(Action.REMIND, _OPEN_AFTER_ASSIGNMENT | {S.VERIFYING}, None),
    Transition(Action.ATTACH, _OPEN_AFTER_ASSIGNMENT | {S.RESULT_REPORTED, S.VERIFYING, S.CLOSED}, None),
    Transition(
        Action.LINK_LASTING_RULE,
        _OPEN_AFTER_ASSIGNMENT | {S.RESULT_REPORTED, S.CLOSED},
        None,
    ),
    Transition(
        Action.REBASE_DEADLINES,
        frozenset({S.ASSIGNED, S.RETURN_REQUESTED, *_HANDLING, S.RESULT_REPORTED, S.VERIFYING}),
        None,
    ),
)

#: Which roles may take each action.  The domain adds scope rules on top:
#: a department handler acts only on its own department's assignments, an
#: enterprise contact only on its own enterprise's problems.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.COLLECT: frozenset({Role.COLLECTOR, Role.ENTERPRISE_CONTACT}),
    Action.TRIAGE: frozenset({Role.COLLECTOR}),
    Action.REJECT: frozenset({Role.COLLECTOR, Role.SECRETARIAT}),
    Action.MERGE: frozenset({Role.COLLECTOR}),
    Action.WITHDRAW: frozenset({Role.COLLECTOR, Role.ENTERPRISE_CONTACT}),
    Action.SCHEDULE: frozenset({Role.SECRETARIAT, Role.COLLECTOR}),
    Action.ASSIGN: frozenset({Role.CHAIR, Role.SECRETARIAT}),
    Action.SIGN: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.RETURN: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.DECIDE_RETURN: frozenset({Role.SECRETARIAT}),
    Action.REASSIGN: frozenset({Role.CHAIR, Role.SECRETARIAT}),
    Action.REPORT_PROGRESS: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.REPORT_RESULT: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.REPORT_CO_HANDLING: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.REQUEST_EXTENSION: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.DECIDE_EXTENSION: frozenset({Role.SECRETARIAT, Role.CHAIR, Role.SUPERVISOR}),
    Action.SUSPEND: frozenset({Role.SECRETARIAT, Role.SUPERVISOR}),
    Action.RESUME: frozenset({Role.SECRETARIAT, Role.SUPERVISOR}),
    Action.RETURN_VISIT: frozenset({Role.COLLECTOR}),
    Action.VERIFY: frozenset({Role.COLLECTOR, Role.SUPERVISOR}),
    Action.APPEAL_RATING: frozenset({Role.DEPARTMENT_HANDLER}),
    Action.DECIDE_APPEAL: frozenset({Role.SUPERVISOR}),
    Action.REMIND: frozenset({Role.SUPERVISOR, Role.COLLECTOR}),
    Action.ATTACH: frozenset({Role.DEPARTMENT_HANDLER, Role.COLLECTOR}),
    Action.LINK_LASTING_RULE: frozenset({Role.COLLECTOR, Role.DEPARTMENT_HANDLER}),
    Action.REBASE_DEADLINES: frozenset({Role.ADMINISTRATOR}),
}


def transitions_from(state: ProblemState) -> tuple[Transition, ...]:
    """Every row of the table allowed from `state`."""
    return tuple(t for t in TRANSITIONS if state in t.sources)


@lru_cache(maxsize=256)  # the table is fixed; every command looks up its row twice
def find_transition(action: Action, state: ProblemState | None, outcome: str = "") -> Transition | None:
    """The row for `action` from `state` (`None` for a new problem), or `None`.

    `outcome` selects among rows of an action with several targets (a
    return visit is `"satisfied"` or `"unsatisfied"`) and must match
    exactly for such an action, even where only one of its rows applies.
    """
    branching = any(t.outcome for t in TRANSITIONS if t.action is action)
    for t in TRANSITIONS:
        if t.action is not action or (branching and t.outcome != outcome):
            continue
        if (state in t.sources) if state is not None else not t.sources:
            return t
    return None


def mermaid_diagram(transitions: Iterable[Transition] = TRANSITIONS) -> str:
    """Render the state-changing rows as a Mermaid `stateDiagram-v2`.

    Actions that keep the state (extension, suspension, reminders ...) are
    left out of the picture; the documentation lists them in a table.
    """
    lines = ["stateDiagram-v2"]
    for state in ProblemState:
        lines.append(f"    {state.value}: {state.value} {state.label_zh}")
    edges: dict[tuple[str, str], list[str]] = {}
    for row in transitions:
        if row.target is None:
            continue
        label = row.action.value + (f" ({row.outcome})" if row.outcome else "")
        sources = sorted(s.value for s in row.sources) if row.sources else ["[*]"]
        for source in sources:
            if source == row.target.value:
                continue
            edges.setdefault((source, row.target.value), []).append(label)
    for (source, target), labels in edges.items():
        lines.append(f"    {source} --> {target}: {', '.join(labels)}")
    for state in sorted(FINAL_STATES, key=lambda s: list(ProblemState).index(s)):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"
