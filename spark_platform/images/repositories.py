"""One ECR repository per job type, and the catalog that maps job type and release to an image."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from spark_platform.compliance import suppress
from spark_platform.config import ImageConfig
from spark_platform.emr_releases import warn_near_end_of_support
from spark_platform.images.job_types import image_tag, job_type
from spark_platform.jobs.runtimes import runtime_spark_conf
from spark_platform.retention import KEPT

PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")


@dataclass(frozen=True)
class ImageCatalogEntry:
    job_type: str
    repository_uri: str
    images: dict[str, str]  # release label -> image URI
    spark_conf: dict[str, str]  # settings every job of the type needs

    def job_spark_conf(self, release_label: str) -> dict[str, str]:
        """Spark settings for a job of this type on ``release_label``: the release's interpreter,
        the job type's settings and the image."""
        return {
            **runtime_spark_conf(release_label),
            **self.spark_conf,
            "spark.kubernetes.container.image": self.images[release_label],
        }

    def document(self) -> dict:
        """The catalog document published for the orchestration layer."""
        return {
            "job_type": self.job_type,
            "repository_uri": self.repository_uri,
            "releases": {
                label: {"image": uri, "spark_conf": self.job_spark_conf(label)} for label, uri in self.images.items()
            },
        }


def lifecycle_rules(catalog_tags: list[str], *, keep_images: int) -> list[ecr.LifecycleRule]:
    """Expiry that never touches an image the catalog points to.

    ECR evaluates rules by priority, and "an image that matches the tagging requirements of a rule
    cannot be expired by a rule with a lower priority" (ECR User Guide, "Lifecycle policy
    evaluation rules"). Rule 1 matches exactly the catalog's tags and allows as many images as
    there are tags (each immutable tag is one image), so it never expires one, and no later rule
    may. Then untagged layers go after a day, and of the rest only the newest ``keep_images``
    stay, which covers the builds a job submitted before the last deploy may still pull.
    """
    return [
        ecr.LifecycleRule(
            rule_priority=1,
            description="Never expire the images the catalog points to",
            tag_status=ecr.TagStatus.TAGGED,
            tag_pattern_list=list(catalog_tags),
            max_image_count=len(catalog_tags),
        ),
        ecr.LifecycleRule(
            rule_priority=2,
            description="Drop untagged layers left by re-pushes",
            tag_status=ecr.TagStatus.UNTAGGED,
            max_image_age=Duration.days(1),
        ),
        ecr.LifecycleRule(
            rule_priority=3,
            description=f"Keep the newest {keep_images} other images",
            tag_status=ecr.TagStatus.ANY,
            max_image_count=keep_images,
        ),
    ]


def catalog_parameter_name(name_prefix: str, job_type_name: str) -> str:
    return f"/{name_prefix}/images/{job_type_name}"


class ImageRepositories(Construct):
    """ECR repositories for the configured job types.

    Tags are immutable (an image URI in a job definition always means the same bits), every
    push is scanned, images are encrypted with KMS, untagged layers expire after a day and
    only the newest ``keep_images`` tagged images are kept. The catalog (one SSM parameter per
    job type) tells the orchestration layer which image URI to use for a job type and release.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        images: tuple[ImageConfig, ...],
        keep_images: int = 30,
    ) -> None:
        super().__init__(scope, construct_id)
        self.repositories: dict[str, ecr.Repository] = {}
        self.catalog: dict[str, ImageCatalogEntry] = {}
        for index, image in enumerate(images):
            kind = job_type(image.job_type)
            warn_near_end_of_support(self, image.release_labels, f"images[{index}].release_labels")
            tags = [image_tag(kind.name, label) for label in image.release_labels]
            repository = ecr.Repository(
                self,
                "".join(part.capitalize() for part in kind.name.split("-")),
                repository_name=f"{name_prefix}/{kind.name}",
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                image_scan_on_push=True,
                encryption=ecr.RepositoryEncryption.KMS,
                # Images are release artifacts that running jobs reference: keep them.
                removal_policy=KEPT,
                lifecycle_rules=lifecycle_rules(tags, keep_images=keep_images),
            )
            self.repositories[kind.name] = repository
            entry = ImageCatalogEntry(
                job_type=kind.name,
                repository_uri=repository.repository_uri,
                images={
                    label: f"{repository.repository_uri}:{tag}"
                    for label, tag in zip(image.release_labels, tags, strict=True)
                },
                spark_conf=dict(kind.spark_conf),
            )
            self.catalog[kind.name] = entry
            ssm.StringParameter(
                self,
                f"{repository.node.id}Catalog",
                parameter_name=catalog_parameter_name(name_prefix, kind.name),
                description=f"Image URIs by EMR release and Spark settings of job type {kind.name}",
                string_value=Stack.of(self).to_json_string(entry.document()),
            )

        self.pull_policy = iam.ManagedPolicy(
            self,
            "PullPolicy",
            description="Pull the platform's job-type images",
            statements=[
                iam.PolicyStatement(
                    actions=list(PULL_ACTIONS),
                    resources=[repository.repository_arn for repository in self.repositories.values()],
                ),
                iam.PolicyStatement(
                    actions=["ecr:GetAuthorizationToken"],
                    resources=["*"],  # GetAuthorizationToken has no resource-level permissions
                ),
            ],
        )
        suppress(
            self.pull_policy,
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken supports no resource scoping; image pulls are limited to these repositories.",
            ),
        )

    def grant_pull(self, role: iam.IRole) -> None:
        """Let ``role`` pull every job-type image (and nothing else from ECR)."""
        role.add_managed_policy(self.pull_policy)

    def image_uri(self, job_type_name: str, release_label: str) -> str:
        entry = self.catalog.get(job_type_name)
        if entry is None or release_label not in entry.images:
            raise ValueError(
                f"no image for job type {job_type_name!r} and release {release_label!r}; "
                "add the release to that job type's release_labels under images"
            )
        return entry.images[release_label]
