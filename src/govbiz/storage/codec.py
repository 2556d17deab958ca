"""The storage codec (编解码): every domain value to JSON and back, exactly.

SQL adapters keep a problem as a JSON snapshot and each registry record as a
JSON document, so what goes in must come out equal:

* `datetime` as ISO 8601 text *with its UTC offset* (`2025-03-31T10:00:00+08:00`),
  `date` as `2025-03-31`;
* enums (`ProblemState`, `ResultOutcome` ...) as their value;
* tuples as JSON arrays, rebuilt as tuples;
* attrs classes (`Problem`, `Assignment`, `Enterprise`, `Contact` ...) as
  objects of their fields, rebuilt through their constructor so validators run.

Decoding is driven by the classes' type annotations, so a new field needs no
codec change, and a snapshot written before a field existed decodes with the
field's default (which is what lets an old database open under new code).

Personal data is *not* masked here (unlike `govbiz.records`): storage must keep
the contact's name and phone to give them back.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, cast

import attrs

from govbiz.domain.circular import Circular
from govbiz.domain.county_config import KeptCountyConfig
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent, iso_text
from govbiz.domain.holiday_notice import KeptNotice
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.problem import Problem
from govbiz.domain.session import ReceptionSession
from govbiz.domain.tenancy import Department, Division
from govbiz.errors import ValidationError
from govbiz.ports.storage import Record, RecordKind

__all__ = [
    "RECORD_CLASSES",
    "decode",
    "decode_event",
    "decode_problem",
    "decode_record",
    "encode",
    "encode_event",
    "encode_problem",
    "encode_record",
]

T = TypeVar("T")

#: The class stored under each registry record kind.
RECORD_CLASSES: dict[RecordKind, type[Any]] = {
    RecordKind.DIVISION: Division,
    RecordKind.DEPARTMENT: Department,
    RecordKind.ENTERPRISE: Enterprise,
    RecordKind.SESSION: ReceptionSession,
    RecordKind.LASTING_RULE: LastingRule,
    RecordKind.CIRCULAR: Circular,
    RecordKind.HOLIDAY_NOTICE: KeptNotice,
    RecordKind.COUNTY_CONFIG: KeptCountyConfig,
}


# --- generic ------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """`value` as JSON-ready data (dicts, lists, text, numbers, booleans, `None`)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    found = _ENCODERS.get(kind)
    if found is None:
        found = _ENCODERS[kind] = _compile_encoder(kind)
    return found(value)


#: Types stored as they are (exact types: an enum that is also a `str` stores its value).
_PLAIN = frozenset({str, int, float, bool, type(None)})

#: One encoder per type, chosen once: an attrs class's field names are read once, not per
#: value (a command encodes its problem's whole snapshot, some sixty values, every time).
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _compile_encoder(kind: type) -> Callable[[Any], Any]:
    names = _attrs_fields(kind)
    if names is not None:
        plain = _PLAIN
        return lambda value: {
            name: item if type(item := getattr(value, name)) in plain else encode(item) for name in names
        }
    for base, encoder in _ENCODERS_BY_BASE:  # in order: an enum may also be a str or an int
        if issubclass(kind, base):
            return encoder
    return _refuse


def _refuse(value: Any) -> Any:
    raise TypeError(f"the storage codec cannot encode {type(value).__name__}: {value!r}")


_ENCODERS_BY_BASE: tuple[tuple[Any, Callable[[Any], Any]], ...] = (
    (Enum, lambda value: value.value),
    (bool | int | float | str, lambda value: value),
    (date, iso_text),  # datetimes too: both have isoformat, with the offset kept
    (Mapping, lambda value: {str(key): encode(item) for key, item in value.items()}),
    (tuple | list, lambda value: [encode(item) for item in value]),
)


