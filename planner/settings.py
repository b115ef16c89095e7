"""Settings objects, one idiom: frozen pydantic models whose errors name the key and the rule.

Every settings object of the planner (:class:`planner.OptimizeSettings`,
:class:`planner.ScenarioSettings`, :class:`planner.JobSettings`, :class:`planner.FeedSources`...)
and the fleet file's models are frozen pydantic v2 models. Their limits are ``Field`` constraints
(``Field(0.0, ge=0, le=1e3)``) or the shared checks of :mod:`planner.inputs` (start, hours,
seed, URL) run as validators, and every problem becomes one line of one
:class:`~planner.errors.ConfigError`::

    <source>: <key.path>: <what is allowed>, got <value>

``optimize settings: risk_lambda: must be in [0, 1000], got -1``;
``job.toml: optimize.risk_lambda: ...`` for a job config file;
``fleet.toml: sites[2].capacity_mw: must be a number in (0, 5000], got '100'``. A number's rule
is worded as :func:`planner.inputs.check_number` words it, so a keyword argument, a config key and
a command-line option read the same.

- :class:`Settings`: the base. Its keyword constructor raises :class:`ConfigError` with the
  model's title as the source; :meth:`Settings.replace` is the validated copy (pydantic's
  ``model_copy`` does not validate); :meth:`Settings.from_mapping` reads a parsed TOML/JSON table.
- :func:`config_error`: a pydantic :class:`ValidationError` as that :class:`ConfigError`.
- Field types that take the values a TOML file, a numpy array or a command line hands over:
  :data:`Number`, :data:`Whole`, :data:`Array`, :data:`FilePath`, :data:`TimeZoneName`,
  :data:`Seed` and :data:`Url`, and :func:`checked_by` to run a :mod:`planner.inputs` check as a
  field's validator.

Types are strict: ``"100"`` is not a number, ``5.0`` is not a whole number, ``1`` is not ``true``;
a whole number is a number, numpy scalars are numbers, and arrays (lists) stand for tuples.
"""

from __future__ import annotations

import difflib
import math
import types
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import annotated_types
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from planner.errors import ConfigError
from planner.inputs import check_seed, check_url, range_rule

__all__ = [
    "Array",
    "FilePath",
    "Number",
    "Seed",
    "Settings",
    "TimeZoneName",
    "Url",
    "Whole",
    "checked_by",
    "config_error",
    "invalid",
    "problem_lines",
    "unknown_key",
]

T = TypeVar("T")

# Pydantic error type of a rule broken in a validator (:func:`invalid`): shown as written.
_RULE_ERROR = "rule"


def invalid(rule: str) -> PydanticCustomError:
    """The error a validator raises for a broken rule; shown as ``<key.path>: <rule>``.

    Parameters
    ----------
    rule
        What is allowed and what was given (``must be an IANA time zone..., got 'Texas'``).
    """
    return PydanticCustomError(_RULE_ERROR, "{rule}", {"rule": rule})


def checked_by(check: Callable[..., T], **options: Any) -> Callable[[Any], T]:
    """A validator running a :mod:`planner.inputs` check (``check(value, name, **options)``).

    The check's :class:`ConfigError` becomes this key's problem, in the check's own words
    (``seed: must be a whole number in [0, 4294967295], got -1``).
    """

    def validate(value: Any) -> T:
        try:
            return check(value, "value", **options)
        except ConfigError as exc:
            raise invalid(exc.problems[0]) from None

    return validate


def _as_float(value: Any) -> Any:
    """numpy and other real scalars as floats (``True`` stays a bool, refused)."""
    return float(value) if isinstance(value, Real) and not isinstance(value, bool | int) else value


def _as_int(value: Any) -> Any:
    """numpy and other integral scalars as ints (``True`` stays a bool, refused)."""
    return int(value) if isinstance(value, Integral) and not isinstance(value, bool) else value


