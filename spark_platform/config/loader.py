"""Where a platform configuration comes from: the built-in sandbox or a YAML file."""

from __future__ import annotations

from pathlib import Path

import yaml

from spark_platform.config.cluster import AdminRoleConfig, ClusterConfig
from spark_platform.config.environment import EnvironmentConfig
from spark_platform.config.errors import ConfigError
from spark_platform.config.images import ImageConfig
from spark_platform.config.orchestration import OrchestrationConfig
from spark_platform.config.platform import PlatformConfig, from_mapping
from spark_platform.config.teams import QuotaConfig, TeamConfig


def sandbox_config() -> PlatformConfig:
    """The built-in configuration: synthesizes with no account and no credentials.

    No account is set, so templates stay account-agnostic (AWS::AccountId) and deploy into
    whichever account the deploying credentials belong to.
    """
    return PlatformConfig(
        name_prefix="spark",
        environment=EnvironmentConfig(
            region="eu-west-1",
            availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
        ),
        # Whoever holds the PlatformAdmin permission set of IAM Identity Center in the deploying
        # account may assume the cluster-admin role; nobody else.
        cluster=ClusterConfig(
            admin_role=AdminRoleConfig(
                trusted_principal_arn_patterns=(
                    "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformAdmin_*",
                )
            )
        ),
        # The sample pipelines shipped with the DAGs are the sandbox's: they name its two teams.
        orchestration=OrchestrationConfig(pipelines_dir="orchestration/dags/pipelines"),
        images=(
            ImageConfig(
                job_type="pyspark-analytics",
                release_labels=("emr-7.12.0-latest", "emr-7.9.0-latest", "emr-spark-8.0.0-latest"),
            ),
            ImageConfig(job_type="hudi-ingestion", release_labels=("emr-7.12.0-latest",)),
        ),
        teams=(
            # Two example teams on different EMR releases side by side on one cluster; analytics runs
            # Spark 3.5 (emr-7.x) and Spark 4 (emr-spark-8.0.0) jobs at once.
            TeamConfig(
                name="analytics",
                namespace="spark-analytics",
                release_labels=("emr-7.12.0-latest", "emr-7.9.0-latest", "emr-spark-8.0.0-latest"),
                glue_databases=("analytics_marts",),
            ),
            TeamConfig(
                name="ingestion",
                namespace="spark-ingestion",
                release_labels=("emr-7.12.0-latest",),
                glue_databases=("ingestion_raw", "ingestion_curated"),
                quota=QuotaConfig(cpu=200, memory_gib=800, pods=1000),
            ),
        ),
    )


def load_config(path: str | Path | None) -> PlatformConfig:
    """The sandbox when ``path`` is empty, else the YAML file at ``path``."""
    if not path:
        return sandbox_config()
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"config: file {str(file)!r} does not exist (pass -c config=<path to a YAML file>)")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config: {file} is not valid YAML{where}") from None
    try:
        return from_mapping(data or {})
    except ConfigError as error:
        # Each problem names the file too: "my-platform.yaml: teams[0].quota.cpu: ...".
        raise ConfigError("\n".join(f"{file}: {line}" for line in str(error).splitlines())) from None
