"""Redeploy a prefix over what ``cdk destroy`` kept: find it in the account, import it, then deploy.

``cdk destroy`` keeps the buckets, Glue databases, ECR repositories, history log groups and their
KMS keys and aliases (spark_platform/retention.py). Deploying the same prefix again would fail on
their names (AlreadyExists). This tool reads the synthesized templates (``cdk.out``), looks up each
kept resource in the account, and writes, per stack in deployment order, the resource mapping
``cdk import`` takes; then the stack is deployed as usual::

    make synth CONFIG=my-platform.yaml
    .venv-aws/bin/python -m spark_platform.lifecycle.retained --assembly cdk.out --out retained \\
        --cdk-args "-c config=my-platform.yaml"
    bash retained/redeploy.sh        # per stack: cdk import (if it kept something), cdk deploy

A kept key has no name; it is found through its kept alias (``describe-key --key-id alias/...``).
A kept resource refers only to other kept resources of its stack (tested), so CloudFormation can
create a stack from them alone (an IMPORT change set), before the rest of the stack exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

KEPT_POLICIES = ("Retain", "RetainExceptOnCreate")

# The property CloudFormation imports each kept type by: its primary identifier in the resource
# schema (tests/test_retained_tool.py checks this table against the schemas cfn-lint ships).
IMPORT_IDENTIFIERS = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Glue::Database": "DatabaseName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::KMS::Key": "KeyId",
}


class Account(Protocol):
    """What the tool asks the account (boto3 in BotoAccount; a fake or moto in the tests)."""

    def exists(self, resource_type: str, name: str) -> bool: ...

    def key_of_alias(self, alias: str) -> tuple[str, str] | None:
        """(key id, key state) of the key the alias points to, or None without such an alias."""
        ...


class KeyPendingDeletion(RuntimeError):
    pass


@dataclass(frozen=True)
class Kept:
    stack: str
    logical_id: str
    type: str
    name: str  # a key: the alias it is found by


@dataclass
class StackPlan:
    stack: str
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> identifier
    missing: list[str] = field(default_factory=list)  # kept by the template, absent from the account


def deployment_order(manifest: Mapping[str, Any]) -> list[str]:
    """The stacks of a cloud assembly, each after the stacks it depends on (as cdk deploy orders them)."""
    artifacts = manifest["artifacts"]
    stacks = [name for name, artifact in artifacts.items() if artifact["type"] == "aws:cloudformation:stack"]
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dependency in artifacts[name].get("dependencies", []):
            if dependency in stacks:
                visit(dependency)
        ordered.append(name)

    for name in stacks:
        visit(name)
    return ordered


def resolve(value: Any, pseudo: Mapping[str, str]) -> str:
    """A name as CloudFormation resolves it: literals, pseudo parameters and Fn::Join."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"Ref"} and value["Ref"] in pseudo:
        return pseudo[value["Ref"]]
    if isinstance(value, Mapping) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, pseudo) for part in parts)
    raise ValueError(f"cannot resolve {json.dumps(value)} without deploying: a kept resource needs a derivable name")


def kept_resources(template: Mapping[str, Any], stack: str, pseudo: Mapping[str, str]) -> list[Kept]:
    resources = template.get("Resources", {})
    alias_of: dict[str, str] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::KMS::Alias" and resource.get("DeletionPolicy") in KEPT_POLICIES:
            target = resource["Properties"]["TargetKeyId"]
            key = target.get("Fn::GetAtt", [None])[0] if "Fn::GetAtt" in target else target.get("Ref")
            alias_of[key] = resolve(resource["Properties"]["AliasName"], pseudo)
    kept = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("DeletionPolicy") not in KEPT_POLICIES:
            continue
        kind = resource["Type"]
        if kind not in IMPORT_IDENTIFIERS:
            raise ValueError(f"{stack}/{logical_id}: kept {kind} has no import identifier in IMPORT_IDENTIFIERS")
        if kind == "AWS::KMS::Key":
            if logical_id not in alias_of:
                raise ValueError(f"{stack}/{logical_id}: a kept key needs a kept alias to be found again")
            name = alias_of[logical_id]
        else:
            name = resolve(resource["Properties"][IMPORT_IDENTIFIERS[kind]], pseudo)
        kept.append(Kept(stack, logical_id, kind, name))
    return kept


