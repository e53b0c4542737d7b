"""Karpenter = its own reference for the pinned minor (../shared/reference/karpenter-v1.14).

The reference CloudFormation template is what Karpenter's maintainers ship for 1.14: a controller
action or interruption rule missing here means a feature that silently never works (a Describe
call that fails, a warning that never reaches the queue). Helm ignores unknown values, so a
misspelled chart value is caught only by comparing with the chart's own values.yaml.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml

from spark_platform.karpenter import INTERRUPTION_EVENTS
from spark_platform.karpenter.karpenter import chart_values

from .conftest import ROOT

REFERENCE = ROOT.parent / "shared" / "reference" / "karpenter-v1.14"
CLUSTER = "spark-eks"

# We pre-create the node instance profile with CloudFormation and name it in the EC2NodeClass,
# so the controller never creates, tags, fills, empties or deletes one: these reference actions
# are deliberately not granted. (Reading and listing profiles is granted.)
INSTANCE_PROFILE_LIFECYCLE = {
    "iam:CreateInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
}


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Sub, !GetAtt, !Ref) as their long form."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = {"Ref": "Ref"}.get(suffix, f"Fn::{suffix}")
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    return {name: loader.construct_sequence(node)}


_CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def reference() -> dict:
    path = REFERENCE / "cloudformation.yaml"
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared reference files must sit next to the project (../shared)")
    return yaml.load(path.read_text(), Loader=_CfnLoader)


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def reference_statements(reference: dict) -> list[dict]:
    """Every controller statement of the reference, ${ClusterName} filled in with ours."""
    statements = []
    for resource in reference["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = resource["Properties"]["PolicyDocument"]["Fn::Sub"].replace("${ClusterName}", CLUSTER)
            statements += json.loads(document)["Statement"]
    return statements


def _ours_as_reference(value: Any, physical: dict[str, str]) -> str:
    """One of our policy values written the way the reference writes it (``${AWS::Region}`` ...)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_ours_as_reference(part, physical) for part in parts)
    if "Fn::GetAtt" in value:
        return physical[value["Fn::GetAtt"][0].rstrip("0123456789ABCDEF")]
    if "Fn::ImportValue" in value and "EksCluster" in value["Fn::ImportValue"]:
        return f"arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{CLUSTER}"
    raise AssertionError(f"unexpected value in the controller policy: {value}")


@pytest.fixture(scope="module")
def ours(sandbox) -> list[dict]:
    (policy,) = [
        r
        for lid, r in sandbox.templates["spark-karpenter"]["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "ControllerPolicy" in lid
    ]
    physical = {  # our resources, named as the reference names its own
        "KarpenterNodeRole": "${KarpenterNodeRole.Arn}",
        "KarpenterInterruptionQueue": "${KarpenterInterruptionQueue.Arn}",
        "KarpenterNodeInstanceProfile": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/spark-node",
    }
    statements = []
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        statements.append(
            {
                "Sid": statement["Sid"],
                "Action": set(_listed(statement["Action"])),
                "Resource": [_ours_as_reference(r, physical) for r in _listed(statement["Resource"])],
                "Condition": {
                    operator: {
                        key: {_ours_as_reference(v, physical) for v in _listed(values)} for key, values in keys.items()
                    }
                    for operator, keys in statement.get("Condition", {}).items()
                },
            }
        )
    return statements


def _granted(ours: list[dict], action: str, resource: str) -> list[dict]:
    """Our statements that allow ``action`` on (part of) ``resource``."""
    return [
        s
        for s in ours
        if action in s["Action"] and any(fnmatchcase(r, resource) or fnmatchcase(resource, r) for r in s["Resource"])
    ]


def _at_least_as_strict(our_conditions: dict, reference_conditions: dict) -> bool:
    for operator, keys in reference_conditions.items():
        for key, values in keys.items():
            ours = our_conditions.get(operator, {}).get(key)
            if ours is None or not ours <= set(_listed(values)):
                return False
    return True


def test_controller_policy_grants_every_reference_action_except_instance_profile_lifecycle(reference, ours):
    for statement in reference_statements(reference):
        for action in set(_listed(statement["Action"])) - INSTANCE_PROFILE_LIFECYCLE:
            for resource in _listed(statement["Resource"]):
                assert _granted(ours, action, resource), f"{statement['Sid']}: {action} on {resource} is not granted"


def test_every_grant_of_ours_is_a_reference_grant_with_its_conditions_or_stricter(reference, ours):
    # Each (action, resource) we allow must be allowed by some reference statement whose
    # conditions (tags, Region, service) we carry, equal or narrower. Narrower on purpose:
    # iam:PassedToService is ec2.amazonaws.com only (the .com.cn value is for the China
    # partition), PassRole/GetInstanceProfile name our one role and profile.
    references = reference_statements(reference)
    for statement in ours:
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                allowing = [
                    r
                    for r in references
                    if action in _listed(r["Action"]) and any(fnmatchcase(resource, x) for x in _listed(r["Resource"]))
                ]
                assert allowing, f"{statement['Sid']}: {action} on {resource} is not in the reference"
                assert any(_at_least_as_strict(statement["Condition"], r.get("Condition", {})) for r in allowing), (
                    f"{statement['Sid']} grants {action} on {resource} with weaker conditions than "
                    f"{', '.join(r['Sid'] for r in allowing)}"
                )


def test_controller_policy_has_no_action_beyond_the_reference(reference, ours):
    referenced = {a for s in reference_statements(reference) for a in _listed(s["Action"])}
    assert {a for s in ours for a in s["Action"]} <= referenced
    assert not INSTANCE_PROFILE_LIFECYCLE & {a for s in ours for a in s["Action"]}


def test_interruption_rules_equal_the_reference_patterns(reference, sandbox):
    expected = sorted(
        json.dumps(r["Properties"]["EventPattern"], sort_keys=True)
        for r in reference["Resources"].values()
        if r["Type"] == "AWS::Events::Rule"
    )
    assert len(expected) == 5
    rules = [r for r in sandbox.templates["spark-karpenter"]["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert sorted(json.dumps(r["Properties"]["EventPattern"], sort_keys=True) for r in rules) == expected
    assert len(INTERRUPTION_EVENTS) == 5


def _unknown_values(ours: dict, chart: dict, path: str = "") -> list[str]:
    unknown = []
    for key, value in ours.items():
        where = f"{path}{key}"
        if key not in chart:
            unknown.append(where)
            continue
        default = chart[key]
        # Recurse into the chart's structured settings; maps of labels, selectors or
        # resources (empty or keyed by label names) and lists take whatever the app passes.
        structured = isinstance(default, dict) and default and not any("/" in k or "." in k for k in default)
        if structured and isinstance(value, dict):
            unknown += _unknown_values(value, default, where + ".")
    return unknown


def test_every_chart_value_the_app_passes_exists_in_the_chart(sandbox):
    chart = yaml.safe_load((REFERENCE / "chart-values.yaml").read_text())
    values = chart_values(cluster_name=CLUSTER, queue_name="q", region="eu-west-1", system_nodes=2)
    assert _unknown_values(values, chart) == []
    # The helper itself catches a misspelling.
    assert _unknown_values({"settings": {"clusterNmae": CLUSTER}}, chart) == ["settings.clusterNmae"]


def test_the_reference_files_are_the_ones_for_the_pinned_chart():
    assert Path(REFERENCE).name == "karpenter-v1.14"
    from spark_platform.config import sandbox_config

    assert sandbox_config().karpenter.chart_version.startswith("1.14.")
