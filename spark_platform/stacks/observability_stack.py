"""The observability stacks: the platform's (alerts, recorded job events, alarms, dashboard) and,
next to each teams stack, one with its teams' alert topics, rules and dashboards.

Teams stacks are full by design (21 worst-case teams within 80% of CloudFormation's limits), so a
team's topic, rules and dashboard live in ``<prefix>-observability-<n>`` beside ``<prefix>-teams-<n>``:
the same placement, so adding or retiring a team changes only its own two stacks. Nothing here
imports from a teams stack (a team is named by its role's literal ARN), so retiring a team never
waits on an export.
"""

from __future__ import annotations

from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from spark_platform.config import EnvironmentConfig, ObservabilityConfig, TeamConfig
from spark_platform.karpenter import Karpenter
from spark_platform.network import SparkVpc
from spark_platform.observability.names import job_events_log_group_name
from spark_platform.observability.platform import PlatformObservability
from spark_platform.observability.team import TeamObservability
from spark_platform.stacks.base import PlatformStack

POOLS = ["spark-driver", "spark-executor"]


def kubectl_functions(cluster: eks.Cluster) -> list[str]:
    """The kubectl provider's Lambda functions (handler and provider framework), by name."""
    provider = cluster.kubectl_provider
    assert provider is not None
    return [child.ref for child in provider.node.find_all() if isinstance(child, lambda_.CfnFunction)]


class ObservabilityStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        config: ObservabilityConfig,
        cluster_name: str,
        cluster: eks.Cluster,
        network: SparkVpc,
        pod_ips_per_zone: int,
        karpenter: Karpenter,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: job alerts, recorded job events, alarms and the platform dashboard",
        )
        rules = {rule.node.id: rule.rule_name for rule in karpenter.interruption.rules}
        self.observability = PlatformObservability(
            self,
            "Observability",
            name_prefix=name_prefix,
            config=config,
            cluster_name=cluster_name,
            zones=list(environment.availability_zones),
            pod_subnet_ids=[subnet.subnet_id for subnet in network.pod_subnets],
            pod_ips_per_zone=pod_ips_per_zone,
            pools=POOLS,
            interruption_rules={
                "spot interruption warnings": rules["SpotInterruption"],
                "rebalance recommendations": rules["RebalanceRecommendation"],
            },
            interruption_queue=karpenter.interruption.queue.queue_name,
            interruption_dead_letters=karpenter.interruption.dead_letters.queue_name,
            kubectl_functions=kubectl_functions(cluster),
        )


class TeamsObservabilityStack(PlatformStack):
    """Starts empty; ``SparkPlatform.add_team`` adds each team next to its teams stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        platform: PlatformObservability,
        cluster_name: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: EMR on EKS teams' alerts and dashboards",
            suppress_template_indentation=True,
        )
        self._name_prefix = name_prefix
        self._platform = platform
        self._cluster_name = cluster_name
        self.teams: dict[str, TeamObservability] = {}

    def add_team(self, team: TeamConfig, *, role_name: str) -> TeamObservability:
        platform = self._platform
        observed = TeamObservability(
            self,
            "Team" + "".join(part.capitalize() for part in team.name.split("-")),
            team=team,
            name_prefix=self._name_prefix,
            role_name=role_name,
            key=platform.key,
            watch_arn=platform.watch.starter.state_machine_arn,
            watch_role_arn=platform.watch.events_role.role_arn,
            dead_letter_arn=platform.dead_letters.queue_arn,
            cluster_name=self._cluster_name,
            job_events_log_group=job_events_log_group_name(self._name_prefix),
        )
        self.teams[team.name] = observed
        return observed
