"""EMR on EKS tenancy: one team = namespace, virtual cluster, execution role, storage, templates."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import kubernetes_validate
import pytest
import yaml
from aws_cdk import Aws, Token

from spark_platform.config import TeamConfig, from_mapping, sandbox_config
from spark_platform.jobs.team_objects import driver_template, executor_template, namespace_manifests
from spark_platform.tenancy import base36, job_service_account_pattern

from .conftest import VARIANT, render, synthesize

TEAMS = "spark-teams-1"
KUBERNETES_VERSION = "1.35"


def team_resources(synth, team: str, resource_type: str) -> dict[str, dict]:
    prefix = "Team" + team.capitalize()
    return {
        lid: r
        for template in synth.templates.values()
        for lid, r in template["Resources"].items()
        if lid.startswith(prefix) and r["Type"] == resource_type
    }


def one(resources: dict[str, dict]) -> tuple[str, dict]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def team_document(synth, team: str) -> dict:
    _, parameter = one(team_resources(synth, team, "AWS::SSM::Parameter"))
    return json.loads(render(parameter["Properties"]["Value"]))


def team_statements(synth, team: str) -> dict[str, dict]:
    _, policy = one(team_resources(synth, team, "AWS::IAM::ManagedPolicy"))
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def resource_strings(statement: dict) -> list[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [json.dumps(r, sort_keys=True) if not isinstance(r, str) else r for r in resources]


# --- 1. Namespace and virtual cluster ----------------------------------------------------------


def test_each_team_gets_its_namespace_with_quota_and_limits(sandbox):
    manifests = {(m["kind"], m["metadata"].get("namespace", m["metadata"]["name"])): m for m in sandbox.manifests()}
    ingestion = sandbox.config.teams[1]
    assert ("Namespace", "spark-ingestion") in manifests
    quota = manifests[("ResourceQuota", "spark-ingestion")]["spec"]["hard"]
    assert quota == {"requests.cpu": "200", "requests.memory": "800Gi", "limits.memory": "800Gi", "pods": "1000"}
    limits = manifests[("LimitRange", "spark-ingestion")]["spec"]["limits"][0]
    assert limits["max"] == {
        "cpu": str(ingestion.quota.max_container_cpu),
        "memory": f"{ingestion.quota.max_container_memory_gib}Gi",
    }
    assert ("Namespace", "spark-analytics") in manifests


@pytest.mark.parametrize("team", sandbox_config().teams, ids=lambda t: t.name)
def test_namespace_manifests_validate_against_kubernetes_schemas(team):
    for manifest in namespace_manifests(team, kubernetes_version="1.36"):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_virtual_cluster_is_bound_to_the_team_namespace_and_created_after_it(sandbox):
    for team in sandbox.config.teams:
        _, cluster = one(team_resources(sandbox, team.name, "AWS::EMRContainers::VirtualCluster"))
        provider = cluster["Properties"]["ContainerProvider"]
        assert provider == {"Id": "spark-eks", "Type": "EKS", "Info": {"EksInfo": {"Namespace": team.namespace}}}
        manifests = team_resources(sandbox, team.name, "Custom::AWSCDK-EKS-KubernetesResource")
        # (A Pod Identity team's agent policy is the other one, in the identities stack.)
        namespace_id, _ = one({lid: r for lid, r in manifests.items() if "Namespace" in lid})
        # EMR registers the namespace (and its access entry) when the virtual cluster is created:
        # the namespace must already exist, or creation fails with "Unauthorized to perform read namespace".
        assert namespace_id in cluster["DependsOn"]


def test_emr_access_goes_through_access_entries_not_aws_auth(sandbox):
    cluster = next(iter(sandbox.resources("AWS::EKS::Cluster").values()))
    assert cluster["Properties"]["AccessConfig"]["AuthenticationMode"] == "API_AND_CONFIG_MAP"  # as EMR documents
    assert "aws-auth" not in json.dumps(sandbox.templates)
    # CloudFormation may not create access entries for service-linked roles; EMR on EKS makes its
    # own when the virtual cluster is created. Virtual clusters are created one after another.
    _, second = one(team_resources(sandbox, "ingestion", "AWS::EMRContainers::VirtualCluster"))
    first_id, _ = one(team_resources(sandbox, "analytics", "AWS::EMRContainers::VirtualCluster"))
    assert first_id in second["DependsOn"]


# --- 2. Job execution role ---------------------------------------------------------------------


def aws_cli_base36(text: str) -> str:
    """The AWS CLI's algorithm (update-role-trust-policy), written independently."""
    number = 0
    for character in text:
        number = number * 256 + ord(character)
    alphabet, digits = "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while number:
        number, index = divmod(number, 36)
        digits = alphabet[index] + digits
    return digits or "0"


