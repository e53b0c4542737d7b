"""ConfigError, the shared field checks, and pydantic's errors turned into ConfigError lines.

Every invalid setting stops synth with one line that names the field path (``teams[2].quota.cpu``),
the bad value and what is allowed. pydantic checks the types and the shape (unknown and missing
fields); the models' own checks report through ``fail`` with the path themselves.

Reading a file (``from_mapping``) collects every problem and reports them together
(``every_problem``), so a configuration with five mistakes takes one run, not five. pydantic
finds every type and shape problem first; the models' checks run on what could be built.
"""

from __future__ import annotations

import ipaddress
import re
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pydantic import ConfigDict, ValidationError

# Every configuration model (frozen by its decorator): a misspelled field is an error, never ignored.
# Each field's docstring is its description: in the JSON Schemas (editor hover) and in the
# generated docs/configuration.md (spark_platform/config/reference.py).
MODEL_CONFIG = ConfigDict(extra="forbid", use_attribute_docstrings=True)

# Values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")


class ConfigError(Exception):
    """An invalid platform setting; the message is one line naming the field and the fix.

    Not a ValueError on purpose: pydantic would wrap a ValueError raised by a model's own checks
    into its ValidationError; a ConfigError passes through unchanged, with its field path.
    """


# The problems found so far while every_problem() collects; None: the first problem raises.
_PROBLEMS: ContextVar[list[str] | None] = ContextVar("config_problems", default=None)


def fail(field_path: str, message: str) -> None:
    """Report an invalid setting: raise ConfigError, or inside ``every_problem`` record it and let
    the checks go on (code after a ``fail`` must not rely on it stopping)."""
    problem = f"{field_path}: {message}"
    problems = _PROBLEMS.get()
    if problems is None:
        raise ConfigError(problem)
    _record(problem, problems)


def _record(lines: str, problems: list[str]) -> None:
    """Add each line of ``lines`` that is not there yet (a check may meet a problem twice)."""
    problems.extend(line for line in lines.splitlines() if line not in problems)


@contextmanager
def every_problem() -> Iterator[None]:
    """Collect every problem reported inside; at the end raise one ConfigError, a line each."""
    problems: list[str] = []
    token = _PROBLEMS.set(problems)
    try:
        with check():
            yield
    finally:
        _PROBLEMS.reset(token)
    if problems:
        raise ConfigError("\n".join(problems))


@contextmanager
def check() -> Iterator[None]:
    """One group of checks: inside ``every_problem`` a ConfigError raised here is recorded and only
    this group stops. So does a crash once a problem is recorded: a check tripping over a value
    already reported (an unparsable CIDR) adds nothing. Without one, a crash is a bug and raises."""
    problems = _PROBLEMS.get()
    if problems is None:
        yield
        return
    try:
        yield
    except ConfigError as error:
        _record(str(error), problems)
    except Exception:
        if not problems:
            raise


def parse_cidr(field_path: str, value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError, TypeError):
        raise ConfigError(
            f"{field_path}: {value!r} is not an IPv4 network in CIDR notation (e.g. 10.0.0.0/16)"
        ) from None


def check_retention(field_path: str, days: int) -> None:
    if days not in LOG_RETENTION_DAYS:
        fail(field_path, f"{days} is not a CloudWatch retention; use one of {LOG_RETENTION_DAYS}")


def check_duration(field_path: str, value: str, *, allow_never: bool = False) -> None:
    if not (_DURATION.match(value) or (allow_never and value == "Never")):
        fail(
            field_path, f"{value!r} is not a duration such as 30s, 10m or 720h" + (" (or Never)" if allow_never else "")
        )


def field_path(location: tuple[str | int, ...]) -> str:
    """pydantic's error location as the dotted path the messages use: teams[2].quota.cpu."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "platform config"


def _parent(location: tuple[str | int, ...]) -> str:
    return field_path(location[:-1]) if len(location) > 1 else "platform config"


_TYPE_BRANCHES = {"str", "int", "bool", "float", "dict", "list", "tuple", "none"}


def _is_union_branch(part: str | int) -> bool:
    """pydantic names a union's branch by its type: a builtin, or a class (CamelCase); fields are snake_case."""
    return isinstance(part, str) and (part in _TYPE_BRANCHES or part[:1].isupper())


def config_errors(
    error: ValidationError, allowed_fields: typing.Callable[[tuple[str | int, ...]], list[str]]
) -> list[str]:
    """Every one of pydantic's errors, in the platform's one-line form.

    A field that takes a string or a mapping (an S3 location with its key) is a union: pydantic
    reports each branch. The branch the input's shape chose is the one to report, so the other
    branches' type errors are dropped, and the branch names (``str``, ``S3Location``) are not part of
    the field path.
    """
    errors = error.errors(include_url=False)
    chosen = [e for e in errors if not (e["type"].endswith("_type") and _is_union_branch(e["loc"][-1]))]
    return [_line(one, allowed_fields) for one in chosen or errors[:1]]


def _line(error: typing.Any, allowed_fields: typing.Callable[[tuple[str | int, ...]], list[str]]) -> str:
    location = tuple(part for part in error["loc"] if not _is_union_branch(part))
    kind, value = error["type"], error.get("input")
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        allowed = ", ".join(allowed_fields(location[:-1]))
        return f"{_parent(location)}: unknown field {location[-1]!r}; allowed: {allowed}"
    if kind == "missing":
        return f"{_parent(location)}: missing required field {location[-1]!r}"
    messages = {
        "int_type": f"expected an integer, got {value!r}",
        "int_from_float": f"expected an integer, got {value!r}",
        "string_type": f'expected a string, got {value!r} (quote numbers such as "1.35" in YAML)',
        "bool_type": f"expected true or false, got {value!r}",
        "tuple_type": f"expected a list, got {type(value).__name__}",
        "list_type": f"expected a list, got {type(value).__name__}",
        "dict_type": "expected a mapping of strings to strings",
        "dataclass_type": f"expected a mapping, got {type(value).__name__}",
        "dataclass_args_type": f"expected a mapping, got {type(value).__name__}",
        "model_type": f"expected a mapping, got {type(value).__name__}",
    }
    message = messages.get(kind, error["msg"])
    if kind == "string_type" and location and location[0] == "tags":
        message = messages["dict_type"]
        location = location[:1]
    return f"{field_path(location)}: {message}"
