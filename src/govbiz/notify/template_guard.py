"""Templates under limits (模板限时限量): a county template cannot hang a command or fill the outbox.

Jinja2's sandbox keeps a template from reaching into Python, but not from
running long or growing large: `{% for i in range(10**5) %}{% for j in
range(10**5) %}…` loops ten billion times, and `{{ 'x' * 10**9 }}` puts a
gigabyte into a message.  A county administrator's typo, or a hostile
edit, would then stall every command that notifies.  `GuardedSandbox`
renders under `TemplateLimits` (200 ms, 64 KB of output by default) in
pure Python, with no thread or signal:

- time: every loop iteration, call, attribute or item access and filter
  counts as an operation; every 64 operations the clock is read, and past
  the limit rendering stops;
- output: the text is produced piece by piece (`Template.generate`) and
  rendering stops once the limit is passed;
- size: a value may not grow beyond the output limit on the way: `*`,
  `+`, `~`, `%` and `**` are checked before they compute, `range` gives at
  most `MAX_RANGE` numbers, and the filters and string methods that can
  multiply their input (`center`, `indent`, `replace`, `join`, `format`,
  widths in format strings) are checked against what they would produce.
  Lists, dicts and sets cannot be changed (Jinja2's immutable sandbox).

A template that passes a limit raises `TemplateLimitError` (a Jinja2
`SecurityError`); `govbiz.notify.templates.TemplateSet` then uses the
built-in template.  On an ordinary message the guard costs a few
microseconds (`tests/notify/test_template_limits.py` measures it).
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import attrs
from jinja2 import StrictUndefined, Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

from govbiz.errors import ValidationError

__all__ = ["MAX_RANGE", "GuardedSandbox", "TemplateLimitError", "TemplateLimits", "render_limited"]

#: The most numbers `range()` gives in a template.
MAX_RANGE = 10_000
#: Operations between two looks at the clock.
_CLOCK_EVERY = 64
#: Integers beyond this many bits are not computed (`10**10**10`).
_MAX_BITS = 65_536
#: A width in a format string (`%0999999999d`, `{:>999999999}`) of six digits or more.
_WIDE_PERCENT = re.compile(r"%[-+ #0]*\d{6,}")
_WIDE_BRACE = re.compile(r"\{[^{}]*:[^{}]*\d{6,}[^{}]*\}")


@attrs.frozen(slots=True)
class TemplateLimits:
    """How long a template may render and how much it may write (per message).

    `milliseconds` bounds the rendering time, `output_bytes` the UTF-8 size
    of the message and of every value computed on the way.
    """

    milliseconds: float = 200.0
    output_bytes: int = 64 * 1024

    def __attrs_post_init__(self) -> None:
        if not self.milliseconds > 0:
            raise ValidationError("template_limits.milliseconds", self.milliseconds, "must be positive")
        if self.output_bytes < 1024:
            raise ValidationError("template_limits.output_bytes", self.output_bytes, "must be at least 1024")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemplateLimits:
        """From a TOML table: `milliseconds`, `output_bytes`; errors name the key."""
        unknown = sorted(set(data) - {"milliseconds", "output_bytes"})
        if unknown:
            field = f"template_limits.{unknown[0]}"
            raise ValidationError(field, data[unknown[0]], "is not a template limit")
        try:
            return cls(
                milliseconds=float(data.get("milliseconds", 200.0)),
                output_bytes=int(data.get("output_bytes", 64 * 1024)),
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError("template_limits", dict(data), f"is not a number: {exc}") from None


class TemplateLimitError(SecurityError):
    """A template passed a time or size limit (模板超出限制)."""


class _Budget:
    """One rendering's operations and deadline."""

    __slots__ = ("deadline", "limits", "operations")

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.deadline = time.perf_counter() + limits.milliseconds / 1000
        self.operations = 0

    def tick(self) -> None:
        self.operations += 1
        if self.operations % _CLOCK_EVERY == 0 and time.perf_counter() > self.deadline:
            raise TemplateLimitError(
                f"took longer than {self.limits.milliseconds:g} ms ({self.operations} operations)"
            )

    def check_size(self, value: Any, what: str) -> Any:
        """`value` if its size (text length, items) is within the output limit."""
        size = _size(value, self.limits.output_bytes)
        if size > self.limits.output_bytes:
            raise TemplateLimitError(f"{what} would be larger than {self.limits.output_bytes} bytes")
        return value

    def check_estimate(self, size: float, what: str) -> None:
        if size > self.limits.output_bytes:
            raise TemplateLimitError(f"{what} would be larger than {self.limits.output_bytes} bytes")


#: The rendering in progress in this thread or task, if any.
_BUDGET: ContextVar[_Budget | None] = ContextVar("govbiz_template_budget", default=None)


