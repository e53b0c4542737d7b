"""CloudWatch Logs metric filter patterns for JSON log events, evaluated as the CloudWatch Logs User
Guide describes them ("Filter pattern syntax for metric filters, subscription filters, and filter
log events", JSON log events): ``{ SELECTOR OPERATOR VALUE }`` with selectors ``$.a.b``, string
values in double quotes compared with = and != (``*`` a wildcard), numbers with =, !=, <, <=, >,
>=, and ``&&`` / ``||`` with parentheses. A selector the event lacks makes its comparison false.
Only what the platform's filters use is implemented.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r'\s*(\(|\)|&&|\|\||!=|<=|>=|=|<|>|"[^"]*"|\$[.\w-]+|-?\d+(\.\d+)?)')


def _tokens(text: str) -> list[str]:
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise ValueError(f"not a JSON filter pattern: {text!r}")
    body, out, position = text[1:-1], [], 0
    while position < len(body.rstrip()):
        match = _TOKEN.match(body, position)
        if not match:
            raise ValueError(f"cannot read {body[position:]!r}")
        out.append(match[1])
        position = match.end()
    return out


def _select(event: dict, selector: str) -> Any:
    value: Any = event
    for part in selector[2:].split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _compare(value: Any, operator: str, literal: str) -> bool:
    if value is None:
        return False
    if literal.startswith('"'):
        if not isinstance(value, str):
            return False
        regex = "".join(".*" if char == "*" else re.escape(char) for char in literal[1:-1])
        equal = re.fullmatch(regex, value) is not None
        return equal if operator == "=" else not equal if operator == "!=" else False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    number = float(literal)
    return {
        "=": value == number,
        "!=": value != number,
        "<": value < number,
        "<=": value <= number,
        ">": value > number,
        ">=": value >= number,
    }[operator]


def matches(pattern: str, event: dict) -> bool:
    tokens = _tokens(pattern)
    position = 0

    def expression() -> bool:
        nonlocal position
        result = term()
        while position < len(tokens) and tokens[position] == "||":
            position += 1
            right = term()
            result = result or right
        return result

    def term() -> bool:
        nonlocal position
        result = factor()
        while position < len(tokens) and tokens[position] == "&&":
            position += 1
            right = factor()
            result = result and right
        return result

    def factor() -> bool:
        nonlocal position
        if tokens[position] == "(":
            position += 1
            result = expression()
            assert tokens[position] == ")", tokens
            position += 1
            return result
        selector, operator, literal = tokens[position : position + 3]
        position += 3
        return _compare(_select(event, selector), operator, literal)

    result = expression()
    if position != len(tokens):
        raise ValueError(f"trailing tokens in {pattern!r}")
    return result


def value_of(selector_or_literal: str, event: dict) -> Any:
    """A metric value or dimension: ``$.path`` from the event, else the literal."""
    return _select(event, selector_or_literal) if selector_or_literal.startswith("$.") else selector_or_literal
