"""cdk-nag checks and their acknowledgements.

cdk-nag 3 runs as a CDK policy-validation plugin: findings fail synthesis and are written
to ``policy-validation-report.json`` in the cloud assembly. An acknowledgement names one
finding (rule id, optionally with ``[Action::...]``/``[Resource::...]``), sits next to the
construct it concerns, and carries the reason.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
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