def decode(cls: type[T], data: Any) -> T:
    """Rebuild a value of type `cls` (an annotation such as `tuple[DueDate, ...]` works too).

    Raises `govbiz.errors.ValidationError` naming the dotted path of the
    first value that does not fit.
    """
    return cast(T, _decode(cls, data, "value"))


def _decode(tp: Any, data: Any, path: str) -> Any:
    return _decoder(tp)(data, path)


#: A decoder takes the data and its dotted path (for error messages) and returns the value.
Decoder = Callable[[Any, str], Any]

#: One compiled decoder per type: the annotations are read once, not on every value
#: (reading them each time made decoding a problem cost ~65 µs; a sweep decodes thousands).
_DECODERS: dict[Any, Decoder] = {}


def _decoder(tp: Any) -> Decoder:
    found = _DECODERS.get(tp)
    if found is None:
        found = _compile(tp)
        _DECODERS[tp] = found
    return found


def _compile(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    if tp is Any or tp is object:
        return lambda data, path: data
    if origin in (Union, types.UnionType):
        return _compile_union(tp)
    if origin is tuple:
        return _not_null(tp, _compile_tuple(tp))
    if origin is not None and issubclass(origin, Mapping):
        return _not_null(tp, _compile_mapping(tp))
    if isinstance(tp, type) and attrs.has(tp):
        return _not_null(tp, _compile_attrs(tp))
    return _not_null(tp, _compile_scalar(tp))


def _not_null(tp: Any, inner: Decoder) -> Decoder:
    def decode(data: Any, path: str) -> Any:
        if data is None:
            raise ValidationError(path, data, f"expected {_name(tp)}, got null")
        return inner(data, path)

    return decode


def _compile_scalar(tp: Any) -> Decoder:
    if isinstance(tp, type) and issubclass(tp, Enum):
        enum = tp

        def decode_enum(data: Any, path: str) -> Any:
            try:
                return enum(data)
            except ValueError:
                raise ValidationError(path, data, f"not a {enum.__name__}") from None

        return decode_enum
    if tp is datetime or tp is date:
        parse = tp.fromisoformat

        def decode_instant(data: Any, path: str) -> Any:
            _expect(data, str, tp, path)
            try:
                return parse(data)
            except ValueError:
                raise ValidationError(path, data, f"not an ISO 8601 {tp.__name__}") from None

        return decode_instant
    if tp not in (str, int, bool, float):

        def cannot(data: Any, path: str) -> Any:
            raise TypeError(f"the storage codec cannot decode {_name(tp)} at {path}")

        return cannot

    def decode_plain(data: Any, path: str) -> Any:
        _expect(data, tp, tp, path)
        return data

    return decode_plain


def _compile_union(tp: Any) -> Decoder:
    members = typing.get_args(tp)
    optional = type(None) in members
    decoders = [_decoder(member) for member in members if member is not type(None)]

    def decode(data: Any, path: str) -> Any:
        if data is None:
            if optional:
                return None
            raise ValidationError(path, data, f"expected {_name(tp)}, got null")
        failures: list[ValidationError] = []
        for member in decoders:
            try:
                return member(data, path)
            except ValidationError as error:
                failures.append(error)
        raise failures[0]

    return decode


def _compile_tuple(tp: Any) -> Decoder:
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])

        def decode_many(data: Any, path: str) -> tuple[Any, ...]:
            _expect(data, list, tp, path)
            return tuple(item(value, f"{path}.{i}") for i, value in enumerate(data))

        return decode_many
    items = [_decoder(arg) for arg in args]

    def decode_fixed(data: Any, path: str) -> tuple[Any, ...]:
        _expect(data, list, tp, path)
        if len(items) != len(data):
            raise ValidationError(path, data, f"expected {len(args)} items")
        return tuple(d(value, f"{path}.{i}") for i, (d, value) in enumerate(zip(items, data, strict=True)))

    return decode_fixed


def _compile_mapping(tp: Any) -> Decoder:
    def decode(data: Any, path: str) -> Any:
        _expect(data, dict, tp, path)
        return dict(data)

    return decode


