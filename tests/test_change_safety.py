"""Day 2: every common change to a deployed platform, synthesized before and after.

For each change, CloudFormation's plan is read from the templates (tests/change_safety.py): no
stateful resource may be replaced or deleted, no Kubernetes object deleted, and nothing replaced
under a fixed name (a deploy that CloudFormation refuses), except what the change itself retires
or replaces on purpose, each listed below with why it is safe. docs/operations.md has the
procedure for each; `pytest -s -k change_table` prints the outcome of every change.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from spark_platform import emr_release_catalog, kubernetes_versions
from spark_platform.config import from_mapping, sandbox_config
from spark_platform.stacks import build_platform

from .change_safety import STATEFUL, Plan, plan
from .conftest import CDK_CONTEXT, ROOT

ACCOUNT = "123456789012"
BASE_PIPELINES = ROOT / "tests" / "day2_pipelines"

# A platform one step behind on everything that has a next step: Kubernetes 1.35, Airflow 2.11.0,
# job roles on IRSA (as every team was before EKS Pod Identity; now chosen only when asked for).
BASE: dict[str, Any] = {
    "name_prefix": "day2",
    "environment": {
        "account": ACCOUNT,
        "region": "eu-west-1",
        "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    },
    "cluster": {
        "kubernetes_version": "1.35",
        "endpoint_public_cidrs": ["198.51.100.0/24"],
        "admin_role": {"trusted_principal_arns": [f"arn:aws:iam::{ACCOUNT}:role/PlatformEngineers"]},
    },
    # Pipelines of that platform (Spark 3.5 only); the shipped ones use the Spark 4 runtime.
    # Its job scripts are the shipped ones, named by an explicit path (the shipped scripts otherwise
    # come only with the shipped pipelines).
    "orchestration": {
        "airflow_version": "2.11.0",
        "pipelines_dir": str(BASE_PIPELINES),
        "artifacts_dir": str(ROOT / "orchestration" / "artifacts"),
    },
    "images": [
        {
            "job_type": "pyspark-analytics",
            "release_labels": ["emr-7.12.0-latest", "emr-7.9.0-latest", "emr-7.11.0-latest"],
        },
        {"job_type": "hudi-ingestion", "release_labels": ["emr-7.12.0-latest"]},
    ],
    "teams": [
        {
            "name": "analytics",
            "namespace": "spark-analytics",
            # 7.11.0: a release no pipeline uses yet, which a day-2 change drops again.
            "release_labels": ["emr-7.12.0-latest", "emr-7.9.0-latest", "emr-7.11.0-latest"],
            "glue_databases": ["analytics_marts"],
            "job_credentials": "irsa",
        },
        {
            "name": "ingestion",
            "namespace": "spark-ingestion",
            "release_labels": ["emr-7.12.0-latest"],
            "glue_databases": ["ingestion_raw", "ingestion_curated"],
            "job_credentials": "irsa",
        },
    ],
    "tags": {"cost-center": "data-platform"},
}


def synthesize_templates(config: dict[str, Any], outdir: Path) -> dict[str, dict]:
    app = App(outdir=str(outdir), context=CDK_CONTEXT)
    build_platform(app, from_mapping(config))
    return {stack.stack_name: stack.template for stack in app.synth().stacks}


def team(config: dict, name: str) -> dict:
    return next(entry for entry in config["teams"] if entry["name"] == name)


def without_team(name: str) -> Callable[[dict, Path], None]:
    """Retire a team: its entry and its pipelines file go."""

    def change(config: dict, workdir: Path) -> None:
        config["teams"] = [entry for entry in config["teams"] if entry["name"] != name]
        pipelines = workdir / "pipelines"
        shutil.copytree(BASE_PIPELINES, pipelines)
        (pipelines / f"{name}.yaml").unlink()
        config["orchestration"]["pipelines_dir"] = str(pipelines)

    return change


@dataclasses.dataclass(frozen=True)
class Day2Change:
    """A change, and what CloudFormation may do to stateful things because of it (and why)."""

    change: Callable[[dict, Path], None]
    must_update: tuple[str, ...]  # resource types the change must reach (the test is not vacuous)
    replaces: dict[str, str] = dataclasses.field(default_factory=dict)  # type -> why it is safe
    retires_team: str | None = None
    procedure: str = ""  # the docs/operations.md section


def _set(path: str, value: Any) -> Callable[[dict, Path], None]:
    def change(config: dict, _: Path) -> None:
        *parents, leaf = path.split(".")
        target = config
        for part in parents:
            target = team(target, part[5:]) if part.startswith("team:") else target.setdefault(part, {})
        target[leaf] = value

    return change


def _to_pod_identity(config: dict, _: Path) -> None:
    """The team's releases all support Pod Identity: "auto" (the default) chooses it."""
    del team(config, "analytics")["job_credentials"]


