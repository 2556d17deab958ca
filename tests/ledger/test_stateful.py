"""Random command sequences by random actors must never break the ledger's invariants.

Hypothesis drives the real Ledger with any command, on any problem, by any
actor, at times moving forward through 2025.  Whatever it tries:

* a refused command (any GovbizError) changes nothing;
* an accepted command moves the problem one version on, along a row of the
  lifecycle table, by a role the table allows;
* every problem's events replay to exactly the stored problem, and the event
  log holds exactly one event per version of every record.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from govbiz import commands as c
from govbiz.deadlines import DeadlinePolicy
from govbiz.deadlines.policy import DEFAULT_CLOSING_SATISFACTION as CLOSING
from govbiz.domain import Actor, Problem, ProblemState, Satisfaction, allowed_actions, replay
from govbiz.domain.lifecycle import ACTION_ROLES, FINAL_STATES, SYSTEM_ACTIONS, Action, find_transition
from govbiz.errors import GovbizError
from govbiz.ledger import Ledger
from govbiz.profile import CountyProfile
from govbiz.storage.attachments import MemoryAttachmentStore
from govbiz.storage.memory import MemoryStore
from tests.conftest import World, build_world

COMMAND_ACTION = {
    c.TriageProblem: Action.TRIAGE,
    c.RejectProblem: Action.REJECT,
    c.MergeProblem: Action.MERGE,
    c.WithdrawProblem: Action.WITHDRAW,
    c.ScheduleProblem: Action.SCHEDULE,
    c.AssignProblem: Action.ASSIGN,
    c.ReassignProblem: Action.REASSIGN,
    c.SignAssignment: Action.SIGN,
    c.ReturnAssignment: Action.RETURN,
    c.DecideReturn: Action.DECIDE_RETURN,
    c.ReportCoHandling: Action.REPORT_CO_HANDLING,
    c.ReportProgress: Action.REPORT_PROGRESS,
    c.ReportResult: Action.REPORT_RESULT,
    c.RequestExtension: Action.REQUEST_EXTENSION,
    c.DecideExtension: Action.DECIDE_EXTENSION,
    c.SuspendProblem: Action.SUSPEND,
    c.ResumeProblem: Action.RESUME,
    c.RecordReturnVisit: Action.RETURN_VISIT,
    c.RecordVerification: Action.VERIFY,
    c.AppealRating: Action.APPEAL_RATING,
    c.DecideAppeal: Action.DECIDE_APPEAL,
    c.SendReminder: Action.REMIND,
    c.LinkLastingRule: Action.LINK_LASTING_RULE,
    c.AttachFile: Action.ATTACH,
}
#: The one scan every attachment of the walk is (its bytes are in the ledger's store).
SCAN = b"%PDF-1.7 signed and stamped"


#: Actions that end a problem early; the sensible walk avoids them so deep states are reached.
ENDINGS = frozenset({Action.REJECT, Action.MERGE, Action.WITHDRAW})
#: Actions with no command of their own (re-basing comes with AddHolidayNotice, tested on its own).
UNCOMMANDED = SYSTEM_ACTIONS


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: World = build_world()
        self.ids: list[str] = []

    @initialize(verifies=st.booleans())
    def lasting_rule(self, verifies: bool) -> None:
        # Half the runs in a county that verifies an unsatisfied visit before a redo (核实).
        self.verifies = verifies
        if verifies:
            policy = DeadlinePolicy.from_dict({"clocks": {"verification": {"enabled": True}}})
            ledger = Ledger(MemoryStore(), profiles={"430800": CountyProfile(deadline_policy=policy)})
            self.world = build_world(ledger)
        self.world.ledger.attachments = MemoryAttachmentStore()
        self.scan = self.world.ledger.attachments.put(SCAN)
        rule = self.world.ledger.handle(
            self.world.secretariat,
            c.RecordLastingRule(
                county="430800",
                title="室内装饰装修管理办法",
                issued_by="430800-zjj",
                issued_on=date(2025, 3, 1),
            ),
        )
        self.rule_id: str = rule.id

    def actors(self) -> list[Actor]:
        w = self.world
        return [
            w.collector,
            w.secretariat,
            w.chair,
            w.zgj,
            w.zjj,
            w.supervisor,
            w.viewer,
            w.contact,
            w.county_collector,
        ]

    @precondition(lambda self: len(self.ids) < 4)
    @rule(title=st.sampled_from(["用地审批", "贷款延期", "用工招聘", "五通一平"]), by_contact=st.booleans())
    def collect(self, title: str, by_contact: bool) -> None:
        actor = self.world.contact if by_contact else self.world.collector
        source = "企业自报" if by_contact else "座谈会"
        command = c.CollectProblem(
            enterprise_id=self.world.enterprise_id, title=title, category="审批", source=source
        )
        problem = self.world.ledger.handle(actor, command)
        assert problem.state is ProblemState.COLLECTED
        assert problem.version == 1
        self.ids.append(problem.id)

    @rule(hours=st.integers(min_value=0, max_value=72))
    def time_passes(self, hours: int) -> None:
        self.world.clock.advance(timedelta(hours=hours))

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        problem_id = data.draw(st.sampled_from(self.ids))
        before = self.world.ledger.problem(self.world.viewer, problem_id)
        # Mostly walk along the table with a suitable actor, so deep states are reached;
        # sometimes try anything by anyone, so refusals are exercised too.
        possible = allowed_actions(before) - UNCOMMANDED
        allowed = sorted(possible - ENDINGS) or sorted(possible)
        sensible = bool(allowed) and data.draw(st.integers(0, 9)) < 8
        action = data.draw(st.sampled_from(allowed if sensible else list(COMMAND_ACTION.values())))
        command = data.draw(self.commands(before)[action])
        actor = data.draw(st.sampled_from(self.suitable(before, action) if sensible else self.actors()))
        try:
            after = self.world.ledger.handle(actor, command)
        except GovbizError as error:
            event(f"refused: {type(error).__name__}")
            assert self.world.ledger.problem(self.world.viewer, problem_id) == before
            return
        event(f"accepted: {before.state.value} -> {after.state.value}")
        self.check_accepted(before, after, actor, command)

    def suitable(self, problem: Problem, action: Action) -> list[Actor]:
        """Actors whose role may take ``action``, the lead department's handler first."""
        actors = [a for a in self.actors() if a.role in ACTION_ROLES[action] and a.county == problem.county]
        lead = problem.lead_department
        if action is Action.REPORT_CO_HANDLING and problem.assignment is not None:
            lead = next(iter(problem.assignment.co_handlers), lead)  # a co-handler replies
        leads = [a for a in actors if a.department is None or a.department == lead]
        return leads or actors or self.actors()

    def check_accepted(self, before: Problem, after: Problem, actor: Actor, command: Any) -> None:
        action = COMMAND_ACTION[type(command)]
        assert actor.role in ACTION_ROLES[action]
        assert after.version == before.version + 1
        outcome = {
            Action.REPORT_RESULT: "long_term"
            if getattr(command, "outcome", None) == "long_term"
            else "final",
            # The default policy closes on the three favourable levels.
            Action.RETURN_VISIT: "satisfied"
            if getattr(command, "level", None) in CLOSING
            else "verify"
            if self.verifies
            else "unsatisfied",
            Action.VERIFY: "redo" if getattr(command, "redo", False) else "explained",
            Action.DECIDE_RETURN: "accepted" if getattr(command, "accept", False) else "refused",
        }.get(action, "")
        row = find_transition(action, before.state, outcome)
        assert row is not None, (before.state, action)
        assert after.state is (row.target or before.state)
        assert before.state not in FINAL_STATES or row.target is None

    def commands(self, problem: Problem) -> dict[Action, st.SearchStrategy[Any]]:
        pid = st.just(problem.id)
        dept = st.sampled_from(["430800-zgj", "430800-zjj", "430800-xcb", "430802-zrzy"])
        today = self.world.clock.now().date()
        later = st.integers(min_value=-5, max_value=60).map(lambda n: today + timedelta(days=n))
        return {
            Action.TRIAGE: st.builds(
                c.TriageProblem, problem_id=pid, category=st.sampled_from([None, "融资", "审批"])
            ),
            Action.REJECT: st.builds(c.RejectProblem, problem_id=pid, reason=st.just("不予受理")),
            Action.MERGE: st.builds(c.MergeProblem, problem_id=pid, into=st.sampled_from(self.ids)),
            Action.WITHDRAW: st.builds(c.WithdrawProblem, problem_id=pid, reason=st.just("企业撤回")),
            Action.SCHEDULE: st.builds(
                c.ScheduleProblem, problem_id=pid, session_id=st.just(self.world.session_id)
            ),
            Action.ASSIGN: st.builds(
                c.AssignProblem, problem_id=pid, lead=dept, co_handlers=st.lists(dept, max_size=1).map(tuple)
            ),
            Action.REASSIGN: st.builds(c.ReassignProblem, problem_id=pid, lead=dept),
            Action.SIGN: st.builds(c.SignAssignment, problem_id=pid),
            Action.RETURN: st.builds(
                c.ReturnAssignment,
                problem_id=pid,
                reason=st.just("非本部门职责"),
                ground=st.sampled_from([None, "诉求不明确", "已由其他部门办理", "不是理由"]),
            ),
            Action.DECIDE_RETURN: st.builds(c.DecideReturn, problem_id=pid, accept=st.booleans()),
            Action.REPORT_CO_HANDLING: st.builds(
                c.ReportCoHandling, problem_id=pid, text=st.just("协办意见")
            ),
            Action.REPORT_PROGRESS: st.builds(c.ReportProgress, problem_id=pid, text=st.just("正在推进")),
            Action.REPORT_RESULT: st.builds(
                c.ReportResult,
                problem_id=pid,
                outcome=st.sampled_from(["solved", "explained", "long_term"]),
                text=st.just("结果"),
            ),
            Action.REQUEST_EXTENSION: st.builds(
                c.RequestExtension,
                problem_id=pid,
                clock=st.sampled_from(["progress", "result"]),
                new_last_day=later,
                reason=st.just("需要时间"),
            ),
            Action.DECIDE_EXTENSION: st.builds(c.DecideExtension, problem_id=pid, approve=st.booleans()),
            Action.SUSPEND: st.builds(c.SuspendProblem, problem_id=pid, reason=st.just("等待裁定")),
            Action.RESUME: st.builds(c.ResumeProblem, problem_id=pid),
            Action.RETURN_VISIT: st.one_of(
                st.builds(c.RecordReturnVisit, problem_id=pid, satisfied=st.booleans()),
                st.builds(
                    c.RecordReturnVisit, problem_id=pid, satisfaction=st.sampled_from(list(Satisfaction))
                ),
            ),
            Action.VERIFY: st.builds(
                c.RecordVerification, problem_id=pid, redo=st.booleans(), explanation=st.just("核实")
            ),
            Action.APPEAL_RATING: st.builds(c.AppealRating, problem_id=pid, reason=st.just("评价不公")),
            Action.DECIDE_APPEAL: st.builds(c.DecideAppeal, problem_id=pid, grant=st.booleans()),
            Action.REMIND: st.builds(
                c.SendReminder, problem_id=pid, kind=st.sampled_from(["reminder", "supervision"])
            ),
            Action.LINK_LASTING_RULE: st.builds(
                c.LinkLastingRule, problem_id=pid, rule_id=st.just(self.rule_id)
            ),
            Action.ATTACH: st.builds(
                c.AttachFile, problem_id=pid, file_name=st.just("签收单.pdf"),
                media_type=st.just("application/pdf"),
                size=st.sampled_from([len(SCAN), len(SCAN) + 1]), sha256=st.just(self.scan),
            ),
        }

    @invariant()
    def events_replay_to_the_stored_state(self) -> None:
        with self.world.ledger.store.unit_of_work() as uow:
            for problem_id in self.ids:
                stored = uow.get_problem(problem_id)
                events = uow.events("problem", problem_id)
                assert stored is not None
                assert [e.version for e in events] == list(range(1, stored.version + 1))
                assert replay(events) == stored
            assert len(uow.events("problem")) == sum(uow.get_problem(i).version for i in self.ids)  # type: ignore[union-attr]

    @invariant()
    def counts_are_consistent(self) -> None:
        listed = self.world.ledger.problems(self.world.viewer)
        assert sorted(p.id for p in listed) == sorted(self.ids)
        by_state = self.world.ledger.problems(self.world.viewer, states=[s.value for s in ProblemState])
        assert len(by_state) == len(self.ids)


TestLedgerStateMachine = LedgerMachine.TestCase
TestLedgerStateMachine.settings = settings(TestLedgerStateMachine.settings, stateful_step_count=80)
