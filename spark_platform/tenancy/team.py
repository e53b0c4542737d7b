"""One team on the platform: namespace, virtual cluster, execution role, logs, pod templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aws_cdk import Aws, CfnOutput, Stack, Stage
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_emrcontainers as emrc
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as assets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from spark_platform.compliance import acknowledge_wildcard_resources
from spark_platform.config import NetworkConfig, TeamConfig, glue_database_name, uses_pod_identity
from spark_platform.emr_releases import warn_near_end_of_support
from spark_platform.jobs.submission import FALLBACK_FOLDER, job_submitter_properties, platform_spark_conf
from spark_platform.jobs.team_objects import driver_template, executor_template, namespace_manifests
from spark_platform.log_groups import encrypted_log_group
from spark_platform.observability.names import alerts_topic_name, monitoring_configuration, spark_ui_hint
from spark_platform.retention import keep
from spark_platform.tenancy import grants
from spark_platform.tenancy.job_permissions import JobResources, job_role_statements, wildcard_reason
from spark_platform.tenancy.network_policy import network_policies
from spark_platform.tenancy.placement import MAX_POLICIES_PER_TEAM
from spark_platform.tenancy.pod_identity import POD_IDENTITY_PRINCIPAL, pod_identity_trust_document
from spark_platform.tenancy.policy_packing import pack
from spark_platform.tenancy.storage import TenantStorage, platform_bucket_name, team_prefix
from spark_platform.tenancy.trust import irsa_trust_document


@dataclass(frozen=True)
class ClusterAccess:
    """What a team needs to know about the EKS cluster."""

    cluster: eks.ICluster
    cluster_name: str
    oidc_provider_arn: str
    oidc_issuer_url: str


def s3_uri(bucket_name: str, key: str) -> str:
    return f"s3://{bucket_name}/{key}"


class SparkTeam(Construct):
    """Everything one team needs to run Spark jobs, created from one ``TeamConfig``.

    Order in the template: the namespace (with quota and limits) exists before the virtual
    cluster, so EMR's access-entry integration finds the namespace it registers; the
    execution role trusts only the EMR job service accounts of that namespace.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: TeamConfig,
        network: NetworkConfig,
        kubernetes_version: str,
        name_prefix: str,
        role_name: str,
        access: ClusterAccess,
        storage: TenantStorage,
    ) -> None:
        super().__init__(scope, construct_id)
        self.team = team
        warn_near_end_of_support(self, team.release_labels, f"team {team.name}: release_labels")
        self._name_prefix = name_prefix
        prefix = team_prefix(team.name)
        stack = Stack.of(self)
        buckets = {
            kind: platform_bucket_name(name_prefix, kind, account=stack.account, region=stack.region)
            for kind in ("artifacts", "logs", "data")
        }
        self.buckets = buckets

        # 1. Namespace, quota, limits and network policies; then the virtual cluster bound to it.
        # One manifest: the namespace is never without its policies, not even for a moment.
        self.namespace = eks.KubernetesManifest(
            self,
            "Namespace",
            cluster=access.cluster,
            manifest=[
                *namespace_manifests(team, kubernetes_version=kubernetes_version),
                *network_policies(team, network),
            ],
            overwrite=True,
        )
        self.virtual_cluster = emrc.CfnVirtualCluster(
            self,
            "VirtualCluster",
            name=f"{name_prefix}-{team.name}",
            container_provider=emrc.CfnVirtualCluster.ContainerProviderProperty(
                id=access.cluster_name,
                type="EKS",
                info=emrc.CfnVirtualCluster.ContainerInfoProperty(
                    eks_info=emrc.CfnVirtualCluster.EksInfoProperty(namespace=team.namespace)
                ),
            ),
        )
        self.virtual_cluster.node.add_dependency(self.namespace)

        # 3. Logs and the pod templates (CDK assets: uploaded by `cdk deploy`, no Lambda). The
        # job logs are the team's history: kept when the team is retired (retention.py).
        self.log_group = encrypted_log_group(
            self,
            "Logs",
            key=storage.logs_key,
            retention_days=team.log_retention_days,
            log_group_name=f"/emr-on-eks/{name_prefix}/{team.name}",
            kept=True,
        )
        self.pod_templates = {
            "driver": self._template_asset("DriverPodTemplate", "driver.yaml", driver_template(team)),
            "executor": self._template_asset("ExecutorPodTemplate", "executor.yaml", executor_template(team)),
        }
        # Physical names carry the environment's prefix (Glue names are per account and Region).
        # A database holds every table definition of the team: it outlives the team's retirement
        # and `cdk destroy` (retention.py), and is only deleted on purpose (docs/operations.md).
        self.glue_database_names = {
            database: glue_database_name(name_prefix, database) for database in team.glue_databases
        }
        self.glue_databases = []
        for index, (database, physical) in enumerate(self.glue_database_names.items()):
            cfn_database = glue.CfnDatabase(
                self,
                f"Database{index + 1}",
                catalog_id=Aws.ACCOUNT_ID,
                # DatabaseName is the identifier CloudFormation imports a kept database by.
                database_name=physical,
                database_input=glue.CfnDatabase.DatabaseInputProperty(
                    name=physical,
                    description=f"Owned by team {team.name}",
                    location_uri=s3_uri(self.buckets["data"], f"{prefix}{database}/"),
                ),
            )
            keep(cfn_database)
            self.glue_databases.append(cfn_database)

        # 2. The job execution role and its permissions. Its trust: EKS Pod Identity for the
        # team's three EMR service accounts (their associations live in the teams stack's
        # identities stack, tenancy/pod_identity.py), or IRSA for a team on an older release.
        self.job_credentials = "pod_identity" if uses_pod_identity(team) else "irsa"
        self.role = iam.Role(
            self,
            "ExecutionRole",
            role_name=role_name,
            description=f"EMR on EKS job execution role of team {team.name} (namespace {team.namespace})",
            # Replaced below by the exact trust; CDK needs a principal here.
            assumed_by=iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL)
            if self.job_credentials == "pod_identity"
            else iam.FederatedPrincipal(access.oidc_provider_arn, {}, "sts:AssumeRoleWithWebIdentity"),
        )
        cfn_role: iam.CfnRole = self.role.node.default_child  # type: ignore[assignment]
        cfn_role.add_property_override(
            "AssumeRolePolicyDocument",
            pod_identity_trust_document(cluster_name=access.cluster_name, namespace=team.namespace, role_name=role_name)
            if self.job_credentials == "pod_identity"
            else irsa_trust_document(
                oidc_provider_arn=access.oidc_provider_arn,
                oidc_issuer_url=access.oidc_issuer_url,
                namespace=team.namespace,
                role_name=role_name,
            ),
        )
        resources = JobResources(
            buckets=buckets,
            pod_template_objects=[
                f"{asset.s3_bucket_name}/{asset.s3_object_key}" for asset in self.pod_templates.values()
            ],
            log_group_arn=self.log_group.log_group_arn,
            glue_databases=list(self.glue_database_names.values()),
        )
        groups = pack(Stack.of(self), job_role_statements(Stack.of(self), team, resources, storage))
        if len(groups) > MAX_POLICIES_PER_TEAM:  # the per-team caps in TEAM_LIMITS prevent this
            raise ValueError(
                f"team {team.name}: permissions need {len(groups)} managed policies, at most {MAX_POLICIES_PER_TEAM} fit"
            )
        self.policies = [
            iam.ManagedPolicy(
                self,
                "ExecutionPolicy" if index == 0 else f"ExecutionPolicy{index + 1}",
                # No total in the text: a description is create-only, and a team that outgrows one
                # policy must not replace the ones it has.
                description=f"What jobs of team {team.name} may access (part {index + 1})",
                statements=group,
            )
            for index, group in enumerate(groups)
        ]
        for policy in self.policies:
            self.role.add_managed_policy(policy)
            acknowledge_wildcard_resources(policy, wildcard_reason)

        # 4. What the orchestration layer reads.
        self.artifacts_uri = s3_uri(self.buckets["artifacts"], prefix)
        self.data_uri = s3_uri(self.buckets["data"], prefix)
        self.logs_uri = s3_uri(self.buckets["logs"], prefix)
        self.monitoring_configuration = monitoring_configuration(
            team, log_group=self.log_group.log_group_name, logs_uri=self.logs_uri
        )
        # The team's alert topic, in its observability stack (spark_platform/observability/); by
        # name: the document must stay within a standard parameter's 4 KB for the largest team.
        self.alerts_topic = alerts_topic_name(name_prefix, team.name)
        self.catalog = ssm.StringParameter(
            self,
            "Catalog",
            parameter_name=team_parameter_name(name_prefix, team.name),
            description=f"How to submit jobs for team {team.name}",
            string_value=Stack.of(self).to_json_string(self.document()),
        )
        CfnOutput(
            self, "VirtualClusterId", value=self.virtual_cluster.attr_id, description=f"{team.name} virtual cluster"
        )
        CfnOutput(self, "ExecutionRoleArn", value=self.role.role_arn, description=f"{team.name} job execution role")

    def grant_start_job_run(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run, watch and cancel jobs of this team (its cluster, its role only)."""
        return grants.grant_start_job_run(self, grantee)

    def grant_read_document(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read this team's published document in SSM."""
        return grants.grant_read_document(self, grantee)

    def document(self) -> dict[str, Any]:
        """The team's machine-readable description (published in SSM, read by the DAGs)."""
        driver, executor = self.pod_templates["driver"], self.pod_templates["executor"]
        return {
            "team": self.team.name,
            "namespace": self.team.namespace,
            "virtual_cluster_id": self.virtual_cluster.attr_id,
            "execution_role_arn": self.role.role_arn,
            # How the role reaches the job's pods: "pod_identity" or "irsa" (TeamConfig.job_credentials).
            "job_credentials": self.job_credentials,
            "release_labels": list(self.team.release_labels),
            "pod_templates": {"driver": driver.s3_object_url, "executor": executor.s3_object_url},
            "artifacts_uri": self.artifacts_uri,
            "data_uri": self.data_uri,
            "logs_uri": self.logs_uri,
            "log_group": self.log_group.log_group_name,
            # A database of the configuration is <prefix><name> in the catalog, which is what Spark
            # SQL uses (`SELECT ... FROM <prefix><name>.<table>`); a prefix, not a table of
            # names, keeps the document within a standard SSM parameter's 4 KB.
            "glue_database_prefix": glue_database_name(self._name_prefix, ""),
            "monitoring_configuration": self.monitoring_configuration,
            "alerts_topic": self.alerts_topic,
            "spark_ui": spark_ui_hint(),
            # What every submission of this team carries: the DAGs read both; an ad-hoc
            # `aws emr-containers start-job-run` passes them as the spark-defaults and
            # emr-job-submitter classifications (docs/orchestration.md, "Submitting a job by hand").
            "spark_conf": self.platform_spark_conf,
            "job_submitter": job_submitter_properties(),
        }

    @property
    def platform_spark_conf(self) -> dict[str, str]:
        """The Spark settings every job of the team carries (pod templates, Glue catalog, ...)."""
        return platform_spark_conf(
            driver_template=self.pod_templates["driver"].s3_object_url,
            executor_template=self.pod_templates["executor"].s3_object_url,
            fallback_uri=f"{self.data_uri}{FALLBACK_FOLDER}",
        )

    def _template_asset(self, construct_id: str, file_name: str, template: dict[str, Any]) -> assets.Asset:
        # Rendered into the cloud assembly directory, then staged by content hash: two synths
        # give the same asset, and identical templates of different teams share one object.
        directory = Path(Stage.of(self).outdir, "pod-templates", self.team.name)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / file_name
        path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
        return assets.Asset(self, construct_id, path=str(path))


def team_parameter_name(name_prefix: str, team_name: str) -> str:
    return f"/{name_prefix}/teams/{team_name}"