@pytest.mark.parametrize("name", ["spark-analytics-emr-job", "a", "team_x.y@z=+,-"])
def test_base36_matches_the_encoding_emr_on_eks_uses(name):
    assert base36(name) == aws_cli_base36(name)


@pytest.fixture(scope="module")
def irsa_team(sandbox, tmp_path_factory):
    """The sandbox with ingestion's job role kept on IRSA (analytics stays on Pod Identity)."""
    teams = tuple(replace(t, job_credentials="irsa") if t.name == "ingestion" else t for t in sandbox.config.teams)
    return synthesize(replace(sandbox.config, teams=teams), tmp_path_factory.mktemp("irsa"))


def test_an_irsa_execution_role_trusts_exactly_the_emr_job_service_accounts_of_its_namespace(irsa_team):
    team = next(t for t in irsa_team.config.teams if t.name == "ingestion")
    _, role = one(team_resources(irsa_team, team.name, "AWS::IAM::Role"))
    role_name = role["Properties"]["RoleName"]
    assert role_name == f"spark-{team.name}-emr-job"  # a literal, never a token
    template, variables = role["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"]
    (statement,) = json.loads(template)["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": "${ProviderArn}"}
    assert statement["Condition"] == {
        "StringEquals": {"${Issuer}:aud": "sts.amazonaws.com"},
        "StringLike": {
            "${Issuer}:sub": f"system:serviceaccount:{team.namespace}:emr-containers-sa-*-*-${{AWS::AccountId}}-"
            + aws_cli_base36(role_name)
        },
    }
    assert variables["ProviderArn"]["Fn::ImportValue"].startswith(
        "spark-cluster:ExportsOutputRefEksClusterOidcProvider"
    )
    assert variables["Issuer"]["Fn::Select"][1]["Fn::Split"][0] == "https://"
    assert team_document(irsa_team, "ingestion")["job_credentials"] == "irsa"
    assert team_document(irsa_team, "analytics")["job_credentials"] == "pod_identity"


def test_a_role_name_token_is_refused_because_it_would_break_the_trust():
    token_name = Aws.STACK_NAME  # the kind of value a generated role name is
    assert Token.is_unresolved(token_name)
    with pytest.raises(ValueError, match="must be a literal string"):
        job_service_account_pattern(namespace="ns", role_name=token_name)


def test_execution_role_may_use_its_own_prefixes_log_group_and_databases_only(sandbox):
    statements = team_statements(sandbox, "ingestion")
    write = " ".join(resource_strings(statements["WriteObjects"]))
    assert "/teams/ingestion/*" in write and "/teams/analytics/" not in write
    assert "spark-logs-" in write and "spark-data-" in write and "spark-artifacts-" not in write
    databases = " ".join(resource_strings(statements["UseOwnDatabases"]))
    # Physical names carry the environment's prefix (config.glue_database_name).
    assert "database/spark_ingestion_raw" in databases and "table/spark_ingestion_curated/*" in databases
    assert "analytics_marts" not in databases
    for statement in statements.values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(not action.endswith("*") for action in actions), statement["Sid"]
    assert sorted(statements["OpenCatalogDefault"]["Action"]) == ["glue:CreateDatabase", "glue:GetDatabase"]
    kms = next(s for s in statements.values() if s["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"])
    assert kms["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]
    }


# Platform-wide resources every job needs: the Glue catalog object and its "default" database
# (opened, and created in a new account, when a Spark session starts), and listing log groups.
SHARED_READ_ONLY = ('catalog"', "database/default", 'log-group:*"')


