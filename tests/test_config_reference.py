"""docs/configuration.md is generated from the models and cannot go stale or promise wrong limits."""

from __future__ import annotations

import copy
import re
import typing

import pytest
import yaml

from spark_platform.config import ConfigError, from_mapping
from spark_platform.config.reference import REFERENCE, ROOT, description, example_values, fields, rendered

FIELDS = list(fields())


def test_the_configuration_reference_is_current():
    assert REFERENCE.read_text() == rendered(), "docs/configuration.md is stale: run `make docs`"


@pytest.mark.parametrize("path, cls, name", FIELDS, ids=[path for path, _, _ in FIELDS])
def test_every_field_is_described(path, cls, name):
    assert len(description(cls, name)) >= 15, f"{path}: give the field a docstring (its description)"


def test_every_field_has_an_example_from_a_configuration_that_synthesizes():
    """Examples come from examples/*.yaml, which tests/test_determinism.py synthesizes."""
    examples = example_values()
    missing = [path for path, _, _ in FIELDS if path not in examples]
    assert not missing, f"set these in examples/platform.yaml (or staging.yaml): {missing}"


def _set(data: dict, path: str, value: typing.Any) -> str:
    """Set ``path`` (list items as ``[]``, taking the first) in ``data``; return the error path."""
    where, node = [], data
    parts = path.replace("[]", ".[0]").split(".")
    for part in parts[:-1]:
        if part == "[0]":
            node = node[0]
            where[-1] += "[0]"
            continue
        node = node.setdefault(part, {})
        where.append(part)
    node[parts[-1]] = value
    return ".".join([*where, parts[-1]])


# "between 0 and 16", "1 to 100": the limits a description promises for an integer field.
_RANGE = re.compile(r"\b(?:[Bb]etween (\d+) and (\d+)|(\d+) to (\d+)\b)")
RANGES = [
    (path, int(match[1] or match[3]), int(match[2] or match[4]))
    for path, cls, name in FIELDS
    if typing.get_type_hints(cls)[name] in (int, int | None)
    for match in [_RANGE.search(description(cls, name))]
    if match
]


def test_the_documented_ranges_are_found():
    assert len(RANGES) >= 8, RANGES


@pytest.mark.parametrize("path, low, high", RANGES, ids=[path for path, _, _ in RANGES])
def test_the_limits_a_description_states_are_the_limits_synth_enforces(path, low, high):
    base = yaml.safe_load((ROOT / "examples" / "platform.yaml").read_text())
    for value in (low - 1, high + 1):
        data = copy.deepcopy(base)
        where = _set(data, path, value)
        with pytest.raises(ConfigError) as error:
            from_mapping(data)
        assert str(error.value).startswith(where.rsplit(".", 1)[0]), (value, str(error.value))
