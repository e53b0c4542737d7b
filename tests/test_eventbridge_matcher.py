"""The EventBridge matcher the alert tests rely on, against the rules the EventBridge User Guide
states for event patterns ("Amazon EventBridge event patterns", "Comparison operators")."""

from __future__ import annotations

import pytest

from .eventbridge import matches

EVENT = {
    "source": "aws.emr-containers",
    "detail-type": "EMR Job Run State Change",
    "resources": ["arn:aws:emr-containers:eu-west-1:123456789012:/virtualclusters/a"],
    "detail": {"state": "FAILED", "attempt": 3, "name": "Sessions", "optional": None},
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.emr-containers"]}, True),
        ({"source": ["aws.emr"]}, False),  # exact match, not a substring
        ({"source": ["AWS.EMR-CONTAINERS"]}, False),  # case-sensitive
        ({"source": ["aws.emr-containers"], "detail": {"state": ["COMPLETED"]}}, False),  # fields AND
        ({"detail": {"state": ["COMPLETED", "FAILED"]}}, True),  # values OR
        ({"detail": {"state": [{"prefix": "FAIL"}]}}, True),
        ({"detail": {"state": [{"suffix": "LED"}]}}, True),
        ({"detail": {"name": [{"equals-ignore-case": "sessions"}]}}, True),
        ({"detail": {"state": [{"anything-but": ["COMPLETED", "CANCELLED"]}]}}, True),
        ({"detail": {"state": [{"anything-but": {"prefix": "FAIL"}}]}}, False),
        ({"detail": {"attempt": [{"numeric": [">", 2, "<=", 3]}]}}, True),
        ({"detail": {"attempt": [{"numeric": [">", 3]}]}}, False),
        ({"detail": {"attempt": ["3"]}}, False),  # a string is not the number
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # a missing field matches only exists:false
        ({"detail": {"optional": [None]}}, True),
        ({"resources": [{"wildcard": "arn:aws:emr-containers:*:/virtualclusters/*"}]}, True),  # any array element
        ({"detail": {"name": [{"wildcard": "Sess*ns"}]}}, True),
        ({"detail": {"name": [{"wildcard": "Sess*x"}]}}, False),
        ({"detail": {"$or": [{"state": ["COMPLETED"]}, {"attempt": [3]}]}}, True),
        ({"detail": ["FAILED"]}, False),  # an object is not a value
    ],
)
def test_patterns_match_as_eventbridge_documents(pattern, expected):
    assert matches(pattern, EVENT) is expected
