"""The whole platform: every stack, composed in dependency order."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Tags

from spark_platform.config import PlatformConfig
from spark_platform.tenancy import ClusterAccess
from spark_platform.tenancy.placement import place_teams
from stacks.cluster_stack import ClusterStack
from stacks.images_stack import ImagesStack
from stacks.karpenter_stack import KarpenterStack
from stacks.network_stack import NetworkStack
from stacks.orchestration_stack import OrchestrationStack
from stacks.teams_stack import TeamsStack
from stacks.tenancy_stack import TenancyStack


@dataclass(frozen=True)
class SparkPlatform:
    config: PlatformConfig
    network: NetworkStack
    cluster: ClusterStack
    karpenter: KarpenterStack
    images: ImagesStack
    tenancy: TenancyStack
    teams: list[TeamsStack]
    orchestration: OrchestrationStack | None


def build_platform(app: App, config: PlatformConfig) -> SparkPlatform:
    prefix = config.name_prefix
    network = NetworkStack(app, f"{prefix}-network", config=config)
    cluster = ClusterStack(app, f"{prefix}-cluster", config=config, network=network.network)
    images = ImagesStack(app, f"{prefix}-images", config=config)
    karpenter = KarpenterStack(app, f"{prefix}-karpenter", config=config, cluster=cluster.spark_cluster.cluster)
    # The kubelet on Karpenter's nodes pulls the job images with the node role; job roles (IRSA
    # credentials inside the pods) never pull, so they get no ECR access.
    images.repositories.grant_pull(karpenter.karpenter.node_role)

    tenancy = TenancyStack(app, f"{prefix}-tenancy", config=config)
    eks_cluster = cluster.spark_cluster.cluster
    access = ClusterAccess(
        cluster=eks_cluster,
        cluster_name=config.cluster_name,
        oidc_provider_arn=eks_cluster.open_id_connect_provider.open_id_connect_provider_arn,
        oidc_issuer_url=eks_cluster.cluster_open_id_connect_issuer_url,
    )
    teams = []
    for number, group in place_teams(config.teams, config.tenancy.teams_per_stack):
        stack = TeamsStack(
            app,
            f"{prefix}-teams-{number}",
            config=config,
            teams=group,
            access=access,
            storage=tenancy.storage,
        )
        # Team pods are scheduled by Karpenter; its NodePools must exist first (and outlive them).
        stack.add_stack_dependency(karpenter)
        teams.append(stack)
    orchestration = None
    if config.orchestration.enabled:
        orchestration = OrchestrationStack(
            app,
            f"{prefix}-orchestration",
            config=config,
            network=network.network,
            access_logs=tenancy.storage.access_logs,
        )
    # Every resource carries the platform tag; the orchestration permissions rely on it.
    Tags.of(app).add("spark-platform", prefix)
    for key, value in sorted(config.tags.items()):
        Tags.of(app).add(key, value)
    return SparkPlatform(
        config=config,
        network=network,
        cluster=cluster,
        karpenter=karpenter,
        images=images,
        tenancy=tenancy,
        teams=teams,
        orchestration=orchestration,
    )
