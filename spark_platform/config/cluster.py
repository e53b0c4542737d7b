"""The EKS control plane, who administers it, and the system node group."""

from __future__ import annotations

import re
from dataclasses import field

from pydantic import StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, check, check_retention, fail, parse_cidr
from spark_platform.kubernetes_versions import KUBERNETES_VERSION_PINS

# Kubernetes versions a new cluster may use, checked 2026-11-22: in EKS standard support (EKS user
# guide, "Understand the Kubernetes version lifecycle on EKS": 14 months from the EKS release;
# 1.35 until 27 March 2027) and in Karpenter 1.14's compatibility matrix (karpenter.sh/v1.14/
# upgrading/compatibility: Kubernetes 1.26 to 1.36). The default is the newest both support.
# Each has its add-on, node and AMI versions pinned in spark_platform/kubernetes_versions.py.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = tuple(KUBERNETES_VERSION_PINS)
DEFAULT_KUBERNETES_VERSION = "1.36"
KARPENTER_MAX_KUBERNETES = "1.36"
# Versions EKS still runs but a new platform must not start on, and why.
REFUSED_KUBERNETES_VERSIONS: dict[str, str] = {
    "1.34": "leaves EKS standard support on 2 December 2026 (extended support costs more per cluster hour)",
}

_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(?P<account>\d{12}):(role|user)/[\w+=,.@/-]{1,512}$")
# The account may be "*": the trust's principal is the platform account, so it matches no other.
_PRINCIPAL_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(?P<account>\d{12}|\*):(role|user)/[\w+=,.@/*?-]{1,512}$")
# Graviton families carry a "g" right after the generation number: m7g, c8g, r7gd, t4g.
GRAVITON_TYPE = re.compile(r"^[a-z]+\d+g[a-z]*\.[a-z0-9]+$")


def _minor(version: str) -> int:
    major, _, minor = version.partition(".")
    return int(minor) if major == "1" and minor.isdigit() else -1


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class AdminRoleConfig:
    """Who may assume the cluster-admin role the platform creates (``<prefix>-eks-admin``).

    Only principals of the platform's own account, and of those only the ones listed: the trust
    names the account and requires ``aws:PrincipalArn`` to match an entry (IAM User Guide,
    "AWS global condition context keys": aws:PrincipalArn). For IAM Identity Center users, give the
    permission set's role pattern (IAM Identity Center User Guide, "Referencing permission sets in
    resource policies, Amazon EKS, and AWS KMS"):
    arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_<PermissionSet>_*
    """

    trusted_principal_arns: tuple[StrictStr, ...] = ()
    """IAM roles or users of the platform's account that may assume ``<prefix>-eks-admin``
    (``arn:aws:iam::<account>:role/<name>`` or ``:user/<name>``)."""
    trusted_principal_arn_patterns: tuple[StrictStr, ...] = ()
    """ARN patterns (``*`` and ``?``) of principals that may assume it, such as an IAM Identity
    Center permission set's roles; the account part may be ``*`` (it still means this account)."""

    def validate(self, field_path: str, account: str | None) -> None:
        """Check the ARNs (and that they are of ``account``); a ConfigError names ``field_path``."""
        for name, pattern in (
            ("trusted_principal_arns", _PRINCIPAL_ARN),
            ("trusted_principal_arn_patterns", _PRINCIPAL_ARN_PATTERN),
        ):
            for index, arn in enumerate(getattr(self, name)):
                where = f"{field_path}.{name}[{index}]"
                match = pattern.match(arn)
                if not match:
                    fail(
                        where,
                        f"{arn!r} is not an IAM role or user ARN"
                        + (" pattern" if name.endswith("patterns") else "")
                        + " (arn:aws:iam::<account>:role/<name> or :user/<name>)",
                    )
                if account and match["account"] not in (account, "*"):
                    fail(
                        where,
                        f"{arn!r} is in account {match['account']}, not the platform's {account}; trust its own principals only",
                    )

    @property
    def configured(self) -> bool:
        """Whether any principal may assume the role (else the platform creates none)."""
        return bool(self.trusted_principal_arns or self.trusted_principal_arn_patterns)


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class ClusterConfig:
    """The EKS control plane and its access."""

    kubernetes_version: StrictStr = DEFAULT_KUBERNETES_VERSION
    """The EKS Kubernetes version, quoted. One of the versions pinned in
    spark_platform/kubernetes_versions.py; raising it upgrades the control plane, add-ons and
    nodes in one deploy (docs/operations.md)."""
    endpoint_public_cidrs: tuple[StrictStr, ...] = ()
    """CIDRs that may reach the Kubernetes API from the internet; never 0.0.0.0/0. Empty: the
    endpoint is private, reachable from the VPC only."""
    admin_role_arns: tuple[StrictStr, ...] = ()
    """Existing IAM roles that get cluster admin. Empty: the platform creates
    ``<prefix>-eks-admin``, assumable only by the principals ``admin_role`` trusts. Give this or
    ``admin_role``, not both."""
    admin_role: AdminRoleConfig = field(default_factory=AdminRoleConfig)
    """Who may assume the admin role the platform creates (when ``admin_role_arns`` is empty)."""
    warm_prefix_target: StrictInt = 1
    """Free /28 IP prefixes each node keeps attached, so new executors start without waiting for
    an EC2 call. Between 0 and 16."""
    control_plane_log_retention_days: StrictInt = 365
    """Days CloudWatch keeps the control plane's logs; a CloudWatch retention value (1, 3, 5, 7,
    14, 30, 60, 90, ... 3653). The log group is kept by ``cdk destroy``."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            if self.kubernetes_version not in SUPPORTED_KUBERNETES_VERSIONS:
                version = self.kubernetes_version
                why = REFUSED_KUBERNETES_VERSIONS.get(version, "is not supported")
                if _minor(version) > _minor(KARPENTER_MAX_KUBERNETES):
                    why = f"is newer than Karpenter 1.14 supports ({KARPENTER_MAX_KUBERNETES})"
                fail(
                    "cluster.kubernetes_version",
                    f"{version!r} {why}; use one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}",
                )
            for index, cidr in enumerate(self.endpoint_public_cidrs):
                network = parse_cidr(f"cluster.endpoint_public_cidrs[{index}]", cidr)
                if network.prefixlen == 0:
                    fail(
                        f"cluster.endpoint_public_cidrs[{index}]",
                        "0.0.0.0/0 opens the API server to the internet; list your egress CIDRs or leave empty for a private endpoint",
                    )
            for index, arn in enumerate(self.admin_role_arns):
                if not _ROLE_ARN.match(arn):
                    fail(
                        f"cluster.admin_role_arns[{index}]",
                        f"{arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                    )
            if not 0 <= self.warm_prefix_target <= 16:
                fail("cluster.warm_prefix_target", f"{self.warm_prefix_target} must be between 0 and 16")
            check_retention("cluster.control_plane_log_retention_days", self.control_plane_log_retention_days)


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class SystemNodesConfig:
    """The managed node group for system pods (CoreDNS, Karpenter). Spark never lands here."""

    instance_types: tuple[StrictStr, ...] = ("m7g.large", "m6g.large")
    """Graviton (arm64) instance types of the system node group. Changing them replaces the
    node group (a new one first, then the old one drains)."""
    min_size: StrictInt = 2
    """Fewest system nodes; at least 1, at most ``desired_size``."""
    desired_size: StrictInt = 2
    """System nodes at creation; between ``min_size`` and ``max_size``."""
    max_size: StrictInt = 4
    """Most system nodes."""
    disk_size_gib: StrictInt = 50
    """Root volume of each system node in GiB. Between 20 and 1000."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            if not self.instance_types:
                fail("system_nodes.instance_types", "list at least one Graviton instance type, e.g. m7g.large")
            for instance_type in self.instance_types:
                if not GRAVITON_TYPE.match(instance_type):
                    fail(
                        "system_nodes.instance_types",
                        f"{instance_type!r} is not a Graviton (arm64) type such as m7g.large",
                    )
            if not 1 <= self.min_size <= self.desired_size <= self.max_size:
                fail(
                    "system_nodes",
                    f"sizes must satisfy 1 <= min_size ({self.min_size}) <= desired_size ({self.desired_size}) "
                    f"<= max_size ({self.max_size})",
                )
            if not 20 <= self.disk_size_gib <= 1000:
                fail("system_nodes.disk_size_gib", f"{self.disk_size_gib} must be between 20 and 1000")
