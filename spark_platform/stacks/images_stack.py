"""The images stack: an ECR repository per job type and the image catalog."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from spark_platform.config import EnvironmentConfig, ImageConfig
from spark_platform.images.repositories import ImageRepositories
from spark_platform.stacks.base import PlatformStack


class ImagesStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        images: tuple[ImageConfig, ...],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: ECR repositories and image catalog for Spark job types",
        )
        self.repositories = ImageRepositories(self, "Images", name_prefix=name_prefix, images=images)
        for name, repository in self.repositories.repositories.items():
            CfnOutput(self, f"{repository.node.id}RepositoryUri", value=repository.repository_uri, description=name)
