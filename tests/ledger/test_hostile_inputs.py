"""Inputs that cannot poison a county: each attack of issue 19 is refused at the boundary.

Every refusal is a `ValidationError` naming the field and the value, raised
before anything is read or written.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from govbiz import commands as c
from govbiz.domain import Actor, Role
from govbiz.domain.lifecycle import ProblemState
from govbiz.errors import ValidationError
from govbiz.plugins import report_formats
from govbiz.reports.ledger_table import build_ledger_report
from tests.conftest import BEIJING, CITY, COUNTY, World, credit_code

# --- text: control characters, line breaks, bidirectional overrides, invisible values -------------

HOSTILE_LINES = {
    "nul": "新厂\x00五通一平",
    "bell": "新厂\x07五通一平",
    "escape": "新厂\x1b[31m五通一平",
    "alt_enter": "新厂五通一平\n施工保障",  # Excel's Alt+Enter in a cell
    "carriage_return": "新厂五通一平\r施工保障",
    "tab": "新厂\t五通一平",
    "line_separator": "新厂\u2028五通一平",
    "c1_control": "新厂\x85五通一平",
    "right_to_left_override": "新厂五通一平\u202egpj.exe",
    "isolate": "新厂\u2066五通一平\u2069",
    "lone_surrogate": "新厂\ud800五通一平",
}
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\ufeff", " \u2060 "]


def collect(world: World, **fields: object) -> c.CollectProblem:
    base: dict[str, object] = {
        "enterprise_id": world.enterprise_id,
        "title": "新厂五通一平施工保障",
        "category": "土地规划",
        "source": "调研走访",
    }
    return c.CollectProblem(**{**base, **fields})


@pytest.mark.parametrize("title", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_title_refuses_control_characters_line_breaks_and_bidi_overrides(world: World, title: str) -> None:
    with pytest.raises(ValidationError) as info:
        collect(world, title=title)
    assert info.value.field == "title"
    assert info.value.value == title
    assert "U+" in info.value.reason or "unicode" in info.value.reason  # the character is named


@pytest.mark.parametrize("title", INVISIBLE)
def test_a_title_of_only_zero_width_characters_is_refused(world: World, title: str) -> None:
    with pytest.raises(ValidationError, match="invisible") as info:
        collect(world, title=title)
    assert info.value.field == "title"


def test_a_description_may_hold_line_breaks_and_tabs_but_no_other_control_character(world: World) -> None:
    problem = world.ledger.handle(
        world.collector, collect(world, description="一、用地\n二、用电\r\n\t三、用水")
    )
    assert problem.description == "一、用地\n二、用电\r\n\t三、用水"
    for bad in ("用\x00地", "用\x0b地", "用\u202e地", "\u200b"):
        with pytest.raises(ValidationError) as info:
            collect(world, description=bad)
        assert info.value.field == "description"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: c.ReportProgress(problem_id="p", text="进展\x00"), "text"),
        (lambda: c.RejectProblem(problem_id="p", reason="\u202e不予受理"), "reason"),
        (lambda: c.RegisterDepartment(code="430800-\tzgj", name="市自规局", county=CITY), "code"),
        (lambda: c.RegisterDepartment(code="x", name="市自\n规局", county=CITY), "name"),
        (
            lambda: c.RegisterDepartment(code="x", name="市自规局", short_name="\u200b", county=CITY),
            "short_name",
        ),
        (lambda: c.RegisterDivision(code=CITY, name="张家界\u202e市", level="city"), "name"),
        (
            lambda: c.PlanSession(
                county=CITY, held_on=date(2025, 4, 1), kind="special", chair_title="市\r\n长"
            ),
            "chair_title",
        ),
        (
            lambda: c.PlanSession(
                county=CITY,
                held_on=date(2025, 4, 1),
                kind="special",
                chair_title="市长",
                attendees=("副市长\x07",),
            ),
            "attendees.0",
        ),
        (
            lambda: c.PublishCircular(
                county=CITY, title="通报\n第二行", period_start=date(2025, 3, 1), period_end=date(2025, 3, 31)
            ),
            "title",
        ),
        (
            lambda: c.RecordLastingRule(
                county=CITY,
                title="办法",
                issued_by="x",
                issued_on=date(2025, 3, 1),
                document_number="张\x00发",
            ),
            "document_number",
        ),
        (lambda: c.ContactIn(name="施\n奕清"), "name"),
    ],
)
def test_every_text_field_is_checked(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field


# --- codes: full-width digits and letters -----------------------------------------------------------


def test_full_width_division_codes_are_taken_as_ascii_not_as_a_phantom_county(world: World) -> None:
    command = c.RegisterDepartment(code="430800-fgw", name="张家界市发展和改革委员会", county="４３０８００")
    assert command.county == CITY
    with pytest.raises(ValidationError) as info:
        c.RegisterDivision(code="٤٣٠٨٠٠", name="某市", level="city")  # Arabic-Indic digits are no code
    assert info.value.field == "code"
    with pytest.raises(ValidationError, match="six digits"):
        Actor(id="x", role=Role.VIEWER, county="４３０８００")  # the domain takes ASCII only


def test_a_full_width_credit_code_is_normalised_and_found_as_a_duplicate(world: World) -> None:
    ascii_code = credit_code("91430800MA4L12345")
    full_width = ascii_code.translate({i: i + 0xFEE0 for i in range(0x21, 0x7F)})
    assert full_width != ascii_code
    command = c.RegisterEnterprise(
        county=CITY, name="张家界久瑞生物科技有限公司（重复）", credit_code=full_width
    )
    assert command.credit_code == ascii_code
    with pytest.raises(ValidationError, match="already registered") as info:
        world.ledger.handle(world.admin, command)
    assert info.value.field == "credit_code"


def test_a_refused_registration_draws_no_enterprise_number(world: World) -> None:
    """A mistyped credit code is refused before a number is drawn: the next one gets the next number."""
    before = world.ledger.handle(
        world.county_collector,
        c.RegisterEnterprise(
            county=COUNTY, name="永定区甲公司", credit_code=credit_code("91430802MA4L0B7K2")
        ),
    )
    right = credit_code("91430802MA4L0B7K3")
    wrong = right[:-1] + ("1" if right[-1] != "1" else "2")  # its check character mistyped
    with pytest.raises(ValidationError) as info:
        world.ledger.handle(
            world.county_collector,
            c.RegisterEnterprise(county=COUNTY, name="永定区乙公司", credit_code=wrong),
        )
    assert info.value.field == "credit_code"
    after = world.ledger.handle(
        world.county_collector, c.RegisterEnterprise(county=COUNTY, name="永定区乙公司", credit_code=right)
    )
    number = int(before.id.rsplit("E", 1)[1])
    assert after.id == f"{COUNTY}-E{number + 1:05d}"


# --- dates: from 2000, never after the command's instant for what happened --------------------------


def test_a_collection_date_of_year_one_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="2000-01-01") as info:
        collect(world, collected_at=datetime(1, 1, 1, tzinfo=BEIJING))
    assert info.value.field == "collected_at"
    with pytest.raises(ValidationError) as info:
        collect(world, collected_at=datetime(1999, 12, 31, 23, 0, tzinfo=BEIJING))
    assert info.value.field == "collected_at"
    later = world.clock.now() + timedelta(minutes=5)
    with pytest.raises(ValidationError, match="future") as info:
        world.ledger.handle(world.collector, collect(world, collected_at=later))
    assert info.value.field == "collected_at"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1999, 12, 31), date(2100, 1, 1), date(9999, 12, 31)])
def test_every_day_a_command_names_is_bounded(day: date) -> None:
    builds = {
        "held_on": lambda: c.PlanSession(county=CITY, held_on=day, kind="special", chair_title="市长"),
        "issued_on": lambda: c.RecordLastingRule(county=CITY, title="办法", issued_by="x", issued_on=day),
        "period_start": lambda: c.PublishCircular(
            county=CITY, title="通报", period_start=day, period_end=date(2025, 3, 31)
        ),
        "period_end": lambda: c.PublishCircular(
            county=CITY, title="通报", period_start=date(2025, 3, 1), period_end=day
        ),
        "new_last_day": lambda: c.RequestExtension(
            problem_id="p", clock="result", new_last_day=day, reason="r"
        ),
        "deadlines.result": lambda: c.AssignProblem(problem_id="p", lead="x", deadlines={"result": day}),
    }
    for field, build in builds.items():
        with pytest.raises(ValidationError, match="days a ledger accepts") as info:
            build()
        assert info.value.field == field


def test_a_circular_period_may_not_end_after_its_publication(world: World) -> None:
    today = world.clock.now().date()  # 2025-03-31
    command = c.PublishCircular(
        county=CITY,
        title="第一季度督查通报",
        period_start=date(2025, 1, 1),
        period_end=today + timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="after the day of the command") as info:
        world.ledger.handle(world.supervisor, command)
    assert info.value.field == "period_end"
    ok = c.PublishCircular(
        county=CITY, title="第一季度督查通报", period_start=date(2025, 1, 1), period_end=today
    )
    assert world.ledger.handle(world.supervisor, ok).period_end == today


# --- lists are bounded ------------------------------------------------------------------------------


def test_lists_are_bounded() -> None:
    contact = {"name": "施奕清", "phone": "13812345678"}
    cases = {
        "contacts": lambda n: c.RegisterEnterprise(
            county=CITY, name="企业", credit_code="x", contacts=[contact] * n
        ),
        "attendees": lambda n: c.PlanSession(
            county=CITY,
            held_on=date(2025, 4, 1),
            kind="special",
            chair_title="市长",
            attendees=["副市长"] * n,
        ),
        "co_handlers": lambda n: c.AssignProblem(problem_id="p", lead="x", co_handlers=["y"] * n),
        "problems": lambda n: c.PublishCircular(
            county=CITY,
            title="通报",
            period_start=date(2025, 3, 1),
            period_end=date(2025, 3, 31),
            problems=["p"] * n,
        ),
    }
    limits = {
        "contacts": c.MAX_CONTACTS,
        "attendees": c.MAX_ATTENDEES,
        "co_handlers": c.MAX_CO_HANDLERS,
        "problems": c.MAX_CIRCULAR_PROBLEMS,
    }
    for field, build in cases.items():
        build(limits[field])  # the limit itself is accepted
        with pytest.raises(ValidationError, match=f"at most {limits[field]}") as info:
            build(limits[field] + 1)
        assert info.value.field == field


# --- merges: no cycles, no ended targets --------------------------------------------------------------


def test_a_merge_cannot_form_a_cycle_or_a_chain(world: World) -> None:
    first, second = world.collect("重复问题甲"), world.collect("重复问题乙")
    merged = world.ledger.handle(world.collector, c.MergeProblem(problem_id=first.id, into=second.id))
    assert merged.state is ProblemState.MERGED
    with pytest.raises(ValidationError, match="takes no duplicates") as info:  # second -> first: a cycle
        world.ledger.handle(world.collector, c.MergeProblem(problem_id=second.id, into=first.id))
    assert (info.value.field, info.value.value) == ("into", first.id)
    third = world.collect("重复问题丙")
    with pytest.raises(ValidationError, match=f"merge into {second.id} instead"):  # third -> first: a chain
        world.ledger.handle(world.collector, c.MergeProblem(problem_id=third.id, into=first.id))
    with pytest.raises(ValidationError, match="into itself"):
        world.ledger.handle(world.collector, c.MergeProblem(problem_id=third.id, into=third.id))
    assert world.ledger.handle(
        world.collector, c.MergeProblem(problem_id=third.id, into=second.id)
    ).state is (ProblemState.MERGED)


def test_a_merge_cannot_target_a_closed_problem(world: World) -> None:
    closed = world.signed("已销号的问题")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=closed.id, outcome="solved", text="已解决"))
    closed = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=closed.id, satisfied=True))
    assert closed.state is ProblemState.CLOSED
    duplicate = world.collect("新的重复问题")
    with pytest.raises(ValidationError, match="closed") as info:
        world.ledger.handle(world.collector, c.MergeProblem(problem_id=duplicate.id, into=closed.id))
    assert info.value.field == "into"
    assert world.ledger.problem(world.viewer, duplicate.id).state is ProblemState.COLLECTED


# --- a circular names only its county's problems ---------------------------------------------------------


def test_a_circular_names_only_its_countys_problems(world: World) -> None:
    county_enterprise = world.ledger.handle(
        Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY),
        c.RegisterEnterprise(
            county=COUNTY, name="永定区某企业", credit_code=credit_code("91430802MA4L54321")
        ),
    )
    foreign = world.ledger.handle(
        world.county_collector,
        c.CollectProblem(
            enterprise_id=county_enterprise.id, title="区里的问题", category="土地规划", source="调研走访"
        ),
    )
    own = world.collect()

    def circular(*problems: str) -> c.PublishCircular:
        return c.PublishCircular(
            county=CITY,
            title="通报",
            period_start=date(2025, 3, 1),
            period_end=date(2025, 3, 31),
            problems=problems,
        )

    for named in (foreign.id, f"{CITY}-2025-9999"):  # another county's reads like one that does not exist
        with pytest.raises(ValidationError, match=f"no problem {named} in county {CITY}") as info:
            world.ledger.handle(world.supervisor, circular(own.id, named))
        assert (info.value.field, info.value.value) == ("problems", named)
    assert world.ledger.handle(world.supervisor, circular(own.id)).problems == (own.id,)


# --- fixed deadlines keep their order ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadlines", "field"),
    [
        ({"sign": date(2025, 4, 10), "progress": date(2025, 4, 3)}, "deadlines.progress"),
        ({"progress": date(2025, 4, 30), "result": date(2025, 4, 20)}, "deadlines.result"),
        ({"sign": date(2025, 4, 25), "result": date(2025, 4, 20)}, "deadlines.result"),
    ],
)
def test_fixed_deadlines_keep_their_order(world: World, deadlines: dict[str, date], field: str) -> None:
    for command in (c.AssignProblem, c.ReassignProblem):
        with pytest.raises(ValidationError, match="sign ≤ progress ≤ result") as info:
            command(problem_id="p", lead="430800-zgj", deadlines=deadlines)
        assert info.value.field == field
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    in_order = {"sign": date(2025, 4, 1), "progress": date(2025, 4, 3), "result": date(2025, 4, 20)}
    assigned = world.ledger.handle(
        world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj", deadlines=in_order)
    )
    assert assigned.assignment is not None
    assert {d.clock: d.last_day for d in assigned.assignment.deadlines} == in_order


# --- a control character in a title and the exports ------------------------------------------------------


def test_a_control_character_in_a_title_is_refused_and_one_stored_before_still_exports(world: World) -> None:
    with pytest.raises(ValidationError):
        collect(world, title="新厂\x07五通一平")
    # A title stored by an earlier govbiz (the command built without validation, as it was then).
    stored = world.ledger.handle(
        world.collector,
        c.CollectProblem.model_construct(
            enterprise_id=world.enterprise_id,
            title="新厂\x07五通一平\x00施工",
            description="第一行\n第二行\x0b",
            category="土地规划",
            source="调研走访",
            collected_at=None,
        ),
    )
    assert stored.title == "新厂\x07五通一平\x00施工"
    report = build_ledger_report(world.ledger, world.viewer, as_of=world.clock.now(), county=CITY)
    book = load_workbook(io.BytesIO(report_formats()["xlsx"].render(report)))
    titles = [row[4] for row in book["问题台账"].iter_rows(min_row=4, values_only=True)]
    assert "新厂\ufffd五通一平\ufffd施工" in titles  # what cannot be in a workbook is shown, not lost
    rows = list(csv.reader(io.StringIO(report_formats()["csv"].render(report).decode("utf-8-sig"))))
    assert any("新厂\ufffd五通一平\ufffd施工" in row for row in rows)
    assert any("第一行\n第二行\ufffd" in row for row in rows)  # line breaks stay, in quotes
