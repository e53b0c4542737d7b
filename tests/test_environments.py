"""Two environments in one account, and a destroy followed by a redeploy of the same prefix.

Physical names are read from the synthesized templates as CloudFormation would resolve them
(tests/physical_names.py): every name the platform chooses must differ between two prefixes in one
account and Region. What `cdk destroy` keeps (spark_platform/retention.py) must stay readable (its
key is kept too), be findable again (a name, or a kept alias for a key), and be importable on its
own into a new stack (it refers only to other kept resources of its stack);
python -m spark_platform.lifecycle.retained maps it for `cdk import` (tests_aws/ runs that tool
against a moto account).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from .physical_names import Names
from .test_change_safety import ACCOUNT, BASE, synthesize_templates

REGION = BASE["environment"]["region"]
KEPT_POLICIES = ("Retain", "RetainExceptOnCreate")


def environment(prefix: str, outdir: Path) -> dict[str, dict]:
    config = copy.deepcopy(BASE)
    config["name_prefix"] = prefix
    return synthesize_templates(config, outdir)


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict[str, dict]:
    return environment("prod", tmp_path_factory.mktemp("prod"))


@pytest.fixture(scope="module")
def staging(tmp_path_factory) -> dict[str, dict]:
    return environment("staging", tmp_path_factory.mktemp("staging"))


def test_two_environments_in_one_account_and_region_share_no_physical_name(production, staging):
    names = {
        env: Names(templates, account=ACCOUNT, region=REGION).all()
        for env, templates in (("prod", production), ("staging", staging))
    }
    assert len(names["prod"]) > 40, "the name reader found too few names: it is broken"
    shared = sorted(f"{kind} {'/'.join(name)}" for kind, name in names["prod"].keys() & names["staging"].keys())
    assert shared == []


def test_every_chosen_name_carries_the_environment_prefix(production):
    """A name without the prefix is one a second environment would reuse. Names scoped inside the
    environment's own cluster (add-ons, node groups, access entries) carry it through the cluster."""
    names = Names(production, account=ACCOUNT, region=REGION).all()
    unprefixed = sorted(f"{kind} {'/'.join(name)}" for kind, name in names if "prod" not in "/".join(name))
    assert unprefixed == []


def kept_resources(templates: dict[str, dict]) -> dict[tuple[str, str], dict]:
    return {
        (stack, logical_id): resource
        for stack, template in templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") in KEPT_POLICIES
    }


def _refs(value, *, imports: bool = False) -> set[str]:
    found = set()
    if isinstance(value, dict):
        if "Ref" in value and not str(value["Ref"]).startswith("AWS::"):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for item in value.values():
            found |= _refs(item)
    elif isinstance(value, list):
        for item in value:
            found |= _refs(item)
    return found


def test_destroy_keeps_data_and_history_and_only_that(production):
    kept = {resource["Type"] for resource in kept_resources(production).values()}
    assert kept == {
        "AWS::S3::Bucket",
        "AWS::Glue::Database",
        "AWS::ECR::Repository",
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
    }
    # Every bucket, database and repository is kept; a log group only when it holds history.
    for kind in ("AWS::S3::Bucket", "AWS::Glue::Database", "AWS::ECR::Repository"):
        every = [r for t in production.values() for r in t["Resources"].values() if r["Type"] == kind]
        assert all(r.get("DeletionPolicy") in KEPT_POLICIES for r in every), kind
    names = Names(production, account=ACCOUNT, region=REGION)
    kept_groups = sorted(
        names.name(stack, lid)[0]
        for (stack, lid), r in kept_resources(production).items()
        if r["Type"] == "AWS::Logs::LogGroup"
    )
    assert kept_groups == [
        "/aws/eks/prod-eks/cluster",
        "/aws/events/prod/emr-job-runs",
        "/emr-on-eks/prod/analytics",
        "/emr-on-eks/prod/ingestion",
        "/prod/vpc-flow-logs",
    ]


def test_a_kept_resource_stays_readable_because_its_key_is_kept_too(production):
    """The MWAA source bucket was kept while its key was scheduled for deletion: unreadable."""
    for (stack, logical_id), resource in kept_resources(production).items():
        for target in _refs(resource.get("Properties", {})):
            referenced = production[stack]["Resources"].get(target, {})
            if referenced.get("Type") == "AWS::KMS::Key":
                assert referenced.get("DeletionPolicy") in KEPT_POLICIES, f"{stack}/{logical_id} -> {target}"


def test_a_kept_resource_can_be_found_again_by_its_name_or_its_alias(production):
    names = Names(production, account=ACCOUNT, region=REGION)
    kept = kept_resources(production)
    aliased = {
        target
        for (stack, _), resource in kept.items()
        if resource["Type"] == "AWS::KMS::Alias"
        for target in _refs(resource["Properties"]["TargetKeyId"])
    }
    for (stack, logical_id), resource in kept.items():
        if resource["Type"] == "AWS::KMS::Key":
            assert logical_id in aliased, f"{stack}/{logical_id}: a kept key needs a kept alias to be found again"
        else:
            name = names.name(stack, logical_id)
            assert name and all("<generated" not in part for part in name), f"{stack}/{logical_id}"


def test_kept_resources_can_be_imported_before_the_rest_of_their_stack_exists(production):
    """`cdk import` creates a stack from the kept resources alone: each may refer (Ref, GetAtt,
    DependsOn) only to other kept resources of its stack; imports from earlier stacks are fine."""
    kept = kept_resources(production)
    for (stack, logical_id), resource in kept.items():
        depends = resource.get("DependsOn", [])
        targets = _refs(resource.get("Properties", {})) | set([depends] if isinstance(depends, str) else depends)
        outside = sorted(t for t in targets if (stack, t) not in kept)
        assert outside == [], f"{stack}/{logical_id} refers to {outside}"


def test_the_redeploy_tool_imports_each_kept_type_by_its_schema_identifier(production):
    """CloudFormation imports a resource by its primary identifier (the resource schema); the
    tool's table must name exactly that, for every type the platform keeps."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    from spark_platform.lifecycle.retained import IMPORT_IDENTIFIERS

    kept_types = {resource["Type"] for resource in kept_resources(production).values()}
    assert kept_types == set(IMPORT_IDENTIFIERS)
    for kind, identifier in IMPORT_IDENTIFIERS.items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema
        assert schema["primaryIdentifier"] == [f"/properties/{identifier}"], kind
