"""Synth is offline and deterministic: no lookups, no dummy values, identical output twice."""

from __future__ import annotations

import json

import pytest

from spark_platform.config import sandbox_config

from .conftest import synthesize


def test_two_synths_write_byte_identical_templates(sandbox, tmp_path):
    again = synthesize(sandbox_config(), tmp_path / "again")
    first = sorted(sandbox.directory.glob("*.template.json"))
    assert [p.name for p in first] == sorted(p.name for p in again.directory.glob("*.template.json"))
    for path in first:
        assert path.read_bytes() == (again.directory / path.name).read_bytes(), path.name


def test_no_context_lookup_is_requested_or_faked(sandbox):
    manifest = json.loads((sandbox.directory / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")
    text = json.dumps(sandbox.templates).lower()
    for marker in ("dummy", "vpc-12345", "subnet-12345", "ami-1234"):
        assert marker not in text
    # AZs come from the configuration, not from Fn::GetAZs at deploy time.
    assert "fn::getazs" not in text


def test_a_concrete_account_and_region_need_no_lookup_either(variant):
    manifest = json.loads((variant.directory / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")
    assert "dummy" not in json.dumps(variant.templates).lower()


@pytest.mark.parametrize(
    "example, prefix", [("platform.yaml", "dataplat"), ("staging.yaml", "dataplat-stg"), ("quickstart.yaml", "myspark")]
)
def test_the_documented_example_configurations_synthesize_offline(tmp_path, example, prefix):
    from spark_platform.config import load_config

    from .conftest import ROOT

    synthesized = synthesize(load_config(str(ROOT / "examples" / example)), tmp_path / "example")
    manifest = json.loads((synthesized.directory / "manifest.json").read_text())
    assert "missing" not in manifest
    stacks = [
        "cluster",
        "images",
        "karpenter",
        "network",
        "observability",
        "observability-1",
        "orchestration",
        "teams-1",
        "teams-1-identities",
        "tenancy",
    ]
    assert sorted(synthesized.templates) == [f"{prefix}-{stack}" for stack in stacks]


def test_a_minimal_configuration_of_ones_own_synthesizes_without_the_sandboxs_pipelines(tmp_path):
    """name_prefix, environment and who administers the cluster are enough; the sample pipelines
    name the sandbox's teams and are not every configuration's default."""
    from spark_platform.config import load_config

    from .conftest import ROOT

    config = load_config(str(ROOT / "examples" / "minimal.yaml"))
    assert config.teams == () and config.orchestration.pipelines_dir is None
    minimal = synthesize(config, tmp_path / "minimal")
    assert "myspark-orchestration" in minimal.templates
    staged = sorted(p.name for p in (minimal.directory / "mwaa-dags" / "pipelines").iterdir())
    assert staged == [".keep"]