def _add_spark_4_release(config: dict, _: Path) -> None:
    config["images"][0]["release_labels"].append("emr-spark-8.0.0-latest")
    team(config, "analytics")["release_labels"].append("emr-spark-8.0.0-latest")


def _add_pipeline(config: dict, workdir: Path) -> None:
    """A new pipeline in a team's pipelines file (a job type and release the team already has)."""
    pipelines = workdir / "pipelines"
    shutil.copytree(BASE_PIPELINES, pipelines)
    analytics = pipelines / "analytics.yaml"
    analytics.write_text(
        analytics.read_text()
        + """  - id: daily_cohorts
    description: Rebuild the cohort tables.
    schedule: daily
    hour: 5
    jobs:
      - id: cohorts
        job_type: pyspark-analytics
        release_label: emr-7.12.0-latest
        entry_point: jobs/sessions.py
        arguments: ["--date", "{{ ds }}"]
        executors: 4
"""
    )
    config["orchestration"]["pipelines_dir"] = str(pipelines)


def _add_team(config: dict, _: Path) -> None:
    config["teams"].append({"name": "finance", "namespace": "spark-finance", "glue_databases": ["finance_ledger"]})


def _reorder_teams(config: dict, _: Path) -> None:
    config["teams"].reverse()


def _add_release(config: dict, _: Path) -> None:
    config["images"][1]["release_labels"].append("emr-7.9.0-latest")
    team(config, "ingestion")["release_labels"].append("emr-7.9.0-latest")


def _drop_release(config: dict, _: Path) -> None:
    team(config, "analytics")["release_labels"].remove("emr-7.11.0-latest")


def _add_database(config: dict, _: Path) -> None:
    team(config, "analytics")["glue_databases"].append("analytics_sandbox")


def _add_endpoint(config: dict, _: Path) -> None:
    config.setdefault("network", {})["interface_endpoints"] = ["ecr.api", "ecr.dkr", "sts", "logs", "eks-auth", "sqs"]


NODEGROUP_REPLACEMENT = (
    "instance types are create-only: the group is named after them (system-<hash>), so CloudFormation "
    "creates the new group before it deletes the old one, whose nodes EKS drains through the eviction API"
)

