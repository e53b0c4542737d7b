"""The EKS cluster: control plane, access entries, managed add-ons and system nodes."""

from __future__ import annotations

import hashlib
import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.lambda_layer_kubectl_v35 import KubectlV35Layer
from constructs import Construct

from spark_platform.cluster.addons import ManagedAddons
from spark_platform.cluster.node_role import node_role
from spark_platform.compliance import harden_cdk_lambdas, logical_id, suppress
from spark_platform.config import AdminRoleConfig, ClusterConfig, SystemNodesConfig
from spark_platform.kubernetes_versions import version_pins
from spark_platform.log_groups import encrypted_log_group, logs_key
from spark_platform.network import PodSubnet
from spark_platform.observability.names import container_insights_log_group_name
from spark_platform.retention import key_alias

# Container Insights performance events feed the dashboards' metric filters within minutes; a
# month is kept for ad-hoc Logs Insights queries.
CONTAINER_INSIGHTS_RETENTION_DAYS = 30

# Nodes carrying this taint only run pods that tolerate it. CoreDNS, the EKS add-ons'
# DaemonSets and the Karpenter chart tolerate it out of the box; Spark pods never do.
SYSTEM_TAINT = eks.TaintSpec(key="CriticalAddonsOnly", value="true", effect=eks.TaintEffect.NO_SCHEDULE)
SYSTEM_NODE_LABEL = {"spark-platform/node-role": "system"}

CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
AUTHENTICATION_MODE = "API_AND_CONFIG_MAP"


