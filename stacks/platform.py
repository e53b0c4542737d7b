"""The whole platform: every stack, composed in dependency order."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, Tags

from spark_platform.config import PlatformConfig
from stacks.cluster_stack import ClusterStack
from stacks.images_stack import ImagesStack
from stacks.karpenter_stack import KarpenterStack
from stacks.network_stack import NetworkStack


@dataclass(frozen=True)
class SparkPlatform:
    config: PlatformConfig
    network: NetworkStack
    cluster: ClusterStack
    karpenter: KarpenterStack
    images: ImagesStack


def build_platform(app: App, config: PlatformConfig) -> SparkPlatform:
    env = Environment(account=config.environment.account, region=config.environment.region)
    prefix = config.name_prefix
    network = NetworkStack(app, f"{prefix}-network", config=config, env=env)
    cluster = ClusterStack(app, f"{prefix}-cluster", config=config, env=env, network=network.network)
    images = ImagesStack(app, f"{prefix}-images", config=config, env=env)
    karpenter = KarpenterStack(
        app, f"{prefix}-karpenter", config=config, env=env, cluster=cluster.spark_cluster.cluster
    )
    # The kubelet on Karpenter's nodes pulls the job images.
    images.repositories.grant_pull(karpenter.karpenter.node_role)
    Tags.of(app).add("spark-platform", prefix)
    for key, value in sorted(config.tags.items()):
        Tags.of(app).add(key, value)
    return SparkPlatform(config=config, network=network, cluster=cluster, karpenter=karpenter, images=images)