CHANGES: dict[str, Day2Change] = {
    "kubernetes minor upgrade (1.35 -> 1.36)": Day2Change(
        _set("cluster.kubernetes_version", "1.36"),
        must_update=(
            "AWS::EKS::Cluster",
            "AWS::EKS::Nodegroup",
            "AWS::EKS::Addon",
            "Custom::AWSCDK-EKS-KubernetesResource",
        ),
        procedure="Upgrade Kubernetes",
    ),
    "karpenter chart bump (1.14.1 -> 1.14.2)": Day2Change(
        _set("karpenter.chart_version", "1.14.2"),
        must_update=("Custom::AWSCDK-EKS-HelmChart",),
        procedure="Bump Karpenter",
    ),
    "airflow upgrade (2.11.0 -> 3.0.6, MWAA in place)": Day2Change(
        _set("orchestration.airflow_version", "3.0.6"),
        must_update=("AWS::MWAA::Environment",),
        procedure="Upgrade Airflow",
    ),
    "add an EMR release to a team": Day2Change(
        _add_release, must_update=("AWS::SSM::Parameter",), procedure="Onboard a team"
    ),
    "drop an EMR release from a team": Day2Change(_drop_release, must_update=("AWS::SSM::Parameter",)),
    # The image catalog gains the release's image (and its lifecycle rule keeps it), the team
    # document its label; jobs move to it one pipeline line at a time (docs/runtimes.md).
    "add a Spark 4 release to a team": Day2Change(
        _add_spark_4_release,
        must_update=("AWS::SSM::Parameter", "AWS::ECR::Repository"),
        procedure="Move a job to Spark 4",
    ),
    # The role's trust is updated in place (a new document, same role); the three associations and
    # the network policy to the Pod Identity agent are created in the teams stack's identities
    # stack. The virtual cluster, the namespace, the role and every policy stay.
    "move a team from IRSA to Pod Identity": Day2Change(
        _to_pod_identity,
        must_update=("AWS::IAM::Role", "AWS::EKS::PodIdentityAssociation", "Custom::AWSCDK-EKS-KubernetesResource"),
        procedure="Move a team to EKS Pod Identity",
    ),
    "quota change": Day2Change(
        _set("team:analytics.quota", {"cpu": 800, "memory_gib": 3200, "pods": 3000}),
        must_update=("Custom::AWSCDK-EKS-KubernetesResource",),
    ),
    # Only the DAG files MWAA reads change (the orchestration stack's bucket deployment).
    "add a pipeline": Day2Change(
        _add_pipeline, must_update=("Custom::CDKBucketDeployment",), procedure="Add a pipeline"
    ),
    "add a team": Day2Change(
        _add_team, must_update=("AWS::EMRContainers::VirtualCluster",), procedure="Onboard a team"
    ),
    "retire a team": Day2Change(
        without_team("ingestion"), must_update=(), retires_team="ingestion", procedure="Retire a team"
    ),
    "reorder teams": Day2Change(_reorder_teams, must_update=()),
    "add a Glue database": Day2Change(_add_database, must_update=("AWS::Glue::Database",)),
    "system node types": Day2Change(
        _set("system_nodes.instance_types", ["m8g.large", "m7g.large"]),
        must_update=("AWS::EKS::Nodegroup",),
        replaces={"AWS::EKS::Nodegroup": NODEGROUP_REPLACEMENT},
        procedure="Change the system nodes",
    ),
    "system node sizes and disk": Day2Change(
        _set("system_nodes", {"min_size": 3, "desired_size": 3, "max_size": 6, "disk_size_gib": 80}),
        must_update=("AWS::EKS::Nodegroup", "AWS::EC2::LaunchTemplate"),
        procedure="Change the system nodes",
    ),
    "executor pool capacity types and limits": Day2Change(
        _set("karpenter.executor", {"capacity_types": ["spot"], "cpu_limit": 4000, "memory_limit_gib": 16000}),
        must_update=("Custom::AWSCDK-EKS-KubernetesResource",),
    ),
    "driver pool sizes and limits": Day2Change(
        _set(
            "karpenter.driver",
            {"instance_sizes": ["xlarge", "2xlarge", "4xlarge"], "cpu_limit": 512, "memory_limit_gib": 2048},
        ),
        must_update=("Custom::AWSCDK-EKS-KubernetesResource",),
    ),
    "add an interface endpoint": Day2Change(_add_endpoint, must_update=("AWS::EC2::VPCEndpoint",)),
    "public endpoint CIDRs": Day2Change(
        _set("cluster.endpoint_public_cidrs", ["198.51.100.0/24", "203.0.113.0/24"]), must_update=("AWS::EKS::Cluster",)
    ),
    "admin principals": Day2Change(
        _set(
            "cluster.admin_role",
            {
                "trusted_principal_arn_patterns": [
                    f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"
                ]
            },
        ),
        must_update=("AWS::IAM::Role",),
        procedure="Rotate admin access",
    ),
    "switch to existing admin roles": Day2Change(
        lambda config, _: config["cluster"].update(
            admin_role={}, admin_role_arns=[f"arn:aws:iam::{ACCOUNT}:role/PlatformAdmins"]
        ),
        must_update=("AWS::EKS::AccessEntry",),
        procedure="Rotate admin access",
    ),
    "log retention": Day2Change(
        lambda config, _: (
            team(config, "analytics").update(log_retention_days=365),
            config["cluster"].update(control_plane_log_retention_days=731),
        ),
        must_update=("AWS::Logs::LogGroup",),
    ),
    "MWAA class and workers": Day2Change(
        lambda config, _: config["orchestration"].update(environment_class="mw1.medium", max_workers=20),
        must_update=("AWS::MWAA::Environment",),
    ),
    "tags": Day2Change(
        _set("tags", {"cost-center": "analytics-platform", "owner": "data"}), must_update=("AWS::S3::Bucket",)
    ),
    "NAT gateway count (3 -> 1)": Day2Change(_set("network.nat_gateways", 1), must_update=("AWS::EC2::Route",)),
}