def _as_path(value: Any) -> Path:
    """A path, or a non-blank string as one; ``~`` expanded."""
    if isinstance(value, str) and value.strip():
        value = Path(value)
    if not isinstance(value, Path):
        raise invalid(f"must be a path (a string), got {value!r}")
    return value.expanduser()


def _iana_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"must be an IANA time zone such as America/Chicago, got {name!r}") from None
    return name


#: A finite number (a whole number or a numpy scalar counts; ``"1"`` and ``true`` do not).
Number = Annotated[float, BeforeValidator(_as_float)]
#: A whole number (a numpy integer counts; ``5.0``, ``"5"`` and ``true`` do not).
Whole = Annotated[int, BeforeValidator(_as_int)]
#: A path; a non-blank string is one (``~`` expanded).
FilePath = Annotated[Path, BeforeValidator(_as_path)]
#: An IANA time zone name (``America/Chicago``).
TimeZoneName = Annotated[str, AfterValidator(_iana_zone)]
#: Marks a tuple field that takes an array: ``Annotated[tuple[str, ...], Array]``.
Array = Field(strict=False)
#: A seed (:func:`planner.inputs.check_seed`).
Seed = Annotated[int, BeforeValidator(checked_by(check_seed))]
#: An ``http://`` or ``https://`` URL (:func:`planner.inputs.check_url`); never repeated in errors.
Url = Annotated[str, BeforeValidator(checked_by(check_url))]


# ------------------------------------------------------------------------------------ the base

# True while a settings model validates: a nested model's constructor then lets pydantic gather
# its errors under the outer key path instead of raising its own ConfigError.
_VALIDATING: ContextVar[bool] = ContextVar("settings_validating", default=False)


@contextmanager
def _outermost() -> Iterator[bool]:
    outer = not _VALIDATING.get()
    token = _VALIDATING.set(True)
    try:
        yield outer
    finally:
        _VALIDATING.reset(token)


class Settings(BaseModel):
    """Base of every settings object: frozen, unknown keys refused, strict types.

    A subclass names itself in errors through ``model_config = ConfigDict(title="...")``
    (``optimize settings``). Equal settings compare equal and hash alike.

    Raises
    ------
    ConfigError
        From the constructor, :meth:`replace` and :meth:`from_mapping`: one line per problem.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    def __init__(self, /, **data: Any) -> None:
        with _outermost() as outer:
            if not outer:
                super().__init__(**data)
                return
            try:
                super().__init__(**data)
            except ValidationError as exc:
                raise config_error(self.settings_name(), exc, type(self)) from None

    @classmethod
    def settings_name(cls) -> str:
        """How errors name these settings (``optimize settings``)."""
        return cls.model_config.get("title") or cls.__name__

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        source: str | None = None,
        *,
        key_path: Callable[[str], str] | None = None,
    ) -> Self:
        """Settings from a parsed TOML or JSON table.

        Parameters
        ----------
        data
            Keys as the field names; nested settings as tables.
        source
            The file or table, named in errors (``job.toml``); default :meth:`settings_name`.
        key_path
            How a field's key is shown in errors (``scenario_settings`` -> ``scenarios`` when a
            file's table has another name than the field); default the field's name.

        Raises
        ------
        ConfigError
            Names ``source`` and, per problem, the key path.
        """
        with _outermost():
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                raise config_error(source or cls.settings_name(), exc, cls, key_path) from None

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes``, checked like the constructor.

        Raises
        ------
        ConfigError
            A changed value breaks a rule.
        """
        return type(self)(**{**dict(self), **changes})


# ------------------------------------------------------------------------------ error lines


def config_error(
    source: str,
    exc: ValidationError,
    model: type[BaseModel],
    key_path: Callable[[str], str] | None = None,
) -> ConfigError:
    """One :class:`ConfigError` for a pydantic validation error of ``model``.

    Parameters
    ----------
    source
        The file or setting group (``fleet.toml``, ``optimize settings``).
    exc
        The error pydantic raised while validating ``model``.
    model
        The model validated: it tells each key's rule (bounds, choices, known keys).
    key_path
        How the first key of a path is shown (see :meth:`Settings.from_mapping`).
    """
    return ConfigError(source, problem_lines(exc, model, key_path))


