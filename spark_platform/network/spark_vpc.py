"""The VPC: node subnets, a separate pod address space, endpoints and flow logs."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from aws_cdk import Aws, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from spark_platform.compliance import logical_id, suppress
from spark_platform.config import NetworkConfig
from spark_platform.log_groups import encrypted_log_group, logs_key
from spark_platform.retention import key_alias

PUBLIC_SUBNET_MASK = 24


@dataclass(frozen=True)
class PodSubnet:
    """A subnet of the pod address space; the VPC CNI puts pod ENIs of one zone in it."""

    availability_zone: str
    subnet_id: str
    cidr: str


def node_subnet_mask(vpc_cidr: str, zone_count: int) -> int:
    """Largest equal node subnets that leave room for the public /24s.

    One more block than there are zones is reserved so the public subnets always fit.
    """
    prefix = ipaddress.IPv4Network(vpc_cidr).prefixlen
    return prefix + math.ceil(math.log2(zone_count + 1))


class SparkVpc(Construct):
    """A three-tier VPC for EMR on EKS.

    * public subnets hold only the NAT gateways (no public IPs are handed out);
    * private *node* subnets carved from ``vpc_cidr`` hold the EC2 nodes;
    * private *pod* subnets carved from the secondary ``pod_cidr`` hold the pods' ENIs
      (VPC CNI custom networking), so thousands of executors never exhaust node subnets;
    * S3 gateway and interface endpoints keep image pulls, credentials and logs off NAT;
    * every flow is logged to an encrypted log group.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: NetworkConfig,
        availability_zones: tuple[str, ...],
        nat_gateways: int,
        cluster_name: str,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        zones = list(availability_zones)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(config.vpc_cidr),
            availability_zones=zones,
            nat_gateways=nat_gateways,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=PUBLIC_SUBNET_MASK,
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="nodes",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=node_subnet_mask(config.vpc_cidr, len(zones)),
                ),
            ],
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
        )
        self.node_subnets = self.vpc.private_subnets
        for subnet in self.vpc.public_subnets:
            Tags.of(subnet).add("kubernetes.io/role/elb", "1")
            suppress(
                subnet,
                (
                    "HIPAA.Security::HIPAA.Security-VPCNoUnrestrictedRouteToIGW",
                    "Public subnets hold only the NAT gateways, which need the internet route; nodes and pods are private.",
                ),
            )
        for subnet in self.node_subnets:
            Tags.of(subnet).add("kubernetes.io/role/internal-elb", "1")
            # Karpenter launches nodes into subnets carrying its discovery tag.
            Tags.of(subnet).add("karpenter.sh/discovery", cluster_name)

        self.pod_subnets = self._add_pod_address_space(zones)
        self._add_interface_endpoints()
        self._add_flow_logs(name_prefix)

    @property
    def pod_cidr(self) -> str:
        return self.config.pod_cidr

    def _add_pod_address_space(self, zones: list[str]) -> list[PodSubnet]:
        """Attach the secondary CIDR and one pod subnet per zone.

        Pod subnets share the node subnet's route table in the same zone, so pods reach S3
        through the gateway endpoint and the internet through that zone's NAT gateway.
        """
        secondary = ec2.CfnVPCCidrBlock(self, "PodCidr", vpc_id=self.vpc.vpc_id, cidr_block=self.config.pod_cidr)
        subnets = []
        for index, (zone, cidr) in enumerate(zip(zones, self.config.pod_subnet_cidrs(len(zones)), strict=True)):
            subnet = ec2.CfnSubnet(
                self,
                f"PodSubnet{index + 1}",
                vpc_id=self.vpc.vpc_id,
                availability_zone=zone,
                cidr_block=cidr,
                map_public_ip_on_launch=False,
            )
            subnet.node.add_dependency(secondary)
            Tags.of(subnet).add("Name", f"{self.node.path}/PodSubnet{index + 1}")
            Tags.of(subnet).add("spark-platform/subnet-role", "pods")
            ec2.CfnSubnetRouteTableAssociation(
                self,
                f"PodSubnet{index + 1}Routes",
                subnet_id=subnet.ref,
                route_table_id=self.node_subnets[index].route_table.route_table_id,
            )
            subnets.append(PodSubnet(availability_zone=zone, subnet_id=subnet.ref, cidr=cidr))
        return subnets

    def _add_interface_endpoints(self) -> None:
        # The default endpoint security group admits only the primary CIDR; pods use the
        # secondary one, so without this rule every pod's ECR/STS call would time out.
        endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS from nodes and pods to interface VPC endpoints",
            allow_all_outbound=False,
        )
        for cidr in (self.config.vpc_cidr, self.config.pod_cidr):
            endpoint_sg.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), f"HTTPS from {cidr}")
        for service in self.config.interface_endpoints:
            self.vpc.add_interface_endpoint(
                "Endpoint" + "".join(part.capitalize() for part in service.replace("-", ".").split(".")),
                service=ec2.InterfaceVpcEndpointAwsService(service),
                subnets=ec2.SubnetSelection(subnets=self.node_subnets),
                security_groups=[endpoint_sg],
                private_dns_enabled=True,
                open=False,
            )

    def _add_flow_logs(self, name_prefix: str) -> None:
        # Network history outlives the stack (spark_platform/retention.py), with its key.
        key = logs_key(
            self,
            "FlowLogKey",
            description="Encrypts the VPC flow log group",
            kept_alias=key_alias(name_prefix, "vpc-flow-logs"),
        )
        log_group = encrypted_log_group(
            self,
            "FlowLogGroup",
            key=key,
            retention_days=self.config.flow_log_retention_days,
            log_group_name=f"/{name_prefix}/vpc-flow-logs",
            kept=True,
        )
        # A managed policy instead of CDK's generated inline one (HIPAA IAMNoInlinePolicy).
        role = iam.Role(
            self,
            "FlowLogRole",
            description="Lets VPC Flow Logs write to the flow log group",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
        )
        policy = iam.ManagedPolicy(
            self,
            "FlowLogPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[log_group.log_group_arn, f"{log_group.log_group_arn}:log-stream:*"],
                )
            ],
        )
        suppress(
            policy,
            (
                f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(log_group)}.Arn>:log-stream:*]",
                "Flow Logs name their streams after ENIs created later; the wildcard is confined to this one log group.",
            ),
        )
        role.add_managed_policy(policy)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group, role.without_policy_updates()),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
