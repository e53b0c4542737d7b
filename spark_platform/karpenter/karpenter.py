"""Karpenter for Spark: controller, interruption handling, node class, NodePools, teardown order."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Duration
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from spark_platform.cluster import SYSTEM_NODE_LABEL, SYSTEM_TAINT, pod_identity_role
from spark_platform.cluster.node_role import node_role
from spark_platform.compliance import suppress
from spark_platform.config import KarpenterConfig
from spark_platform.karpenter.controller_policy import controller_statements
from spark_platform.karpenter.interruption import InterruptionQueue
from spark_platform.karpenter.node_pools import node_class_manifest, node_pool_manifests

CHART_REPOSITORY = "oci://public.ecr.aws/karpenter/karpenter"
CRD_CHART_REPOSITORY = "oci://public.ecr.aws/karpenter/karpenter-crd"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "karpenter"


class Karpenter(Construct):
    """Karpenter installed from its official OCI chart, with Spark NodePools.

    Creation order (and so deletion in reverse): CRD chart, node role, instance profile, node
    access entry, interruption queue, controller role and Pod Identity association ->
    controller chart -> EC2NodeClass -> NodePools. On ``cdk destroy`` CloudFormation therefore deletes the
    NodePools first, then the EC2NodeClass, whose finalizer makes ``kubectl delete`` wait
    until Karpenter has terminated every node it launched, and only then removes the
    controller. No Karpenter instance outlives the stack to block subnet or VPC deletion.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: eks.ICluster,
        cluster_name: str,
        config: KarpenterConfig,
        ami_alias: str,
        region: str,
        system_nodes: int = 2,
        node_tags: dict[str, str] | None = None,
    ) -> None:
        """``ami_alias``: the EC2NodeClass's AMI alias (PlatformConfig.node_ami_alias: pinned per
        Kubernetes version unless configured). ``system_nodes``: the system node group's minimum
        size, where the controller runs."""
        super().__init__(scope, construct_id)
        self.config = config
        if ami_alias.endswith("@latest"):
            Annotations.of(self).add_warning_v2(
                "spark-platform:ami-latest",
                f"karpenter.ami_alias {ami_alias}: every new AMI release drifts every Karpenter node; pin a "
                "version (al2023@vYYYYMMDD) outside pre-production (Karpenter, 'Managing AMIs')",
            )

        # Nodes: their role, the instance profile the EC2NodeClass names, and cluster access.
        self.node_role = node_role(self, "NodeRole", description=f"Nodes launched by Karpenter in {cluster_name}")
        self.instance_profile = iam.InstanceProfile(self, "NodeInstanceProfile", role=self.node_role)
        self.node_access = eks.AccessEntry(
            self,
            "NodeAccess",
            cluster=cluster,
            principal=self.node_role.role_arn,
            access_entry_type=eks.AccessEntryType.EC2_LINUX,
            access_policies=[],
        )

        self.interruption = InterruptionQueue(self, "Interruption", queue_name=f"{cluster_name}-karpenter")

        # Controller: a Pod Identity role limited to this cluster's resources.
        self.controller_role = pod_identity_role(
            self, "ControllerRole", cluster=cluster, description=f"Karpenter controller of {cluster_name}"
        )
        policy = iam.ManagedPolicy(
            self,
            "ControllerPolicy",
            description=f"Karpenter controller of {cluster_name}, scoped to that cluster",
            statements=controller_statements(
                cluster_name=cluster_name,
                cluster_arn=cluster.cluster_arn,
                node_role_arn=self.node_role.role_arn,
                instance_profile_arn=self.instance_profile.instance_profile_arn,
                queue_arn=self.interruption.queue.queue_arn,
            ),
        )
        self.controller_role.add_managed_policy(policy)
        _acknowledge_controller_wildcards(policy)
        self.pod_identity = eks.CfnPodIdentityAssociation(
            self,
            "PodIdentity",
            cluster_name=cluster.cluster_name,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            role_arn=self.controller_role.role_arn,
        )

        # CRDs from their own chart: Helm never upgrades CRDs shipped inside a chart, so a
        # controller upgrade would otherwise run against stale NodePool/EC2NodeClass schemas.
        self.crd_chart = eks.HelmChart(
            self,
            "CrdChart",
            cluster=cluster,
            chart="karpenter-crd",
            repository=CRD_CHART_REPOSITORY,
            version=config.chart_version,
            release="karpenter-crd",
            namespace=NAMESPACE,
            create_namespace=False,
        )
        self.chart = eks.HelmChart(
            self,
            "Chart",
            cluster=cluster,
            chart="karpenter",
            repository=CHART_REPOSITORY,
            version=config.chart_version,
            release="karpenter",
            namespace=NAMESPACE,
            create_namespace=False,
            skip_crds=True,
            wait=True,
            timeout=Duration.minutes(10),
            values=chart_values(
                cluster_name=cluster_name,
                queue_name=self.interruption.queue.queue_name,
                region=region,
                system_nodes=system_nodes,
            ),
        )
        for prerequisite in (
            self.crd_chart,
            self.pod_identity,
            policy,
            self.node_access,
            self.interruption,
            self.instance_profile,
        ):
            self.chart.node.add_dependency(prerequisite)

        self.node_class = eks.KubernetesManifest(
            self,
            "NodeClass",
            cluster=cluster,
            manifest=[
                node_class_manifest(
                    config,
                    ami_alias=ami_alias,
                    cluster_name=cluster_name,
                    instance_profile=self.instance_profile.instance_profile_name,
                    tags=node_tags,
                )
            ],
        )
        self.node_class.node.add_dependency(self.chart)

        self.node_pools: dict[str, eks.KubernetesManifest] = {}
        for name, manifest in node_pool_manifests(config).items():
            pool = eks.KubernetesManifest(
                self,
                "NodePool" + "".join(p.capitalize() for p in name.split("-")),
                cluster=cluster,
                manifest=[manifest],
            )
            pool.node.add_dependency(self.node_class)
            self.node_pools[name] = pool


