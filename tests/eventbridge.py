"""EventBridge event-pattern matching, written from the EventBridge User Guide ("Amazon EventBridge
event patterns" and "Comparison operators for use in event patterns").

The rules the suite checks: a pattern is an object; every field it names must match (AND); a
field's array matches when any of its values or operators matches (OR); a nested object matches the
event's nested object; when the event's value is an array, the field matches when any element
matches. Values match exactly (strings are case-sensitive; numbers by value; null matches null).
Operators: prefix, suffix (each also with equals-ignore-case), equals-ignore-case, anything-but (a
value, a list, or a prefix/suffix), numeric (=, >, >=, <, <= in pairs), exists, wildcard (``*``
any run of characters) and, at object level, ``$or``. A field the event lacks matches only
``{"exists": false}``.
"""

from __future__ import annotations

import re
from typing import Any

_MISSING = object()


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    for key, condition in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in condition):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(condition, dict):
            if not isinstance(value, dict) or not matches(condition, value):
                return False
        elif isinstance(condition, list):
            if not _field_matches(condition, value):
                return False
        else:
            raise ValueError(f"{key}: a pattern field is an array of values or operators, or an object")
    return True


def _field_matches(conditions: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_matches_one(condition, item) for condition in conditions for item in values)


def _matches_one(condition: Any, value: Any) -> bool:
    if not isinstance(condition, dict):
        return value is not _MISSING and type(value) is not dict and _equal(condition, value)
    ((operator, argument),) = condition.items()
    if operator == "exists":
        return (value is not _MISSING) is argument
    if value is _MISSING:
        return False
    if operator == "prefix":
        return _text_test(argument, value, str.startswith)
    if operator == "suffix":
        return _text_test(argument, value, str.endswith)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == argument.lower()
    if operator == "wildcard":
        regex = "".join(".*" if char == "*" else re.escape(char) for char in argument)
        return isinstance(value, str) and re.fullmatch(regex, value, re.DOTALL) is not None
    if operator == "numeric":
        return _numeric(argument, value)
    if operator == "anything-but":
        if isinstance(argument, dict):
            return not _matches_one(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_equal(item, value) for item in excluded)
    raise ValueError(f"operator {operator!r} is not implemented here")


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _text_test(argument: Any, value: Any, test) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(argument, dict):  # {"prefix": {"equals-ignore-case": "..."}}
        return test(value.lower(), argument["equals-ignore-case"].lower())
    return test(value, argument)


_COMPARE = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _numeric(argument: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    pairs = zip(argument[0::2], argument[1::2], strict=True)
    return all(_COMPARE[operator](value, bound) for operator, bound in pairs)
