"""A teams stack: the SparkTeam constructs of the teams placed in it."""

from __future__ import annotations

from constructs import Construct

from spark_platform.config import PlatformConfig, TeamConfig
from spark_platform.tenancy import ClusterAccess, SparkTeam, TenantStorage
from stacks.base import PlatformStack


class TeamsStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        teams: list[TeamConfig],
        access: ClusterAccess,
        storage: TenantStorage,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            # Names only the ends: a description holds at most 1024 bytes.
            description=f"{config.name_prefix}: {len(teams)} EMR on EKS teams, {teams[0].name} to {teams[-1].name}",
            # Minified JSON: CloudFormation's 1 MB template limit binds before the 500 resources.
            suppress_template_indentation=True,
        )
        self.teams: dict[str, SparkTeam] = {}
        previous = None
        for team in teams:
            spark_team = SparkTeam(
                self,
                _construct_id(team.name),
                team=team,
                network=config.network,
                kubernetes_version=config.cluster.kubernetes_version,
                name_prefix=config.name_prefix,
                role_name=config.job_role_name(team.name),
                access=access,
                storage=storage,
            )
            # One virtual cluster at a time: each creation makes EMR update its access entry
            # on the cluster, and serialising keeps those updates from racing.
            if previous is not None:
                spark_team.virtual_cluster.node.add_dependency(previous.virtual_cluster)
            previous = spark_team
            self.teams[team.name] = spark_team


def _construct_id(team_name: str) -> str:
    return "Team" + "".join(part.capitalize() for part in team_name.split("-"))
