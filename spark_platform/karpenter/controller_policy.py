"""IAM permissions of the Karpenter controller, scoped to one cluster.

Covers every action of Karpenter's reference policy for the pinned minor
(``../shared/reference/karpenter-v1.14/cloudformation.yaml``; tests/test_karpenter_reference.py
compares them) with the same conditions or stricter: launches and deletions only of resources
tagged for this cluster and a NodePool, reads only in this Region, PassRole only for the node
role. Instance profiles are created by CloudFormation rather than by Karpenter, so the
controller gets no instance-profile lifecycle permission (create, tag, add/remove role, delete).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam


def _ec2_arns(*resource_types: str, account: str = "*") -> list[str]:
    return [f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{account}:{kind}/*" for kind in resource_types]


def controller_statements(
    *,
    cluster_name: str,
    cluster_arn: str,
    node_role_arn: str,
    instance_profile_arn: str,
    queue_arn: str,
) -> list[iam.PolicyStatement]:
    owned_request = {f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    owned_resource = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    launched_resources = _ec2_arns(
        "fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"
    )
    return [
        iam.PolicyStatement(
            sid="LaunchFromSharedResources",
            actions=["ec2:RunInstances", "ec2:CreateFleet"],
            resources=[
                f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::image/*",
                f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::snapshot/*",
                *_ec2_arns("security-group", "subnet", "capacity-reservation", "placement-group"),
            ],
        ),
        iam.PolicyStatement(
            sid="LaunchWithOwnLaunchTemplates",
            actions=["ec2:RunInstances", "ec2:CreateFleet"],
            resources=_ec2_arns("launch-template"),
            conditions={"StringEquals": owned_resource, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}},
        ),
        iam.PolicyStatement(
            sid="CreateTaggedForThisCluster",
            actions=["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            resources=launched_resources,
            conditions={
                "StringEquals": {**owned_request, "aws:RequestTag/eks:eks-cluster-name": cluster_name},
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        ),
        iam.PolicyStatement(
            sid="TagOnCreate",
            actions=["ec2:CreateTags"],
            resources=launched_resources,
            conditions={
                "StringEquals": {
                    **owned_request,
                    "aws:RequestTag/eks:eks-cluster-name": cluster_name,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        ),
        iam.PolicyStatement(
            sid="TagOwnInstancesWithNodeClaim",
            actions=["ec2:CreateTags"],
            resources=_ec2_arns("instance"),
            conditions={
                "StringEquals": owned_resource,
                "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                },
            },
        ),
        iam.PolicyStatement(
            sid="DeleteOwnInstancesAndTemplates",
            actions=["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            resources=_ec2_arns("instance", "launch-template"),
            conditions={"StringEquals": owned_resource, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}},
        ),
        iam.PolicyStatement(
            sid="ReadEc2InThisRegion",
            actions=[
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            resources=["*"],  # EC2 Describe* calls do not support resource-level permissions
            conditions={"StringEquals": {"aws:RequestedRegion": Aws.REGION}},
        ),
        iam.PolicyStatement(
            sid="ReadPublicAmiParameters",
            actions=["ssm:GetParameter"],
            resources=[f"arn:{Aws.PARTITION}:ssm:{Aws.REGION}::parameter/aws/service/*"],
        ),
        iam.PolicyStatement(
            sid="ReadPrices",
            actions=["pricing:GetProducts"],
            resources=["*"],  # the Pricing API has no resources
        ),
        iam.PolicyStatement(
            sid="ConsumeInterruptionQueue",
            actions=["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            resources=[queue_arn],
        ),
        iam.PolicyStatement(
            sid="PassNodeRoleToEc2Only",
            actions=["iam:PassRole"],
            resources=[node_role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="ReadNodeInstanceProfile",
            actions=["iam:GetInstanceProfile"],
            resources=[instance_profile_arn],
        ),
        iam.PolicyStatement(
            sid="ListInstanceProfiles",
            actions=["iam:ListInstanceProfiles"],
            resources=["*"],  # unscoped in Karpenter's reference policy too
        ),
        iam.PolicyStatement(
            sid="DiscoverApiServerEndpoint",
            actions=["eks:DescribeCluster"],
            resources=[cluster_arn],
        ),
        iam.PolicyStatement(
            sid="ReadZonalShiftOfThisCluster",
            actions=["arc-zonal-shift:GetManagedResource"],
            resources=["*"],  # scoped by the condition, as in Karpenter's reference policy
            conditions={"StringEquals": {"arc-zonal-shift:ResourceIdentifier": cluster_arn}},
        ),
    ]
