"""A teams stack: the SparkTeam constructs of the teams placed in it."""

from __future__ import annotations

from constructs import Construct

from spark_platform.config import EnvironmentConfig, NetworkConfig, TeamConfig
from spark_platform.stacks.base import PlatformStack
from spark_platform.tenancy import ClusterAccess, SparkTeam, TenantStorage


class TeamsStack(PlatformStack):
    """Starts empty; ``SparkPlatform.add_team`` places each team in one of these stacks."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        network: NetworkConfig,
        kubernetes_version: str,
        access: ClusterAccess,
        storage: TenantStorage,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: EMR on EKS teams",
            # Minified JSON: CloudFormation's 1 MB template limit binds before the 500 resources.
            suppress_template_indentation=True,
        )
        self._name_prefix = name_prefix
        self._network = network
        self._kubernetes_version = kubernetes_version
        self._access = access
        self._storage = storage
        self.teams: dict[str, SparkTeam] = {}

    def add_team(self, team: TeamConfig, *, role_name: str) -> SparkTeam:
        """A ``SparkTeam`` for ``team`` in this stack, its job role named ``role_name``."""
        spark_team = SparkTeam(
            self,
            team_construct_id(team.name),
            team=team,
            network=self._network,
            kubernetes_version=self._kubernetes_version,
            name_prefix=self._name_prefix,
            role_name=role_name,
            access=self._access,
            storage=self._storage,
        )
        # One virtual cluster at a time: each creation makes EMR update its access entry
        # on the cluster, and serialising keeps those updates from racing.
        if self.teams:
            previous = list(self.teams.values())[-1]
            spark_team.virtual_cluster.node.add_dependency(previous.virtual_cluster)
        self.teams[team.name] = spark_team
        first, last = next(iter(self.teams)), team.name
        # Names only the ends: a description holds at most 1024 bytes.
        self.template_options.description = (
            f"{self._name_prefix}: {len(self.teams)} EMR on EKS teams, {first} to {last}"
        )
        return spark_team


def team_construct_id(team_name: str) -> str:
    """The id of a team's constructs in its stacks: TeamAnalytics (logical ids start with it)."""
    return "Team" + "".join(part.capitalize() for part in team_name.split("-"))