class SparkCluster(Construct):
    """An EKS cluster ready for Karpenter and EMR on EKS.

    * authentication mode API_AND_CONFIG_MAP, the mode EMR on EKS documents for its access-entry
      integration; every grant is an access entry, the app never writes the aws-auth ConfigMap;
    * Kubernetes secrets envelope-encrypted with a customer-managed KMS key;
    * all five control-plane log types, kept in an encrypted log group with a retention;
    * API endpoint private, or public only for the configured CIDRs;
    * managed add-ons installed by EKS, not by a kubectl Lambda: the VPC CNI (prefix
      delegation and custom networking into the pod subnets) is in place before any node
      joins, CoreDNS only after the system nodes exist;
    * a tainted Graviton on-demand node group for system pods.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        config: ClusterConfig,
        system_nodes: SystemNodesConfig,
        vpc: ec2.IVpc,
        node_subnets: list[ec2.ISubnet],
        pod_subnets: list[PodSubnet],
        service_cidr: str,
        region: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config

        # The secrets live in the cluster's etcd and go with it, and so does their key (after
        # KMS's waiting period): nothing kept is encrypted with it.
        self.secrets_key = kms.Key(
            self,
            "SecretsKey",
            description=f"Envelope encryption of Kubernetes secrets in {cluster_name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # EKS writes control-plane logs to this fixed name; creating it first gives it a
        # retention and encryption instead of the never-expiring default EKS would create. The
        # audit trail is history: kept on destroy with its key (spark_platform/retention.py).
        log_key = logs_key(
            self,
            "ControlPlaneLogKey",
            description=f"Encrypts control-plane logs of {cluster_name}",
            kept_alias=key_alias(cluster_name, "control-plane-logs"),
        )
        self.control_plane_logs = encrypted_log_group(
            self,
            "ControlPlaneLogs",
            key=log_key,
            retention_days=config.control_plane_log_retention_days,
            log_group_name=f"/aws/eks/{cluster_name}/cluster",
            kept=True,
        )

        endpoint_access = (
            eks.EndpointAccess.PUBLIC_AND_PRIVATE.only_from(*config.endpoint_public_cidrs)
            if config.endpoint_public_cidrs
            else eks.EndpointAccess.PRIVATE
        )
        self.cluster = eks.Cluster(
            self,
            "Cluster",
            cluster_name=cluster_name,
            version=eks.KubernetesVersion.of(config.kubernetes_version),
            vpc=vpc,
            vpc_subnets=[ec2.SubnetSelection(subnets=node_subnets)],
            endpoint_access=endpoint_access,
            secrets_encryption_key=self.secrets_key,
            cluster_logging=[
                eks.ClusterLoggingTypes.API,
                eks.ClusterLoggingTypes.AUDIT,
                eks.ClusterLoggingTypes.AUTHENTICATOR,
                eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
                eks.ClusterLoggingTypes.SCHEDULER,
            ],
            # Managed add-ons below replace the self-managed vpc-cni/kube-proxy/CoreDNS that
            # EKS would otherwise install with default (non-prefix-delegation) settings.
            bootstrap_self_managed_addons=False,
            # Nobody gets implicit admin: access is granted by explicit access entries.
            bootstrap_cluster_creator_admin_permissions=False,
            default_capacity=0,
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            # One kubectl/Helm provider for every chart and manifest of the platform. It runs
            # in the private node subnets, so it works with a private API endpoint.
            kubectl_provider_options=eks.KubectlProviderOptions(
                kubectl_layer=KubectlV35Layer(self, "KubectlLayer"),
                private_subnets=node_subnets,
            ),
        )
        cfn_cluster: eks.CfnCluster = self.cluster.node.default_child  # type: ignore[assignment]
        cfn_cluster.add_property_override("KubernetesNetworkConfig.ServiceIpv4Cidr", service_cidr)
        # EMR on EKS guide, "Enable cluster access for Amazon EMR on EKS": its access-entry
        # integration is documented for API_AND_CONFIG_MAP. EKS only moves a cluster towards API
        # (CONFIG_MAP -> API_AND_CONFIG_MAP -> API), never back, so starting at API would leave
        # no way out but a new cluster if EMR's integration did not fire. (aws_eks_v2 sets API.)
        cfn_cluster.add_property_override("AccessConfig.AuthenticationMode", AUTHENTICATION_MODE)
        cfn_cluster.node.add_dependency(self.control_plane_logs)
        suppress(
            self.cluster,
            (
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]",
                "AmazonEKSClusterPolicy is the policy EKS documents for the cluster service role.",
            ),
        )

        self._harden_kubectl_provider(log_key)
        self.admin_roles = self._grant_admins(config.admin_role_arns, config.admin_role, cluster_name)

        self.node_role = node_role(self, "SystemNodeRole", description=f"System nodes of {cluster_name}")
        self.addons = ManagedAddons(
            self,
            "Addons",
            cluster=self.cluster,
            region=region,
            pod_subnets=pod_subnets,
            warm_prefix_target=config.warm_prefix_target,
            versions=version_pins(config.kubernetes_version).addons,
        )
        self.system_nodegroup = self._system_nodegroup(system_nodes, node_subnets)
        # Nodes must find the CNI configured (prefix delegation, pod subnets) when they join;
        # CoreDNS needs somewhere to run before EKS reports its add-on healthy.
        self.addons.before_nodes_join(self.system_nodegroup)
        self.addons.after_nodes_join(self.system_nodegroup)
        # Container Insights: where the agent writes pod and node performance events (derived
        # metrics, not history: goes with the stack), then the add-on, after the nodes.
        self.container_insights_logs = encrypted_log_group(
            self,
            "ContainerInsightsLogs",
            key=log_key,
            retention_days=CONTAINER_INSIGHTS_RETENTION_DAYS,
            log_group_name=container_insights_log_group_name(cluster_name),
        )
        self.container_insights = self.addons.add_container_insights(
            self.cluster, performance_log_group=self.container_insights_logs
        )
        self.container_insights.node.add_dependency(self.system_nodegroup)

    def _harden_kubectl_provider(self, log_key: kms.IKey) -> None:
        """Bring CDK's kubectl provider (two Lambda functions) up to the platform's baseline.

        Its log groups get KMS encryption and a retention; what CDK does not let us change is
        acknowledged here with the reason.
        """
        provider = self.cluster.node.find_child("KubectlProvider")
        for child in provider.node.find_all():
            if isinstance(child, logs.CfnLogGroup):
                child.kms_key_id = log_key.key_arn
                child.retention_in_days = self.config.control_plane_log_retention_days
                # Deploy-time logs of the provider go with the stack (CDK would keep them, under a
                # name derived from the function, which a redeploy could not import).
                child.apply_removal_policy(RemovalPolicy.DESTROY)
        managed = "arn:<AWS::Partition>:iam::aws:policy"
        harden_cdk_lambdas(
            provider,
            name="kubectl provider",
            inline_policy="eks:DescribeCluster on this cluster and invoking its own handler.",
            findings=(
                *(
                    (
                        f"AwsSolutions::AwsSolutions-IAM4[Policy::{managed}/{name}]",
                        "CDK's kubectl provider: Lambda logging, VPC ENIs and image pulls for the kubectl layer.",
                    )
                    for name in (
                        "service-role/AWSLambdaBasicExecutionRole",
                        "service-role/AWSLambdaVPCAccessExecutionRole",
                        "AmazonEC2ContainerRegistryReadOnly",
                    )
                ),
                (
                    f"AwsSolutions::AwsSolutions-IAM4[Policy::{_ecr_public_policy_condition(provider)}]",
                    "CDK's kubectl provider pulls OCI Helm charts from ECR Public (the Karpenter chart lives there).",
                ),
                (
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(provider.node.find_child('Handler'))}.Arn>:*]",
                    "The provider framework invokes versions and aliases of the kubectl handler function only.",
                ),
            ),
        )

    def _grant_admins(self, role_arns: tuple[str, ...], trust: AdminRoleConfig, cluster_name: str) -> list[iam.IRole]:
        """Cluster-admin access entries for the configured roles, or for a role made here."""
        admin_policy = eks.AccessPolicy.from_access_policy_name(
            CLUSTER_ADMIN_POLICY, access_scope_type=eks.AccessScopeType.CLUSTER
        )
        if role_arns:
            roles = [iam.Role.from_role_arn(self, f"AdminRole{i + 1}", arn) for i, arn in enumerate(role_arns)]
        else:
            # The account principal delegates to IAM, and the condition narrows it to the listed
            # principals: a bare account trust would let every role of the account become
            # cluster-admin. aws:PrincipalArn also matches IAM Identity Center's generated roles,
            # which are recreated with a new suffix when a permission set changes.
            principal = iam.AccountRootPrincipal().with_conditions(
                {
                    "ArnLike": {
                        "aws:PrincipalArn": [*trust.trusted_principal_arns, *trust.trusted_principal_arn_patterns]
                    }
                }
            )
            roles = [
                iam.Role(
                    self,
                    "AdminRole",
                    role_name=f"{cluster_name}-admin",
                    description=f"Cluster administrators of {cluster_name}; assumable only by the principals its configuration trusts",
                    assumed_by=principal,
                )
            ]
        for index, role in enumerate(roles):
            self.cluster.grant_access(f"AdminAccess{index + 1}", role.role_arn, [admin_policy])
        return roles

    def _system_nodegroup(self, settings: SystemNodesConfig, subnets: list[ec2.ISubnet]) -> eks.Nodegroup:
        launch_template = ec2.LaunchTemplate(
            self,
            "SystemNodeLaunchTemplate",
            # Hop limit 1: containers cannot reach the instance metadata service and so
            # cannot borrow the node's role; add-ons use Pod Identity instead.
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        settings.disk_size_gib,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        encrypted=True,
                        delete_on_termination=True,
                    ),
                )
            ],
        )
        pins = version_pins(self.config.kubernetes_version)
        nodegroup = self.cluster.add_nodegroup_capacity(
            "SystemNodes",
            nodegroup_name=system_nodegroup_name(settings),
            ami_type=SYSTEM_AMI_TYPE,
            capacity_type=eks.CapacityType.ON_DEMAND,
            instance_types=[ec2.InstanceType(name) for name in settings.instance_types],
            # The AMI release reviewed for this Kubernetes version (kubernetes_versions.py): an
            # upgrade or a new AMI release rolls the nodes in place.
            release_version=pins.node_release_version,
            # A rolling update waits for every PodDisruptionBudget (CoreDNS, Karpenter) rather than
            # force-evicting after EKS's timeout; a stuck drain fails the update and rolls back.
            force_update=False,
            min_size=settings.min_size,
            desired_size=settings.desired_size,
            max_size=settings.max_size,
            subnets=ec2.SubnetSelection(subnets=subnets),
            node_role=self.node_role,
            taints=[SYSTEM_TAINT],
            labels=SYSTEM_NODE_LABEL,
            launch_template_spec=eks.LaunchTemplateSpec(
                id=launch_template.launch_template_id,
                version=launch_template.latest_version_number,
            ),
        )
        # The node group follows the control plane: EKS refuses the next control-plane upgrade
        # while a managed node group is on an older minor (UpdateClusterVersion).
        cfn_nodegroup: eks.CfnNodegroup = nodegroup.node.default_child  # type: ignore[assignment]
        cfn_nodegroup.add_property_override("Version", self.config.kubernetes_version)
        return nodegroup


SYSTEM_AMI_TYPE = eks.NodegroupAmiType.AL2023_ARM_64_STANDARD


def system_nodegroup_name(settings: SystemNodesConfig) -> str:
    """``system-<hash>`` of what EKS sets only when a node group is created.

    InstanceTypes, AmiType and CapacityType are create-only (CloudFormation replaces the group
    when they change), and CloudFormation cannot replace a resource under a fixed name. A name
    that changes with them makes such a change a replacement CloudFormation can do: it creates the
    new group first and deletes the old one only after the stack update, when EKS drains its nodes
    through the eviction API, so CoreDNS and Karpenter move one pod at a time (their
    PodDisruptionBudgets). Sizes and the disk (launch template) change in place.
    """
    created_with = json.dumps(
        {"instance_types": list(settings.instance_types), "ami_type": SYSTEM_AMI_TYPE.value, "capacity": "ON_DEMAND"},
        sort_keys=True,
    )
    return f"system-{hashlib.sha256(created_with.encode()).hexdigest()[:8]}"


def _ecr_public_policy_condition(provider: Construct) -> str:
    """How the kubectl handler's conditional ECR Public policy appears in nag findings."""
    condition = logical_id(provider.node.find_child("Handler").node.find_child("HasEcrPublic"))
    policy_arn = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"],
        ]
    }
    return json.dumps({"Fn::If": [condition, policy_arn, {"Ref": "AWS::NoValue"}]}, separators=(",", ":"))