def _new_image_release(config: dict, _: Path) -> None:
    config["images"][0]["release_labels"].append("emr-7.10.0-latest")


CHANGES["an image release (a job type on a new EMR release)"] = Day2Change(
    _new_image_release, must_update=("AWS::SSM::Parameter", "AWS::ECR::Repository")
)


def _add_subscription(config: dict, _: Path) -> None:
    team(config, "analytics")["alerts"] = {
        "emails": ["data-oncall@example.com"],
        "topics": [f"arn:aws:sns:eu-west-1:{ACCOUNT}:pager"],
    }


CHANGES["add an alert subscription to a team"] = Day2Change(
    _add_subscription,
    must_update=("AWS::SNS::Subscription", "AWS::Events::Rule"),
    procedure="Add an alert subscription",
)
CHANGES["a team's long-running threshold"] = Day2Change(
    _set("team:analytics.alerts", {"long_running_minutes": 480}), must_update=("AWS::Events::Rule",)
)


@pytest.fixture(scope="module")
def base_templates(tmp_path_factory) -> dict[str, dict]:
    return synthesize_templates(copy.deepcopy(BASE), tmp_path_factory.mktemp("base"))


def plan_of(name: str, base_templates: dict, tmp_path: Path) -> Plan:
    config = copy.deepcopy(BASE)
    CHANGES[name].change(config, tmp_path)
    return plan(base_templates, synthesize_templates(config, tmp_path / "out"))


def retired(change: Day2Change, stack: str, logical_id: str, type_: str) -> bool:
    """A resource the change retires: everything of the retired team (construct Team<Name>)."""
    name = change.retires_team
    return bool(name) and logical_id.startswith("Team" + "".join(p.capitalize() for p in name.split("-")))


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_day2_change_loses_nothing_stateful_and_deletes_no_kubernetes_object(name, base_templates, tmp_path):
    change = CHANGES[name]
    outcome = plan_of(name, base_templates, tmp_path)
    # CloudFormation refuses to replace a resource whose custom name stays the same.
    assert [str(c) for c in outcome.replaced_under_a_fixed_name] == []
    lost = [
        str(c)
        for c in outcome.lost
        if not retired(change, c.stack, c.logical_id, c.type) and c.type not in change.replaces
    ]
    assert lost == []
    replaced_on_purpose = {c.type for c in outcome.of("replace")} & set(change.replaces)
    assert replaced_on_purpose == set(change.replaces), "the expected replacement did not happen"
    deleted_objects = [str(d) for d in outcome.kubernetes_deletions if not retired(change, d.stack, d.logical_id, "")]
    assert deleted_objects == []
    reached = {c.type for c in outcome.changes if c.action in ("update", "replace", "create")}
    assert set(change.must_update) <= reached, f"the change did not reach {set(change.must_update) - reached}"


