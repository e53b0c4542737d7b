"""Snapshots of every synthesized template. After an intended change: `make snapshot-update`."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

SANDBOX_STACKS = [
    "spark-network",
    "spark-cluster",
    "spark-images",
    "spark-karpenter",
    "spark-tenancy",
    "spark-teams-1",
    "spark-teams-1-identities",
    "spark-orchestration",
    "spark-observability",
    "spark-observability-1",
]


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", SANDBOX_STACKS)
def test_sandbox_template_matches_snapshot(sandbox, snapshot_json, stack):
    assert sandbox.templates[stack] == snapshot_json


def test_every_sandbox_stack_has_a_snapshot(sandbox):
    assert sorted(sandbox.templates) == sorted(SANDBOX_STACKS)
