"""The first reception day of the article, replayed through the public API.

On 31 March 2025, the party secretary chairs a round table (政企圆桌会议).
Problems collected beforehand are assigned on the spot. The departments
report, some on time and one late. The UFWD visits the enterprises again,
and one unsatisfied visit sends a problem back as a redo (重办). The
script prints the ledger, each deadline with its explanation, and a small
summary.

Run it directly (``scripts/simulate`` runs the whole-year simulation instead):
``python examples/reception_day/first_day.py``.

``run.py`` next to it replays the whole year with the simulation.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from govbiz import commands as c
from govbiz.clock import ManualClock
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import Actor, Problem, Role, replay
from govbiz.domain.credit_code import check_character
from govbiz.ledger import Ledger
from govbiz.storage import MemoryStore

BEIJING = ZoneInfo("Asia/Shanghai")
CITY = "430800"

DEPARTMENTS = {
    "430800-zgj": ("张家界市自然资源和规划局", "市自规局"),
    "430800-zjj": ("张家界市住房和城乡建设局", "市住建局"),
    "430800-xcb": ("中共张家界市委宣传部", "市委宣传部"),
    "430800-jrb": ("张家界市地方金融监督管理局", "市金融办"),
}

#: (enterprise, credit-code body, problem, category, source, lead, co-handlers)
PROBLEMS = [
    (
        "张家界久瑞生物科技有限公司",
        "91430800MA4L12345",
        "新厂“五通一平”施工保障",
        "土地规划",
        "调研走访",
        "430800-zgj",
        ("430800-zjj",),
    ),
    (
        "张家界久瑞生物科技有限公司",
        "91430800MA4L12345",
        "老厂土地变性招拍",
        "土地规划",
        "调研走访",
        "430800-zgj",
        (),
    ),
    ("张家界冰雪世界有限公司", "91430800MA4M54321", "贷款延期还本付息", "融资", "恳谈会", "430800-jrb", ()),
    (
        "张家界某广告传媒有限公司",
        "91430802MA4N11111",
        "户外公益广告发布规范",
        "公益广告",
        "座谈会",
        "430800-xcb",
        (),
    ),
    (
        "张家界某装饰工程有限公司",
        "91430811MA4P22222",
        "室内装饰装修备案流程",
        "装饰装修",
        "晚餐例会",
        "430800-zjj",
        (),
    ),
]


def at(text: str) -> datetime:
    """A Beijing-time instant from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--english", action="store_true", help="explain deadlines in English")
    args = parser.parse_args(argv)

    clock = ManualClock(at("2025-03-20 09:00"))
    ledger = Ledger(MemoryStore(), clock=clock)
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
    collector = Actor(id="tzb-liao", role=Role.COLLECTOR, county=CITY, name="市委统战部")
    secretariat = Actor(id="swb", role=Role.SECRETARIAT, county=CITY, name="市委办")
    chair = Actor(id="shuji", role=Role.CHAIR, county=CITY, name="市委书记")
    handlers = {
        code: Actor(id=f"{code}-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department=code)
        for code in DEPARTMENTS
    }

    # 1. The city, its departments and the enterprises (登记)
    ledger.handle(admin, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for code, (name, short) in DEPARTMENTS.items():
        ledger.handle(admin, c.RegisterDepartment(code=code, name=name, short_name=short, county=CITY))
    enterprises: dict[str, str] = {}
    for name, body, *_ in PROBLEMS:
        if name not in enterprises:
            code = body + check_character(body)
            enterprises[name] = ledger.handle(
                admin, c.RegisterEnterprise(county=CITY, name=name, credit_code=code)
            ).id

    # 2. Collection before the session (收集问题, 分析研判)
    session = ledger.handle(
        secretariat,
        c.PlanSession(
            county=CITY,
            held_on=date(2025, 3, 31),
            kind="round_table",
            chair_title="市委书记",
            place="市委常委会议室",
            departments=tuple(DEPARTMENTS),
        ),
    )
    problems: list[Problem] = []
    for name, _body, title, category, source, *_ in PROBLEMS:
        problem = ledger.handle(
            collector,
            c.CollectProblem(enterprise_id=enterprises[name], title=title, category=category, source=source),
        )
        ledger.handle(collector, c.TriageProblem(problem_id=problem.id))
        ledger.handle(secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=session.id))
        problems.append(problem)

    # 3. On-the-spot assignment at the round table (现场交办)
    clock.set(at("2025-03-31 10:00"))
    for problem, (*_, lead, co) in zip(problems, PROBLEMS, strict=True):
        ledger.handle(chair, c.AssignProblem(problem_id=problem.id, lead=lead, co_handlers=co))
        ledger.handle(handlers[lead], c.SignAssignment(problem_id=problem.id))

    # 4. Handling (研究解决): most on time, one late, one long-term
    clock.set(at("2025-04-08 16:00"))
    for problem, (*_, lead, _co) in list(zip(problems, PROBLEMS, strict=True))[:4]:
        ledger.handle(handlers[lead], c.ReportProgress(problem_id=problem.id, text="已现场办公，方案已明确"))
    clock.set(at("2025-04-14 09:00"))  # the fifth department reports after its 10 April deadline
    ledger.handle(
        handlers["430800-zjj"], c.ReportProgress(problem_id=problems[4].id, text="正在修订备案流程")
    )
    clock.set(at("2025-04-25 15:00"))
    ledger.handle(
        handlers["430800-zgj"],
        c.ReportResult(problem_id=problems[0].id, outcome="solved", text="五通一平完成"),
    )
    ledger.handle(
        handlers["430800-zgj"],
        c.ReportResult(problem_id=problems[1].id, outcome="long_term", text="需调整规划"),
    )
    ledger.handle(
        handlers["430800-jrb"], c.ReportResult(problem_id=problems[2].id, outcome="solved", text="已办理延期")
    )
    ledger.handle(
        handlers["430800-xcb"],
        c.ReportResult(problem_id=problems[3].id, outcome="solved", text="出台管理意见"),
    )

    # 5. Return visits (回访): one enterprise is not satisfied, so a redo (重办)
    clock.set(at("2025-04-28 10:00"))
    ledger.handle(
        collector, c.RecordReturnVisit(problem_id=problems[0].id, satisfied=True, notes="搬家指日可待")
    )
    ledger.handle(collector, c.RecordReturnVisit(problem_id=problems[2].id, satisfied=True))
    ledger.handle(
        collector, c.RecordReturnVisit(problem_id=problems[3].id, satisfied=False, notes="仍有疑问")
    )

    print_ledger(ledger, collector, problems, clock.now(), english=args.english)
    return 0


def print_ledger(
    ledger: Ledger, viewer: Actor, problems: list[Problem], now: datetime, *, english: bool
) -> None:
    print(f"问题台账 (problem ledger) as of {now:%Y-%m-%d %H:%M}\n")
    states: Counter[str] = Counter()
    for original in problems:
        problem = ledger.problem(viewer, original.id)
        states[problem.state.label_zh] += 1
        assignment = problem.assignment
        assert assignment is not None
        print(f"{problem.id}  {problem.title}  [{problem.category}]")
        print(f"    主办 {assignment.lead}  协办 {', '.join(assignment.co_handlers) or '—'}")
        print(f"    状态 {problem.state.label_zh} ({problem.state.value}), 重办 {problem.redo_count} 次")
        progress_due = assignment.deadline("progress")
        for report in problem.progress[:1]:
            on_time = progress_due is None or report.reported_at < progress_due.cutoff
            verdict = "按时 on time" if on_time else "⚠ 逾期报送 late"
            print(f"    落实情况 {report.reported_at:%Y-%m-%d}  {verdict}")
        for due in problem.open_deadlines():
            late = "  ⚠ 超期 overdue" if due.cutoff <= now else ""
            print(f"    {due.clock:<12} 截止 {due.last_day}  ({due.basis}){late}")
    policy = DeadlinePolicy.default()
    first = ledger.problem(viewer, problems[0].id).assignment
    assert first is not None
    print("\n进度报告期限的计算 (how the progress deadline was computed):\n")
    print(policy.deadline("progress", first.assigned_at).explain("en" if english else "zh"))
    print("\n汇总 (summary): " + ", ".join(f"{state} {count}" for state, count in states.most_common()))
    histories = [ledger.history(viewer, p.id) for p in problems]
    replayed = sum(
        replay(h) == ledger.problem(viewer, p.id) for h, p in zip(histories, problems, strict=True)
    )
    events = sum(len(h) for h in histories)
    replay_note = f"{replayed} of {len(problems)} problems replay to their stored state"
    print(f"留痕 (audit trail): {events} events; {replay_note}")


if __name__ == "__main__":
    raise SystemExit(main())