def touched_resources(synth, team: str) -> set[str]:
    resources = set()
    for statement in team_statements(synth, team).values():
        for resource in resource_strings(statement):
            if statement["Sid"] in ("OpenCatalogDefault", "FindLogGroups"):
                continue
            if statement["Sid"].startswith("ListOwnPrefixes"):
                prefixes = statement["Condition"]["StringLike"]["s3:prefix"]
                resources |= {f"{resource}?prefix={p}" for p in prefixes}
                continue
            if resource.endswith(':catalog"]]}') or resource.endswith(":catalog"):
                continue
            resources.add(resource)
    return resources


def test_two_teams_roles_touch_disjoint_resources(sandbox):
    analytics, ingestion = touched_resources(sandbox, "analytics"), touched_resources(sandbox, "ingestion")
    assert analytics and ingestion
    # The shared KMS key is usable only via S3 on each team's own prefixes (kms:ViaService).
    shared = {r for r in analytics & ingestion if "Key" not in r}
    assert shared == set()


def test_granted_locations_and_team_data_sharing_are_read_only_unless_writable(variant):
    statements = team_statements(variant, "reporting")
    read = " ".join(resource_strings(statements["ReadObjects"]))
    write = " ".join(resource_strings(statements["WriteObjects"]))
    assert ":s3:::corp-raw-data/events/*" in read and "corp-raw-data" not in write
    assert ":s3:::corp-marts/reporting/*" in write
    assert "/teams/etl/*" in read and "/teams/etl/" not in write


# --- 3. Storage and logs -----------------------------------------------------------------------


