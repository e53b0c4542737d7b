"""The EKS Pod Identity associations of one teams stack: three per Pod Identity team, with the
network policy that opens the way to the Pod Identity agent in the team's namespace.

A teams stack holds at most 21 worst-case teams within 80% of CloudFormation's limits
(tenancy/placement.py), and existing deployments pin their teams to stacks. Three associations
per team would lower that number to 18, so they live in a stack of their own next to each teams
stack, ``<prefix>-teams-<n>-identities``: at most 84 resources. It deploys after its teams stack
(the roles exist first) and is only synthesized while one of that stack's teams uses Pod Identity.
"""

from __future__ import annotations

from constructs import Construct

from spark_platform.config import EnvironmentConfig, TeamConfig
from spark_platform.stacks.base import PlatformStack
from spark_platform.stacks.teams_stack import team_construct_id
from spark_platform.tenancy.pod_identity import JobRoleAssociations
from spark_platform.tenancy.team import ClusterAccess


class TeamIdentitiesStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        access: ClusterAccess,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: EKS Pod Identity associations of EMR on EKS job execution roles, agent policies",
            suppress_template_indentation=True,
        )
        self._access = access
        self.teams: dict[str, JobRoleAssociations] = {}

    def add_team(self, team: TeamConfig, *, role_name: str) -> JobRoleAssociations:
        self.teams[team.name] = JobRoleAssociations(
            self,
            team_construct_id(team.name),
            cluster=self._access.cluster,
            cluster_name=self._access.cluster_name,
            namespace=team.namespace,
            role_name=role_name,
        )
        return self.teams[team.name]
