"""Synthesizes the platform once per configuration and shares the results between tests."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

import spark_platform  # noqa: F401  (selects the pinned Node.js before aws_cdk loads)
from spark_platform.compliance import apply_compliance_checks
from spark_platform.config import PlatformConfig, from_mapping, sandbox_config
from spark_platform.stacks import build_platform

# EMR releases are refused past their end of support and warn near it (spark_platform/emr_releases.py):
# the suite judges them on a fixed day so that its verdict does not change with the calendar; the
# tests of that check pass their own dates. `make synth` uses the real date.
os.environ.setdefault("SPARK_PLATFORM_TODAY", "2026-11-29")

ROOT = Path(__file__).resolve().parent.parent
CDK_CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]

# A second configuration exercising the non-default branches: fixed account, two zones,
# a public endpoint restricted to CIDRs, existing admin roles, one NAT gateway.
VARIANT = {
    "name_prefix": "analytics",
    "environment": {
        "account": "210987654321",
        "region": "us-east-2",
        "availability_zones": ["us-east-2a", "us-east-2b"],
    },
    "network": {"vpc_cidr": "10.20.0.0/18", "pod_cidr": "100.80.0.0/17", "nat_gateways": 1},
    "cluster": {
        "kubernetes_version": "1.35",  # the default is 1.36
        "endpoint_public_cidrs": ["203.0.113.0/24"],
        "admin_role_arns": ["arn:aws:iam::210987654321:role/platform-admins"],
        "warm_prefix_target": 2,
    },
    "system_nodes": {"instance_types": ["c7g.large"], "min_size": 1, "desired_size": 1, "max_size": 2},
    "karpenter": {
        "imds_hop_limit": 2,
        "executor": {"instance_families": ["c7g", "m7g"], "capacity_types": ["spot"]},
    },
    "orchestration": {"enabled": False},
    "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-7.12.0-latest", "emr-7.10.0-20250930"]}],
    "teams": [
        {
            "name": "reporting",
            "namespace": "spark-reporting",
            "release_labels": ["emr-7.10.0-20250930"],
            "s3_read": ["s3://corp-raw-data/events/"],
            "s3_write": ["s3://corp-marts/reporting/"],
            "read_team_data": ["etl"],
            "quota": {
                "cpu": 64,
                "memory_gib": 256,
                "pods": 300,
                "max_container_cpu": 8,
                "max_container_memory_gib": 64,
            },
        },
        {"name": "etl", "namespace": "spark-etl", "glue_databases": ["etl_staging"]},
    ],
}


def render(value: Any) -> str:
    """A CloudFormation string value with every other token replaced by ``<token>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return value["Fn::Sub"]  # keeps ${AWS::AccountId} and friends readable
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(render(part) for part in parts)
    return "<token>"


@dataclass
class Synthesized:
    config: PlatformConfig
    directory: Path
    templates: dict[str, dict]

    def template(self, stack: str) -> Template:
        return Template.from_json(self.templates[stack])

    def resources(self, resource_type: str) -> dict[str, dict]:
        return {
            logical_id: resource
            for template in self.templates.values()
            for logical_id, resource in template.get("Resources", {}).items()
            if resource["Type"] == resource_type
        }

    def manifests(self, kind: str | None = None) -> list[dict]:
        """Kubernetes objects applied by kubectl custom resources, tokens as ``<token>``."""
        objects = [
            obj
            for resource in self.resources("Custom::AWSCDK-EKS-KubernetesResource").values()
            for obj in json.loads(render(resource["Properties"]["Manifest"]))
        ]
        return [obj for obj in objects if kind is None or obj["kind"] == kind]

    @property
    def validation_report(self) -> dict:
        return json.loads((self.directory / "validation-report.json").read_text())


def synthesize(config: PlatformConfig, outdir: Path) -> Synthesized:
    """Synthesize like `cdk synth` does: same context, same compliance checks."""
    app = App(outdir=str(outdir), context=CDK_CONTEXT)
    build_platform(app, config)
    apply_compliance_checks(app)
    assembly = app.synth()
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    return Synthesized(config=config, directory=Path(assembly.directory), templates=templates)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(sandbox_config(), tmp_path_factory.mktemp("sandbox"))


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(from_mapping(VARIANT), tmp_path_factory.mktemp("variant"))
