"""The whole platform configuration, and how plain data (a YAML file) becomes one."""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
import typing
from collections.abc import Mapping
from dataclasses import field

from pydantic import StrictStr, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from spark_platform.config.alerts import ObservabilityConfig
from spark_platform.config.cluster import ClusterConfig, SystemNodesConfig
from spark_platform.config.environment import EnvironmentConfig, NetworkConfig
from spark_platform.config.errors import MODEL_CONFIG, ConfigError, check, config_errors, every_problem, fail
from spark_platform.config.images import ImageConfig, default_images
from spark_platform.config.karpenter import KarpenterConfig
from spark_platform.config.orchestration import OrchestrationConfig
from spark_platform.config.teams import (
    MAX_TEAMS_PER_STACK,
    POD_LOG_HEADROOM_GIB,
    TeamConfig,
    TenancyConfig,
    check_placement,
    node_disk_for_pods_gib,
)
from spark_platform.images.registry import EMR_BASE_IMAGE_ACCOUNTS
from spark_platform.kubernetes_versions import version_pins

_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class PlatformConfig:
    """Everything that varies between deployments of the platform."""

    name_prefix: StrictStr
    """Starts every stack and physical name: 3-20 characters of a-z, 0-9 and '-', starting with a
    letter. One per environment; a second environment in the same account takes another prefix."""
    environment: EnvironmentConfig
    """Where the platform is deployed."""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    """The VPC and its address spaces."""
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    """The EKS control plane and who administers it."""
    system_nodes: SystemNodesConfig = field(default_factory=SystemNodesConfig)
    """The managed node group for system pods (CoreDNS, Karpenter); Spark never lands there."""
    karpenter: KarpenterConfig = field(default_factory=KarpenterConfig)
    """Karpenter and the Spark NodePools."""
    images: tuple[ImageConfig, ...] = field(default_factory=default_images)
    """The job types whose images the platform builds (an ECR repository each), and the EMR
    releases of each. Every release a team runs a job type on must be listed here."""
    tenancy: TenancyConfig = field(default_factory=TenancyConfig)
    """Settings all teams share."""
    teams: tuple[TeamConfig, ...] = ()
    """The teams (one namespace, virtual cluster and job role each). Empty: a platform with no
    tenants yet."""
    orchestration: OrchestrationConfig = field(default_factory=OrchestrationConfig)
    """The MWAA environment that runs the teams' pipelines."""
    observability: ObservabilityConfig = field(default_factory=ObservabilityConfig)
    """The platform team's alerts and the recorded job events (docs/observability.md)."""
    tags: dict[StrictStr, StrictStr] = field(default_factory=dict)
    """Tags on every resource that takes tags (cost allocation, ownership), next to the platform's
    own ``spark-platform: <name_prefix>``."""

    def __post_init__(self) -> None:
        if not _NAME_PREFIX.match(self.name_prefix):
            fail(
                "name_prefix",
                f"{self.name_prefix!r} must be 3-20 characters of lowercase letters, digits and '-', starting with a letter",
            )
        zones = len(self.environment.availability_zones)
        if self.network.nat_gateways is not None and self.network.nat_gateways > zones:
            fail("network.nat_gateways", f"{self.network.nat_gateways} exceeds the {zones} availability zones")
        # Each group below stops alone: the rest still report when reading a file (every_problem).
        for index, image in enumerate(self.images):
            with check():
                image.validate(f"images[{index}]")
        names = [image.job_type for image in self.images]
        if len(set(names)) != len(names):
            fail("images", "lists the same job type twice; put all its releases in one entry")
        for index, team in enumerate(self.teams):
            with check():
                team.validate(f"teams[{index}]", self.environment.region)
        with check():
            self.observability.validate(self.environment.region)
        for index, team in enumerate(self.teams):
            others = sorted({other.name for other in self.teams} - {team.name})
            for other in team.read_team_data:
                if other not in others:
                    fail(
                        f"teams[{index}].read_team_data",
                        f"{other!r} is not another team; the other teams are: {', '.join(others) or 'none'}",
                    )
        databases = [database for team in self.teams for database in team.glue_databases]
        shared = sorted({database for database in databases if databases.count(database) > 1})
        if shared:
            fail("teams", f"Glue database {shared[0]!r} is owned by more than one team; each database has one owner")
        for attribute in ("name", "namespace"):
            values = [getattr(team, attribute) for team in self.teams]
            duplicates = sorted({value for value in values if values.count(value) > 1})
            if duplicates:
                fail("teams", f"{attribute} {duplicates[0]!r} is used by more than one team; each team needs its own")
        disk = node_disk_for_pods_gib(self.karpenter.root_volume_gib)
        for index, team in enumerate(self.teams):
            for name in ("driver_local_storage_gib", "executor_local_storage_gib"):
                if getattr(team, name) + POD_LOG_HEADROOM_GIB > disk:
                    fail(
                        f"teams[{index}].{name}",
                        f"{getattr(team, name)} GiB (+{POD_LOG_HEADROOM_GIB} for logs) does not fit the {disk:g} GiB a "
                        f"{self.karpenter.root_volume_gib} GiB node disk leaves for pods next to images; lower it or raise "
                        "karpenter.root_volume_gib",
                    )
        with check():
            check_placement(self.teams, self.tenancy.teams_per_stack or MAX_TEAMS_PER_STACK)
        if self.environment.region not in EMR_BASE_IMAGE_ACCOUNTS:
            fail("environment.region", f"{self.environment.region!r} has no EMR on EKS base image registry")
        with check():
            if zones > 2 ** (24 - ipaddress.IPv4Network(self.network.pod_cidr).prefixlen):
                fail("environment.availability_zones", "more zones than network.pod_cidr can be split into")
        with check():
            self.cluster.admin_role.validate("cluster.admin_role", self.environment.account)
        if not self.cluster.admin_role_arns and not self.cluster.admin_role.configured:
            fail(
                "cluster.admin_role",
                "no cluster administrator: list existing roles in cluster.admin_role_arns, or trusted_principal_arns / "
                "trusted_principal_arn_patterns for the platform-created admin role",
            )
        if self.cluster.admin_role_arns and self.cluster.admin_role.configured:
            fail(
                "cluster.admin_role",
                "is only used when cluster.admin_role_arns is empty (no role is created then); remove one of the two",
            )

    def image(self, job_type_name: str) -> ImageConfig:
        """The ``images`` entry of a job type; a ConfigError when there is none."""
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
    def node_ami_alias(self) -> str:
        """The EC2NodeClass AMI alias: configured, or pinned for the cluster's Kubernetes version."""
        return self.karpenter.ami_alias or version_pins(self.cluster.kubernetes_version).karpenter_ami_alias

    @property
    def cluster_name(self) -> str:
        """The EKS cluster's name, ``<prefix>-eks``."""
        return f"{self.name_prefix}-eks"

    @property
    def nat_gateway_count(self) -> int:
        """``network.nat_gateways``, or one per availability zone."""
        return self.network.nat_gateways or len(self.environment.availability_zones)