def problem_lines(
    exc: ValidationError,
    model: type[BaseModel],
    key_path: Callable[[str], str] | None = None,
) -> list[str]:
    """The ``<key.path>: <what is allowed>, got <value>`` lines of a validation error."""
    errors = exc.errors(include_url=False)
    locs = [tuple(e["loc"]) for e in errors]
    return [
        line
        for err in errors
        if not _is_echo_of_deeper_error(tuple(err["loc"]), err["type"], locs)
        for line in _describe(err, model, key_path).splitlines()
    ]


def _is_echo_of_deeper_error(loc: tuple[Any, ...], kind: str, locs: list[tuple[Any, ...]]) -> bool:
    """A "too short" list whose items themselves failed only repeats those items' errors."""
    return kind == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs)


def _given(value: Any) -> str:
    text = repr(list(value) if isinstance(value, tuple) else value)  # as written in TOML
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_NAMES = {
    "float": "a number",
    "int": "a whole number",
    "bool": "true or false",
    "string": "a string",
    "dict": "a table",
    "model": "a table",
    "list": "an array",
    "tuple": "an array",
}
_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}
_NUMBER_ERRORS = {
    "float_type",
    "float_parsing",
    "finite_number",
    "int_type",
    "int_parsing",
    "int_from_float",
}


def _describe(
    err: Mapping[str, Any], model: type[BaseModel], key_path: Callable[[str], str] | None
) -> str:
    """One line for one pydantic error: key path, rule, and what was given."""
    loc = tuple(err["loc"])
    found = _Found.at(model, loc)
    path = _key_text(found.path, key_path)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = _given(err.get("input"))
    if found.kind in (int, float) and (kind in _BOUNDS or kind in _NUMBER_ERRORS):
        bounds = found.range_rule()
        if not bounds and kind in _BOUNDS:
            bounds = f"{_BOUNDS[kind]} {next(iter(ctx.values())):g}"
        what = "a whole number" if found.kind is int else "a number"
        if kind in _BOUNDS and found.kind is float:
            what = ""  # a number out of range: only the range is said, as check_number says it
        rule = f"must be {' '.join(w for w in (what, bounds) if w)}, got {given}"
    elif kind in _BOUNDS:
        rule = f"must be {_BOUNDS[kind]} {next(iter(ctx.values())):g}, got {given}"
    elif kind == _RULE_ERROR:
        rule = str(ctx.get("rule", err["msg"]))
    elif kind == "string_too_short" and ctx.get("min_length") == 1:
        rule = f"must not be empty, got {given}"
    elif kind == "missing":
        rule = "required key is missing"
    elif kind == "extra_forbidden":
        rule = unknown_key(str(loc[-1]), _Found.at(model, loc[:-1]).keys)
    elif kind in {"union_tag_invalid", "union_tag_not_found"}:
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        key = str(ctx.get("discriminator", "kind")).strip("'")
        rule = f"{key} must be one of {tags}, got {ctx.get('tag', err.get('input'))!r}"
    elif kind == "literal_error":
        choices = found.choices or (str(ctx.get("expected")),)
        rule = f"must be one of {', '.join(choices)}, got {given}"
    elif kind.endswith(("_parsing", "_type")) and kind.split("_")[0] in _TYPE_NAMES:
        rule = f"must be {_TYPE_NAMES[kind.split('_')[0]]}, got {given}"
    elif kind == "value_error":
        rule = str(ctx.get("error", err["msg"]))
        head = rule.split(": ", 1)[0]
        if not path or " " in head:
            return f"{path}: {rule}" if path else rule
        return f"{path}.{rule}"  # a model check whose message starts with its own key path
    else:
        rule = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {given}"
    return f"{path}: {rule}" if path else rule


