"""County templates under time and size limits: a hostile or broken template never blocks a command."""

from __future__ import annotations

import logging
import time
import timeit

import pytest
from click.testing import CliRunner
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from govbiz.cli import main
from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.notify.notifier import SAMPLE_CONTEXT, NotificationSettings, check_templates
from govbiz.notify.templates import TemplateLimits, TemplateSet, builtin_template
from govbiz.ports.channel import Notification
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore
from tests.conftest import World, build_world

NESTED_LOOPS = "{% for i in range(10000) %}{% for j in range(10000) %}{{ '' }}{% endfor %}{% endfor %}"
HOSTILE = {
    "nested_loops": NESTED_LOOPS,
    "gigabyte": "【交办】{{ 'x' * 10**9 }}\n\n正文",
    "power": "{{ 10 ** (10 ** 10) }}",
    "doubling": "{% set ns = namespace(s='x') %}"
    "{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "center": "{{ problem.title|center(10**9) }}",
    "format_width": "{{ '%0999999999d'|format(1) }}",  # folded while compiling, were it not refused
    "str_format_width": "{{ '{:>999999999}'.format(1) }}",
    "replace": "{{ ('x' * 60000).replace('x', 'x' * 60000) }}",
    "join": "{{ (('x' * 60000,) * 60000)|join }}",
    "output": "{% for i in range(10000) %}{{ 'x' * 1000 }}{% endfor %}",
    "string_loops": "{% for a in 'x' * 60000 %}{% for b in 'x' * 60000 %}{% endfor %}{% endfor %}",
    "recursion": "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    "mutation": "{% set l = [] %}{{ l.append(1) }}",
    "undefined": "【交办】{{ problme.title }}\n\n正文",
}


def county_world(templates: dict[str, str]) -> World:
    settings = NotificationSettings.from_dict({"templates": templates})
    return build_world(Ledger(MemoryStore(), default_profile=CountyProfile(notifications=settings)))


def outbox(world: World) -> list[Notification]:
    return [e.notification for e in world.ledger.store.outbox().entries(limit=1000)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_is_stopped_quickly_and_small(source: str) -> None:
    templates = TemplateSet(overrides={"assigned": source})
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="cannot be rendered") as info:
        templates.render("assigned", SAMPLE_CONTEXT)
    assert time.perf_counter() - started < 2.0  # the limit is 200 ms; compiling is included
    assert info.value.field == "templates.assigned"
    rendered = templates.render_safely("assigned", SAMPLE_CONTEXT)
    assert rendered.subject.startswith("【交办通知】")  # the built-in template
    assert rendered.fallback.startswith("templates.assigned: cannot be rendered")
    assert len(rendered.body.encode()) < 64 * 1024


@pytest.mark.parametrize("name", ["nested_loops", "gigabyte", "undefined"])
def test_a_failing_county_template_never_blocks_a_command(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = county_world({"assigned": HOSTILE[name]})
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="govbiz.notify.notifier"):
        problem = world.assigned()
    assert time.perf_counter() - started < 5.0
    [note] = [n for n in outbox(world) if n.data["trigger"] == "assigned"]
    assert note.subject == f"【交办通知】{problem.id} 新厂五通一平施工保障"  # the built-in one was sent
    assert len(note.body.encode()) < 64 * 1024
    assert note.data["template_fallback"].startswith("templates.assigned: cannot be rendered")
    assert any("template 'assigned' failed" in r.getMessage() for r in caplog.records)


def test_a_working_county_template_carries_no_fallback_marker() -> None:
    world = county_world({"assigned": "【交办】{{ problem.title }}\n\n{{ lead }}：请签收。"})
    world.assigned()
    [note] = [n for n in outbox(world) if n.data["trigger"] == "assigned"]
    assert note.subject == "【交办】新厂五通一平施工保障"
    assert "template_fallback" not in note.data


def test_a_template_typo_is_refused_when_configured_naming_the_template() -> None:
    with pytest.raises(ValidationError, match="not a valid template") as info:
        NotificationSettings.from_dict({"templates": {"assigned": "{% for d in deadlines %}{{ d.rule }}"}})
    assert info.value.field == "templates.assigned"
    with pytest.raises(ValidationError, match="at most") as info:
        TemplateSet(overrides={"redo": "x" * 20_001})
    assert info.value.field == "templates.redo"


