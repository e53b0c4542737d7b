"""SparkPlatform: the one entry point, a construct that composes the platform's stacks.

Used like an aws-cdk-lib construct::

    platform = SparkPlatform(app, "SparkPlatform", config=settings)   # shared stacks
    analytics = platform.add_team(TeamConfig(name="analytics", namespace="spark-analytics"))
    platform.grant_start_job_run("analytics", some_role)
    platform.add_pipelines()                                           # MWAA + the DAGs

``build_platform`` is the configuration-file front end over the same API.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Stack, Tags
from aws_cdk import aws_emrcontainers as emrc
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from spark_platform.config import ConfigError, PlatformConfig, TeamConfig
from spark_platform.config.errors import every_problem
from spark_platform.jobs.pipelines import check_pipelines, pipelines_dir, team_artifacts
from spark_platform.stacks.cluster_stack import ClusterStack
from spark_platform.stacks.images_stack import ImagesStack
from spark_platform.stacks.karpenter_stack import KarpenterStack
from spark_platform.stacks.network_stack import NetworkStack
from spark_platform.stacks.observability_stack import ObservabilityStack, TeamsObservabilityStack
from spark_platform.stacks.orchestration_stack import OrchestrationStack
from spark_platform.stacks.team_identities_stack import TeamIdentitiesStack
from spark_platform.stacks.teams_stack import TeamsStack
from spark_platform.stacks.tenancy_stack import TenancyStack
from spark_platform.tenancy import ClusterAccess, SparkTeam
from spark_platform.tenancy.placement import place_teams

# The cost-allocation tag of a team's resources and job runs (docs/observability.md, "Cost per team").
TEAM_TAG = "spark-platform/team"


class SparkPlatform(Construct):
    """The network, cluster, Karpenter, images and shared storage stacks; teams and the
    orchestration stack are added with ``add_team`` and ``add_pipelines``.

    ``config`` holds the platform-wide settings; its ``teams`` must be empty (teams come
    through ``add_team``, each validated against the teams added before it).

    Handles: ``network``, ``cluster``, ``images`` (None without images), ``karpenter``,
    ``tenancy`` and ``orchestration`` (None until ``add_pipelines``) are the stacks;
    ``teams`` maps a team's name to its ``SparkTeam``, ``team_stacks`` a stack number to its
    ``TeamsStack``. The stacks are siblings of this construct in ``scope``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig) -> None:
        super().__init__(scope, construct_id)
        if config.teams:
            raise ConfigError(
                "teams: SparkPlatform(config=...) takes the platform settings only; add each team with add_team(...)"
                " (build_platform does this for a configuration file)"
            )
        self.config = config
        # The stacks are siblings of this construct, not children: a construct path is part of
        # some resources (VPC Name tags, security group descriptions), and nesting would change them.
        self._scope = scope
        prefix, environment = config.name_prefix, config.environment
        self.network = NetworkStack(
            scope,
            f"{prefix}-network",
            name_prefix=prefix,
            environment=environment,
            network=config.network,
            nat_gateways=config.nat_gateway_count,
            cluster_name=config.cluster_name,
        )
        self.cluster = ClusterStack(
            scope,
            f"{prefix}-cluster",
            name_prefix=prefix,
            environment=environment,
            cluster_name=config.cluster_name,
            cluster=config.cluster,
            system_nodes=config.system_nodes,
            service_cidr=config.network.service_cidr,
            network=self.network.network,
        )
        # No images configured (jobs use EMR's own images): no repositories, no empty stack.
        self.images: ImagesStack | None = None
        if config.images:
            self.images = ImagesStack(
                scope, f"{prefix}-images", name_prefix=prefix, environment=environment, images=config.images
            )
        self.karpenter = KarpenterStack(
            scope,
            f"{prefix}-karpenter",
            name_prefix=prefix,
            environment=environment,
            cluster_name=config.cluster_name,
            karpenter=config.karpenter,
            ami_alias=config.node_ami_alias,
            system_nodes=config.system_nodes.min_size,
            cluster=self.cluster.spark_cluster.cluster,
            # Karpenter's instances are not CloudFormation's: they get the platform's tags here.
            node_tags={"spark-platform": prefix, **dict(sorted(config.tags.items()))},
        )
        # The kubelet on Karpenter's nodes pulls the job images with the node role; job roles (IRSA
        # credentials inside the pods) never pull, so they get no ECR access.
        if self.images is not None:
            self.images.repositories.grant_pull(self.karpenter.karpenter.node_role)
        self.tenancy = TenancyStack(
            scope,
            f"{prefix}-tenancy",
            name_prefix=prefix,
            environment=environment,
            log_bucket_retention_days=config.tenancy.log_bucket_retention_days,
        )
        eks_cluster = self.cluster.spark_cluster.cluster
        zones = len(environment.availability_zones)
        self.observability = ObservabilityStack(
            scope,
            f"{prefix}-observability",
            name_prefix=prefix,
            environment=environment,
            config=config.observability,
            cluster_name=config.cluster_name,
            cluster=eks_cluster,
            network=self.network.network,
            pod_ips_per_zone=config.network.pod_ip_capacity(zones) // zones,
            karpenter=self.karpenter.karpenter,
        )
        self._access = ClusterAccess(
            cluster=eks_cluster,
            cluster_name=config.cluster_name,
            oidc_provider_arn=eks_cluster.open_id_connect_provider.open_id_connect_provider_arn,
            oidc_issuer_url=eks_cluster.cluster_open_id_connect_issuer_url,
        )
        # A team on IRSA references the cluster's OIDC provider from its stack. Exported whether or
        # not one does: when the last IRSA team moves to Pod Identity, the cluster stack (deployed
        # first) must not drop exports the teams stack still imports until its own update.
        self.cluster.export_value(self._access.oidc_provider_arn)
        self.cluster.export_value(self._access.oidc_issuer_url)
        self._team_configs: list[TeamConfig] = []
        self._validated_teams: list[TeamConfig] = []
        self.node.add_validation(_TeamsComplete(self))
        self.team_stacks: dict[int, TeamsStack] = {}
        self.identity_stacks: dict[int, TeamIdentitiesStack] = {}
        self.team_observability_stacks: dict[int, TeamsObservabilityStack] = {}
        self.teams: dict[str, SparkTeam] = {}
        self.orchestration: OrchestrationStack | None = None
        for stack in self.stacks:
            self._tag(stack)

    def _tag(self, stack: Stack) -> None:
        # Every resource carries the platform tag; the orchestration permissions rely on it.
        Tags.of(stack).add("spark-platform", self.config.name_prefix)
        for key, value in sorted(self.config.tags.items()):
            Tags.of(stack).add(key, value)

    # -- teams -----------------------------------------------------------------------------

    def add_team(self, team: TeamConfig) -> SparkTeam:
        """Onboard ``team``: namespace, virtual cluster, execution role, data access, document.

        Validated with every team added so far (unique names, namespaces and databases); a
        name in read_team_data may be a team added later, and synth fails if it never is.
        """
        if self.orchestration is not None:
            raise ConfigError(
                f"teams: add team {team.name!r} before add_pipelines(); the DAGs are checked against the teams"
            )
        # The configuration's own validation, with the teams so far. A team may name a team in
        # read_team_data that is added later; a name never added fails synth (_TeamsComplete).
        known = {added.name for added in self._team_configs} | {team.name}
        probe = _rebuilt(team, read_team_data=tuple(name for name in team.read_team_data if name in known))
        _rebuilt(self.config, teams=(*self._validated_teams, probe))
        self._validated_teams.append(probe)
        self._team_configs.append(team)
        number = next(number for number, group in self._placement() if team in group)
        stack = self.team_stacks.get(number)
        if stack is None:
            stack = TeamsStack(
                self._scope,
                f"{self.config.name_prefix}-teams-{number}",
                name_prefix=self.config.name_prefix,
                environment=self.config.environment,
                network=self.config.network,
                kubernetes_version=self.config.cluster.kubernetes_version,
                access=self._access,
                storage=self.tenancy.storage,
            )
            # Team pods are scheduled by Karpenter; its NodePools must exist first (and outlive them).
            stack.add_stack_dependency(self.karpenter)
            self._tag(stack)
            self.team_stacks[number] = stack
        spark_team = stack.add_team(team, role_name=self.config.job_role_name(team.name))
        self.teams[team.name] = spark_team
        observed = self._team_observability(number).add_team(team, role_name=self.config.job_role_name(team.name))
        constructs = [spark_team, observed]
        if spark_team.job_credentials == "pod_identity":
            constructs.append(
                self._identities(number, stack).add_team(team, role_name=self.config.job_role_name(team.name))
            )
        # Cost allocation: every resource of the team carries its name (activate the tag in Billing).
        for construct in constructs:
            Tags.of(construct).add(TEAM_TAG, team.name)
        return spark_team

    def _team_observability(self, number: int) -> TeamsObservabilityStack:
        """The alerts and dashboards of teams stack ``number``'s teams (its teams stack is full)."""
        stack = self.team_observability_stacks.get(number)
        if stack is None:
            stack = TeamsObservabilityStack(
                self._scope,
                f"{self.config.name_prefix}-observability-{number}",
                name_prefix=self.config.name_prefix,
                environment=self.config.environment,
                platform=self.observability.observability,
                cluster_name=self.config.cluster_name,
            )
            self._tag(stack)
            self.team_observability_stacks[number] = stack
        return stack

    def _identities(self, number: int, teams_stack: TeamsStack) -> TeamIdentitiesStack:
        """The Pod Identity associations' stack of teams stack ``number``, created on first use."""
        stack = self.identity_stacks.get(number)
        if stack is None:
            stack = TeamIdentitiesStack(
                self._scope,
                f"{self.config.name_prefix}-teams-{number}-identities",
                name_prefix=self.config.name_prefix,
                environment=self.config.environment,
                access=self._access,
            )
            # The roles (in the teams stack) exist before their associations, and outlive them.
            stack.add_stack_dependency(teams_stack)
            self._tag(stack)
            self.identity_stacks[number] = stack
        return stack

    def _placement(self) -> list[tuple[int, list[TeamConfig]]]:
        return place_teams(self._team_configs, self.config.tenancy.teams_per_stack)

    def full_config(self) -> PlatformConfig:
        """The platform settings with every team added so far, validated together (a ConfigError
        lists every problem, a line each)."""
        with every_problem():
            return _rebuilt(self.config, teams=tuple(self._team_configs))

    def team(self, name: str) -> SparkTeam:
        """The ``SparkTeam`` added as ``name``; a KeyError lists the teams there are."""
        if name not in self.teams:
            raise KeyError(f"team {name!r} was not added; add_team(...) it first (teams: {', '.join(self.teams)})")
        return self.teams[name]

    @property
    def virtual_clusters(self) -> dict[str, emrc.CfnVirtualCluster]:
        """Each team's EMR virtual cluster, by team name."""
        return {name: team.virtual_cluster for name, team in self.teams.items()}

    @property
    def job_roles(self) -> dict[str, iam.IRole]:
        """Each team's job execution role, by team name."""
        return {name: team.role for name, team in self.teams.items()}

    # -- grants ----------------------------------------------------------------------------

    def grant_start_job_run(self, team_name: str, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start, watch and cancel job runs on the team's virtual cluster,
        with the team's execution role only."""
        return self.team(team_name).grant_start_job_run(grantee)

    def grant_read_team_document(self, team_name: str, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the team's document (virtual cluster id, role, URIs) in SSM."""
        return self.team(team_name).grant_read_document(grantee)

    # -- orchestration ---------------------------------------------------------------------

    def add_pipelines(self, directory: str | Path | None = None) -> OrchestrationStack:
        """MWAA with the DAG package and the pipelines in ``directory`` (default:
        ``orchestration.pipelines_dir``), each checked against the teams added so far."""
        if self.orchestration is not None:
            raise ConfigError("orchestration: add_pipelines() was already called; one Airflow environment per platform")
        config = self.full_config()
        if directory is not None:
            config = _rebuilt(config, orchestration=_rebuilt(config.orchestration, pipelines_dir=str(directory)))
        # Pipelines must fit the teams and images: synth fails before a broken DAG deploys.
        check_pipelines(config)
        self.orchestration = OrchestrationStack(
            self._scope,
            f"{config.name_prefix}-orchestration",
            name_prefix=config.name_prefix,
            environment=config.environment,
            orchestration=config.orchestration,
            vpc_cidr=config.network.vpc_cidr,
            network=self.network.network,
            access_logs=self.tenancy.storage.access_logs,
            pipelines=pipelines_dir(config),
            artifacts_key=self.tenancy.storage.key,
            team_artifacts=team_artifacts(config),
        )
        self._tag(self.orchestration)
        self.observability.observability.watch_airflow(self.orchestration.airflow.environment_name)
        return self.orchestration

    @property
    def stacks(self) -> list[Stack]:
        """Every stack of the platform, in creation order."""
        shared = [
            self.network,
            self.cluster,
            *([self.images] if self.images else []),
            self.karpenter,
            self.observability,
            self.tenancy,
        ]
        teams = [self.team_stacks[number] for number in sorted(self.team_stacks)]
        teams += [self.identity_stacks[number] for number in sorted(self.identity_stacks)]
        teams += [self.team_observability_stacks[number] for number in sorted(self.team_observability_stacks)]
        return shared + teams + ([self.orchestration] if self.orchestration else [])


@jsii.implements(IValidation)
class _TeamsComplete:
    """At synth: the teams validate together (read_team_data names only teams that were added)."""

    def __init__(self, platform: SparkPlatform) -> None:
        self._platform = platform

    def validate(self) -> list[str]:
        try:
            self._platform.full_config()
        except ConfigError as error:
            return str(error).splitlines()
        return []


def build_platform(scope: Construct, config: PlatformConfig, *, construct_id: str = "SparkPlatform") -> SparkPlatform:
    """The configuration-file front end: the platform, each configured team, then MWAA."""
    platform = SparkPlatform(scope, construct_id, config=_rebuilt(config, teams=()))
    # In placement order (by stack, then by name within a stack): a stack's template does not
    # depend on where its teams appear in the file.
    for _, group in place_teams(config.teams, config.tenancy.teams_per_stack):
        for team in group:
            platform.add_team(team)
    if config.orchestration.enabled:
        platform.add_pipelines()
    return platform


def _rebuilt(settings: Any, **changes: Any) -> Any:
    """``settings`` with ``changes``, validated again by its class (a dataclass's
    ``__post_init__`` or a pydantic model's validators)."""
    if dataclasses.is_dataclass(settings):
        return dataclasses.replace(settings, **changes)
    return type(settings).model_validate({**dict(settings), **changes})
