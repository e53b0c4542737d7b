"""Invalid settings stop synth with one line that names the field and what is allowed."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spark_platform.config import ConfigError, from_mapping, load_config, sandbox_config

ROOT = Path(__file__).resolve().parent.parent

BASE = {
    "name_prefix": "spark",
    "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]},
    "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/PlatformAdmins"]},
}


def with_override(path: str, value: object) -> dict:
    data = copy.deepcopy(BASE)
    *parents, leaf = path.split(".")
    node = data
    for parent in parents:
        node = node.setdefault(parent, {})
    node[leaf] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("network.vpc_cidr", "10.0.0.0/33", r"^network\.vpc_cidr: '10\.0\.0\.0/33' is not an IPv4 network"),
        ("network.vpc_cidr", "10.0.0.1/16", r"^network\.vpc_cidr: .* is not an IPv4 network"),
        ("network.vpc_cidr", "10.0.0.0/12", r"^network\.vpc_cidr: .* between /16 and /20"),
        ("network.vpc_cidr", "8.8.0.0/16", r"^network\.vpc_cidr: .* RFC 1918"),
        ("network.pod_cidr", "10.1.0.0/16", r"^network\.pod_cidr: .* inside 100\.64\.0\.0/10 or 198\.19\.0\.0/16"),
        ("network.service_cidr", "10.0.0.0/16", r"^network\.service_cidr: 10\.0\.0\.0/16 overlaps network\.vpc_cidr"),
        ("network.service_cidr", "10.0.128.0/24", r"^network\.service_cidr: .* overlaps network\.vpc_cidr"),
        ("network.nat_gateways", 0, r"^network\.nat_gateways: 0 given"),
        ("network.nat_gateways", 4, r"^network\.nat_gateways: 4 exceeds the 3 availability zones"),
        ("network.interface_endpoints", ["ecr.api", "s3"], r"^network\.interface_endpoints: 's3' is not one of"),
        ("network.flow_log_retention_days", 42, r"^network\.flow_log_retention_days: 42 is not a CloudWatch retention"),
        ("environment.region", "eu-west-9", r"^environment\.region: 'eu-west-9' is not a Region"),
        (
            "environment.availability_zones",
            ["eu-west-1a"],
            r"^environment\.availability_zones: 1 given; EKS needs at least 2",
        ),
        ("environment.availability_zones", ["eu-west-1a", "us-east-1b"], r"'us-east-1b' is not a zone of eu-west-1"),
        ("environment.availability_zones", ["eu-west-1a", "eu-west-1a"], r"lists the same zone twice"),
        ("environment.account", "12345", r"^environment\.account: '12345' is not a 12-digit AWS account id"),
        (
            "cluster.kubernetes_version",
            "1.29",
            r"^cluster\.kubernetes_version: '1\.29' is not supported; use one of 1\.35, 1\.36$",
        ),
        (
            "cluster.kubernetes_version",
            "1.34",
            r"^cluster\.kubernetes_version: '1\.34' leaves EKS standard support on 2 December 2026 .*; use one of 1\.35, 1\.36$",
        ),
        (
            "cluster.kubernetes_version",
            "1.37",
            r"^cluster\.kubernetes_version: '1\.37' is newer than Karpenter 1\.14 supports \(1\.36\); use one of 1\.35",
        ),
        (
            "cluster.kubernetes_version",
            1.35,
            r"^cluster\.kubernetes_version: expected a string, got 1\.35 \(quote numbers",
        ),
        (
            "cluster.endpoint_public_cidrs",
            ["0.0.0.0/0"],
            r"^cluster\.endpoint_public_cidrs\[0\]: 0\.0\.0\.0/0 opens the API",
        ),
        (
            "cluster.endpoint_public_cidrs",
            ["203.0.113.0/24", "300.1.1.1/32"],
            r"^cluster\.endpoint_public_cidrs\[1\]: ",
        ),
        (
            "cluster.admin_role_arns",
            ["arn:aws:iam::123:user/bob"],
            r"^cluster\.admin_role_arns\[0\]: .* is not an IAM role ARN",
        ),
        ("cluster.warm_prefix_target", 40, r"^cluster\.warm_prefix_target: 40 must be between 0 and 16"),
        (
            "system_nodes.instance_types",
            ["m7i.large"],
            r"^system_nodes\.instance_types: 'm7i\.large' is not a Graviton",
        ),
        ("system_nodes.min_size", 5, r"^system_nodes: sizes must satisfy"),
        ("system_nodes.disk_size_gib", "big", r"^system_nodes\.disk_size_gib: expected an integer"),
        ("name_prefix", "Spark_Platform", r"^name_prefix: 'Spark_Platform' must be 3-20 characters"),
        ("network.subnets", "x", r"^network: unknown field 'subnets'; allowed: vpc_cidr"),
        ("karpenter.chart_version", "1.13.2", r"^karpenter\.chart_version: '1\.13\.2' is not a 1\.14\.x release"),
        ("karpenter.ami_alias", "al2@latest", r"^karpenter\.ami_alias: 'al2@latest' must be al2023@"),
        ("karpenter.imds_hop_limit", 3, r"^karpenter\.imds_hop_limit: 3 must be 1"),
        (
            "karpenter.amd64_fallback_enabled",
            True,
            r"^karpenter\.amd64_fallback_enabled: removed: job images are built for linux/arm64 only",
        ),
        (
            "karpenter.driver",
            {"capacity_types": ["spot", "on-demand"]},
            r"^karpenter\.driver\.capacity_types: .*drivers must run on on-demand only",
        ),
        ("karpenter.executor", {"capacity_types": ["reserved"]}, r"^karpenter\.executor\.capacity_types: .* subset of"),
        (
            "karpenter.executor",
            {"instance_families": ["m7i"]},
            r"^karpenter\.executor\.instance_families: 'm7i' is not a Graviton",
        ),
        (
            "karpenter.executor",
            {"consolidate_after": "10 minutes"},
            r"^karpenter\.executor\.consolidate_after: .* duration",
        ),
        (
            "karpenter.driver",
            {"expire_after": "never"},
            r"^karpenter\.driver\.expire_after: 'never' is not a duration .*Never",
        ),
        (
            "karpenter.executor",
            {"cpu_limit": 0},
            r"^karpenter\.executor\.cpu_limit: 0 must be positive",
        ),
    ],
)
def test_invalid_setting_is_rejected_with_a_one_line_error_naming_the_field(path, value, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        from_mapping(with_override(path, value))
    # One line per problem, each starting with a field path (a bad Region also misplaces the zones).
    assert all(re.match(r"^[a-z_]+[a-z_\d.\[\]]*: \S", line) for line in str(error.value).splitlines())


def test_sandbox_default_is_valid_and_spans_three_zones():
    config = sandbox_config()
    assert len(config.environment.availability_zones) == 3
    assert config.environment.account is None
    assert config.cluster.endpoint_public_cidrs == ()


def test_pod_address_space_is_split_per_zone_and_sized_for_thousands_of_executors():
    network = sandbox_config().network
    assert network.pod_subnet_cidrs(3) == ["100.64.0.0/18", "100.64.64.0/18", "100.64.128.0/18"]
    # (16384 / 16 - 2 reserved prefixes) * 16 addresses * 3 zones
    assert network.pod_ip_capacity(3) == 49_056


def test_yaml_file_is_loaded_and_validated(tmp_path):
    good = tmp_path / "platform.yaml"
    good.write_text(
        "name_prefix: team-a\n"
        "environment: {region: us-west-2, availability_zones: [us-west-2a, us-west-2b, us-west-2c]}\n"
        "cluster: {kubernetes_version: '1.35', endpoint_public_cidrs: [198.51.100.0/24],\n"
        "  admin_role: {trusted_principal_arn_patterns: ['arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*']}}\n"
    )
    config = load_config(str(good))
    assert config.cluster_name == "team-a-eks"
    assert config.cluster.endpoint_public_cidrs == ("198.51.100.0/24",)

    with pytest.raises(ConfigError, match=r"^config: file .* does not exist"):
        load_config(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("name_prefix: [unclosed\n")
    with pytest.raises(ConfigError, match=r"^config: .* is not valid YAML at line"):
        load_config(str(broken))


def _run_app(config: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """The CDK app as `make synth CONFIG=<config>` runs it."""
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            **os.environ,
            "CDK_CONTEXT_JSON": json.dumps({"config": str(config)}),
            "CDK_OUTDIR": str(tmp_path / "out"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cdk_app_exits_with_one_line_and_no_stack_trace_on_bad_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps(with_override("network.service_cidr", "10.0.0.0/16")))
    result = _run_app(bad, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"error: invalid platform configuration: {bad}: network.service_cidr: 10.0.0.0/16 overlaps network.vpc_cidr "
        "10.0.0.0/16; pick a disjoint block"
    )


def test_cdk_app_lists_every_problem_of_a_configuration_file_in_one_run(tmp_path):
    data = with_override("network.service_cidr", "10.0.0.0/16")
    data["name_prefix"] = "X"
    data["teams"] = [
        {"name": "analytics", "namespace": "spark-analytics", "release_labels": ["emr-7.12.0-latest"]},
        {"name": "ingestion", "namespace": "spark-ingestion", "release_labels": ["emr-7.12.0-latest"]},
    ]
    data["teams"][0]["quota"] = {"cpu": 10, "memory_gib": 40, "pods": 100, "max_container_cpu": 16}
    data["teams"][1]["read_team_data"] = ["nobody"]
    data["karpenter"] = {"max_pods": 5, "root_volume_gib": "big"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps(data))
    result = _run_app(bad, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    heading, *problems = result.stderr.strip().splitlines()
    # A shape problem (a string where a number goes) stops the models' checks that need the whole
    # model (the teams'), not the sections already built (the network).
    assert heading == "error: invalid platform configuration, 2 problems:"
    assert [line.split(": ")[1] for line in problems] == ["network.service_cidr", "karpenter.root_volume_gib"]
    data["karpenter"] = {"max_pods": 5}
    bad.write_text(json.dumps(data))
    result = _run_app(bad, tmp_path)
    heading, *problems = result.stderr.strip().splitlines()
    assert heading == f"error: invalid platform configuration, {len(problems)} problems:"
    assert all(line.startswith(f"{bad}: ") for line in problems)
    assert [line.split(": ")[1] for line in problems] == [
        "network.service_cidr",
        "karpenter.max_pods",
        "name_prefix",
        "teams[0].quota.max_container_cpu",
        "teams[0].quota.max_container_memory_gib",
        "teams[1].read_team_data",
    ]
    assert "'nobody' is not another team; the other teams are: analytics" in result.stderr


def test_documented_example_configuration_is_valid():
    config = load_config(str(ROOT / "examples" / "platform.yaml"))
    assert config.environment.account == "123456789012"
    assert config.cluster.admin_role_arns == ("arn:aws:iam::123456789012:role/PlatformAdmins",)


def test_a_node_disk_that_cannot_hold_an_executors_local_dirs_next_to_the_images_is_refused():
    data = copy.deepcopy(BASE)
    data["karpenter"] = {"root_volume_gib": 100}
    data["teams"] = [{"name": "analytics", "namespace": "spark-analytics"}]
    with pytest.raises(
        ConfigError,
        match=r"^teams\[0\]\.executor_local_storage_gib: 80 GiB \(\+1 for logs\) does not fit the 64 GiB a 100 GiB node disk",
    ):
        from_mapping(data)
    data["teams"][0]["executor_local_storage_gib"] = 60
    assert from_mapping(data).karpenter.root_volume_gib == 100


def test_a_platform_without_a_configured_cluster_administrator_is_refused():
    data = copy.deepcopy(BASE)
    del data["cluster"]
    with pytest.raises(ConfigError, match=r"^cluster\.admin_role: no cluster administrator: list existing roles"):
        from_mapping(data)


@pytest.mark.parametrize(
    ("admin_role", "account", "expected"),
    [
        (
            {"trusted_principal_arns": ["arn:aws:iam::123456789012:group/admins"]},
            None,
            r"^cluster\.admin_role\.trusted_principal_arns\[0\]: .* is not an IAM role or user ARN \(",
        ),
        (
            {"trusted_principal_arns": ["arn:aws:iam::*:role/admins"]},
            None,
            r"^cluster\.admin_role\.trusted_principal_arns\[0\]: .* is not an IAM role or user ARN \(",
        ),
        (
            {"trusted_principal_arn_patterns": ["arn:aws:iam::210987654321:role/aws-reserved/*"]},
            "123456789012",
            r"^cluster\.admin_role\.trusted_principal_arn_patterns\[0\]: .* is in account 210987654321, not the platform's",
        ),
        (
            {"trusted_principal_arn_patterns": ["*"]},
            None,
            r"^cluster\.admin_role\.trusted_principal_arn_patterns\[0\]: '\*' is not an IAM role or user ARN pattern",
        ),
    ],
)
def test_admin_role_trust_names_principals_of_the_platform_account_only(admin_role, account, expected):
    data = copy.deepcopy(BASE)
    data["cluster"] = {"admin_role": admin_role}
    if account:
        data["environment"]["account"] = account
    with pytest.raises(ConfigError, match=expected):
        from_mapping(data)


def test_existing_admin_roles_and_a_created_admin_role_are_not_configured_together():
    data = copy.deepcopy(BASE)
    data["cluster"]["admin_role"] = {"trusted_principal_arns": ["arn:aws:iam::123456789012:role/ops"]}
    with pytest.raises(ConfigError, match=r"^cluster\.admin_role: is only used when cluster\.admin_role_arns is empty"):
        from_mapping(data)