def unknown_key(key: str, known: Collection[str]) -> str:
    """The rule an unknown key breaks: ``unknown key; did you mean 'seed'? allowed: ...``."""
    if not known:
        return "unknown key"
    hint = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    mean = f"did you mean {hint[0]!r}? " if hint else ""
    return f"unknown key; {mean}allowed: {', '.join(sorted(known))}"


def _key_text(path: tuple[int | str, ...], key_path: Callable[[str], str] | None) -> str:
    """``('sites', 2, 'capacity_mw')`` -> ``sites[2].capacity_mw``."""
    out = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = key_path(part) if key_path is not None and i == 0 else part
            out += f".{shown}" if out else shown
    return out


@dataclass(frozen=True)
class _Found:
    """What a model says about the key at a location: its shown path, type and constraints."""

    path: tuple[int | str, ...]
    kind: Any
    constraints: tuple[Any, ...]

    @classmethod
    def at(cls, model: type[BaseModel], loc: tuple[int | str, ...]) -> _Found:
        """Walk ``model``'s fields along ``loc``; the tag of a tagged union is not shown."""
        kind: Any = model
        meta: list[Any] = []
        shown: list[int | str] = []
        for part in loc:
            kind, more = _unwrap(kind)
            meta += more
            step: Any = None
            origin = get_origin(kind)
            if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
                fields = {f.alias or n: f for n, f in kind.model_fields.items()}
                field = fields.get(part) or kind.model_fields.get(part)
                if field is not None:
                    step, meta = field.annotation, list(field.metadata)
            elif origin in (tuple, list) and isinstance(part, int):
                args = get_args(kind)
                if origin is list or args[-1:] == (Ellipsis,):
                    step = args[0]
                elif part < len(args):
                    step = args[part]
                meta = []
            elif origin in (dict, Mapping) and isinstance(part, str):
                step, meta = get_args(kind)[1], []
            elif origin in (Union, types.UnionType) and isinstance(part, str):
                tagged = _tagged_member(kind, part)
                if tagged is not None:
                    kind = tagged
                    continue  # pydantic's tag is not a key of the file
            shown.append(part)
            kind = step
        kind, more = _unwrap(kind)
        return cls(tuple(shown), kind, tuple(meta + more))

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys a model at this location takes (empty when it is no model)."""
        if isinstance(self.kind, type) and issubclass(self.kind, BaseModel):
            return tuple(f.alias or n for n, f in self.kind.model_fields.items())
        return ()

    @property
    def choices(self) -> tuple[str, ...]:
        """The values a ``Literal`` takes, as text (empty when it is no literal)."""
        literal = get_origin(self.kind) is Literal
        return tuple(str(c) for c in get_args(self.kind)) if literal else ()

    def range_rule(self) -> str:
        """``in [0, 1]``, ``>= 0``... from the constraints; empty when there are none."""
        lo: Any = -math.inf
        hi: Any = math.inf
        open_lo = open_hi = False
        for c in self.constraints:
            if isinstance(c, annotated_types.Ge):
                lo = c.ge
            elif isinstance(c, annotated_types.Gt):
                lo, open_lo = c.gt, True
            elif isinstance(c, annotated_types.Le):
                hi = c.le
            elif isinstance(c, annotated_types.Lt):
                hi, open_hi = c.lt, True
        return range_rule(lo, hi, open_lo=open_lo, open_hi=open_hi)


def _unwrap(kind: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` (keeping its constraints) and ``| None``."""
    meta: list[Any] = []
    while True:
        if get_origin(kind) is Annotated:
            kind, *extra = get_args(kind)
            for m in extra:
                meta += list(m.metadata) if isinstance(m, FieldInfo) else [m]
        elif get_origin(kind) in (Union, types.UnionType):
            members = [a for a in get_args(kind) if a is not type(None)]
            if len(members) != 1:
                return kind, meta
            kind = members[0]
        else:
            return kind, meta


def _tagged_member(union: Any, tag: str) -> type[BaseModel] | None:
    """The model of a tagged union whose ``Literal`` tag field holds ``tag``."""
    for member in get_args(union):
        member, _ = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            for field in member.model_fields.values():
                if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                    return member
    return None
