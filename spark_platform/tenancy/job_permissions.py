"""What a team's job execution role may do: its own prefixes, logs, databases and granted locations.

Literal partition, Region and account when the stack's environment names them (shorter policies);
tokens otherwise. Every wildcard is explained by ``wildcard_reason`` for cdk-nag.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam

from spark_platform.config import S3Location, TeamConfig, s3_location_parts
from spark_platform.tenancy.storage import TenantStorage, team_prefix

GLUE_READ = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)
GLUE_WRITE = (
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
)
# What a Spark session needs of the catalog before it touches a team's database. The Glue Hive
# client (awslabs/aws-glue-data-catalog-client-for-apache-hive-metastore, AWSCatalogMetastoreClient)
# calls GetDatabase("default") in its constructor and CreateDatabase("default") when the account
# has none yet; without both, the first job of a new account cannot open a session.
DEFAULT_DATABASE = "default"
GLUE_SESSION_START = ("glue:GetDatabase", "glue:CreateDatabase")
S3_READ = ("s3:GetObject", "s3:GetObjectVersion")
S3_WRITE = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
# Reading an SSE-KMS object needs Decrypt; writing one needs GenerateDataKey, and Decrypt too for
# multipart uploads (S3 User Guide, "Using server-side encryption with AWS KMS keys": permissions).
KMS_READ = ("kms:Decrypt",)
KMS_WRITE = ("kms:Decrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class JobResources:
    """What the platform made for one team that its jobs use."""

    buckets: dict[str, str]  # kind (artifacts, logs, data) -> bucket name
    pod_template_objects: list[str]  # bucket/key of the team's pod templates
    log_group_arn: str
    glue_databases: list[str]  # physical names


def job_role_statements(
    stack: Stack, team: TeamConfig, resources: JobResources, storage: TenantStorage
) -> list[iam.PolicyStatement]:
    partition, region, account = stack.partition, stack.region, stack.account
    prefix = team_prefix(team.name)
    buckets = resources.buckets
    read: list[tuple[str, str]] = [(buckets["artifacts"], prefix)]
    write: list[tuple[str, str]] = [(buckets["logs"], prefix), (buckets["data"], prefix)]
    read += [(buckets["data"], team_prefix(other)) for other in team.read_team_data]
    read += [s3_location_parts(location) for location in team.s3_read]
    write += [s3_location_parts(location) for location in team.s3_write]
    objects = lambda locations: [f"arn:{partition}:s3:::{b}/{p}*" for b, p in locations]  # noqa: E731

    # Each location is listed once: a team's policies are sized to fit its managed policies and
    # its stack (tenancy/placement.py), and every location name can be 128 characters.
    statements = [
        iam.PolicyStatement(sid="ReadObjects", actions=list(S3_READ), resources=objects(read)),
        iam.PolicyStatement(sid="WriteObjects", actions=[*S3_READ, *S3_WRITE], resources=objects(write)),
        iam.PolicyStatement(
            sid="ReadPodTemplates",
            actions=["s3:GetObject"],
            resources=[f"arn:{partition}:s3:::{obj}" for obj in resources.pod_template_objects],
        ),
    ]
    prefixes_of: dict[str, list[str]] = {}
    for bucket, key_prefix in read + write:
        prefixes_of.setdefault(bucket, []).append(f"{key_prefix}*")
    for index, (bucket, prefixes) in enumerate(prefixes_of.items()):
        statements.append(
            iam.PolicyStatement(
                sid=f"ListOwnPrefixes{index + 1}",
                actions=["s3:ListBucket"],
                resources=[f"arn:{partition}:s3:::{bucket}"],
                conditions={"StringLike": {"s3:prefix": [*prefixes, *(p.rstrip("*") for p in prefixes)]}},
            )
        )
    storage.grant_key_use(statements)
    statements += _location_key_statements(team)
    statements += [
        iam.PolicyStatement(
            sid="WriteOwnLogs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[resources.log_group_arn, f"{resources.log_group_arn}:log-stream:*"],
        ),
        iam.PolicyStatement(
            sid="FindLogGroups",
            actions=["logs:DescribeLogGroups"],
            resources=[f"arn:{partition}:logs:{region}:{account}:log-group:*"],
        ),
    ]
    glue_arn = f"arn:{partition}:glue:{region}:{account}"
    # Every job's Hive metastore is the Glue Data Catalog (jobs/submission.py, GLUE_CATALOG_CONF).
    statements.append(
        iam.PolicyStatement(
            sid="OpenCatalogDefault",
            actions=list(GLUE_SESSION_START),
            resources=[f"{glue_arn}:catalog", f"{glue_arn}:database/{DEFAULT_DATABASE}"],
        )
    )
    if resources.glue_databases:
        own = [f"{glue_arn}:catalog"]
        for database in resources.glue_databases:
            own += [f"{glue_arn}:database/{database}", f"{glue_arn}:table/{database}/*"]
        statements.append(iam.PolicyStatement(sid="UseOwnDatabases", actions=[*GLUE_READ, *GLUE_WRITE], resources=own))
    return statements


def _location_key_statements(team: TeamConfig) -> list[iam.PolicyStatement]:
    """Use of the configured locations' own KMS keys, only through S3 (``kms:ViaService``), and the
    write actions only for the keys of writable locations.

    S3 calls KMS with the role's credentials only for objects the role may already read or write
    through its S3 permissions above, so ViaService is what confines a key to the granted
    locations. An encryption-context condition would add nothing that holds with S3 Bucket Keys
    (the context is then the bucket, not the object: "Using Amazon S3 Bucket Keys") and would
    cost a team with many keyed locations managed policies it cannot have.
    """
    statements = []
    for kind, locations, actions in (("Read", team.s3_read, KMS_READ), ("Write", team.s3_write, KMS_WRITE)):
        keys = sorted({location.kms_key_arn for location in locations if isinstance(location, S3Location)})
        if keys:
            statements.append(
                iam.PolicyStatement(
                    sid=f"Use{kind}LocationKeys",
                    actions=list(actions),
                    resources=keys,
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
                )
            )
    return statements


def wildcard_reason(resource: str) -> str:
    if ":log-stream:*" in resource:
        return "Spark names its log streams per job run; the wildcard stays inside the team's own log group."
    if ":log-group:*" in resource:
        return "logs:DescribeLogGroups has no resource-level scoping beyond the account's log groups."
    if ":table/" in resource:
        return "Tables of a database the team owns; the database itself is named."
    return "Objects under a prefix the team owns or was granted in configuration; bucket and prefix are named."
