"""Split a team's statements over managed policies that IAM accepts.

A managed policy holds at most 6,144 characters (whitespace excluded), so a team with many
granted locations cannot live in one. Sizes are estimated at synth time with every
deploy-time value (a token) counted at its longest plausible length.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

MANAGED_POLICY_MAX_CHARS = 6_144
# Leave room for the policy envelope and estimation error.
PACKING_BUDGET = 5_600
_TOKEN_LENGTH = {"AWS::AccountId": 12, "AWS::Region": 14, "AWS::Partition": 10, "AWS::URLSuffix": 16}
_OTHER_TOKEN_LENGTH = 120  # an ARN or name known only at deploy time


def _estimate(value: Any) -> int:
    if isinstance(value, str):
        return len(re.sub(r"\$\{([^}]+)\}", lambda m: "x" * _TOKEN_LENGTH.get(m[1], _OTHER_TOKEN_LENGTH), value))
    if isinstance(value, list):
        return sum(_estimate(item) for item in value) + len(value) + 1
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return _TOKEN_LENGTH.get(value["Ref"], _OTHER_TOKEN_LENGTH)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return sum(_estimate(part) for part in parts) + len(separator) * max(len(parts) - 1, 0)
        if len(value) == 1 and next(iter(value)).startswith("Fn::"):
            return _OTHER_TOKEN_LENGTH
        return sum(len(json.dumps(key)) + 1 + _estimate(item) for key, item in value.items()) + len(value) + 1
    return len(json.dumps(value))


def estimated_chars(stack: Stack, statement: iam.PolicyStatement) -> int:
    """Characters ``statement`` takes in a deployed policy, whitespace excluded."""
    return _estimate(stack.resolve(statement.to_statement_json()))


def pack(
    stack: Stack, statements: list[iam.PolicyStatement], budget: int = PACKING_BUDGET
) -> list[list[iam.PolicyStatement]]:
    """Statements in order, grouped so that each group's estimated size stays within ``budget``."""
    groups: list[list[iam.PolicyStatement]] = [[]]
    used = 0
    for statement in statements:
        size = estimated_chars(stack, statement)
        if size > budget:
            raise ValueError(
                f"statement {statement.sid} alone needs ~{size} characters, more than a managed policy holds"
            )
        if used + size > budget and groups[-1]:
            groups.append([])
            used = 0
        groups[-1].append(statement)
        used += size
    return groups
