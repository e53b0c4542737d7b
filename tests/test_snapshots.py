"""Snapshots of every synthesized template. After an intended change: `make snapshot-update`."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ["spark-network", "spark-cluster", "spark-karpenter"])
def test_sandbox_template_matches_snapshot(sandbox, snapshot_json, stack):
    assert sandbox.templates[stack] == snapshot_json


def test_every_sandbox_stack_has_a_snapshot(sandbox):
    assert sorted(sandbox.templates) == ["spark-cluster", "spark-karpenter", "spark-network"]
