"""The source article's figures, rebuilt through the Ledger's public commands.

`build_article_ledger` makes a Zhangjiajie ledger whose figures, as of
`AS_OF`, are the ones the article printed: 7 reception days, 59 problems
assigned (收集交办问题59个), 39 solved (解决问题39个), and 14 land-planning
problems (土地规划) from 8 enterprises of which 9 are completed and 5 in
progress.  Two of those 5 are long-term (长期推进): the standard 办结率 is
9/14 = 64.3%, and the article's 75% is 9/12, the rate with long-term problems
left out of the denominator (`COMPLETION_RATE_EXCLUDING_LONG_TERM`).

Everything else (which department, which day, the few redone, extended and
late problems) is invented but plausible.  The simulation reproduces the same
figures from a simulated year; tests use this builder directly.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from govbiz import commands as c
from govbiz.clock import ManualClock, beijing
from govbiz.domain.actors import Actor, Role
from govbiz.domain.credit_code import check_character
from govbiz.ledger import Ledger

__all__ = ["AS_OF", "FIGURES", "LAND_PLANNING", "ArticleLedger", "build_article_ledger"]

CITY = "430800"
#: 土地规划, the article's category of 14 problems.
LAND_PLANNING = "土地规划"
#: The article's figures ("截至目前", about 10 November), as a mapping name -> value.
FIGURES: dict[str, int] = {
    "sessions": 7,
    "assigned": 59,
    "solved": 39,
    "land_planning_problems": 14,
    "land_planning_enterprises": 8,
    "land_planning_completed": 9,
    "land_planning_in_progress": 5,
    "land_planning_long_term": 2,
}
#: The instant the figures are taken at.
AS_OF = datetime(2025, 11, 10, 18, 0, tzinfo=beijing())

_DEPARTMENTS = {
    "zgj": ("张家界市自然资源和规划局", "市自规局"),
    "zjj": ("张家界市住房和城乡建设局", "市住建局"),
    "xcb": ("中共张家界市委宣传部", "市委宣传部"),
    "jrb": ("张家界市地方金融监督管理局", "市金融办"),
    "zwb": ("张家界市政务服务中心", "市政务中心"),
    "rsj": ("张家界市人力资源和社会保障局", "市人社局"),
    "fgw": ("张家界市发展和改革委员会", "市发改委"),
    "scj": ("张家界市市场监督管理局", "市市场监管局"),
}
_OTHER_CATEGORIES = (
    ("融资", "jrb"), ("审批", "zwb"), ("用工", "rsj"), ("政策兑现", "fgw"),
    ("基础设施", "zjj"), ("公益广告", "xcb"), ("装饰装修", "zjj"), ("市场监管", "scj"),
)  # fmt: skip
#: (day, kind, chair title, chair name, topic)
_SESSIONS = (
    (date(2025, 3, 31), "round_table", "市委书记", "刘革安", ""),
    (date(2025, 5, 5), "reception_day", "市长", "王洪斌", ""),
    (date(2025, 6, 10), "reception_day", "副市长", "", ""),
    (date(2025, 7, 8), "special", "副市长", "", "优化营商环境"),
    (date(2025, 8, 12), "reception_day", "市长", "王洪斌", ""),
    (date(2025, 9, 9), "reception_day", "副市长", "", ""),
    (date(2025, 10, 14), "reception_day", "副市长", "", ""),
)
#: Land planning: per session, the plans of its problems (14: 9 solved, 2 long-term, 3 handling).
_LAND_PLANS = (
    ("solved", "solved", "solved"),
    ("solved", "solved", "solved"),
    ("solved", "solved"),
    ("solved", "long_term"),
    ("long_term", "handling"),
    ("handling",),
    ("handling",),
)
#: Other categories: 45 problems, 30 solved, 3 partially solved, 2 explained, 10 in hand.
_OTHER_PLANS = (
    ("solved", "solved", "redo_solved", "partial", "explained"),
    ("solved", "solved", "extended_solved", "solved", "partial", "handling"),
    ("solved", "late_solved", "late_solved", "solved", "explained", "handling"),
    ("solved",) * 5 + ("partial", "handling"),
    ("solved",) * 5 + ("handling",) * 2,
    ("solved",) * 5 + ("handling",) * 2,
    ("solved",) * 4 + ("handling",) * 3,
)
#: Enterprises 0–7 raise the 14 land-planning problems (two each, one each for the last two).
_LAND_ENTERPRISES = (0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7)
_OTHER_ENTERPRISES = 12


@attrs.frozen(slots=True)
class ArticleLedger:
    """The built ledger, the actor who reads it, and the ids of what was built."""

    ledger: Ledger
    clock: ManualClock
    viewer: Actor
    supervisor: Actor
    session_ids: tuple[str, ...]
    problem_ids: tuple[str, ...]


@attrs.frozen(slots=True)
class _Cast:
    admin: Actor
    collector: Actor
    secretariat: Actor
    chair: Actor
    handlers: dict[str, Actor] = attrs.field(hash=False)


def build_article_ledger(ledger: Ledger | None = None) -> ArticleLedger:
    """A ledger of the article's year, built command by command; its clock ends at `AS_OF`."""
    clock = ManualClock(datetime(2025, 3, 20, 9, 0, tzinfo=beijing()))
    ledger = ledger or Ledger(clock=clock)
    ledger.clock = clock
    cast = _cast()
    _register(ledger, cast)
    enterprises = _enterprises(ledger, cast.admin)
    sessions = _plan_sessions(ledger, cast.secretariat)
    ids: list[str] = []
    land = iter(_LAND_ENTERPRISES)
    other = 0
    for number, (session_id, (day, *_)) in enumerate(zip(sessions, _SESSIONS, strict=True)):
        for plan in _LAND_PLANS[number]:
            spec = (LAND_PLANNING, "zgj", enterprises[next(land)], plan)
            ids.append(_run(ledger, clock, cast, session_id, day, spec=spec))
        for plan in _OTHER_PLANS[number]:
            category, department = _OTHER_CATEGORIES[other % len(_OTHER_CATEGORIES)]
            enterprise = enterprises[8 + other % _OTHER_ENTERPRISES]
            spec = (category, department, enterprise, plan)
            ids.append(_run(ledger, clock, cast, session_id, day, spec=spec))
            other += 1
    clock.set(AS_OF)
    viewer = Actor(id="article-viewer", role=Role.VIEWER, county=CITY)
    supervisor = Actor(id="article-dcs", role=Role.SUPERVISOR, county=CITY)
    return ArticleLedger(ledger, clock, viewer, supervisor, tuple(sessions), tuple(ids))