def _size(value: Any, cap: int) -> int:
    """Text length or item count of `value`, nested, counted up to a bit more than `cap`."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int | float | bool) or value is None:
        return 1
    if isinstance(value, Mapping):
        items: Iterable[Any] = (x for pair in value.items() for x in pair)
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return 1
    total = 0
    for item in items:
        total += 1 + _size(item, cap - total)
        if total > cap:
            break
    return total


def render_limited(template: Template, context: Mapping[str, Any], limits: TemplateLimits) -> str:
    """Render `template` (compiled by a `GuardedSandbox`) within `limits`, or raise TemplateLimitError."""
    budget = _Budget(limits)
    token = _BUDGET.set(budget)
    try:
        pieces: list[str] = []
        written = 0
        for piece in template.generate(**context):
            written += len(piece.encode("utf-8", "surrogatepass"))
            if written > limits.output_bytes:
                raise TemplateLimitError(f"wrote more than {limits.output_bytes} bytes")
            budget.tick()
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _BUDGET.reset(token)


def _tick() -> _Budget | None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()
    return budget


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f"range() gives at most {MAX_RANGE} numbers, not {len(numbers)}")
    return numbers


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja2's code generator, with every loop counted and every `~` measured."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        counted: set[int] = self.__dict__.setdefault("_govbiz_counted", set())
        counted.add(id(node.iter))  # written as environment.counted(<iterable>) below
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in self.__dict__.get("_govbiz_counted", ()):
            return super().visit(node, *args, **kwargs)
        self.write("environment.counted(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.measured(")
        super().visit_Concat(node, frame)
        self.write(")")


class GuardedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox that counts operations and refuses values beyond the limits.

    Render its templates with `render_limited`; outside it the guard only
    applies the size checks that need no budget (`range`).
    """

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        options.setdefault("undefined", StrictUndefined)
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.globals.pop("lipsum", None)  # lorem ipsum of any length: no message needs it
        self.filters = {name: _guarded_filter(name, f) for name, f in self.filters.items()}

    def counted(self, iterable: Any) -> Iterator[Any]:
        """A `{% for %}` loop's items, one operation each."""
        budget = _BUDGET.get()
        for item in iterable:
            if budget is not None:
                budget.tick()
            yield item

    def measured(self, value: Any) -> Any:
        """A `~` concatenation, if it stays within the limits."""
        budget = _tick()
        return budget.check_size(value, "a ~ concatenation") if budget is not None else value

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _tick()
        if budget is not None:
            _check_binop(budget, operator, left, right)
        result = self.binop_table[operator](left, right)
        return budget.check_size(result, f"the result of {operator}") if budget is not None else result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _tick()
        if budget is not None:
            _check_method(budget, __obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return budget.check_size(result, "a call's result") if budget is not None else result


def _check_binop(budget: _Budget, operator: str, left: Any, right: Any) -> None:
    cap = budget.limits.output_bytes
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        budget.check_estimate(right * math.log2(abs(left)) / 8, "a power")
    elif operator == "*":
        if isinstance(left, int) and isinstance(right, int):
            budget.check_estimate((left.bit_length() + right.bit_length()) / 8, "a product")
            return
        for seq, times in ((left, right), (right, left)):
            if isinstance(times, int) and not isinstance(seq, int | float):
                budget.check_estimate(_size(seq, cap) * max(times, 0), "a repetition")
    elif operator == "+" and not isinstance(left, int | float):
        budget.check_estimate(_size(left, cap) + _size(right, cap), "a sum")
    elif operator == "%" and isinstance(left, str):
        _check_format(budget, left, right)


def _check_format(budget: _Budget, template: str, *args: Any) -> None:
    """A %- or {}-format string with a huge width, or huge integer arguments (`%*d`)."""
    if _WIDE_PERCENT.search(template) or _WIDE_BRACE.search(template):
        raise TemplateLimitError("a format width of six digits or more")
    _check_integers(budget, args)


def _check_integers(budget: _Budget, values: Iterable[Any]) -> None:
    for value in values:
        items = value if isinstance(value, tuple | list) else (value,)
        for item in items:
            huge = (
                isinstance(item, int)
                and not isinstance(item, bool)
                and abs(item) > budget.limits.output_bytes
            )
            if huge:
                raise TemplateLimitError(f"a width or count of {item} is beyond the output limit")


def _check_method(budget: _Budget, obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """A string method that can multiply its text: estimate its result before it runs."""
    target = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    text = getattr(target, "__self__", None)
    if not isinstance(text, str):
        return
    name = getattr(target, "__name__", "")
    if name in ("format", "format_map"):
        _check_format(budget, text, *args, *kwargs.values())
    else:
        _check_integers(budget, (*args, *kwargs.values()))
        budget.check_estimate(_estimate(name, text, args), f"str.{name}()")


def _estimate(name: str, text: str, args: tuple[Any, ...]) -> int:
    """What a string method could produce from `text` (the text itself for most)."""
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = text.count(args[0]) if args[0] else len(text) + 1
        return len(text) + count * len(args[1])
    if name == "expandtabs":
        return len(text) + text.count("\t") * (args[0] if args and isinstance(args[0], int) else 8)
    if name == "join" and args:
        return _size(args[0], 1 << 30) * (len(text) + 1)
    return len(text)


def _guarded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (a built-in filter) counted, with its arguments and result measured."""
    skip = 1 if _PassArg.from_obj(function) is not None else 0

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _tick()
        if budget is None:
            # Jinja2 folds a filter of constants while compiling (`'%0999999999d'|format(1)`),
            # outside any limit: refusing here leaves it to the limited rendering.
            raise TemplateLimitError(f"the {name} filter runs only within a limited rendering")
        value, rest = (args[skip], args[skip + 1 :]) if len(args) > skip else (None, ())
        _check_integers(budget, (*rest, *kwargs.values()))
        if isinstance(value, str):
            if name == "format":
                _check_format(budget, value, *rest, *kwargs.values())
            elif name in ("indent", "center", "replace", "wordwrap"):
                budget.check_estimate(_filter_estimate(name, value, rest, kwargs), f"the {name} filter")
        return budget.check_size(function(*args, **kwargs), f"the {name} filter")

    return guarded


def _filter_estimate(name: str, value: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    if name == "replace":
        return _estimate("replace", value, args)
    width = args[0] if args else kwargs.get("width", 4 if name == "indent" else 80)
    width = len(width) if isinstance(width, str) else int(width)
    if name == "indent":
        return len(value) + (value.count("\n") + 1) * width
    if name == "center":
        return max(len(value), width)
    return 2 * len(value)  # wordwrap adds at most a line break per word
