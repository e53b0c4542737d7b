"""Where the platform runs: the Region and zones, and the VPC's address spaces."""

from __future__ import annotations

import ipaddress
import math
import re

from pydantic import StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, check, check_retention, fail, parse_cidr
from spark_platform.config.regions import SUPPORTED_REGIONS

# Interface endpoints that pay for themselves on a Spark platform: image pulls (ECR), the
# per-pod credential exchange (STS, EKS Auth) and Spark's logs.
KNOWN_INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "ecr.api",
    "ecr.dkr",
    "sts",
    "logs",
    "eks-auth",
    "ec2",
    "sqs",
    "emr-containers",
    "monitoring",
)

# Address blocks AWS accepts as a secondary VPC CIDR next to an RFC 1918 primary block and
# that never clash with corporate networks: the carrier-grade NAT space and 198.19.0.0/16.
POD_CIDR_PARENTS = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("198.19.0.0/16"))
PRIVATE_PARENTS = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
)
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class EnvironmentConfig:
    """Where the platform is deployed. Nothing here is ever looked up at synth time."""

    region: StrictStr
    """The AWS Region: one with EKS, EMR on EKS and MWAA (spark_platform/config/regions.py).
    Changing it means a new environment."""
    availability_zones: tuple[StrictStr, ...]
    """Zones of ``region`` for the subnets: at least 2, 3 recommended. Given, never looked up, so
    synth stays offline and deterministic."""
    account: StrictStr | None = None
    """The 12-digit account id, quoted. Null keeps the templates account-agnostic (they use
    ``AWS::AccountId``); set it to have admin principal ARNs checked against it."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            if self.account is not None and not _ACCOUNT.match(self.account):
                fail("environment.account", f"{self.account!r} is not a 12-digit AWS account id")
            if self.region not in SUPPORTED_REGIONS:
                fail(
                    "environment.region",
                    f"{self.region!r} is not a Region with EKS, EMR on EKS and MWAA; "
                    f"use one of {', '.join(sorted(SUPPORTED_REGIONS))}",
                )
            if len(self.availability_zones) < 2:
                fail(
                    "environment.availability_zones",
                    f"{len(self.availability_zones)} given; EKS needs at least 2 (3 recommended)",
                )
            if len(set(self.availability_zones)) != len(self.availability_zones):
                fail("environment.availability_zones", "lists the same zone twice")
            for zone in self.availability_zones:
                if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                    fail(
                        "environment.availability_zones",
                        f"{zone!r} is not a zone of {self.region} (expected e.g. {self.region}a)",
                    )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class NetworkConfig:
    """The VPC: node subnets from ``vpc_cidr``, pod subnets from the secondary ``pod_cidr``."""

    vpc_cidr: StrictStr = "10.0.0.0/16"
    """The VPC's primary block, for node subnets: inside RFC 1918, /16 to /20, disjoint from the
    networks you peer with. Changing it replaces the VPC (a new environment)."""
    pod_cidr: StrictStr = "100.64.0.0/16"
    """The secondary block pods take their IPs from (VPC CNI custom networking): inside
    100.64.0.0/10 or 198.19.0.0/16, /16 to /20, split into one subnet per zone."""
    service_cidr: StrictStr = "172.20.0.0/16"
    """Kubernetes Service addresses: inside RFC 1918, /12 to /24, disjoint from both VPC blocks.
    Fixed when the cluster is created: changing it means a new environment."""
    nat_gateways: StrictInt | None = None
    """NAT gateways for the private subnets' egress: 1 to the number of zones. Null: one per zone
    (a zone outage leaves the others their egress); 1 saves cost for non-production."""
    interface_endpoints: tuple[StrictStr, ...] = ("ecr.api", "ecr.dkr", "sts", "logs", "eks-auth")
    """VPC interface endpoints (one per zone each), from ecr.api, ecr.dkr, sts, logs, eks-auth,
    ec2, sqs, emr-containers, monitoring. S3 always has a gateway endpoint."""
    flow_log_retention_days: StrictInt = 365
    """Days CloudWatch keeps the VPC flow logs; a CloudWatch retention value. Kept by
    ``cdk destroy``."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            vpc = parse_cidr("network.vpc_cidr", self.vpc_cidr)
            pods = parse_cidr("network.pod_cidr", self.pod_cidr)
            services = parse_cidr("network.service_cidr", self.service_cidr)
            if not any(vpc.subnet_of(parent) for parent in PRIVATE_PARENTS):
                fail("network.vpc_cidr", f"{vpc} is not inside an RFC 1918 private range")
            if not 16 <= vpc.prefixlen <= 20:
                fail("network.vpc_cidr", f"{vpc} must be between /16 and /20 (VPC limit and room for node subnets)")
            if not any(pods.subnet_of(parent) for parent in POD_CIDR_PARENTS):
                fail(
                    "network.pod_cidr",
                    f"{pods} must be inside 100.64.0.0/10 or 198.19.0.0/16 (non-routable pod space)",
                )
            if not 16 <= pods.prefixlen <= 20:
                fail("network.pod_cidr", f"{pods} must be between /16 and /20")
            if not any(services.subnet_of(parent) for parent in PRIVATE_PARENTS):
                fail("network.service_cidr", f"{services} must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
            if not 12 <= services.prefixlen <= 24:
                fail("network.service_cidr", f"{services} must be between /12 and /24")
            for name, other in (("network.vpc_cidr", vpc), ("network.pod_cidr", pods)):
                if services.overlaps(other):
                    fail("network.service_cidr", f"{services} overlaps {name} {other}; pick a disjoint block")
            if pods.overlaps(vpc):
                fail("network.pod_cidr", f"{pods} overlaps network.vpc_cidr {vpc}; pick a disjoint block")
            if self.nat_gateways is not None and self.nat_gateways < 1:
                fail("network.nat_gateways", f"{self.nat_gateways} given; private nodes need at least 1")
            for service in self.interface_endpoints:
                if service not in KNOWN_INTERFACE_ENDPOINTS:
                    fail(
                        "network.interface_endpoints",
                        f"{service!r} is not one of {', '.join(KNOWN_INTERFACE_ENDPOINTS)}",
                    )
            check_retention("network.flow_log_retention_days", self.flow_log_retention_days)

    def pod_subnet_cidrs(self, zone_count: int) -> list[str]:
        """The pod address space split into equal blocks, one per availability zone."""
        pods = ipaddress.IPv4Network(self.pod_cidr)
        extra_bits = max(1, math.ceil(math.log2(zone_count)))
        return [str(block) for block in list(pods.subnets(prefixlen_diff=extra_bits))[:zone_count]]

    def pod_ip_capacity(self, zone_count: int) -> int:
        """Pod addresses the pod subnets hold when the VPC CNI hands out /28 prefixes.

        In each subnet the first and the last /28 contain addresses AWS reserves, so they
        can never be delegated as a prefix.
        """
        prefixes_per_subnet = ipaddress.IPv4Network(self.pod_subnet_cidrs(zone_count)[0]).num_addresses // 16 - 2
        return prefixes_per_subnet * 16 * zone_count