def test_retiring_a_team_keeps_its_glue_databases_and_job_logs(base_templates, tmp_path):
    outcome = plan_of("retire a team", base_templates, tmp_path)
    kept = sorted((c.type, c.logical_id) for c in outcome.of("keep"))
    assert [t for t, _ in kept] == ["AWS::Glue::Database", "AWS::Glue::Database", "AWS::Logs::LogGroup"]
    assert all(logical_id.startswith("TeamIngestion") for _, logical_id in kept)
    # What goes: its namespace (and everything in it), virtual cluster, role, document.
    deleted = {c.type for c in outcome.of("delete")}
    assert {"AWS::EMRContainers::VirtualCluster", "AWS::IAM::Role", "AWS::SSM::Parameter"} <= deleted
    assert any(d.object == "Namespace/-/spark-ingestion" for d in outcome.kubernetes_deletions)


def test_adding_a_pipeline_changes_only_the_dag_files(base_templates, tmp_path):
    outcome = plan_of("add a pipeline", base_templates, tmp_path)
    assert {(c.stack, c.type, c.action) for c in outcome.changes} == {
        ("day2-orchestration", "Custom::CDKBucketDeployment", "update")
    }
    assert outcome.kubernetes_deletions == []


def test_reordering_teams_changes_nothing_at_all(base_templates, tmp_path):
    assert plan_of("reorder teams", base_templates, tmp_path).changes == []


def test_a_kubernetes_upgrade_moves_the_control_plane_nodes_add_ons_and_karpenters_nodes(base_templates, tmp_path):
    config = copy.deepcopy(BASE)
    CHANGES["kubernetes minor upgrade (1.35 -> 1.36)"].change(config, tmp_path)
    after = synthesize_templates(config, tmp_path / "out")
    pins = kubernetes_versions.version_pins("1.36")
    cluster = after["day2-cluster"]["Resources"]
    versions = {
        r["Properties"].get("AddonName") or r["Type"]: r["Properties"].get("AddonVersion")
        or r["Properties"].get("Version")
        for r in cluster.values()
        if r["Type"] in ("AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::EKS::Addon")
    }
    assert versions == {"AWS::EKS::Cluster": "1.36", "AWS::EKS::Nodegroup": "1.36", **pins.addons}
    nodegroup = next(r for r in cluster.values() if r["Type"] == "AWS::EKS::Nodegroup")
    assert nodegroup["Properties"]["ReleaseVersion"] == pins.node_release_version
    node_class = next(
        r
        for r in after["day2-karpenter"]["Resources"].values()
        if "EC2NodeClass" in str(r["Properties"].get("Manifest"))
    )
    assert pins.karpenter_ami_alias in str(node_class["Properties"]["Manifest"])


def test_an_ami_release_rolls_system_nodes_and_drifts_karpenter_nodes_in_place(base_templates, tmp_path, monkeypatch):
    pins = kubernetes_versions.KUBERNETES_VERSION_PINS["1.35"]
    monkeypatch.setitem(
        kubernetes_versions.KUBERNETES_VERSION_PINS,
        "1.35",
        dataclasses.replace(pins, ami_release="v20260901", node_release_version="1.35.7-20260901"),
    )
    outcome = plan(base_templates, synthesize_templates(copy.deepcopy(BASE), tmp_path))
    assert {(c.type, c.action) for c in outcome.changes} == {
        ("AWS::EKS::Nodegroup", "update"),
        ("Custom::AWSCDK-EKS-KubernetesResource", "update"),
    }
    assert outcome.kubernetes_deletions == []


def test_an_emr_base_build_bump_changes_only_the_image_tag_it_publishes(base_templates, tmp_path, monkeypatch):
    row = emr_release_catalog.RELEASES["emr-7.12.0"]
    monkeypatch.setitem(emr_release_catalog.RELEASES, "emr-7.12.0", dataclasses.replace(row, build="20261101"))
    outcome = plan(base_templates, synthesize_templates(copy.deepcopy(BASE), tmp_path))
    assert outcome.lost == [] and outcome.kubernetes_deletions == []
    assert {c.type for c in outcome.changes} <= {
        "AWS::SSM::Parameter",
        "AWS::ECR::Repository",
        "Custom::CDKBucketDeployment",
    }
    assert {c.action for c in outcome.changes} == {"update"}


