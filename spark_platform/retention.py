"""What outlives ``cdk destroy`` and the retirement of a team: one home for the policy.

Kept (DeletionPolicy and UpdateReplacePolicy ``Retain``): what holds data or history — the S3
buckets, the teams' Glue databases, the ECR repositories, the control-plane, VPC flow and team
job log groups — and every KMS key one of them is encrypted with, together with the key's alias.
Everything else (the cluster, nodes, roles, queues, documents) is deleted: it is derived from the
configuration and comes back identical on the next deploy.

Every kept resource has a physical name derived from ``name_prefix`` (a key: its alias
``alias/<prefix>/<purpose>``), so that

* two environments in one account never collide (tests/test_environments.py), and
* a redeploy of the same prefix finds what the last one kept and imports it instead of failing
  on AlreadyExists (``python -m spark_platform.lifecycle.retained``; docs/operations.md,
  "Destroy and redeploy"). A kept resource refers only to other kept resources of its stack, so
  CloudFormation can import it before anything else of the stack exists (tested).
"""

from __future__ import annotations

from aws_cdk import CfnResource, RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

KEPT = RemovalPolicy.RETAIN


def keep(*constructs: IConstruct) -> None:
    """Retain each construct's resource on stack deletion and on replacement."""
    for construct in constructs:
        resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
        assert isinstance(resource, CfnResource), construct.node.path
        resource.apply_removal_policy(KEPT)


def key_alias(name_prefix: str, purpose: str) -> str:
    """The alias a kept key is found by after ``cdk destroy``: ``alias/<prefix>/<purpose>``."""
    return f"alias/{name_prefix}/{purpose}"


def kept_key(scope: Construct, construct_id: str, *, alias: str, description: str) -> kms.Key:
    """A rotating KMS key for data or history that is kept: the key and its alias outlive the
    stack, so what it encrypts stays readable and a redeploy can import both."""
    key = kms.Key(scope, construct_id, description=description, enable_key_rotation=True, removal_policy=KEPT)
    keep(key.add_alias(alias))
    return key