def test_shared_buckets_are_encrypted_tls_only_versioned_logged_and_expire(sandbox):
    buckets = {
        lid: r for lid, r in sandbox.templates["spark-tenancy"]["Resources"].items() if r["Type"] == "AWS::S3::Bucket"
    }
    assert len(buckets) == 4
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["LifecycleConfiguration"]["Rules"]
        encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        if "AccessLogs" in logical_id:
            assert encryption == {"SSEAlgorithm": "AES256"}  # log delivery requires SSE-S3
        else:
            assert encryption["SSEAlgorithm"] == "aws:kms"
            assert props["LoggingConfiguration"]["DestinationBucketName"]
    tenancy_policies = [
        r for r in sandbox.templates["spark-tenancy"]["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"
    ]
    tls = [
        s
        for policy in tenancy_policies
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls) == 4


def test_only_the_platforms_own_buckets_can_deliver_access_logs_each_to_its_own_prefix(sandbox):
    """Every server-access-log grant names its source bucket and account (no confused deputy).

    Includes the MWAA source bucket, which lives in another stack: CDK leaves that grant
    unconditioned when it adds it, so the platform writes it itself.
    """

    def text(value) -> str:  # a Fn::Join of literals and pseudo parameters, as one string
        parts = value["Fn::Join"][1] if isinstance(value, dict) else [value]
        return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)

    logged = {
        (text(r["Properties"]["BucketName"]), r["Properties"]["LoggingConfiguration"]["LogFilePrefix"])
        for template in sandbox.templates.values()
        for r in template["Resources"].values()
        if r["Type"] == "AWS::S3::Bucket" and "LoggingConfiguration" in r["Properties"]
    }
    (policy,) = [
        r
        for lid, r in sandbox.templates["spark-tenancy"]["Resources"].items()
        if r["Type"] == "AWS::S3::BucketPolicy" and "AccessLogs" in lid
    ]
    grants = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert all(g["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}} for g in grants)
    granted = {
        (
            text(g["Condition"]["ArnLike"]["aws:SourceArn"]).split(":s3:::")[1],
            g["Resource"]["Fn::Join"][1][1].removeprefix("/").removesuffix("*"),
        )
        for g in grants
    }
    assert granted == logged
    assert {prefix for _, prefix in logged} == {"artifacts/", "logs/", "data/", "mwaa-source/"}


def test_job_roles_have_no_container_registry_access(sandbox):
    """The kubelet pulls job images with the node role; a job's IRSA credentials never need ECR."""
    for team in sandbox.config.teams:
        _, role = one(team_resources(sandbox, team.name, "AWS::IAM::Role"))
        assert "spark-images" not in json.dumps(role["Properties"].get("ManagedPolicyArns", []))
    for template in sandbox.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                roles = json.dumps(resource["Properties"].get("Roles", []))
                if "EmrJob" in roles or "emr-job" in roles or "JobRole" in roles:
                    assert "ecr:" not in json.dumps(resource["Properties"]["PolicyDocument"]), roles


def test_each_team_has_a_log_group_with_retention_and_kms(sandbox):
    for team in sandbox.config.teams:
        _, group = one(team_resources(sandbox, team.name, "AWS::Logs::LogGroup"))
        assert group["Properties"]["LogGroupName"] == f"/emr-on-eks/spark/{team.name}"
        assert group["Properties"]["RetentionInDays"] == team.log_retention_days
        assert "KmsKeyId" in group["Properties"]


def test_jobs_get_a_default_monitoring_configuration(sandbox):
    monitoring = team_document(sandbox, "analytics")["monitoring_configuration"]
    assert monitoring["persistentAppUI"] == "ENABLED"
    assert monitoring["cloudWatchMonitoringConfiguration"] == {
        "logGroupName": "<token>",
        "logStreamNamePrefix": "analytics",
    }
    assert monitoring["s3MonitoringConfiguration"]["logUri"] == "s3://spark-logs-<token>-eu-west-1/teams/analytics/"


# --- 4. Pod templates --------------------------------------------------------------------------


def all_templates(config) -> list[tuple[str, dict]]:
    return [(f"{team.name}/driver", driver_template(team)) for team in config.teams] + [
        (f"{team.name}/executor", executor_template(team)) for team in config.teams
    ]


@pytest.mark.parametrize(
    ("name", "template"), all_templates(sandbox_config()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_pod_templates_validate_against_kubernetes_1_35(name, template):
    kubernetes_validate.validate(template, KUBERNETES_VERSION, strict=True)
    (container,) = template["spec"]["containers"]
    assert container["name"] == ("spark-kubernetes-driver" if name.endswith("driver") else "spark-kubernetes-executor")
    assert template["spec"]["nodeSelector"]["kubernetes.io/arch"] == "arm64"
    (volume,) = template["spec"]["volumes"]
    assert volume["name"].startswith("spark-local-dir-") and "emptyDir" in volume
    assert container["volumeMounts"][0]["name"] == volume["name"]


def test_pod_templates_are_published_as_assets_and_match_the_files(sandbox):
    document = team_document(sandbox, "analytics")
    assets = json.loads((sandbox.directory / "spark-teams-1.assets.json").read_text())["files"]
    for component, render_template in (("driver", driver_template), ("executor", executor_template)):
        url = document["pod_templates"][component]
        assert document["spark_conf"][f"spark.kubernetes.{component}.podTemplateFile"] == url
        asset_hash = url.rsplit("/", 1)[1].split(".")[0]
        staged = sandbox.directory / assets[asset_hash]["source"]["path"]
        assert yaml.safe_load(staged.read_text()) == render_template(sandbox.config.teams[0])
    # Read access to exactly these two objects.
    pod_templates = team_statements(sandbox, "analytics")["ReadPodTemplates"]
    assert len(pod_templates["Resource"]) == 2


def test_driver_is_protected_from_voluntary_disruption(sandbox):
    assert driver_template(sandbox.config.teams[0])["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true"


# --- 5. Spark versions -------------------------------------------------------------------------


def test_teams_use_several_emr_releases_side_by_side(sandbox):
    releases = {team.name: team_document(sandbox, team.name)["release_labels"] for team in sandbox.config.teams}
    assert releases == {
        "analytics": ["emr-7.12.0-latest", "emr-7.9.0-latest", "emr-spark-8.0.0-latest"],  # Spark 3.5 and 4
        "ingestion": ["emr-7.12.0-latest"],
    }


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"release_labels": ["emr-7.12"]},
            r"^teams\[0\]\.release_labels\[0\]: 'emr-7\.12' is not an EMR on EKS release label",
        ),
        ({"namespace": "Spark_Team"}, r"^teams\[0\]\.namespace: 'Spark_Team' is not a Kubernetes namespace name"),
        ({"namespace": "kube-system"}, r"^teams\[0\]\.namespace: 'kube-system' is reserved"),
        ({"s3_read": ["s3://bucket/no-slash"]}, r"^teams\[0\]\.s3_read\[0\]: .*\(ending in '/'"),
        ({"glue_databases": ["Sales-DB"]}, r"^teams\[0\]\.glue_databases\[0\]: 'Sales-DB' is not a Glue database name"),
        ({"read_team_data": ["nobody"]}, r"^teams\[0\]\.read_team_data: 'nobody' is not another team"),
    ],
)
def test_bad_team_settings_fail_with_the_field_named(override, message):
    data = copy.deepcopy(VARIANT)
    data["teams"][0].update(override)
    with pytest.raises(Exception, match=message):
        from_mapping(data)


def test_duplicate_namespaces_are_refused():
    data = copy.deepcopy(VARIANT)
    data["teams"][1]["namespace"] = data["teams"][0]["namespace"]
    with pytest.raises(Exception, match=r"^teams: namespace 'spark-reporting' is used by more than one team"):
        from_mapping(data)


# --- 6. Outputs --------------------------------------------------------------------------------


def test_each_team_publishes_outputs_and_a_machine_readable_document(sandbox):
    outputs = sandbox.templates[TEAMS]["Outputs"]
    for team in ("Analytics", "Ingestion"):
        assert any(key.startswith(f"Team{team}VirtualClusterId") for key in outputs)
        assert any(key.startswith(f"Team{team}ExecutionRoleArn") for key in outputs)
    _, parameter = one(team_resources(sandbox, "analytics", "AWS::SSM::Parameter"))
    assert parameter["Properties"]["Name"] == "/spark/teams/analytics"
    document = team_document(sandbox, "analytics")
    assert set(document) == {
        "team",
        "namespace",
        "virtual_cluster_id",
        "execution_role_arn",
        "release_labels",
        "pod_templates",
        "artifacts_uri",
        "data_uri",
        "logs_uri",
        "log_group",
        "monitoring_configuration",
        "spark_conf",
        "job_submitter",
        "glue_database_prefix",
        "job_credentials",
        "alerts_topic",
        "spark_ui",
    }
    assert document["namespace"] == "spark-analytics"
    assert document["job_credentials"] == "pod_identity"  # every release of analytics supports it
    assert document["glue_database_prefix"] == "spark_"


def test_the_team_document_carries_what_an_ad_hoc_submission_needs(sandbox):
    """`aws emr-containers start-job-run` with the document's spark_conf and job_submitter places
    the job runner and turns on decommissioning, like the DAGs do."""
    document = team_document(sandbox, "analytics")
    submitter = document["job_submitter"]
    assert submitter["jobsubmitter.node.selector.karpenter.sh/capacity-type"] == "on-demand"
    assert submitter["jobsubmitter.node.toleration.spark-platform/role"] == "spark-driver"
    assert submitter["jobsubmitter.node.toleration.spark-platform/role.effect"] == "NoSchedule"
    conf = document["spark_conf"]
    assert conf["spark.decommission.enabled"] == conf["spark.storage.decommission.shuffleBlocks.enabled"] == "true"
    assert conf["spark.storage.decommission.fallbackStorage.path"] == document["data_uri"] + "spark-fallback/"


# --- What one more team costs ------------------------------------------------------------------


def test_an_additional_team_adds_a_fixed_set_of_resources_and_no_lambda(sandbox, tmp_path):
    extra = TeamConfig(name="finance", namespace="spark-finance", glue_databases=("finance_ledger",))
    bigger = replace(sandbox.config, teams=(*sandbox.config.teams, extra))
    synth = synthesize(bigger, tmp_path / "three-teams")
    count = lambda s: {t: len(s.templates[t]["Resources"]) for t in s.templates}  # noqa: E731
    before, after = count(sandbox), count(synth)
    changed = {stack: after[stack] - before[stack] for stack in after if after[stack] != before.get(stack)}
    # namespace manifest, virtual cluster, log group, Glue database, role, policy, SSM document; in
    # the teams' observability stack: topic, topic policy, three rules (failures, long-running,
    # submitted), dashboard; and the three Pod Identity associations of its job role and its agent
    # network policy, in the identities stack
    assert changed == {TEAMS: 7, "spark-observability-1": 6, f"{TEAMS}-identities": 4}
    assert len(synth.resources("AWS::Lambda::Function")) == len(sandbox.resources("AWS::Lambda::Function"))
    for stack in (
        "spark-network",
        "spark-cluster",
        "spark-karpenter",
        "spark-images",
        "spark-tenancy",
        "spark-observability",
    ):
        assert synth.templates[stack] == sandbox.templates[stack], stack
