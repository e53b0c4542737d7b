#!/usr/bin/env python3
"""A CDK app that uses the platform as a library: settings and teams in Python, no YAML.

With the wheel installed (make wheel; pip install dist/emr_eks_spark_platform-*.whl):

    python app.py            # writes ./cdk.out; or: npx cdk synth --app "python app.py"

From a checkout of the platform, without installing it:

    cd examples/python-app && PYTHONPATH=../.. ../../.venv/bin/python app.py

Needs no cdk.json: the platform's stacks pin the CDK feature flags they rely on.
"""

import os

import spark_platform  # noqa: F401  (first: selects the pinned Node.js before aws_cdk loads)

# isort: split
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam

from spark_platform.config import (
    AdminRoleConfig,
    ClusterConfig,
    EnvironmentConfig,
    OrchestrationConfig,
    PlatformConfig,
    QuotaConfig,
    TeamConfig,
)
from spark_platform.stacks import SparkPlatform

ACCOUNT, REGION = "111122223333", "us-east-1"

# The CDK CLI names the output directory (CDK_OUTDIR); run directly, the app writes ./cdk.out.
app = App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
platform = SparkPlatform(
    app,
    "SparkPlatform",
    config=PlatformConfig(
        name_prefix="lakehouse",
        environment=EnvironmentConfig(
            account=ACCOUNT, region=REGION, availability_zones=("us-east-1a", "us-east-1b", "us-east-1c")
        ),
        cluster=ClusterConfig(
            admin_role=AdminRoleConfig(trusted_principal_arns=(f"arn:aws:iam::{ACCOUNT}:role/PlatformEngineers",))
        ),
        # Job images are built from the Dockerfiles in the platform's repository, not the wheel.
        images=(),
        orchestration=OrchestrationConfig(enabled=False),
        tags={"cost-center": "lakehouse"},
    ),
)
platform.add_team(
    TeamConfig(
        name="marketing",
        namespace="spark-marketing",
        glue_databases=("marketing_marts",),
        quota=QuotaConfig(cpu=64, memory_gib=256, pods=400),
    )
)
platform.add_team(TeamConfig(name="finance", namespace="spark-finance", read_team_data=("marketing",)))

# An application of the caller's own, granted to run marketing's Spark jobs and read its document.
consumer = Stack(app, "lakehouse-consumer", env=Environment(account=ACCOUNT, region=REGION))
scheduler = iam.Role(consumer, "Scheduler", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
platform.grant_start_job_run("marketing", scheduler)
platform.grant_read_team_document("marketing", scheduler)

app.synth()
