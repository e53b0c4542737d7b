"""Enough of IAM's policy evaluation to ask "may this role do X to Y in context C?".

Identity-based Allow statements only (the job roles have no Deny): an action and a resource
match with IAM's wildcards (``*`` any run of characters, ``?`` one; actions case-insensitively),
and every condition must hold for the request's context ("IAM JSON policy elements: Condition";
a key missing from the context makes the operator false, as IAM evaluates it). Operators:
StringEquals, StringLike, ArnEquals, ArnLike, each with any of its values. ``trusts`` asks the
same of a trust policy (a role's AssumeRolePolicyDocument), whose statements name a Principal
instead of a Resource ("IAM JSON policy elements: Principal").
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from typing import Any

PSEUDO = {"AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1", "AWS::Partition": "aws"}


def rendered(value: Any) -> Any:
    """A policy value with pseudo parameters resolved and other tokens as <LogicalId>."""
    if isinstance(value, list):
        return [rendered(item) for item in value]
    if isinstance(value, Mapping):
        if set(value) == {"Ref"}:
            return PSEUDO.get(value["Ref"], f"<{value['Ref']}>")
        if set(value) == {"Fn::GetAtt"}:
            return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(rendered(part) for part in parts)
        if set(value) == {"Fn::ImportValue"}:
            return f"<import {value['Fn::ImportValue']}>"
        if set(value) == {"Fn::Sub"}:
            template, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            names = {**PSEUDO, **{name: rendered(v) for name, v in variables.items()}}
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(names.get(m[1], f"<{m[1]}>")), template)
        return {key: rendered(item) for key, item in value.items()}
    return value


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str, *, case: bool = True) -> bool:
    return fnmatch.fnmatchcase(value if case else value.lower(), pattern if case else pattern.lower())


def _condition_holds(operator: str, values: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for key, wanted in values.items():
        if key not in context:
            return False
        actual = context[key]
        if operator in ("StringEquals", "ArnEquals") and actual not in _list(wanted):
            return False
        if operator in ("StringLike", "ArnLike") and not any(_matches(w, actual) for w in _list(wanted)):
            return False
        if operator not in ("StringEquals", "ArnEquals", "StringLike", "ArnLike"):
            raise NotImplementedError(operator)
    return True


def allows(statements: list[dict], action: str, resource: str, context: Mapping[str, str] | None = None) -> bool:
    context = context or {}
    for statement in rendered(statements):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        if not any(_matches(a, action, case=False) for a in _list(statement["Action"])):
            continue
        if not any(_matches(r, resource) for r in _list(statement["Resource"])):
            continue
        if all(_condition_holds(op, values, context) for op, values in statement.get("Condition", {}).items()):
            return True
    return False


def trust_statements(document: Any) -> list[dict]:
    """The statements of a role's AssumeRolePolicyDocument as a template holds it (a dict, or a
    JSON string completed by Fn::Sub)."""
    value = rendered(document)
    return (json.loads(value) if isinstance(value, str) else value)["Statement"]


def trusts(
    document: Any, *, principal: Mapping[str, str], action: str, context: Mapping[str, str] | None = None
) -> bool:
    """Whether the trust policy lets ``principal`` (e.g. {"Service": "pods.eks.amazonaws.com"})
    perform ``action`` (sts:AssumeRole, sts:TagSession, ...) in ``context``."""
    context = context or {}
    for statement in trust_statements(document):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        named = statement.get("Principal", {})
        if not any(value in _list(named.get(kind, [])) for kind, value in principal.items()):
            continue
        if not any(_matches(a, action, case=False) for a in _list(statement["Action"])):
            continue
        if all(_condition_holds(op, values, context) for op, values in statement.get("Condition", {}).items()):
            return True
    return False