def chart_values(*, cluster_name: str, queue_name: str, region: str, system_nodes: int) -> dict[str, Any]:
    """Helm values: the controller runs on the tainted system nodes, never on its own nodes.

    The chart keeps replicas on different nodes (required pod anti-affinity on the hostname),
    so there are never more replicas than the system node group's minimum size: a second
    replica on a one-node group would stay Pending and block the Helm release's wait.
    """
    return {
        "settings": {"clusterName": cluster_name, "interruptionQueue": queue_name},
        "serviceAccount": {"name": SERVICE_ACCOUNT},
        "replicas": min(2, system_nodes),
        "nodeSelector": dict(SYSTEM_NODE_LABEL),
        "tolerations": [{"key": SYSTEM_TAINT.key, "operator": "Exists", "effect": "NoSchedule"}],
        "controller": {
            # System nodes block IMDS for pods (hop limit 1): give the SDK its Region directly.
            "env": [{"name": "AWS_REGION", "value": region}],
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        },
    }


def _acknowledge_controller_wildcards(policy: iam.ManagedPolicy) -> None:
    """Each wildcard in the controller policy is either tag-conditioned or unavoidable."""
    region_part = "arn:<AWS::Partition>:ec2:<AWS::Region>"
    scoped = "conditioned on this cluster's ownership tag and a karpenter.sh/nodepool tag"
    reasons = {
        f"{region_part}::image/*": "Any AMI the EC2NodeClass alias resolves to; the alias is pinned in configuration.",
        f"{region_part}::snapshot/*": "Snapshots behind the AMI's root volume, whichever AMI the alias resolves to.",
        f"{region_part}:*:security-group/*": "Security groups are chosen by tag selectors in the EC2NodeClass.",
        f"{region_part}:*:subnet/*": "Subnets are chosen by the karpenter.sh/discovery tag selector in the EC2NodeClass.",
        f"{region_part}:*:capacity-reservation/*": "Capacity reservations a NodePool may target.",
        f"{region_part}:*:placement-group/*": "Placement groups an EC2NodeClass may name.",
        f"{region_part}:*:launch-template/*": f"Launch templates Karpenter creates, {scoped}.",
        f"{region_part}:*:fleet/*": f"Fleets Karpenter creates, {scoped}.",
        f"{region_part}:*:instance/*": f"Instances Karpenter launches, tags or terminates, {scoped}.",
        f"{region_part}:*:volume/*": f"Volumes created with Karpenter's instances, {scoped}.",
        f"{region_part}:*:network-interface/*": f"ENIs created with Karpenter's instances, {scoped}.",
        f"{region_part}:*:spot-instances-request/*": f"Spot requests Karpenter makes, {scoped}.",
        "arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/*": "Public AMI parameters that resolve the AMI alias.",
        "*": (
            "EC2 Describe* (limited by aws:RequestedRegion), pricing:GetProducts and iam:ListInstanceProfiles support "
            "no resource-level scoping; arc-zonal-shift:GetManagedResource is limited to this cluster by condition."
        ),
    }
    suppress(
        policy,
        *((f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]", reason) for resource, reason in reasons.items()),
    )
