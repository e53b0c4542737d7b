"""The IAM role of EKS worker nodes (system node group and Karpenter's nodes alike)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from spark_platform.compliance import suppress

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")


def node_role(scope: Construct, construct_id: str, *, description: str) -> iam.Role:
    """A node role with the minimum EKS documents, and no AmazonEKS_CNI_Policy.

    The VPC CNI gets its own role through Pod Identity, so a pod that reached the node's
    credentials could still not rewire ENIs.
    """
    role = iam.Role(
        scope,
        construct_id,
        description=description,
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in NODE_POLICIES],
    )
    suppress(
        role,
        (
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy]",
            "The policy EKS documents for nodes to join and describe the cluster.",
        ),
        (
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly]",
            "Read-only image pulls for the kubelet; pull-only is narrower than the usual ReadOnly policy.",
        ),
    )
    return role