def plan_imports(assembly: Path, account: Account, *, account_id: str, region: str) -> list[StackPlan]:
    """Per stack in deployment order: the kept resources the account has, as ``cdk import`` maps them."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    plans = []
    for stack in deployment_order(manifest):
        properties = manifest["artifacts"][stack]["properties"]
        template = json.loads((assembly / properties["templateFile"]).read_text())
        pseudo = {"AWS::AccountId": account_id, "AWS::Region": region, "AWS::Partition": "aws"}
        plan = StackPlan(stack)
        for kept in kept_resources(template, stack, pseudo):
            identifier = IMPORT_IDENTIFIERS[kept.type]
            described = f"{kept.logical_id} ({kept.type} {kept.name})"
            if kept.type == "AWS::KMS::Key":
                key = account.key_of_alias(kept.name)
                if key and key[1] == "PendingDeletion":
                    # What it encrypts is unreadable once the key is gone: stop, do not replace it.
                    raise KeyPendingDeletion(
                        f"{stack}/{described}: key {key[0]} is scheduled for deletion; cancel it "
                        f"(aws kms cancel-key-deletion --key-id {key[0]} && aws kms enable-key --key-id {key[0]}) "
                        "and run again"
                    )
                found = {identifier: key[0]} if key else None
            else:
                found = {identifier: kept.name} if account.exists(kept.type, kept.name) else None
            if found:
                plan.mapping[kept.logical_id] = found
            else:
                plan.missing.append(described)
        plans.append(plan)
    return plans


def commands(plans: Iterable[StackPlan], *, mapping_dir: str, cdk_args: str = "") -> list[str]:
    """The redeploy, stack by stack: import what the last deploy kept, then deploy the stack."""
    extra = f" {cdk_args}" if cdk_args else ""
    lines = []
    for plan in plans:
        if plan.mapping:
            lines.append(
                f"npx cdk import {plan.stack} --resource-mapping {mapping_dir}/{plan.stack}.json --no-notices{extra}"
            )
        lines.append(f"npx cdk deploy {plan.stack} --exclusively --require-approval never --no-notices{extra}")
    return lines


class BotoAccount:
    """The account of the current credentials (boto3; run in .venv-aws)."""

    def __init__(self, region: str) -> None:
        import boto3  # only here: the tool's planning logic runs without it

        self.session = boto3.session.Session(region_name=region)

    def account_id(self) -> str:
        return self.session.client("sts").get_caller_identity()["Account"]

    def exists(self, resource_type: str, name: str) -> bool:
        from botocore.exceptions import ClientError

        client = self.session.client
        try:
            if resource_type == "AWS::S3::Bucket":
                client("s3").head_bucket(Bucket=name)
            elif resource_type == "AWS::Glue::Database":
                client("glue").get_database(Name=name)
            elif resource_type == "AWS::ECR::Repository":
                client("ecr").describe_repositories(repositoryNames=[name])
            elif resource_type == "AWS::Logs::LogGroup":
                groups = client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
                return any(group["logGroupName"] == name for group in groups)
            elif resource_type == "AWS::KMS::Alias":
                return self.key_of_alias(name) is not None
            else:
                raise ValueError(resource_type)
        except ClientError as error:
            if error.response["Error"]["Code"] in (
                "404",
                "NoSuchBucket",
                "EntityNotFoundException",
                "RepositoryNotFoundException",
            ):
                return False
            raise
        return True

    def key_of_alias(self, alias: str) -> tuple[str, str] | None:
        from botocore.exceptions import ClientError

        try:
            metadata = self.session.client("kms").describe_key(KeyId=alias)["KeyMetadata"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "NotFoundException":
                return None
            raise
        return metadata["KeyId"], metadata["KeyState"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spark_platform.lifecycle.retained", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (make synth)")
    parser.add_argument("--out", default="retained", help="where the resource mappings and redeploy.sh go")
    parser.add_argument("--cdk-args", default="", help='arguments every cdk command gets, e.g. "-c config=my.yaml"')
    args = parser.parse_args(argv)
    assembly = Path(args.assembly)
    manifest = json.loads((assembly / "manifest.json").read_text())
    region = next(
        artifact["environment"].rsplit("/", 1)[1]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    account = BotoAccount(region)
    try:
        plans = plan_imports(assembly, account, account_id=account.account_id(), region=region)
    except KeyPendingDeletion as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for plan in plans:
        if plan.mapping:
            (out / f"{plan.stack}.json").write_text(json.dumps(plan.mapping, indent=2, sort_keys=True) + "\n")
        for missing in plan.missing:
            print(f"{plan.stack}: not in the account, will be created: {missing}")
    lines = commands(plans, mapping_dir=str(out), cdk_args=args.cdk_args)
    (out / "redeploy.sh").write_text("set -euo pipefail\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
