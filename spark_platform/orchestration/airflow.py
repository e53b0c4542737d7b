"""MWAA: the Airflow environment, its source bucket and a least-privilege execution role."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Stack, Stage, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_mwaa as mwaa
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from spark_platform.buckets import secure_bucket
from spark_platform.compliance import (
    acknowledge_wildcard_resources,
    harden_cdk_lambdas,
    logical_id,
    nag_resource_form,
    suppress,
)
from spark_platform.config import OrchestrationConfig
from spark_platform.log_groups import encrypted_log_group, logs_key
from spark_platform.orchestration.dag_settings import platform_settings, stage_dags
from spark_platform.orchestration.execution_role import mwaa_statements, mwaa_wildcard_reason
from spark_platform.orchestration.job_submission import job_submission_statements, job_submission_wildcard_reason
from spark_platform.orchestration.mwaa_versions import airflow_configuration_options
from spark_platform.retention import KEPT, kept_key, key_alias

LOG_MODULES = ("DagProcessingLogs", "SchedulerLogs", "TaskLogs", "WebserverLogs", "WorkerLogs")


def mwaa_requirements(config: OrchestrationConfig) -> str:
    """requirements.txt for MWAA: the Airflow constraints of this exact version, then packages.

    The amazon provider is the one MWAA installs for this version (the constraints file pins the
    same), the one the Airflow tests run; nothing else is needed by the DAG factory (PyYAML
    ships with Airflow).
    """
    return (
        f'--constraint "{config.constraints_url}"\napache-airflow-providers-amazon=={config.amazon_provider_version}\n'
    )


class AirflowEnvironment(Construct):
    """An MWAA environment whose DAGs submit the teams' Spark jobs to EMR on EKS."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        config: OrchestrationConfig,
        vpc: ec2.IVpc,
        vpc_cidr: str,
        subnets: list[ec2.ISubnet],
        access_logs: s3.IBucket,
        pipelines: Path | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.environment_name = f"{name_prefix}-airflow"
        # Kept with the bucket it encrypts: a kept bucket must stay readable after cdk destroy.
        self.key = kept_key(
            self,
            "SourceKey",
            alias=key_alias(name_prefix, "mwaa-source"),
            description="Encrypts the MWAA source bucket",
        )
        self.bucket = secure_bucket(  # versioned: MWAA requires it
            self,
            "Source",
            bucket_name=f"{self.environment_name}-{stack.account}-{stack.region}",
            key=self.key,
            access_logs=access_logs,
            access_logs_prefix="mwaa-source/",
            # A versioned bucket always keeps old versions, so CloudFormation could not delete
            # it anyway; retaining it makes `cdk destroy` succeed instead of failing on it.
            removal_policy=KEPT,
        )

        # DAG code and pipelines; the requirements file lives under a content-hash key, so a
        # change to it changes RequirementsS3Path and CloudFormation updates the environment.
        requirements = mwaa_requirements(config)
        requirements_key = f"requirements/{hashlib.sha256(requirements.encode()).hexdigest()[:16]}/requirements.txt"
        settings = platform_settings(name_prefix=name_prefix, region=stack.region)
        self.deployment_logs = deployment_logs = encrypted_log_group(
            self,
            "DeploymentLogs",
            key=logs_key(self, "DeploymentLogsKey", description="Encrypts the DAG deployment logs"),
            retention_days=365,
        )
        self.dags_dir = stage_dags(Path(Stage.of(self).outdir) / "mwaa-dags", pipelines=pipelines, settings=settings)
        self.dags = s3deploy.BucketDeployment(
            self,
            "Dags",
            destination_bucket=self.bucket,
            destination_key_prefix="dags/",
            sources=[s3deploy.Source.asset(str(self.dags_dir))],
            prune=True,
            retain_on_delete=False,
            memory_limit=512,
            log_group=deployment_logs,
        )
        self.requirements = s3deploy.BucketDeployment(
            self,
            "Requirements",
            destination_bucket=self.bucket,
            destination_key_prefix=str(Path(requirements_key).parent) + "/",
            sources=[s3deploy.Source.data("requirements.txt", requirements)],
            prune=False,
            retain_on_delete=True,
            memory_limit=512,  # same as above: both deployments share one handler function
            log_group=deployment_logs,
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="MWAA: workers, schedulers and the web server talk to each other",
            allow_all_outbound=True,
        )
        # MWAA requires the group to admit itself.
        self.security_group.add_ingress_rule(self.security_group, ec2.Port.all_traffic(), "MWAA components")
        suppress(
            self.security_group,
            (
                "HIPAA.Security::HIPAA.Security-EC2RestrictedCommonPorts",
                "All traffic is allowed only from this security group itself, which MWAA requires between its components.",
            ),
        )
        for cidr in config.webserver_allowed_cidrs or (vpc_cidr,):
            self.security_group.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), f"Airflow UI from {cidr}")

        self.role = iam.Role(
            self,
            "ExecutionRole",
            description=f"MWAA environment {self.environment_name}",
            # Only this environment may hand out the role (MWAA User Guide, "Cross-service
            # confused deputy prevention": aws:SourceArn is the environment's ARN, aws:SourceAccount
            # its account). The ARN is built from the literal name: the role must exist first.
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("airflow.amazonaws.com"), iam.ServicePrincipal("airflow-env.amazonaws.com")
            ).with_conditions(
                {
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {
                        "aws:SourceArn": stack.format_arn(
                            service="airflow", resource="environment", resource_name=self.environment_name
                        )
                    },
                }
            ),
        )
        self.policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description=f"What MWAA {self.environment_name} itself needs",
            statements=mwaa_statements(self, environment_name=self.environment_name, bucket=self.bucket, key=self.key),
        )
        self.jobs_policy = iam.ManagedPolicy(
            self,
            "JobSubmissionPolicy",
            description="Submit, watch and cancel the teams' Spark jobs on EMR on EKS",
            statements=job_submission_statements(self, name_prefix),
        )
        for policy, reason in (
            (self.policy, mwaa_wildcard_reason),
            (self.jobs_policy, job_submission_wildcard_reason),
        ):
            self.role.add_managed_policy(policy)
            acknowledge_wildcard_resources(policy, reason)

        logging = mwaa.CfnEnvironment.ModuleLoggingConfigurationProperty(enabled=True, log_level=config.log_level)
        self.environment = mwaa.CfnEnvironment(
            self,
            "Environment",
            name=self.environment_name,
            airflow_version=config.airflow_version,
            environment_class=config.environment_class,
            min_workers=config.min_workers,
            max_workers=config.max_workers,
            schedulers=config.schedulers,
            source_bucket_arn=self.bucket.bucket_arn,
            dag_s3_path="dags",
            requirements_s3_path=requirements_key,
            execution_role_arn=self.role.role_arn,
            network_configuration=mwaa.CfnEnvironment.NetworkConfigurationProperty(
                subnet_ids=[subnet.subnet_id for subnet in subnets],
                security_group_ids=[self.security_group.security_group_id],
            ),
            webserver_access_mode=config.webserver_access_mode,
            logging_configuration=mwaa.CfnEnvironment.LoggingConfigurationProperty(
                **{_snake(module): logging for module in LOG_MODULES}
            ),
            airflow_configuration_options=airflow_configuration_options(config.airflow_version),
        )
        # The DAGs and the requirements object must be in the bucket when MWAA starts.
        self.environment.node.add_dependency(self.dags, self.requirements, self.policy, self.jobs_policy)
        self._acknowledge_deployment_lambda()

    def deploy_job_artifacts(self, bucket: s3.IBucket, folders: dict[str, Path]) -> s3deploy.BucketDeployment | None:
        """Upload each team's job scripts and jars (``folders``: team -> folder) to teams/<team>/ of
        the artifacts bucket, with the handler that deploys the DAGs (one Lambda per stack). Never
        prunes: a team's prefix also holds what its own CI uploads."""
        if not folders:
            return None
        staged = Path(Stage.of(self).outdir) / "team-artifacts"
        if staged.exists():
            shutil.rmtree(staged)
        for team, folder in sorted(folders.items()):
            shutil.copytree(folder, staged / team, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        deployment = s3deploy.BucketDeployment(
            self,
            "JobArtifacts",
            destination_bucket=bucket,
            destination_key_prefix="teams/",
            sources=[s3deploy.Source.asset(str(staged))],
            prune=False,
            retain_on_delete=True,
            memory_limit=512,  # the DAG deployments' handler, shared
            log_group=self.deployment_logs,
        )
        stack = Stack.of(self)
        objects = nag_resource_form(stack.resolve(bucket.arn_for_objects("*")))
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                suppress(
                    child,
                    (
                        f"AwsSolutions::AwsSolutions-IAM5[Resource::{objects}]",
                        "The handler writes the teams' job scripts under teams/<team>/ of the artifacts bucket.",
                    ),
                )
        return deployment

    def _acknowledge_deployment_lambda(self) -> None:
        """CDK's BucketDeployment handler: the one Lambda needed to put files into the bucket."""
        stack = Stack.of(self)
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
        asset_bucket = f"cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-{account}-{region}"
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                harden_cdk_lambdas(
                    child,
                    name="BucketDeployment handler",
                    inline_policy="read the staged assets, write the MWAA source bucket.",
                    findings=(
                        (
                            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                            "CDK's BucketDeployment handler writes its own logs with the basic execution policy.",
                        ),
                        (
                            "HIPAA.Security::HIPAA.Security-LambdaInsideVPC",
                            "Copies assets between S3 buckets only; it needs no access to the VPC.",
                        ),
                        *(
                            (
                                f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]",
                                "CDK's BucketDeployment grants: read the staged asset, replace the objects under dags/.",
                            )
                            for action in (
                                "s3:GetBucket*",
                                "s3:GetObject*",
                                "s3:List*",
                                "s3:Abort*",
                                "s3:DeleteObject*",
                                "kms:GenerateDataKey*",
                                "kms:ReEncrypt*",
                            )
                        ),
                        (
                            f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(self.bucket)}.Arn>/*]",
                            "The handler writes every object of the MWAA source bucket it deploys.",
                        ),
                        (
                            # As cdk-nag writes it: a literal partition, or <AWS::Partition> when CDK emits a Ref.
                            "AwsSolutions::AwsSolutions-IAM5[Resource::"
                            f"{nag_resource_form(stack.resolve(f'arn:{stack.partition}:s3:::{asset_bucket}/*'))}]",
                            "The handler reads the zipped DAGs that `cdk deploy` staged in the CDK assets bucket.",
                        ),
                    ),
                )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
