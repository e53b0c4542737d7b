"""cdk-nag checks and their acknowledgements.

cdk-nag 3 runs as a CDK policy-validation plugin: findings fail synthesis and are written
to ``policy-validation-report.json`` in the cloud assembly. An acknowledgement names one
finding (rule id, optionally with ``[Action::...]``/``[Resource::...]``), sits next to the
construct it concerns, and carries the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks
from constructs import IConstruct


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of ``construct``'s resource, as findings quote it."""
    resource = construct.node.default_child or construct
    stack = Stack.of(construct)
    return stack.resolve(stack.get_logical_id(resource))


def suppress(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge each ``(finding_id, reason)`` on ``construct`` and everything under it."""
    for finding_id, reason in findings:
        Validations.of(construct).acknowledge(Acknowledgment(id=finding_id, reason=reason))


def apply_compliance_checks(scope: IConstruct) -> None:
    """Check every template under ``scope`` with the AwsSolutions and HIPAA Security packs."""
    Validations.of(scope).add_plugins(AwsSolutionsChecks(scope, verbose=True), HIPAASecurityChecks(scope, verbose=True))


def nag_resource_form(value: Any) -> str:
    """How cdk-nag writes a policy resource in a finding id.

    Pseudo parameters and attributes appear as ``<AWS::Region>`` / ``<LogicalId.Attr>``,
    imports by their export name, joins concatenated.
    """
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if "Fn::ImportValue" in value:
        return str(value["Fn::ImportValue"])
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(nag_resource_form(part) for part in parts)
    return str(value)


def acknowledge_wildcard_resources(policy: iam.ManagedPolicy, reason: Callable[[str], str]) -> None:
    """Acknowledge AwsSolutions-IAM5 for each wildcard resource of ``policy``.

    The reason is chosen per resource by ``reason``: every wildcard must be explained by a
    rule that names why it cannot be narrower.
    """
    resolve = Stack.of(policy).resolve
    findings: dict[str, str] = {}
    for statement in policy.document.to_json()["Statement"]:
        resources = statement.get("Resource", [])
        for resource in resources if isinstance(resources, list) else [resources]:
            text = nag_resource_form(resolve(resource))
            if "*" in text:
                findings[f"AwsSolutions::AwsSolutions-IAM5[Resource::{text}]"] = reason(text)
    suppress(policy, *findings.items())


def harden_cdk_lambdas(
    construct: IConstruct,
    *,
    name: str,
    inline_policy: str,
    findings: tuple[tuple[str, str], ...] = (),
) -> None:
    """Acknowledge, once and with the reason, what aws-cdk-lib's generated Lambda functions
    (custom-resource providers) under ``construct`` do not let us change.

    No reserved concurrency: Lambda lets an account reserve only down to an unreserved minimum
    of 100, and new accounts start with a reduced concurrency quota ("Lambda quotas"; "Configuring
    reserved concurrency for a function"), so any reservation can roll the first deploy back.
    These functions run only while CloudFormation applies a change, one call per resource.
    """
    suppress(
        construct,
        ("AwsSolutions::AwsSolutions-L1", f"The {name}'s runtime is chosen by aws-cdk-lib and moves with it."),
        (
            "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
            f"CDK generates the {name}'s inline policy: {inline_policy}",
        ),
        (
            "HIPAA.Security::HIPAA.Security-LambdaDLQ",
            f"The {name} is invoked by CloudFormation, which reports every failure as a stack event.",
        ),
        (
            "HIPAA.Security::HIPAA.Security-LambdaConcurrency",
            f"The {name} runs only during deployments; reserving concurrency fails the deploy in accounts whose "
            "concurrency quota leaves less than 100 unreserved (new accounts), so none is reserved.",
        ),
        *findings,
    )
