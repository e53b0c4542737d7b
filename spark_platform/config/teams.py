"""Teams: namespace, quota, data access and network egress; and what all teams share."""

from __future__ import annotations

import re
from dataclasses import field

from pydantic import StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.alerts import AlertsConfig
from spark_platform.config.errors import MODEL_CONFIG, ConfigError, check, check_retention, fail, parse_cidr
from spark_platform.config.images import DEFAULT_RELEASE_LABEL
from spark_platform.emr_releases import ReleaseLabelError, parse_release_label, support_status

# Per-team caps: they bound a team's footprint in its stack, so placement can be a fixed
# number of teams per stack and stay stable (see spark_platform/tenancy/placement.py).
# The VPC CNI enforces at most 24 port/protocol combinations per CIDR across a pod's policies
# (EKS user guide, network policy considerations); 10 rules stay well inside it.
MAX_EGRESS_RULES = 10
TEAM_LIMITS = {"release_labels": 5, "s3_read": 10, "s3_write": 10, "glue_databases": 10, "read_team_data": 10}
MAX_TEAM_STACKS = 100
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


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class QuotaConfig:
    """Namespace ResourceQuota, and the largest single container (LimitRange)."""

    cpu: StrictInt = 400
    """vCPUs all the team's pods may request together (ResourceQuota ``requests.cpu``)."""
    memory_gib: StrictInt = 1600
    """GiB of memory all the team's pods may request together (``requests.memory``)."""
    pods: StrictInt = 2000
    """Pods the team may run at once."""
    max_container_cpu: StrictInt = 32
    """vCPUs one container may ask for (LimitRange); at most ``cpu``."""
    max_container_memory_gib: StrictInt = 256
    """GiB one container may ask for, memory overhead included (LimitRange); at most
    ``memory_gib``."""

    def validate(self, field_path: str) -> None:
        """Check the quota; errors name ``field_path``."""
        for name in ("cpu", "memory_gib", "pods", "max_container_cpu", "max_container_memory_gib"):
            if getattr(self, name) < 1:
                fail(f"{field_path}.{name}", f"{getattr(self, name)} must be positive")
        if self.max_container_cpu > self.cpu:
            fail(
                f"{field_path}.max_container_cpu",
                f"{self.max_container_cpu} cores > cpu {self.cpu} cores: one container may not exceed the namespace's "
                "quota; lower it or raise cpu",
            )
        if self.max_container_memory_gib > self.memory_gib:
            fail(
                f"{field_path}.max_container_memory_gib",
                f"{self.max_container_memory_gib} GiB > memory_gib {self.memory_gib} GiB: one container may not exceed "
                "the namespace's quota; lower it or raise memory_gib",
            )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class EgressRule:
    """Traffic a team's pods may open beyond what every job needs (a database, a partner API)."""

    cidr: StrictStr
    """The destination network (IPv4 CIDR); never link-local (instance metadata)."""
    ports: tuple[StrictInt, ...]
    """The destination ports, 1-65535, at least one: a rule opens ports, never a whole network."""
    protocol: StrictStr = "TCP"
    """``TCP`` or ``UDP``."""

    def validate(self, field_path: str) -> None:
        """Check the rule; errors name ``field_path``."""
        network = parse_cidr(f"{field_path}.cidr", self.cidr)
        if self.protocol not in ("TCP", "UDP"):
            fail(f"{field_path}.protocol", f"{self.protocol!r} is not TCP or UDP")
        if not self.ports:
            fail(f"{field_path}.ports", "list at least one port; a rule opens ports, never a whole network")
        for index, port in enumerate(self.ports):
            if not 1 <= port <= 65535:
                fail(f"{field_path}.ports[{index}]", f"{port} is not a port (1-65535)")
        if len(set(self.ports)) != len(self.ports):
            fail(f"{field_path}.ports", "lists the same port twice")
        if network.is_link_local:
            fail(f"{field_path}.cidr", f"{self.cidr!r} is link-local (instance metadata); pods never get it")


