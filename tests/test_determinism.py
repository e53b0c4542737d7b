"""Synth is offline and deterministic: no lookups, no dummy values, identical output twice."""

from __future__ import annotations

import json

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


def test_the_documented_example_configuration_synthesizes_offline(tmp_path):
    from spark_platform.config import load_config

    from .conftest import ROOT

    example = synthesize(load_config(str(ROOT / "examples" / "platform.yaml")), tmp_path / "example")
    manifest = json.loads((example.directory / "manifest.json").read_text())
    assert "missing" not in manifest
    assert sorted(example.templates) == [
        "dataplat-cluster",
        "dataplat-images",
        "dataplat-karpenter",
        "dataplat-network",
        "dataplat-observability",
        "dataplat-observability-1",
        "dataplat-orchestration",
        "dataplat-teams-1",
        "dataplat-tenancy",
    ]