def test_moving_a_job_to_spark_4_is_one_pipeline_line_that_changes_only_the_dags(tmp_path):
    """On a platform whose team and images have the Spark 4 runtime (the sandbox), a job moves by
    its release_label line: only the DAGs MWAA reads change, nothing of the team or the cluster."""
    config = dataclasses.asdict(sandbox_config())
    pipelines = tmp_path / "pipelines"
    shutil.copytree(ROOT / "orchestration" / "dags" / "pipelines", pipelines)
    config["orchestration"]["pipelines_dir"] = str(pipelines)
    before = synthesize_templates(copy.deepcopy(config), tmp_path / "before")
    analytics = pipelines / "analytics.yaml"
    text = analytics.read_text()
    moved = text.replace("release_label: emr-7.9.0-latest", "release_label: emr-spark-8.0.0-latest", 1)
    assert moved.count("\n") == text.count("\n") and moved != text  # one line changed
    analytics.write_text(moved)
    outcome = plan(before, synthesize_templates(config, tmp_path / "after"))
    assert {(c.stack, c.type, c.action) for c in outcome.changes} == {
        ("spark-orchestration", "Custom::CDKBucketDeployment", "update")
    }


def test_every_stateful_type_the_platform_creates_is_classified(base_templates):
    """A new resource type that holds state must be added to STATEFUL, or the checks above miss it."""
    types = {r["Type"] for t in base_templates.values() for r in t["Resources"].values()}
    candidates = {t for t in types if t.split("::")[1] in ("S3", "Glue", "ECR", "Logs", "KMS", "RDS", "DynamoDB")}
    derived = {
        "AWS::KMS::Alias": "a name pointing at a key; CloudFormation recreates it from the template",
        "AWS::S3::BucketPolicy": "written from the configuration on every deploy",
        "AWS::Logs::MetricFilter": "a pattern over a log group; its metrics stay in CloudWatch",
        "AWS::Logs::ResourcePolicy": "written from the configuration on every deploy",
    }
    assert candidates - set(STATEFUL) - set(derived) == set()


def change_rows(base_templates, tmp_path_factory) -> list[str]:
    rows = []
    for name in CHANGES:
        outcome = plan_of(name, base_templates, tmp_path_factory.mktemp("table"))
        counts = {a: len(outcome.of(a)) for a in ("update", "create", "replace", "delete", "keep")}
        replaced = ", ".join(sorted({c.type for c in outcome.of("replace")})) or "-"
        rows.append(
            f"| {name} | {counts['update']} | {counts['create']} | {counts['replace']} ({replaced}) "
            f"| {counts['delete']} | {counts['keep']} | {len(outcome.kubernetes_deletions)} |"
        )
    return rows


def test_every_procedure_is_a_section_of_the_operations_guide():
    sections = {
        line[3:] for line in (ROOT / "docs" / "operations.md").read_text().splitlines() if line.startswith("## ")
    }
    assert {change.procedure for change in CHANGES.values() if change.procedure} <= sections


def test_change_table(base_templates, tmp_path_factory):
    """The table in docs/operations.md is what the suite measures (`pytest -s -k change_table`
    prints it)."""
    rows = change_rows(base_templates, tmp_path_factory)
    print("\n| change | updated | created | replaced | deleted | kept | k8s deleted |")
    print("|---|---:|---:|---|---:|---:|---:|")
    print("\n".join(rows))
    text = (ROOT / "docs" / "operations.md").read_text().split("## What each change does")[1].split("\n## ")[0]
    documented = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| change |")]
    assert documented == rows


