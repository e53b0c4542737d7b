"""Typed platform configuration, validated when it is built.

Every check raises :class:`ConfigError` with one line that names the field, the bad value and
what is allowed, so ``cdk synth`` stops before any template is written.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field

from spark_platform.config.regions import SUPPORTED_REGIONS
from spark_platform.emr_releases import ReleaseLabelError, parse_release_label
from spark_platform.images.job_types import UnknownJobTypeError, job_type
from spark_platform.images.registry import EMR_BASE_IMAGE_ACCOUNTS, UnpinnedReleaseError, pinned_base_image_tag
from spark_platform.orchestration.mwaa_versions import (
    DEFAULT_AIRFLOW_VERSION,
    MWAA_AIRFLOW,
    airflow_version_error,
    constraints_url,
)

# Kubernetes versions a new cluster may use, checked 2026-11-22: in EKS standard support (EKS user
# guide, "Understand the Kubernetes version lifecycle on EKS": 14 months from the EKS release;
# 1.35 until 27 March 2027) and in Karpenter 1.14's compatibility matrix (karpenter.sh/v1.14/
# upgrading/compatibility: Kubernetes 1.26 to 1.36). The default is the newest both support.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.35", "1.36")
DEFAULT_KUBERNETES_VERSION = "1.36"
KARPENTER_MAX_KUBERNETES = "1.36"
# Versions EKS still runs but a new platform must not start on, and why.
REFUSED_KUBERNETES_VERSIONS: dict[str, str] = {
    "1.34": "leaves EKS standard support on 2 December 2026 (extended support costs more per cluster hour)",
}

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

# Values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

# Address blocks AWS accepts as a secondary VPC CIDR next to an RFC 1918 primary block and
# that never clash with corporate networks: the carrier-grade NAT space and 198.19.0.0/16.
POD_CIDR_PARENTS = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("198.19.0.0/16"))
PRIVATE_PARENTS = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
)

_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(?P<account>\d{12}):(role|user)/[\w+=,.@/-]{1,512}$")
# The account may be "*": the trust's principal is the platform account, so it matches no other.
_PRINCIPAL_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(?P<account>\d{12}|\*):(role|user)/[\w+=,.@/*?-]{1,512}$")
# Graviton families carry a "g" right after the generation number: m7g, c8g, r7gd, t4g.
_GRAVITON_TYPE = re.compile(r"^[a-z]+\d+g[a-z]*\.[a-z0-9]+$")


class ConfigError(ValueError):
    """An invalid platform setting; the message is one line naming the field and the fix."""


def _fail(field_path: str, message: str) -> typing.NoReturn:
    raise ConfigError(f"{field_path}: {message}")


def parse_cidr(field_path: str, value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError, TypeError):
        _fail(field_path, f"{value!r} is not an IPv4 network in CIDR notation (e.g. 10.0.0.0/16)")


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Where the platform is deployed. Nothing here is ever looked up at synth time."""

    region: str
    availability_zones: tuple[str, ...]
    # None keeps the templates account-agnostic (they use AWS::AccountId).
    account: str | None = None

    def __post_init__(self) -> None:
        if self.account is not None and not _ACCOUNT.match(self.account):
            _fail("environment.account", f"{self.account!r} is not a 12-digit AWS account id")
        if self.region not in SUPPORTED_REGIONS:
            _fail(
                "environment.region",
                f"{self.region!r} is not a Region with EKS, EMR on EKS and MWAA; "
                f"use one of {', '.join(sorted(SUPPORTED_REGIONS))}",
            )
        if len(self.availability_zones) < 2:
            _fail(
                "environment.availability_zones",
                f"{len(self.availability_zones)} given; EKS needs at least 2 (3 recommended)",
            )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            _fail("environment.availability_zones", "lists the same zone twice")
        for zone in self.availability_zones:
            if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                _fail(
                    "environment.availability_zones",
                    f"{zone!r} is not a zone of {self.region} (expected e.g. {self.region}a)",
                )


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """The VPC: node subnets from ``vpc_cidr``, pod subnets from the secondary ``pod_cidr``."""

    vpc_cidr: str = "10.0.0.0/16"
    pod_cidr: str = "100.64.0.0/16"
    service_cidr: str = "172.20.0.0/16"
    nat_gateways: int | None = None  # None: one per availability zone
    interface_endpoints: tuple[str, ...] = ("ecr.api", "ecr.dkr", "sts", "logs", "eks-auth")
    flow_log_retention_days: int = 365

    def __post_init__(self) -> None:
        vpc = parse_cidr("network.vpc_cidr", self.vpc_cidr)
        pods = parse_cidr("network.pod_cidr", self.pod_cidr)
        services = parse_cidr("network.service_cidr", self.service_cidr)
        if not any(vpc.subnet_of(parent) for parent in PRIVATE_PARENTS):
            _fail("network.vpc_cidr", f"{vpc} is not inside an RFC 1918 private range")
        if not 16 <= vpc.prefixlen <= 20:
            _fail("network.vpc_cidr", f"{vpc} must be between /16 and /20 (VPC limit and room for node subnets)")
        if not any(pods.subnet_of(parent) for parent in POD_CIDR_PARENTS):
            _fail(
                "network.pod_cidr",
                f"{pods} must be inside 100.64.0.0/10 or 198.19.0.0/16 (non-routable pod space)",
            )
        if not 16 <= pods.prefixlen <= 20:
            _fail("network.pod_cidr", f"{pods} must be between /16 and /20")
        if not any(services.subnet_of(parent) for parent in PRIVATE_PARENTS):
            _fail("network.service_cidr", f"{services} must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        if not 12 <= services.prefixlen <= 24:
            _fail("network.service_cidr", f"{services} must be between /12 and /24")
        for name, other in (("network.vpc_cidr", vpc), ("network.pod_cidr", pods)):
            if services.overlaps(other):
                _fail("network.service_cidr", f"{services} overlaps {name} {other}; pick a disjoint block")
        if pods.overlaps(vpc):
            _fail("network.pod_cidr", f"{pods} overlaps network.vpc_cidr {vpc}; pick a disjoint block")
        if self.nat_gateways is not None and self.nat_gateways < 1:
            _fail("network.nat_gateways", f"{self.nat_gateways} given; private nodes need at least 1")
        for service in self.interface_endpoints:
            if service not in KNOWN_INTERFACE_ENDPOINTS:
                _fail(
                    "network.interface_endpoints", f"{service!r} is not one of {', '.join(KNOWN_INTERFACE_ENDPOINTS)}"
                )
        if self.flow_log_retention_days not in LOG_RETENTION_DAYS:
            _fail(
                "network.flow_log_retention_days",
                f"{self.flow_log_retention_days} is not a CloudWatch retention; use one of {LOG_RETENTION_DAYS}",
            )

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


def _minor(version: str) -> int:
    major, _, minor = version.partition(".")
    return int(minor) if major == "1" and minor.isdigit() else -1


@dataclass(frozen=True, kw_only=True)
class AdminRoleConfig:
    """Who may assume the cluster-admin role the platform creates (``<prefix>-eks-admin``).

    Only principals of the platform's own account, and of those only the ones listed: the trust
    names the account and requires ``aws:PrincipalArn`` to match an entry (IAM User Guide,
    "AWS global condition context keys": aws:PrincipalArn). For IAM Identity Center users, give the
    permission set's role pattern (IAM Identity Center User Guide, "Referencing permission sets in
    resource policies, Amazon EKS, and AWS KMS"):
    arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_<PermissionSet>_*
    """

    trusted_principal_arns: tuple[str, ...] = ()
    trusted_principal_arn_patterns: tuple[str, ...] = ()

    def validate(self, field_path: str, account: str | None) -> None:
        for name, pattern in (
            ("trusted_principal_arns", _PRINCIPAL_ARN),
            ("trusted_principal_arn_patterns", _PRINCIPAL_ARN_PATTERN),
        ):
            for index, arn in enumerate(getattr(self, name)):
                where = f"{field_path}.{name}[{index}]"
                match = pattern.match(arn)
                if not match:
                    _fail(
                        where,
                        f"{arn!r} is not an IAM role or user ARN"
                        + (" pattern" if name.endswith("patterns") else "")
                        + " (arn:aws:iam::<account>:role/<name> or :user/<name>)",
                    )
                if account and match["account"] not in (account, "*"):
                    _fail(
                        where,
                        f"{arn!r} is in account {match['account']}, not the platform's {account}; trust its own principals only",
                    )

    @property
    def configured(self) -> bool:
        return bool(self.trusted_principal_arns or self.trusted_principal_arn_patterns)


@dataclass(frozen=True, kw_only=True)
class ClusterConfig:
    """The EKS control plane and its access."""

    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    # Empty: the API endpoint is private (reachable from the VPC only).
    endpoint_public_cidrs: tuple[str, ...] = ()
    # Existing roles that get cluster admin. Empty: the platform creates <prefix>-eks-admin,
    # assumable only by the principals admin_role trusts.
    admin_role_arns: tuple[str, ...] = ()
    admin_role: AdminRoleConfig = field(default_factory=AdminRoleConfig)
    # Free /28 prefixes each node keeps attached so new executors start without an EC2 call.
    warm_prefix_target: int = 1
    control_plane_log_retention_days: int = 365

    def __post_init__(self) -> None:
        if self.kubernetes_version not in SUPPORTED_KUBERNETES_VERSIONS:
            version = self.kubernetes_version
            why = REFUSED_KUBERNETES_VERSIONS.get(version, "is not supported")
            if _minor(version) > _minor(KARPENTER_MAX_KUBERNETES):
                why = f"is newer than Karpenter 1.14 supports ({KARPENTER_MAX_KUBERNETES})"
            _fail(
                "cluster.kubernetes_version",
                f"{version!r} {why}; use one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}",
            )
        for index, cidr in enumerate(self.endpoint_public_cidrs):
            network = parse_cidr(f"cluster.endpoint_public_cidrs[{index}]", cidr)
            if network.prefixlen == 0:
                _fail(
                    f"cluster.endpoint_public_cidrs[{index}]",
                    "0.0.0.0/0 opens the API server to the internet; list your egress CIDRs or leave empty for a private endpoint",
                )
        for index, arn in enumerate(self.admin_role_arns):
            if not _ROLE_ARN.match(arn):
                _fail(
                    f"cluster.admin_role_arns[{index}]",
                    f"{arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                )
        if not 0 <= self.warm_prefix_target <= 16:
            _fail("cluster.warm_prefix_target", f"{self.warm_prefix_target} must be between 0 and 16")
        if self.control_plane_log_retention_days not in LOG_RETENTION_DAYS:
            _fail(
                "cluster.control_plane_log_retention_days",
                f"{self.control_plane_log_retention_days} is not a CloudWatch retention; use one of {LOG_RETENTION_DAYS}",
            )


@dataclass(frozen=True, kw_only=True)
class SystemNodesConfig:
    """The managed node group for system pods (CoreDNS, Karpenter). Spark never lands here."""

    instance_types: tuple[str, ...] = ("m7g.large", "m6g.large")
    min_size: int = 2
    desired_size: int = 2
    max_size: int = 4
    disk_size_gib: int = 50

    def __post_init__(self) -> None:
        if not self.instance_types:
            _fail("system_nodes.instance_types", "list at least one Graviton instance type, e.g. m7g.large")
        for instance_type in self.instance_types:
            if not _GRAVITON_TYPE.match(instance_type):
                _fail(
                    "system_nodes.instance_types", f"{instance_type!r} is not a Graviton (arm64) type such as m7g.large"
                )
        if not 1 <= self.min_size <= self.desired_size <= self.max_size:
            _fail(
                "system_nodes",
                f"sizes must satisfy 1 <= min_size ({self.min_size}) <= desired_size ({self.desired_size}) <= max_size ({self.max_size})",
            )
        if not 20 <= self.disk_size_gib <= 1000:
            _fail("system_nodes.disk_size_gib", f"{self.disk_size_gib} must be between 20 and 1000")


_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_AMI_ALIAS = re.compile(r"^(al2023|bottlerocket)@(latest|v[0-9][0-9.]*)$")
_CHART_VERSION = re.compile(r"^1\.14\.[0-9]+$")
_FAMILY = re.compile(r"^[a-z]+[0-9]+[a-z-]*$")
CAPACITY_TYPES = ("spot", "on-demand")


def _check_duration(field_path: str, value: str, *, allow_never: bool = False) -> None:
    if not (_DURATION.match(value) or (allow_never and value == "Never")):
        _fail(
            field_path, f"{value!r} is not a duration such as 30s, 10m or 720h" + (" (or Never)" if allow_never else "")
        )


@dataclass(frozen=True, kw_only=True)
class NodePoolConfig:
    """One Karpenter NodePool for Spark pods."""

    instance_families: tuple[str, ...]
    capacity_types: tuple[str, ...]
    instance_sizes: tuple[str, ...] = ("xlarge", "2xlarge", "4xlarge", "8xlarge")
    cpu_limit: int = 1000
    memory_limit_gib: int = 4000
    consolidate_after: str = "5m"
    expire_after: str = "168h"
    # How long a node being expired waits for pods that may not be disrupted (a driver).
    termination_grace_period: str = "24h"

    def validate(self, field_path: str, *, arm64: bool) -> None:
        if not self.instance_families:
            _fail(f"{field_path}.instance_families", "list at least one instance family")
        for family in self.instance_families:
            if not _FAMILY.match(family):
                _fail(f"{field_path}.instance_families", f"{family!r} is not an instance family such as m7g")
            if arm64 and not re.match(r"^[a-z]+[0-9]+g", family):
                _fail(f"{field_path}.instance_families", f"{family!r} is not a Graviton (arm64) family such as m7g")
        if not self.instance_sizes:
            _fail(f"{field_path}.instance_sizes", "list at least one instance size, e.g. 2xlarge")
        if not self.capacity_types or not set(self.capacity_types) <= set(CAPACITY_TYPES):
            _fail(
                f"{field_path}.capacity_types",
                f"{list(self.capacity_types)} must be a non-empty subset of {list(CAPACITY_TYPES)}",
            )
        if self.cpu_limit < 1 or self.memory_limit_gib < 1:
            _fail(field_path, "cpu_limit and memory_limit_gib must be positive")
        _check_duration(f"{field_path}.consolidate_after", self.consolidate_after)
        _check_duration(f"{field_path}.expire_after", self.expire_after, allow_never=True)
        _check_duration(f"{field_path}.termination_grace_period", self.termination_grace_period)


def _driver_pool() -> NodePoolConfig:
    # General-purpose Graviton: a driver needs a few cores and steady memory, not bursts.
    return NodePoolConfig(
        instance_families=("m7g", "m8g", "m6g"),
        capacity_types=("on-demand",),
        instance_sizes=("large", "xlarge", "2xlarge", "4xlarge"),
        cpu_limit=256,
        memory_limit_gib=1024,
        consolidate_after="5m",
        expire_after="720h",
        termination_grace_period="24h",
    )


def _executor_pool() -> NodePoolConfig:
    # Many families and sizes so spot can pick from deep pools; "d" types bring NVMe for shuffle.
    return NodePoolConfig(
        instance_families=(
            "c6g",
            "c7g",
            "c8g",
            "m6g",
            "m7g",
            "m8g",
            "r6g",
            "r7g",
            "r8g",
            "c6gd",
            "c7gd",
            "m6gd",
            "m7gd",
            "r6gd",
            "r7gd",
        ),
        capacity_types=("spot", "on-demand"),
        instance_sizes=("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
        cpu_limit=2000,
        memory_limit_gib=8000,
        consolidate_after="10m",
        expire_after="24h",
        termination_grace_period="1h",
    )


@dataclass(frozen=True, kw_only=True)
class KarpenterConfig:
    """Karpenter: controller version, node class defaults and the Spark NodePools."""

    chart_version: str = "1.14.1"
    ami_alias: str = "al2023@latest"
    # Holds one executor's local dirs (80 GiB by default) next to the images on types with no
    # NVMe; "d" types keep pods and images on their instance store (RAID0) instead.
    root_volume_gib: int = 150
    # 1 keeps containers away from the instance metadata service (and the node role):
    # EMR on EKS jobs get credentials from their execution role and the Region from env.
    imds_hop_limit: int = 1
    max_pods: int = 110
    driver: NodePoolConfig = field(default_factory=_driver_pool)
    executor: NodePoolConfig = field(default_factory=_executor_pool)

    def __post_init__(self) -> None:
        if not _CHART_VERSION.match(self.chart_version):
            _fail(
                "karpenter.chart_version",
                f"{self.chart_version!r} is not a 1.14.x release (the CRD schemas tested here)",
            )
        if not _AMI_ALIAS.match(self.ami_alias):
            _fail(
                "karpenter.ami_alias",
                f"{self.ami_alias!r} must be al2023@<version|latest> or bottlerocket@<version|latest>",
            )
        if not 20 <= self.root_volume_gib <= 16000:
            _fail("karpenter.root_volume_gib", f"{self.root_volume_gib} must be between 20 and 16000")
        if self.imds_hop_limit not in (1, 2):
            _fail(
                "karpenter.imds_hop_limit", f"{self.imds_hop_limit} must be 1 (pods blocked) or 2 (pods may reach IMDS)"
            )
        if not 10 <= self.max_pods <= 737:
            _fail("karpenter.max_pods", f"{self.max_pods} must be between 10 and 737")
        self.driver.validate("karpenter.driver", arm64=True)
        self.executor.validate("karpenter.executor", arm64=True)
        if tuple(self.driver.capacity_types) != ("on-demand",):
            _fail(
                "karpenter.driver.capacity_types",
                f"{list(self.driver.capacity_types)}: drivers must run on on-demand only; a reclaimed spot node kills the whole job",
            )


DEFAULT_RELEASE_LABEL = "emr-7.12.0-latest"


@dataclass(frozen=True, kw_only=True)
class ImageConfig:
    """A job type's image and the EMR releases it is built for."""

    job_type: str
    release_labels: tuple[str, ...] = (DEFAULT_RELEASE_LABEL,)

    def validate(self, field_path: str) -> None:
        try:
            job_type(self.job_type, field_path=f"{field_path}.job_type")
            if not self.release_labels:
                _fail(f"{field_path}.release_labels", "list at least one EMR release label, e.g. emr-7.12.0-latest")
            for index, label in enumerate(self.release_labels):
                pinned_base_image_tag(label, field_path=f"{field_path}.release_labels[{index}]")
        except (UnknownJobTypeError, ReleaseLabelError, UnpinnedReleaseError) as error:
            raise ConfigError(str(error)) from None
        if len(set(self.release_labels)) != len(self.release_labels):
            _fail(f"{field_path}.release_labels", "lists the same release twice")


def _default_images() -> tuple[ImageConfig, ...]:
    return (ImageConfig(job_type="pyspark-analytics"), ImageConfig(job_type="hudi-ingestion"))


# Per-team caps: they bound a team's footprint in its stack, so placement can be a fixed
# number of teams per stack and stay stable (see spark_platform/tenancy/placement.py).
# The VPC CNI enforces at most 24 port/protocol combinations per CIDR across a pod's policies
# (EKS user guide, network policy considerations); 10 rules stay well inside it.
MAX_EGRESS_RULES = 10
TEAM_LIMITS = {"release_labels": 5, "s3_read": 10, "s3_write": 10, "glue_databases": 10, "read_team_data": 10}
MAX_TEAMS_PER_STACK = 21  # = placement.teams_per_stack(), asserted by tests/test_scale.py

_TEAM_NAME = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "karpenter"})
_S3_LOCATION = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>([A-Za-z0-9!_.*'()=-]+/)*)$")
_GLUE_DATABASE = re.compile(r"^[a-z0-9_]{1,64}$")
_MAX_LOCATION_LENGTH = 128


# A Spark pod asks for its local-dir size plus this much ephemeral storage (container logs and
# the writable layer); see pod_templates/*.yaml.
POD_LOG_HEADROOM_GIB = 1
# On a node whose pods live on the root EBS volume, room is kept for the job images (an EMR
# Spark image unpacks to roughly 10 GiB; two releases side by side) and the OS.
IMAGES_AND_OS_GIB = 25


def node_disk_for_pods_gib(root_volume_gib: int) -> float:
    """What pods may fill on a root volume: kubelet keeps 10% (eviction) and 1 GiB (kube-reserved),
    and the images and OS need their share, which Kubernetes does not count against pods."""
    return root_volume_gib * 0.9 - 1 - IMAGES_AND_OS_GIB


@dataclass(frozen=True, kw_only=True)
class QuotaConfig:
    """Namespace ResourceQuota, and the largest single container (LimitRange)."""

    cpu: int = 400
    memory_gib: int = 1600
    pods: int = 2000
    max_container_cpu: int = 32
    max_container_memory_gib: int = 256

    def validate(self, field_path: str) -> None:
        for name in ("cpu", "memory_gib", "pods", "max_container_cpu", "max_container_memory_gib"):
            if getattr(self, name) < 1:
                _fail(f"{field_path}.{name}", f"{getattr(self, name)} must be positive")
        if self.max_container_cpu > self.cpu or self.max_container_memory_gib > self.memory_gib:
            _fail(
                field_path, "a single container may not exceed the namespace quota (max_container_* > cpu/memory_gib)"
            )


@dataclass(frozen=True, kw_only=True)
class EgressRule:
    """Traffic a team's pods may open beyond what every job needs (a database, a partner API)."""

    cidr: str
    ports: tuple[int, ...]
    protocol: str = "TCP"

    def validate(self, field_path: str) -> None:
        network = parse_cidr(f"{field_path}.cidr", self.cidr)
        if self.protocol not in ("TCP", "UDP"):
            _fail(f"{field_path}.protocol", f"{self.protocol!r} is not TCP or UDP")
        if not self.ports:
            _fail(f"{field_path}.ports", "list at least one port; a rule opens ports, never a whole network")
        for index, port in enumerate(self.ports):
            if not 1 <= port <= 65535:
                _fail(f"{field_path}.ports[{index}]", f"{port} is not a port (1-65535)")
        if len(set(self.ports)) != len(self.ports):
            _fail(f"{field_path}.ports", "lists the same port twice")
        if network.is_link_local:
            _fail(f"{field_path}.cidr", f"{self.cidr!r} is link-local (instance metadata); pods never get it")


@dataclass(frozen=True, kw_only=True)
class TeamConfig:
    """A team: its namespace, virtual cluster, execution role and data access."""

    name: str
    namespace: str
    release_labels: tuple[str, ...] = (DEFAULT_RELEASE_LABEL,)
    # s3://bucket/prefix/ locations; the trailing slash makes the prefix boundary explicit.
    s3_read: tuple[str, ...] = ()
    s3_write: tuple[str, ...] = ()
    glue_databases: tuple[str, ...] = ()
    # Other teams whose data area (s3://<data bucket>/teams/<team>/) this team may read.
    read_team_data: tuple[str, ...] = ()
    quota: QuotaConfig = field(default_factory=QuotaConfig)
    log_retention_days: int = 90
    # emptyDir size limits of the spark-local-dir volume in the pod templates.
    driver_local_storage_gib: int = 20
    executor_local_storage_gib: int = 80
    # Network destinations beyond the platform's defaults (same namespace, DNS, AWS APIs on 443).
    egress: tuple[EgressRule, ...] = ()

    def validate(self, field_path: str) -> None:
        for name, limit in TEAM_LIMITS.items():
            if len(getattr(self, name)) > limit:
                _fail(f"{field_path}.{name}", f"{len(getattr(self, name))} entries; a team may have at most {limit}")
        if not _TEAM_NAME.match(self.name):
            _fail(
                f"{field_path}.name",
                f"{self.name!r} must be 3-24 characters of a-z, 0-9 and '-', starting with a letter",
            )
        if len(self.namespace) > 63 or not _NAMESPACE.match(self.namespace):
            _fail(
                f"{field_path}.namespace",
                f"{self.namespace!r} is not a Kubernetes namespace name (DNS-1123 label: a-z, 0-9, '-', at most 63)",
            )
        if self.namespace in RESERVED_NAMESPACES or self.namespace.startswith("kube-"):
            _fail(f"{field_path}.namespace", f"{self.namespace!r} is reserved for the platform; pick a team namespace")
        if not self.release_labels:
            _fail(f"{field_path}.release_labels", "list at least one EMR release label, e.g. emr-7.12.0-latest")
        for index, label in enumerate(self.release_labels):
            try:
                parse_release_label(label, field_path=f"{field_path}.release_labels[{index}]")
            except ReleaseLabelError as error:
                raise ConfigError(str(error)) from None
        for kind in ("s3_read", "s3_write"):
            for index, location in enumerate(getattr(self, kind)):
                if len(location) > _MAX_LOCATION_LENGTH or not _S3_LOCATION.match(location):
                    _fail(
                        f"{field_path}.{kind}[{index}]",
                        f"{location!r} is not an S3 location like s3://bucket/prefix/ "
                        "(ending in '/'; s3://bucket/ for a whole bucket; at most 128 characters)",
                    )
        for index, database in enumerate(self.glue_databases):
            if not _GLUE_DATABASE.match(database):
                _fail(
                    f"{field_path}.glue_databases[{index}]", f"{database!r} is not a Glue database name (a-z, 0-9, _)"
                )
        self.quota.validate(f"{field_path}.quota")
        if len(self.egress) > MAX_EGRESS_RULES:
            _fail(f"{field_path}.egress", f"{len(self.egress)} rules; a team may have at most {MAX_EGRESS_RULES}")
        for index, rule in enumerate(self.egress):
            rule.validate(f"{field_path}.egress[{index}]")
        for name in ("driver_local_storage_gib", "executor_local_storage_gib"):
            if not 1 <= getattr(self, name) <= 10000:
                _fail(f"{field_path}.{name}", f"{getattr(self, name)} must be between 1 and 10000")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            _fail(
                f"{field_path}.log_retention_days",
                f"{self.log_retention_days} is not a CloudWatch retention; use one of {LOG_RETENTION_DAYS}",
            )


def s3_location_parts(location: str) -> tuple[str, str]:
    """(bucket, prefix) of a validated s3://bucket/prefix/ location."""
    match = _S3_LOCATION.match(location)
    assert match, location
    return match["bucket"], match["prefix"]


@dataclass(frozen=True, kw_only=True)
class TenancyConfig:
    """Settings shared by all teams."""

    log_bucket_retention_days: int = 365
    # None: as many as provably fit within 80% of CloudFormation's limits (see placement.py).
    teams_per_stack: int | None = None

    def __post_init__(self) -> None:
        if self.log_bucket_retention_days < 1:
            _fail("tenancy.log_bucket_retention_days", f"{self.log_bucket_retention_days} must be positive")
        if self.teams_per_stack is not None and not 1 <= self.teams_per_stack <= MAX_TEAMS_PER_STACK:
            _fail(
                "tenancy.teams_per_stack",
                f"{self.teams_per_stack} must be between 1 and {MAX_TEAMS_PER_STACK} (the most that stay within 80% of stack limits)",
            )


# Versions MWAA offers and the platform is tested with (spark_platform/orchestration/mwaa_versions.py);
# cfn-lint does not know them, so a typo would only fail at deploy.
MWAA_AIRFLOW_VERSIONS = tuple(MWAA_AIRFLOW)
MWAA_ENVIRONMENT_CLASSES = ("mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")
MWAA_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


@dataclass(frozen=True, kw_only=True)
class OrchestrationConfig:
    """The MWAA environment that runs the teams' pipelines."""

    enabled: bool = True
    # Where the teams' pipeline files are (relative to the repository root, or absolute).
    pipelines_dir: str = "orchestration/dags/pipelines"
    airflow_version: str = DEFAULT_AIRFLOW_VERSION
    environment_class: str = "mw1.small"
    min_workers: int = 1
    max_workers: int = 10
    schedulers: int = 2
    # PRIVATE_ONLY: the Airflow UI is reachable only from inside the VPC (VPN, bastion).
    webserver_access_mode: str = "PRIVATE_ONLY"
    # Who may reach the private UI endpoint (443); empty: the VPC only.
    webserver_allowed_cidrs: tuple[str, ...] = ()
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if error := airflow_version_error(self.airflow_version):
            _fail("orchestration.airflow_version", error)
        if self.environment_class not in MWAA_ENVIRONMENT_CLASSES:
            _fail(
                "orchestration.environment_class",
                f"{self.environment_class!r} is not one of {', '.join(MWAA_ENVIRONMENT_CLASSES)}",
            )
        if not 1 <= self.min_workers <= self.max_workers <= 25:
            _fail(
                "orchestration",
                f"workers must satisfy 1 <= min_workers ({self.min_workers}) <= max_workers ({self.max_workers}) <= 25",
            )
        micro = self.environment_class == "mw1.micro"
        if micro and (self.schedulers != 1 or self.max_workers != 1):
            _fail(
                "orchestration", "mw1.micro runs exactly 1 scheduler and 1 worker; set schedulers and max_workers to 1"
            )
        if not micro and not 2 <= self.schedulers <= 5:
            _fail("orchestration.schedulers", f"{self.schedulers} must be between 2 and 5 for {self.environment_class}")
        if self.webserver_access_mode not in ("PRIVATE_ONLY", "PUBLIC_ONLY"):
            _fail(
                "orchestration.webserver_access_mode",
                f"{self.webserver_access_mode!r} must be PRIVATE_ONLY or PUBLIC_ONLY",
            )
        for index, cidr in enumerate(self.webserver_allowed_cidrs):
            if parse_cidr(f"orchestration.webserver_allowed_cidrs[{index}]", cidr).prefixlen == 0:
                _fail(
                    f"orchestration.webserver_allowed_cidrs[{index}]",
                    "0.0.0.0/0 is not allowed; list the CIDRs of your users",
                )
        if self.log_level not in MWAA_LOG_LEVELS:
            _fail("orchestration.log_level", f"{self.log_level!r} is not one of {', '.join(MWAA_LOG_LEVELS)}")

    @property
    def python_version(self) -> str:
        """The Python MWAA runs this Airflow version on (from MWAA's versions page, not a rule)."""
        return MWAA_AIRFLOW[self.airflow_version].python

    @property
    def amazon_provider_version(self) -> str:
        return MWAA_AIRFLOW[self.airflow_version].amazon_provider

    @property
    def constraints_url(self) -> str:
        return constraints_url(self.airflow_version)


@dataclass(frozen=True, kw_only=True)
class PlatformConfig:
    """Everything that varies between deployments of the platform."""

    name_prefix: str
    environment: EnvironmentConfig
    network: NetworkConfig = field(default_factory=NetworkConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    system_nodes: SystemNodesConfig = field(default_factory=SystemNodesConfig)
    karpenter: KarpenterConfig = field(default_factory=KarpenterConfig)
    images: tuple[ImageConfig, ...] = field(default_factory=_default_images)
    tenancy: TenancyConfig = field(default_factory=TenancyConfig)
    teams: tuple[TeamConfig, ...] = ()
    orchestration: OrchestrationConfig = field(default_factory=OrchestrationConfig)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _NAME_PREFIX.match(self.name_prefix):
            _fail(
                "name_prefix",
                f"{self.name_prefix!r} must be 3-20 characters of lowercase letters, digits and '-', starting with a letter",
            )
        zones = len(self.environment.availability_zones)
        if self.network.nat_gateways is not None and self.network.nat_gateways > zones:
            _fail("network.nat_gateways", f"{self.network.nat_gateways} exceeds the {zones} availability zones")
        for index, image in enumerate(self.images):
            image.validate(f"images[{index}]")
        names = [image.job_type for image in self.images]
        if len(set(names)) != len(names):
            _fail("images", "lists the same job type twice; put all its releases in one entry")
        for index, team in enumerate(self.teams):
            team.validate(f"teams[{index}]")
        names = {team.name for team in self.teams}
        for index, team in enumerate(self.teams):
            for other in team.read_team_data:
                if other not in names or other == team.name:
                    _fail(f"teams[{index}].read_team_data", f"{other!r} is not another team; use names from teams")
        databases = [database for team in self.teams for database in team.glue_databases]
        shared = sorted({database for database in databases if databases.count(database) > 1})
        if shared:
            _fail("teams", f"Glue database {shared[0]!r} is owned by more than one team; each database has one owner")
        for attribute in ("name", "namespace"):
            values = [getattr(team, attribute) for team in self.teams]
            duplicates = sorted({value for value in values if values.count(value) > 1})
            if duplicates:
                _fail("teams", f"{attribute} {duplicates[0]!r} is used by more than one team; each team needs its own")
        disk = node_disk_for_pods_gib(self.karpenter.root_volume_gib)
        for index, team in enumerate(self.teams):
            for name in ("driver_local_storage_gib", "executor_local_storage_gib"):
                if getattr(team, name) + POD_LOG_HEADROOM_GIB > disk:
                    _fail(
                        f"teams[{index}].{name}",
                        f"{getattr(team, name)} GiB (+{POD_LOG_HEADROOM_GIB} for logs) does not fit the {disk:g} GiB a "
                        f"{self.karpenter.root_volume_gib} GiB node disk leaves for pods next to images; lower it or raise "
                        "karpenter.root_volume_gib",
                    )
        if self.environment.region not in EMR_BASE_IMAGE_ACCOUNTS:
            _fail("environment.region", f"{self.environment.region!r} has no EMR on EKS base image registry")
        if zones > 2 ** (24 - ipaddress.IPv4Network(self.network.pod_cidr).prefixlen):
            _fail("environment.availability_zones", "more zones than network.pod_cidr can be split into")
        self.cluster.admin_role.validate("cluster.admin_role", self.environment.account)
        if not self.cluster.admin_role_arns and not self.cluster.admin_role.configured:
            _fail(
                "cluster.admin_role",
                "no cluster administrator: list existing roles in cluster.admin_role_arns, or trusted_principal_arns / "
                "trusted_principal_arn_patterns for the platform-created admin role",
            )
        if self.cluster.admin_role_arns and self.cluster.admin_role.configured:
            _fail(
                "cluster.admin_role",
                "is only used when cluster.admin_role_arns is empty (no role is created then); remove one of the two",
            )

    def image(self, job_type_name: str) -> ImageConfig:
        for image in self.images:
            if image.job_type == job_type_name:
                return image
        raise ConfigError(f"images: no entry for job type {job_type_name!r}; add it to images in the platform config")

    def describe(self) -> dict[str, str]:
        """The key settings, in words, for summaries and docs."""
        zones = self.environment.availability_zones
        cluster = self.cluster
        return {
            "region": self.environment.region,
            "account": self.environment.account or "any (deploying credentials' account)",
            "availability zones": ", ".join(zones),
            "kubernetes version": cluster.kubernetes_version,
            "cluster": self.cluster_name,
            "api endpoint": "public for " + ", ".join(cluster.endpoint_public_cidrs) + " + private"
            if cluster.endpoint_public_cidrs
            else "private",
            "node address space": self.network.vpc_cidr,
            "pod address space": f"{self.network.pod_cidr} ({', '.join(self.network.pod_subnet_cidrs(len(zones)))};"
            f" {self.network.pod_ip_capacity(len(zones)):,} pod IPs)",
            "service address space": self.network.service_cidr,
            "system nodes": f"{self.system_nodes.min_size}-{self.system_nodes.max_size} x {'/'.join(self.system_nodes.instance_types)}",
            "images": "; ".join(f"{i.job_type} ({', '.join(i.release_labels)})" for i in self.images),
        }

    def job_role_name(self, team_name: str) -> str:
        """The execution role's name: a literal, because the IRSA trust embeds its base36 form.

        At most 20 (prefix) + 1 + 24 (team) + 8 characters: always within IAM's 64.
        """
        return f"{self.name_prefix}-{team_name}-emr-job"

    @property
    def cluster_name(self) -> str:
        return f"{self.name_prefix}-eks"

    @property
    def nat_gateway_count(self) -> int:
        return self.network.nat_gateways or len(self.environment.availability_zones)


# ---------------------------------------------------------------------------------------------
# Building a PlatformConfig from plain data (a YAML file or cdk.json context).


# Settings that existed once, with why they went and what to do instead.
_NO_AMD64 = (
    "removed: job images are built for linux/arm64 only (scripts/build_image.py), so an x86 pool could "
    "never run an executor; delete the setting and widen karpenter.executor.instance_families instead"
)
REMOVED_FIELDS = {"karpenter.amd64_fallback_enabled": _NO_AMD64, "karpenter.amd64_fallback": _NO_AMD64}


def from_mapping(data: Mapping[str, typing.Any]) -> PlatformConfig:
    """Build and validate a :class:`PlatformConfig` from nested plain data."""
    return _build(PlatformConfig, data, "")


def _build(cls: type, data: typing.Any, path: str, defaults: typing.Any = None) -> typing.Any:
    """Build ``cls`` from ``data``; fields missing from ``data`` keep the values of ``defaults``.

    Merging with the defaults lets a file override one setting of a nested section (say the
    executor pool's families) without restating the rest of that section.
    """
    label = path or "platform config"
    if not isinstance(data, Mapping):
        _fail(label, f"expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in data:
        removed = REMOVED_FIELDS.get(f"{path}.{name}" if path else name)
        if removed:
            _fail(f"{path}.{name}" if path else name, removed)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        _fail(label, f"unknown field {unknown[0]!r}; allowed: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    values: dict[str, typing.Any] = {}
    for name, value in data.items():
        nested_default = None
        if dataclasses.is_dataclass(hints[name]):
            if defaults is not None:
                nested_default = getattr(defaults, name)
            elif fields[name].default_factory is not dataclasses.MISSING:
                nested_default = fields[name].default_factory()
        values[name] = _coerce(hints[name], value, f"{path}.{name}" if path else name, nested_default)
    if defaults is not None:
        values = {f: getattr(defaults, f) for f in fields if f not in values} | values
    missing = [
        name
        for name, f in fields.items()
        if name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        _fail(label, f"missing required field {missing[0]!r}")
    return cls(**values)


def _coerce(hint: typing.Any, value: typing.Any, path: str, default: typing.Any = None) -> typing.Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _coerce(inner, value, path)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path, default)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            _fail(path, f"expected a list, got {type(value).__name__}")
        return tuple(_coerce(args[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            _fail(path, "expected a mapping of strings to strings")
        return dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            _fail(path, f"expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(path, f"expected an integer, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            _fail(path, f'expected a string, got {value!r} (quote numbers such as "1.35" in YAML)')
        return value
    raise TypeError(f"unsupported config type {hint!r} at {path}")  # a bug here, not user input