def test_check_templates_lists_what_would_fall_back() -> None:
    settings = NotificationSettings.from_dict(
        {
            "templates": {
                "assigned": HOSTILE["undefined"],
                "redo": NESTED_LOOPS,
                "circular": "{{ circular.title }}",
            },
            "rules": [{"trigger": "returned", "recipients": ["secretariat"], "template": "returned_custom"}],
        }
    )
    problems = {p.template: p.reason for p in check_templates(settings)}
    assert set(problems) == {"assigned", "redo", "returned_custom"}
    assert "'problme' is undefined" in problems["assigned"]
    assert "longer than 200 ms" in problems["redo"]
    assert "no such template" in problems["returned_custom"]
    every_builtin = {n: builtin_template("zh", n) or "" for n in ("assigned", "overdue", "deadline_rebased")}
    assert check_templates(NotificationSettings.from_dict({"templates": every_builtin})) == []


def test_govbiz_county_check_reports_the_problems_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = NotificationSettings.from_dict({"templates": {"assigned": HOSTILE["undefined"]}})
    monkeypatch.setattr("govbiz.plugins.county_profile", lambda county: CountyProfile(notifications=settings))
    result = CliRunner().invoke(main, ["county", "check", "--county", "430800"])
    assert result.exit_code == 1
    assert "templates.assigned: cannot be rendered: 'problme' is undefined" in result.output
    monkeypatch.setattr("govbiz.plugins.county_profile", lambda county: CountyProfile())
    result = CliRunner().invoke(main, ["county", "check", "--county", "430800"])
    assert (result.exit_code, "every notification template renders" in result.output) == (0, True)


def test_the_limits_are_configurable() -> None:
    settings = NotificationSettings.from_dict(
        {"templates": {"assigned": "{{ 'x' * 3000 }}\n\nb"}, "template_limits": {"output_bytes": 2048}}
    )
    assert settings.templates.limits == TemplateLimits(milliseconds=200, output_bytes=2048)
    with pytest.raises(ValidationError, match="larger than 2048 bytes"):
        settings.templates.render("assigned", SAMPLE_CONTEXT)
    assert (
        TemplateSet(overrides={"assigned": "{{ 'x' * 3000 }}\n\nb"}).render("assigned", {}).subject
        == "x" * 3000
    )
    with pytest.raises(ValidationError) as info:
        NotificationSettings.from_dict({"template_limits": {"seconds": 1}})
    assert info.value.field == "template_limits.seconds"
    with pytest.raises(ValidationError) as info:
        TemplateLimits(milliseconds=0)
    assert info.value.field == "template_limits.milliseconds"


def test_a_line_break_in_a_stored_title_never_reaches_a_subject_line() -> None:
    context = {
        **SAMPLE_CONTEXT,
        "problem": {**SAMPLE_CONTEXT["problem"], "title": "新厂五通一平\r\n施工保障"},
    }
    rendered = TemplateSet().render("assigned", context)
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert rendered.subject.endswith("新厂五通一平 施工保障")


def test_ordinary_templates_render_as_before_and_the_guard_costs_little() -> None:
    source = builtin_template("zh", "assigned") or ""
    plain = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False).from_string(source)
    subject, _, body = plain.render(**SAMPLE_CONTEXT).partition("\n\n")
    guarded = TemplateSet().render("assigned", SAMPLE_CONTEXT)
    assert (guarded.subject, guarded.body) == (subject.strip(), body.strip())
    # Best of several runs, so a busy machine does not decide; measured: about 15 µs against 30 µs.
    runs = 500
    unguarded_time = min(timeit.repeat(lambda: plain.render(**SAMPLE_CONTEXT), number=runs, repeat=7)) / runs
    guarded_time = (
        min(timeit.repeat(lambda: TemplateSet().render("assigned", SAMPLE_CONTEXT), number=runs, repeat=7))
        / runs
    )
    assert guarded_time < 0.5e-3  # half a millisecond per message at most
    assert guarded_time < 5 * unguarded_time
