"""Message templates (通知模板), rendered with Jinja2 in its sandbox.

A county administrator may edit templates; the sandbox makes sure such a
template can only read the values it is given, never call into Python
(no attribute walking to `__class__`, no imports).  Each template has a
subject line and a body separated by the first blank line.  The built-in
templates are text files in `govbiz/notify/message_templates/zh/` (the
default) and `en/`; a county overrides any of them by name.

A county's template renders under `TemplateLimits` (200 ms, 64 KB by
default; see `govbiz.notify.template_guard`).  One that fails (an
undefined name, a sandbox refusal, a limit) never blocks the command that
notifies: `TemplateSet.render_safely` renders the built-in template
instead and says why in `Rendered.fallback`, which the notifier logs and
keeps in the outbox entry's data (`template_fallback`).  A syntax error is
refused when the settings are built.  The subject is one line: a line break
or control character in it (a title stored before titles were checked)
becomes a space, so no mail header breaks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import attrs
from jinja2 import Template, TemplateError

from govbiz.errors import ValidationError
from govbiz.notify.template_guard import GuardedSandbox, TemplateLimits, render_limited

__all__ = [
    "LANGUAGES",
    "MAX_TEMPLATE_LENGTH",
    "Rendered",
    "TemplateLimits",
    "TemplateSet",
    "builtin_template",
]

#: Languages with built-in templates (files in `govbiz/notify/message_templates/<language>/`).
LANGUAGES = ("zh", "en")
#: The longest template a county may configure (characters).
MAX_TEMPLATE_LENGTH = 20_000
#: What a subject line cannot hold: line breaks and other control characters.
_NOT_IN_SUBJECT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@cache
def builtin_template(language: str, name: str) -> str | None:
    """The built-in template `name` in `language`, or `None` if there is none."""
    path = resources.files("govbiz.notify").joinpath("message_templates", language, f"{name}.txt")
    return path.read_text(encoding="utf-8") if path.is_file() else None


@attrs.frozen(slots=True)
class Rendered:
    """A rendered message: its subject line and body.

    `fallback` is empty, or says why the county's template failed and the
    built-in one was rendered instead.
    """

    subject: str
    body: str
    fallback: str = ""


@attrs.frozen(slots=True)
class TemplateSet:
    """Templates in one language, with a county's overrides; rendered in the guarded Jinja2 sandbox.

    Each override is checked when the set is built: a syntax error, or a
    template longer than `MAX_TEMPLATE_LENGTH`, is a ValidationError naming
    it (`templates.<name>`).
    """

    language: str = "zh"
    overrides: Mapping[str, str] = attrs.field(factory=dict)
    limits: TemplateLimits = attrs.field(factory=TemplateLimits)

    def __attrs_post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValidationError("language", self.language, f"choose one of {', '.join(LANGUAGES)}")
        for name, source in self.overrides.items():
            if not isinstance(source, str) or len(source) > MAX_TEMPLATE_LENGTH:
                raise ValidationError(
                    f"templates.{name}", source, f"must be text of at most {MAX_TEMPLATE_LENGTH} characters"
                )
            try:
                _environment().parse(source)
            except TemplateError as exc:
                raise ValidationError(
                    f"templates.{name}", source, f"is not a valid template: {exc}"
                ) from None

    def source(self, name: str) -> str | None:
        """The text of template `name`: the county's override, else the built-in one."""
        return self.overrides.get(name) or builtin_template(self.language, name)

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        """Render template `name` with `context`.

        A missing value, an unsafe access or a passed limit is a
        ValidationError naming the template; `render_safely` falls back instead.
        """
        source = self.source(name)
        if source is None:
            raise ValidationError("template", name, "no such template")
        return self._render(name, source, context)

    def render_safely(self, name: str, context: Mapping[str, Any], *, builtin: str | None = None) -> Rendered:
        """Render `name`; if the county's template fails, the built-in `builtin` (default `name`).

        The result's `fallback` says what failed.  Only the built-in
        template failing too (a govbiz bug, or no built-in of that name) raises.
        """
        try:
            return self.render(name, context)
        except ValidationError as failure:
            fallback = builtin_template(self.language, builtin or name)
            if fallback is None or (name not in self.overrides and (builtin or name) == name):
                raise
            rendered = self._render(builtin or name, fallback, context)
            return attrs.evolve(rendered, fallback=f"{failure.field}: {failure.reason}")

    def _render(self, name: str, source: str, context: Mapping[str, Any]) -> Rendered:
        try:
            text = render_limited(_compiled(source), context, self.limits)
        except TemplateError as exc:  # the sandbox's SecurityError, limits, undefined values
            raise ValidationError(f"templates.{name}", source, f"cannot be rendered: {exc}") from None
        except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
            raise ValidationError(
                f"templates.{name}", source, f"cannot be rendered: {type(exc).__name__}: {exc}"
            ) from None
        subject, _, body = text.partition("\n\n")
        return Rendered(subject=_NOT_IN_SUBJECT.sub(" ", subject).strip(), body=body.strip())


@cache
def _environment() -> GuardedSandbox:
    # StrictUndefined: a typo in an edited template fails loudly instead of printing nothing.
    # One sandbox for the process: it holds no per-render state (the budget is a context variable).
    return GuardedSandbox(autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """The template compiled once per distinct text (compiling costs ~3 ms, rendering ~0.1 ms)."""
    return _environment().from_string(source)