def _compile_attrs(cls: type[Any]) -> Decoder:
    fields = [(name, _decoder(hint)) for name, hint in _field_types(cls)]

    def decode(data: Any, path: str) -> Any:
        _expect(data, dict, cls, path)
        kwargs = {}
        for name, field in fields:
            if name in data:  # a missing field takes its default: snapshots written before it existed
                kwargs[name] = field(data[name], f"{path}.{name}")
        return cls(**kwargs)

    return decode


def _field_types(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """Resolved annotations of an attrs class's init fields (they are strings under PEP 563)."""
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = tuple((field.name, hints[field.name]) for field in attrs.fields(cls) if field.init)
        _FIELD_TYPES[cls] = found
    return found


_FIELD_TYPES: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _expect(data: Any, kind: type[Any], tp: Any, path: str) -> None:
    # bool is an int in Python, but an int in JSON is never a boolean field and vice versa.
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise ValidationError(path, data, f"expected {_name(tp)}")


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


# --- the stored values ----------------------------------------------------------------------


def encode_problem(problem: Problem, *, like: tuple[Problem, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A problem's JSON snapshot.

    `like` is another version of the same problem with its snapshot.  A
    command's new version shares every value it did not change (attrs'
    `evolve` keeps the very objects), so wherever `problem` holds the same
    object as `like`'s problem, that part of its snapshot is reused rather
    than encoded again: most commands change the state, a time and one list,
    and the assignment's deadlines, the largest part, stay.  The result is
    equal to encoding `problem` alone; it shares those parts with `like`'s
    snapshot, so neither may be changed in place (the top level is new).
    """
    if like is None:
        return cast(dict[str, Any], encode(problem))
    return cast(dict[str, Any], _encode_like(problem, *like))


def _encode_like(value: Any, old: Any, old_data: Any) -> Any:
    """`encode(value)`, reusing `old_data` (`encode(old)`) for whatever `value` shares with `old`."""
    if value is old:
        return old_data
    kind = type(value)
    if kind is not type(old):
        return encode(value)
    if kind is tuple:  # a list that grew keeps its items: the report added last is the only new one
        kept = min(len(value), len(old))
        return [
            _encode_like(item, old[n], old_data[n]) if n < kept else encode(item)
            for n, item in enumerate(value)
        ]
    names = _attrs_fields(cast(type, kind))
    if names is None:  # text, a number, a time: nothing inside to share
        return encode(value)
    data = {}
    for name in names:
        item = getattr(value, name)
        if type(item) in _PLAIN:
            data[name] = item
        elif item is (was := getattr(old, name)):  # the usual case, without a call
            data[name] = old_data[name]
        else:
            data[name] = _encode_like(item, was, old_data[name])
    return data


@cache
def _attrs_fields(kind: type) -> tuple[str, ...] | None:
    """The field names of an attrs class, in order; `None` for any other type."""
    return tuple(field.name for field in attrs.fields(kind)) if attrs.has(kind) else None


def decode_problem(data: Mapping[str, Any]) -> Problem:
    """Inverse of `encode_problem`."""
    return cast(Problem, _decode(Problem, data, "problem"))


def encode_record(record: Record) -> dict[str, Any]:
    """A registry record's JSON document."""
    return cast(dict[str, Any], encode(record))


def decode_record(kind: RecordKind, data: Mapping[str, Any]) -> Record:
    """Inverse of `encode_record` for a record of `kind`."""
    return cast(Record, _decode(RECORD_CLASSES[kind], data, kind.value))


def encode_event(event: DomainEvent) -> dict[str, Any]:
    """An event's JSON document (the payload is JSON already and kept as it is)."""
    return cast(dict[str, Any], encode(event))


def decode_event(data: Mapping[str, Any]) -> DomainEvent:
    """Inverse of `encode_event`."""
    return cast(DomainEvent, _decode(DomainEvent, data, "event"))