# A customer managed key (multi-Region keys included); an alias cannot be named: IAM grants the
# use of a key on its key ARN ("Controlling access to aliases": aliases are not resources of
# Decrypt or GenerateDataKey).
_KMS_KEY_ARN = re.compile(r"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class S3Location:
    """An S3 location whose objects are encrypted with a customer managed KMS key (SSE-KMS).

    The job role may use the key only through S3 (kms:ViaService), so only for the objects its S3
    permissions reach; the key's own policy must allow the role too when the key is in another
    account.
    """

    location: StrictStr
    """``s3://bucket/prefix/`` (ending in '/'; ``s3://bucket/`` for a whole bucket)."""
    kms_key_arn: StrictStr
    """The ARN of the customer managed key the objects are encrypted with (an alias cannot be
    granted)."""

    def validate(self, field_path: str) -> None:
        """Check the location and the key ARN; errors name ``field_path``."""
        _check_location(f"{field_path}.location", self.location)
        if not _KMS_KEY_ARN.match(self.kms_key_arn):
            fail(
                f"{field_path}.kms_key_arn",
                f"{self.kms_key_arn!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); "
                "give the key's ARN, not an alias",
            )


def _check_location(field_path: str, location: str) -> None:
    if len(location) > _MAX_LOCATION_LENGTH or not _S3_LOCATION.match(location):
        fail(
            field_path,
            f"{location!r} is not an S3 location like s3://bucket/prefix/ "
            "(ending in '/'; s3://bucket/ for a whole bucket; at most 128 characters)",
        )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class TeamConfig:
    """A team: its namespace, virtual cluster, execution role and data access."""

    name: StrictStr
    """The team's name in resource names and the job role (``<prefix>-<name>-emr-job``): 3-24
    characters of a-z, 0-9 and '-', starting with a letter. Unique; renaming is a new team."""
    namespace: StrictStr
    """The Kubernetes namespace the team's jobs run in (a DNS-1123 label, not ``default``,
    ``karpenter`` or ``kube-*``). Unique."""
    release_labels: tuple[StrictStr, ...] = (DEFAULT_RELEASE_LABEL,)
    """EMR releases the team may run (at most 5), of the release catalog (docs/runtimes.md): the
    virtual cluster accepts any, the pipelines checks only these. Each must be in ``images`` for
    the job types it uses. A release past its end of support is refused, one within 90 days warns."""
    s3_read: tuple[StrictStr | S3Location, ...] = ()
    """Extra S3 locations the job role may read (at most 10), ``s3://bucket/prefix/``; the
    trailing slash makes the prefix boundary explicit. A location encrypted with a customer managed
    key names it: ``{location: ..., kms_key_arn: ...}``. The team's own data area needs no entry."""
    s3_write: tuple[StrictStr | S3Location, ...] = ()
    """Extra S3 locations the job role may read and write (at most 10), in the same forms."""
    glue_databases: tuple[StrictStr, ...] = ()
    """Glue databases the team owns (a-z, 0-9, '_'; at most 10), created as
    ``<prefix with '_'>_<name>`` and readable and writable by its jobs only. Kept by ``cdk destroy``."""
    read_team_data: tuple[StrictStr, ...] = ()
    """Other teams whose data area (``s3://<data bucket>/teams/<team>/``) this team may read (at
    most 10)."""
    quota: QuotaConfig = field(default_factory=QuotaConfig)
    """The namespace's resource quota and largest container."""
    log_retention_days: StrictInt = 90
    """Days CloudWatch keeps the team's job logs; a CloudWatch retention value."""
    driver_local_storage_gib: StrictInt = 20
    """Size limit of a driver's ``spark-local-dir`` emptyDir in GiB, between 1 and 10000; plus
    1 GiB for logs it must fit the node disk left for pods (``karpenter.root_volume_gib``)."""
    executor_local_storage_gib: StrictInt = 80
    """Size limit of an executor's ``spark-local-dir`` emptyDir (shuffle and spill) in GiB,
    between 1 and 10000; plus 1 GiB for logs it must fit the node disk left for pods."""
    egress: tuple[EgressRule, ...] = ()
    """Network destinations the team's pods may open beyond the platform's defaults (same
    namespace, DNS, AWS APIs on 443); at most 10 rules."""
    job_credentials: StrictStr = "auto"
    """How the job execution role reaches the job's pods: ``pod_identity`` (EKS Pod Identity
    associations for EMR's three job service accounts), ``irsa`` (IAM roles for service accounts,
    the OIDC trust) or ``auto``: Pod Identity when every release of the team supports it
    (emr-7.3.0 and later), else IRSA. The team document states the outcome (docs/runtimes.md)."""
    stack: StrictInt | None = None
    """The teams stack (``<prefix>-teams-<stack>``, 1 to 100) that holds the team. Null: stack 1,
    which works while every team fits one stack; past that every team names its stack, so adding,
    removing or reordering teams never moves another (spark_platform/tenancy/placement.py)."""

    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    """Who hears about the team's failed, cancelled and long-running jobs (docs/observability.md)."""

    def validate(self, field_path: str, region: str | None = None) -> None:
        """Check the team on its own (PlatformConfig checks it against the other teams)."""
        for name, limit in TEAM_LIMITS.items():
            if len(getattr(self, name)) > limit:
                fail(f"{field_path}.{name}", f"{len(getattr(self, name))} entries; a team may have at most {limit}")
        if not _TEAM_NAME.match(self.name):
            fail(
                f"{field_path}.name",
                f"{self.name!r} must be 3-24 characters of a-z, 0-9 and '-', starting with a letter",
            )
        if len(self.namespace) > 63 or not _NAMESPACE.match(self.namespace):
            fail(
                f"{field_path}.namespace",
                f"{self.namespace!r} is not a Kubernetes namespace name (DNS-1123 label: a-z, 0-9, '-', at most 63)",
            )
        if self.namespace in RESERVED_NAMESPACES or self.namespace.startswith("kube-"):
            fail(f"{field_path}.namespace", f"{self.namespace!r} is reserved for the platform; pick a team namespace")
        if not self.release_labels:
            fail(f"{field_path}.release_labels", "list at least one EMR release label, e.g. emr-7.12.0-latest")
        for index, label in enumerate(self.release_labels):
            with check():
                try:
                    support_status(label, field_path=f"{field_path}.release_labels[{index}]")
                except ReleaseLabelError as error:
                    raise ConfigError(str(error)) from None
        if len(set(self.release_labels)) != len(self.release_labels):
            fail(f"{field_path}.release_labels", "lists the same release twice")
        if self.job_credentials not in JOB_CREDENTIALS:
            fail(
                f"{field_path}.job_credentials", f"{self.job_credentials!r} is not one of {', '.join(JOB_CREDENTIALS)}"
            )
        with check():  # parsing a label reported above stops only this check
            older = [label for label in self.release_labels if not parse_release_label(label).supports_pod_identity]
            if self.job_credentials == "pod_identity" and older:
                fail(
                    f"{field_path}.job_credentials",
                    f"pod_identity needs emr-7.3.0 or later, and {older[0]} is older; drop it or use irsa (or auto)",
                )
        for kind in ("s3_read", "s3_write"):
            for index, location in enumerate(getattr(self, kind)):
                if isinstance(location, S3Location):
                    location.validate(f"{field_path}.{kind}[{index}]")
                else:
                    _check_location(f"{field_path}.{kind}[{index}]", location)
        for index, database in enumerate(self.glue_databases):
            if not _GLUE_DATABASE.match(database):
                fail(f"{field_path}.glue_databases[{index}]", f"{database!r} is not a Glue database name (a-z, 0-9, _)")
        self.quota.validate(f"{field_path}.quota")
        if self.stack is not None and not 1 <= self.stack <= MAX_TEAM_STACKS:
            fail(f"{field_path}.stack", f"{self.stack} must be between 1 and {MAX_TEAM_STACKS}")
        if len(self.egress) > MAX_EGRESS_RULES:
            fail(f"{field_path}.egress", f"{len(self.egress)} rules; a team may have at most {MAX_EGRESS_RULES}")
        for index, rule in enumerate(self.egress):
            with check():
                rule.validate(f"{field_path}.egress[{index}]")
        for name in ("driver_local_storage_gib", "executor_local_storage_gib"):
            if not 1 <= getattr(self, name) <= 10000:
                fail(f"{field_path}.{name}", f"{getattr(self, name)} must be between 1 and 10000")
        check_retention(f"{field_path}.log_retention_days", self.log_retention_days)
        self.alerts.validate(f"{field_path}.alerts", region)


JOB_CREDENTIALS = ("auto", "pod_identity", "irsa")


def uses_pod_identity(team: TeamConfig) -> bool:
    """Whether the team's job role is handed to its pods by EKS Pod Identity (else IRSA)."""
    if team.job_credentials != "auto":
        return team.job_credentials == "pod_identity"
    return all(parse_release_label(label).supports_pod_identity for label in team.release_labels)


def glue_database_name(name_prefix: str, database: str) -> str:
    """A team's Glue database as it exists in the account: ``<prefix>_<database>``.

    Glue names are unique per account and Region, not per environment: the prefix keeps a second
    environment (another name_prefix) in the same account from colliding. Glue allows a-z, 0-9
    and '_' only (for Athena and Hive), so the prefix's '-' become '_'.
    """
    return f"{name_prefix.replace('-', '_')}_{database}"


def s3_location_parts(location: str | S3Location) -> tuple[str, str]:
    """(bucket, prefix) of a validated s3://bucket/prefix/ location."""
    match = _S3_LOCATION.match(location.location if isinstance(location, S3Location) else location)
    assert match, location
    return match["bucket"], match["prefix"]


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class TenancyConfig:
    """Settings shared by all teams."""

    log_bucket_retention_days: StrictInt = 365
    """Days the log buckets (Spark event logs and job logs, S3 access logs) keep objects; at
    least 1."""
    teams_per_stack: StrictInt | None = None
    """Teams a teams stack holds, 1 to 21. Null: 21, as many as provably fit within 80% of
    CloudFormation's limits (spark_platform/tenancy/placement.py)."""

    def __post_init__(self) -> None:
        if self.log_bucket_retention_days < 1:
            fail("tenancy.log_bucket_retention_days", f"{self.log_bucket_retention_days} must be positive")
        if self.teams_per_stack is not None and not 1 <= self.teams_per_stack <= MAX_TEAMS_PER_STACK:
            fail(
                "tenancy.teams_per_stack",
                f"{self.teams_per_stack} must be between 1 and {MAX_TEAMS_PER_STACK} (the most that stay within 80% of stack limits)",
            )


def stack_of(team: TeamConfig) -> int:
    return team.stack or 1


def check_placement(teams: tuple[TeamConfig, ...], per_stack: int) -> None:
    """Every teams stack within its capacity; past one stack, every team pinned to its stack.

    The message proposes pins for the unpinned teams (the lowest stack with room, in order), to
    copy into the configuration once; from then on nothing moves a team but its own entry.
    """
    unpinned = [index for index, team in enumerate(teams) if team.stack is None]
    if unpinned and (len(teams) > per_stack or len(unpinned) < len(teams)):
        used: dict[int, int] = {}
        for team in teams:
            if team.stack is not None:
                used[team.stack] = used.get(team.stack, 0) + 1
        proposals = []
        for index in unpinned:
            stack = next(number for number in range(1, MAX_TEAM_STACKS + 1) if used.get(number, 0) < per_stack)
            used[stack] = used.get(stack, 0) + 1
            proposals.append(f"teams[{index}] ({teams[index].name}): stack: {stack}")
        shown = "; ".join(proposals[:5]) + (f"; ... ({len(proposals)} teams)" if len(proposals) > 5 else "")
        fail(
            f"teams[{unpinned[0]}].stack",
            f"once teams span stacks (more than {per_stack} teams, or any team pinned), every team names its stack; "
            f"add {shown}",
        )
    counts: dict[int, int] = {}
    for team in teams:
        counts[stack_of(team)] = counts.get(stack_of(team), 0) + 1
    for stack, count in sorted(counts.items()):
        if count > per_stack:
            fail(
                "teams",
                f"{count} teams name stack {stack}, which holds at most {per_stack}; move some to another stack",
            )
