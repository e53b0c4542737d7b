"""Destroy, then redeploy the same prefix: what `cdk destroy` kept is found and imported.

The account is moto's. "What the first deploy left" is built from the names the platform
documents for the sandbox (prefix `spark`), not from the tool's own reading of the templates.
"""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from spark_platform.lifecycle.retained import BotoAccount, commands, main, plan_imports

from .conftest import ACCOUNT, REGION

BUCKETS = [f"spark-{kind}-{ACCOUNT}-{REGION}" for kind in ("access-logs", "artifacts", "data", "logs", "airflow")]
DATABASES = ["spark_analytics_marts", "spark_ingestion_raw", "spark_ingestion_curated"]
LOG_GROUPS = [
    "/spark/vpc-flow-logs",
    "/aws/eks/spark-eks/cluster",
    "/emr-on-eks/spark/analytics",
    "/emr-on-eks/spark/ingestion",
    "/aws/events/spark/emr-job-runs",
]
REPOSITORIES = ["spark/pyspark-analytics", "spark/hudi-ingestion"]
KEY_ALIASES = [
    "alias/spark/vpc-flow-logs",
    "alias/spark-eks/control-plane-logs",
    "alias/spark/data",
    "alias/spark/team-logs",
    "alias/spark/mwaa-source",
    "alias/spark/job-events",
]


def what_destroy_kept() -> dict[str, str]:
    """Create the kept resources in the emulated account; returns alias -> key id."""
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for database in DATABASES:
        boto3.client("glue", region_name=REGION).create_database(DatabaseInput={"Name": database})
    for group in LOG_GROUPS:
        boto3.client("logs", region_name=REGION).create_log_group(logGroupName=group)
    for repository in REPOSITORIES:
        boto3.client("ecr", region_name=REGION).create_repository(repositoryName=repository)
    kms = boto3.client("kms", region_name=REGION)
    keys = {}
    for alias in KEY_ALIASES:
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        keys[alias] = key_id
    return keys


def identifiers(plans) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for plan in plans:
        for identifier in plan.mapping.values():
            ((prop, value),) = identifier.items()
            found.setdefault(prop, set()).add(value)
    return found


@mock_aws
def test_a_redeploy_imports_every_resource_the_last_deploy_kept(assembly):
    keys = what_destroy_kept()
    plans = plan_imports(assembly, BotoAccount(REGION), account_id=ACCOUNT, region=REGION)
    assert [plan.missing for plan in plans] == [[] for _ in plans]
    assert identifiers(plans) == {
        "BucketName": set(BUCKETS),
        "DatabaseName": set(DATABASES),
        "LogGroupName": set(LOG_GROUPS),
        "RepositoryName": set(REPOSITORIES),
        "AliasName": set(KEY_ALIASES),
        # Keys have no name: each is found by the id behind its kept alias.
        "KeyId": set(keys.values()),
    }


@mock_aws
def test_each_stack_imports_what_it_kept_before_it_is_deployed_in_dependency_order(assembly):
    what_destroy_kept()
    plans = plan_imports(assembly, BotoAccount(REGION), account_id=ACCOUNT, region=REGION)
    lines = commands(plans, mapping_dir="retained")
    stacks = [line.split()[3] for line in lines if line.startswith("npx cdk deploy")]
    assert stacks.index("spark-tenancy") < stacks.index("spark-teams-1")  # the teams import the logs key
    assert stacks.index("spark-network") < stacks.index("spark-cluster") < stacks.index("spark-karpenter")
    for plan in plans:
        deploy = lines.index(f"npx cdk deploy {plan.stack} --exclusively --require-approval never --no-notices")
        imports = [i for i, line in enumerate(lines) if line.startswith(f"npx cdk import {plan.stack} ")]
        assert imports == ([deploy - 1] if plan.mapping else [])


@mock_aws
def test_a_fresh_account_imports_nothing_and_creates_everything(assembly):
    plans = plan_imports(assembly, BotoAccount(REGION), account_id=ACCOUNT, region=REGION)
    assert all(plan.mapping == {} for plan in plans)
    assert sum(len(plan.missing) for plan in plans) == 27
    assert not any(line.startswith("npx cdk import") for line in commands(plans, mapping_dir="retained"))


@mock_aws
def test_a_key_scheduled_for_deletion_stops_the_redeploy_with_the_command_that_saves_it(assembly, tmp_path, capsys):
    """Deploying over it would create a new key and leave the kept data to a key about to vanish."""
    keys = what_destroy_kept()
    boto3.client("kms", region_name=REGION).schedule_key_deletion(KeyId=keys["alias/spark/data"])
    assert main(["--assembly", str(assembly), "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "spark-tenancy/StorageDataKeyE15BA43B" in error
    assert f"aws kms cancel-key-deletion --key-id {keys['alias/spark/data']}" in error
    assert not (tmp_path / "redeploy.sh").exists()


@mock_aws
def test_the_command_writes_a_mapping_per_stack_and_the_redeploy_script(assembly, tmp_path, capsys):
    keys = what_destroy_kept()
    assert main(["--assembly", str(assembly), "--out", str(tmp_path), "--cdk-args", "-c config=my.yaml"]) == 0
    tenancy = json.loads((tmp_path / "spark-tenancy.json").read_text())
    assert tenancy["StorageDataKeyE15BA43B"] == {"KeyId": keys["alias/spark/data"]}
    assert tenancy["StorageData6BB23F4E"] == {"BucketName": f"spark-data-{ACCOUNT}-{REGION}"}
    assert not (tmp_path / "spark-karpenter.json").exists()  # nothing of Karpenter is kept
    script = (tmp_path / "redeploy.sh").read_text()
    assert script.startswith("set -euo pipefail\n")
    assert (
        f"npx cdk import spark-tenancy --resource-mapping {tmp_path}/spark-tenancy.json --no-notices -c config=my.yaml"
        in script
    )
    steps = script.splitlines()[1:]
    assert capsys.readouterr().out.endswith("\n".join(steps) + "\n"), "the command prints the script it writes"
    # Every stack is deployed once, after the stacks it depends on; a stack's import comes just before its deploy.
    artifacts = json.loads((assembly / "manifest.json").read_text())["artifacts"]
    stacks = {name: item for name, item in artifacts.items() if item["type"] == "aws:cloudformation:stack"}
    deployed = [step.split()[3] for step in steps if step.startswith("npx cdk deploy ")]
    assert sorted(deployed) == sorted(stacks)
    for position, stack in enumerate(deployed):
        assert {dependency for dependency in stacks[stack].get("dependencies", []) if dependency in stacks} <= set(
            deployed[:position]
        ), stack
    for index, step in enumerate(steps):
        if step.startswith("npx cdk import "):
            assert steps[index + 1].startswith(f"npx cdk deploy {step.split()[3]} "), step