def _cast() -> _Cast:
    handlers = {
        code: Actor(id=f"{code}-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department=f"{CITY}-{code}")
        for code in _DEPARTMENTS
    }
    return _Cast(
        admin=Actor(id="article-admin", role=Role.ADMINISTRATOR, county=CITY),
        collector=Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY),
        secretariat=Actor(id="swb-1", role=Role.SECRETARIAT, county=CITY),
        chair=Actor(id="chair-1", role=Role.CHAIR, county=CITY),
        handlers=handlers,
    )


def _register(ledger: Ledger, cast: _Cast) -> None:
    ledger.handle(cast.admin, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for code, (name, short) in _DEPARTMENTS.items():
        ledger.handle(
            cast.admin, c.RegisterDepartment(code=f"{CITY}-{code}", name=name, short_name=short, county=CITY)
        )


def _enterprises(ledger: Ledger, admin: Actor) -> list[str]:
    ids = []
    for n in range(8 + _OTHER_ENTERPRISES):
        body = f"91430800MA4L{n:05d}"
        command = c.RegisterEnterprise(
            county=CITY, name=f"张家界民营企业{n + 1:02d}有限公司", credit_code=body + check_character(body)
        )
        ids.append(ledger.handle(admin, command).id)
    return ids


def _plan_sessions(ledger: Ledger, secretariat: Actor) -> list[str]:
    ids = []
    for day, kind, title, name, topic in _SESSIONS:
        command = c.PlanSession(
            county=CITY, held_on=day, kind=kind, chair_title=title, chair_name=name, topic=topic
        )
        ids.append(ledger.handle(secretariat, command).id)
    return ids


def _at(clock: ManualClock, day: date, days: int, hour: int = 10) -> None:
    clock.set(datetime.combine(day + timedelta(days=days), time(hour), tzinfo=beijing()))


_Spec = tuple[str, str, str, str]  # category, department, enterprise id, plan


def _run(ledger: Ledger, clock: ManualClock, cast: _Cast, session_id: str, day: date, *, spec: _Spec) -> str:
    """Collect, assign and handle one problem according to its plan; return its id."""
    category, department, enterprise, plan = spec
    handler = cast.handlers[department]
    _at(clock, day, -5)
    title = f"{category}问题（{plan}）"
    command = c.CollectProblem(enterprise_id=enterprise, title=title, category=category, source="调研走访")
    pid: str = ledger.handle(cast.collector, command).id
    ledger.handle(cast.collector, c.TriageProblem(problem_id=pid))
    ledger.handle(cast.secretariat, c.ScheduleProblem(problem_id=pid, session_id=session_id))
    _at(clock, day, 0)
    ledger.handle(cast.chair, c.AssignProblem(problem_id=pid, lead=f"{CITY}-{department}"))
    _at(clock, day, 1)
    ledger.handle(handler, c.SignAssignment(problem_id=pid))
    _at(clock, day, 5)
    ledger.handle(handler, c.ReportProgress(problem_id=pid, text="已成立工作专班，正在办理"))
    for offset, actor_name, command_fn in _STEPS[plan]:
        _at(clock, day, offset)
        actor = handler if actor_name == "handler" else getattr(cast, actor_name)
        ledger.handle(actor, command_fn(pid, day))
    return pid


def _result(outcome: str) -> Any:
    return lambda pid, day: c.ReportResult(problem_id=pid, outcome=outcome, text="办理结果已报送")


def _visit(satisfied: bool) -> Any:
    return lambda pid, day: c.RecordReturnVisit(problem_id=pid, satisfied=satisfied, notes="回访")


_STEPS: dict[str, tuple[tuple[int, str, Any], ...]] = {
    "solved": ((20, "handler", _result("solved")), (25, "collector", _visit(True))),
    "partial": ((20, "handler", _result("partially_solved")),),
    "explained": ((20, "handler", _result("explained")), (25, "collector", _visit(True))),
    "long_term": ((20, "handler", _result("long_term")),),
    "handling": (),
    "late_solved": ((40, "handler", _result("solved")), (45, "collector", _visit(True))),
    "redo_solved": (
        (20, "handler", _result("solved")),
        (25, "collector", _visit(False)),
        (30, "handler", lambda pid, day: c.ReportProgress(problem_id=pid, text="重办：重新研究")),
        (45, "handler", _result("solved")),
        (50, "collector", _visit(True)),
    ),
    "extended_solved": (
        (
            20,
            "handler",
            lambda pid, day: c.RequestExtension(
                problem_id=pid, clock="result", new_last_day=day + timedelta(days=50), reason="需召开专题会"
            ),
        ),
        (21, "secretariat", lambda pid, day: c.DecideExtension(problem_id=pid, approve=True)),
        (40, "handler", _result("solved")),
        (45, "collector", _visit(True)),
    ),
}