# Settings that are create-only on the VPC or the cluster: docs/operations.md tells to deploy a
# second environment instead. The suite shows why: each loses state or cannot deploy at all.
NEW_ENVIRONMENT = {
    "network.vpc_cidr": _set("network.vpc_cidr", "10.1.0.0/16"),
    "network.pod_cidr": _set("network.pod_cidr", "100.65.0.0/16"),
    "network.service_cidr": _set("network.service_cidr", "172.21.0.0/16"),
    "availability_zones": _set("environment.availability_zones", ["eu-west-1a", "eu-west-1b"]),
}


@pytest.mark.parametrize("setting", list(NEW_ENVIRONMENT))
def test_a_setting_that_needs_a_new_environment_is_named_as_such_in_the_operations_guide(
    setting, base_templates, tmp_path
):
    config = copy.deepcopy(BASE)
    NEW_ENVIRONMENT[setting](config, tmp_path)
    outcome = plan(base_templates, synthesize_templates(config, tmp_path / "out"))
    assert outcome.lost or outcome.replaced_under_a_fixed_name or outcome.kubernetes_deletions
    section = (ROOT / "docs" / "operations.md").read_text().split("**Changes that need a new environment.**")[1]
    assert f"`{setting.split('.')[-1] if setting == 'availability_zones' else setting}`" in section.split("\n\n")[0]


# --- the plan reader itself, on templates small enough to read -----------------------------------


def _stack(**resources) -> dict:
    return {"Resources": resources}


def test_the_plan_reads_a_create_only_change_as_a_replacement_refused_under_the_same_name():
    nodegroup = lambda types: {  # noqa: E731
        "Type": "AWS::EKS::Nodegroup",
        "Properties": {"NodegroupName": "system", "ClusterName": "c", "InstanceTypes": types},
    }
    outcome = plan({"s": _stack(N=nodegroup(["m7g.large"]))}, {"s": _stack(N=nodegroup(["m8g.large"]))})
    assert [c.action for c in outcome.changes] == ["replace"]
    assert [c.logical_id for c in outcome.replaced_under_a_fixed_name] == ["N"]


def test_the_plan_follows_references_and_imports_to_a_replaced_resource():
    before = {
        "a": {
            "Resources": {"Key": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "r1"}}},
            "Outputs": {"O": {"Value": {"Ref": "Key"}, "Export": {"Name": "a:Key"}}},
        },
        "b": _stack(
            Group={
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": {"Fn::Join": ["", ["/x/", {"Fn::ImportValue": "a:Key"}]]}},
            }
        ),
    }
    after = copy.deepcopy(before)
    after["a"]["Resources"]["Key"]["Properties"]["RepositoryName"] = "r2"
    outcome = plan(before, after)
    assert {(c.logical_id, c.action) for c in outcome.changes} == {("Key", "replace"), ("Group", "replace")}
    assert [c.type for c in outcome.lost] == ["AWS::ECR::Repository", "AWS::Logs::LogGroup"]


def test_the_plan_reads_a_removed_resource_as_kept_only_under_a_retain_policy():
    kept = {"Type": "AWS::Glue::Database", "DeletionPolicy": "Retain", "Properties": {"DatabaseName": "d"}}
    gone = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "g"}}
    outcome = plan({"s": _stack(K=kept, G=gone)}, {"s": _stack()})
    assert {(c.logical_id, c.action) for c in outcome.changes} == {("K", "keep"), ("G", "delete")}
    assert [c.logical_id for c in outcome.lost] == ["G"]


def test_the_plan_counts_an_object_dropped_from_a_manifest_as_deleted_by_the_prune():
    def manifest(*names):
        objects = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": "t"}} for n in names]
        return {"Type": "Custom::AWSCDK-EKS-KubernetesResource", "Properties": {"Manifest": json.dumps(objects)}}

    outcome = plan({"s": _stack(M=manifest("a", "b"))}, {"s": _stack(M=manifest("a"))})
    assert [c.action for c in outcome.changes] == ["update"]
    assert [d.object for d in outcome.kubernetes_deletions] == ["ConfigMap/t/b"]
