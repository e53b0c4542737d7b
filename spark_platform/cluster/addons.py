"""EKS managed add-ons, ordered around the node groups, and their Pod Identity roles."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from spark_platform.compliance import suppress
from spark_platform.network import PodSubnet

# The VPC CNI picks the ENIConfig (and so the pod subnet) named after the node's zone.
ENI_CONFIG_LABEL = "topology.kubernetes.io/zone"


def pod_identity_role(scope: Construct, construct_id: str, *, cluster: eks.ICluster, description: str) -> iam.Role:
    """A role that EKS Pod Identity may hand to pods of ``cluster`` and of no other cluster."""
    return iam.Role(
        scope,
        construct_id,
        description=description,
        assumed_by=iam.SessionTagsPrincipal(
            iam.ServicePrincipal("pods.eks.amazonaws.com").with_conditions(
                {
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnEquals": {"aws:SourceArn": cluster.cluster_arn},
                }
            )
        ),
    )


def vpc_cni_configuration(
    *, region: str, pod_subnets: list[PodSubnet], security_group_id: str, warm_prefix_target: int
) -> dict[str, Any]:
    """Configuration values of the vpc-cni add-on.

    Prefix delegation gives every ENI slot a /28 (16 pod addresses) instead of one address;
    custom networking places pod ENIs in the pod subnets of the node's zone. The add-on
    creates the ENIConfig objects itself, so no kubectl call is needed at deploy time.
    """
    return {
        # The network policy agent enforces the teams' NetworkPolicies (EKS user guide, "Limit Pod
        # traffic with Kubernetes network policies": add-on 1.14+, Linux EC2 nodes, supported with
        # custom networking and prefix delegation). Without it the API server stores them and
        # nothing enforces them.
        "enableNetworkPolicy": "true",
        "env": {
            "ENABLE_PREFIX_DELEGATION": "true",
            "WARM_PREFIX_TARGET": str(warm_prefix_target),
            "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
            "ENI_CONFIG_LABEL_DEF": ENI_CONFIG_LABEL,
        },
        "eniConfig": {
            "create": True,
            "region": region,
            "subnets": {
                subnet.availability_zone: {"id": subnet.subnet_id, "securityGroups": [security_group_id]}
                for subnet in pod_subnets
            },
        },
    }


def container_insights_configuration() -> dict[str, Any]:
    """Configuration values of amazon-cloudwatch-observability (keys of its chart's values.yaml,
    aws-observability/helm-charts, charts/amazon-cloudwatch-observability, 6.4.0)."""
    from spark_platform.observability.cost import COLLECTION_INTERVAL_SECONDS

    critical_addons_only = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}
    return {
        "containerLogs": {"enabled": False},
        "applicationSignals": {"enabled": False},
        "dcgmExporter": {"enabled": False},
        "neuronMonitor": {"enabled": False},
        "manager": {"tolerations": [critical_addons_only]},
        "agent": {
            "config": {
                "logs": {
                    "metrics_collected": {
                        "kubernetes": {
                            "enhanced_container_insights": True,
                            # The interval vCPU-hours are computed with (observability/cost.py).
                            "metrics_collection_interval": COLLECTION_INTERVAL_SECONDS,
                        }
                    }
                }
            }
        },
    }


class ManagedAddons(Construct):
    """vpc-cni, kube-proxy, EKS Pod Identity agent, CoreDNS (and, through ``add_container_insights``,
    amazon-cloudwatch-observability) as EKS managed add-ons, each at the
    version pinned for the cluster's Kubernetes version (``versions``, from
    spark_platform/kubernetes_versions.py): EKS moves no add-on by itself when the cluster is
    upgraded ("Update an Amazon EKS add-on")."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: eks.Cluster,
        region: str,
        pod_subnets: list[PodSubnet],
        warm_prefix_target: int,
        versions: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._versions = versions
        self.pod_identity_agent = self._addon(cluster, "eks-pod-identity-agent")
        self.kube_proxy = self._addon(cluster, "kube-proxy")

        self.vpc_cni_role = pod_identity_role(
            self, "VpcCniRole", cluster=cluster, description="VPC CNI (aws-node): manages ENIs and pod prefixes"
        )
        self.vpc_cni_role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKS_CNI_Policy"))
        suppress(
            self.vpc_cni_role,
            (
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy]",
                "AmazonEKS_CNI_Policy is the policy AWS maintains for the VPC CNI's ENI calls, held by aws-node only.",
            ),
        )
        self.vpc_cni = self._addon(
            cluster,
            "vpc-cni",
            configuration_values=vpc_cni_configuration(
                region=region,
                pod_subnets=pod_subnets,
                security_group_id=cluster.cluster_security_group_id,
                warm_prefix_target=warm_prefix_target,
            ),
        )
        cfn_cni: eks.CfnAddon = self.vpc_cni.node.default_child  # type: ignore[assignment]
        cfn_cni.add_property_override(
            "PodIdentityAssociations", [{"ServiceAccount": "aws-node", "RoleArn": self.vpc_cni_role.role_arn}]
        )
        # The association only yields credentials once the agent runs on the node.
        self.vpc_cni.node.add_dependency(self.pod_identity_agent)

        self.coredns = self._addon(cluster, "coredns")

    def _addon(self, cluster: eks.Cluster, name: str, configuration_values: dict[str, Any] | None = None) -> eks.Addon:
        addon = eks.Addon(
            self,
            "Addon" + "".join(part.capitalize() for part in name.split("-")),
            cluster=cluster,
            addon_name=name,
            addon_version=self._versions[name],
            configuration_values=configuration_values,
            preserve_on_delete=False,
        )
        cfn_addon: eks.CfnAddon = addon.node.default_child  # type: ignore[assignment]
        cfn_addon.resolve_conflicts = "OVERWRITE"
        return addon

    def add_container_insights(self, cluster: eks.Cluster, *, performance_log_group: IConstruct) -> eks.Addon:
        """Container Insights with enhanced observability: the amazon-cloudwatch-observability add-on
        (CloudWatch User Guide, "Install the Amazon CloudWatch Observability EKS add-on"), credentials
        through EKS Pod Identity (service account cloudwatch-agent in amazon-cloudwatch; add-on 3.1.0+).

        Its agent is a DaemonSet that tolerates every taint (the chart's default ``tolerations:
        [{operator: Exists}]``): it runs on the Spark nodes too, where it reads the pods' requests, and
        its requests are part of every node's DaemonSet overhead (jobs/capacity.py). Its controller
        runs on the system nodes (CriticalAddonsOnly). Container logs stay off: EMR ships each job's
        logs to the team's log group and S3 already. The performance log group exists before the
        add-on, with the platform's retention and key, so the agent does not create one of its own.
        """
        role = pod_identity_role(
            self, "CloudWatchAgentRole", cluster=cluster, description="CloudWatch agent: Container Insights metrics"
        )
        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("CloudWatchAgentServerPolicy"))
        suppress(
            role,
            (
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]",
                "CloudWatchAgentServerPolicy is the policy AWS documents and maintains for the CloudWatch agent.",
            ),
        )
        addon = self._addon(
            cluster, "amazon-cloudwatch-observability", configuration_values=container_insights_configuration()
        )
        cfn_addon: eks.CfnAddon = addon.node.default_child  # type: ignore[assignment]
        cfn_addon.add_property_override(
            "PodIdentityAssociations", [{"ServiceAccount": "cloudwatch-agent", "RoleArn": role.role_arn}]
        )
        addon.node.add_dependency(self.pod_identity_agent, performance_log_group)
        return addon

    def before_nodes_join(self, nodes: IConstruct) -> None:
        """Nodes join only after networking and credentials for pods are configured."""
        for addon in (self.vpc_cni, self.kube_proxy, self.pod_identity_agent):
            nodes.node.add_dependency(addon)

    def after_nodes_join(self, nodes: IConstruct) -> None:
        """CoreDNS is a Deployment: created before any node, EKS reports it degraded."""
        self.coredns.node.add_dependency(nodes)