# ---------------------------------------------------------------------------------------------
# Building a PlatformConfig from plain data (a YAML file or cdk.json context).

# Settings that existed once, with why they went and what to do instead.
_NO_AMD64 = (
    "removed: job images are built for linux/arm64 only (scripts/build_image.py), so an x86 pool could "
    "never run an executor; delete the setting and widen karpenter.executor.instance_families instead"
)
REMOVED_FIELDS = {"karpenter.amd64_fallback_enabled": _NO_AMD64, "karpenter.amd64_fallback": _NO_AMD64}


@functools.cache
def _adapter() -> TypeAdapter[PlatformConfig]:
    return TypeAdapter(PlatformConfig)


def from_mapping(data: Mapping[str, typing.Any]) -> PlatformConfig:
    """Build and validate a :class:`PlatformConfig` from nested plain data.

    pydantic checks types and shape; a section given in part keeps the defaults of the rest
    (say the executor pool's families), as the defaults of that section, not of its class.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"platform config: expected a mapping, got {type(data).__name__}")
    with every_problem():
        try:
            return _adapter().validate_python(with_section_defaults(PlatformConfig, data, ""))
        except ValidationError as error:
            raise ConfigError("\n".join(config_errors(error, allowed_fields))) from None
    raise AssertionError("unreachable: every_problem raises the problems it collected")


def with_section_defaults(cls: type, data: typing.Any, path: str) -> typing.Any:
    """``data`` with every nested section that has a default filled in from that default."""
    if not isinstance(data, Mapping):
        return data
    merged = dict(data)
    for name in data:
        removed = REMOVED_FIELDS.get(f"{path}.{name}" if path else name)
        if removed:
            fail(f"{path}.{name}" if path else name, removed)
    for item in dataclasses.fields(cls):
        value = merged.get(item.name)
        kind = _section_type(cls, item.name)
        if kind is None or not isinstance(value, Mapping):
            continue
        default = item.default_factory() if item.default_factory is not dataclasses.MISSING else None
        child_path = f"{path}.{item.name}" if path else item.name
        if dataclasses.is_dataclass(default):
            value = {**_plain(default), **value}
        merged[item.name] = with_section_defaults(kind, value, child_path)
    return merged


def _section_type(cls: type, name: str) -> type | None:
    hint = typing.get_type_hints(cls)[name]
    return hint if dataclasses.is_dataclass(hint) else None


def _plain(section: typing.Any) -> dict[str, typing.Any]:
    """A default section as the data a file would give (one level; deeper levels merge in turn)."""
    return {item.name: getattr(section, item.name) for item in dataclasses.fields(section)}


def allowed_fields(location: tuple[str | int, ...]) -> list[str]:
    """The field names of the section at ``location``, for "unknown field" messages."""
    cls: typing.Any = PlatformConfig
    for part in location:
        if isinstance(part, int):
            continue
        hint = typing.get_type_hints(cls)[part]
        args = typing.get_args(hint)
        cls = args[0] if args and dataclasses.is_dataclass(args[0]) else hint
    return [item.name for item in dataclasses.fields(cls)]
