"""Pod Identity job roles: exactly EMR's three service accounts of the team, nobody else.

The associations are compared with the service accounts the job model gives EMR's job runner,
driver and executor pods (jobs/emr_pods.py, the names `aws emr-containers create-role-associations
--type start_job_run` associates), and the trust is evaluated with IAM's rules (tests/iam.py) for
the request EKS Pod Identity makes: principal pods.eks.amazonaws.com, aws:SourceAccount,
aws:SourceArn (the cluster) and the session tags it puts on the request.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace

import pytest
from aws_cdk import App, Stack

from spark_platform.config import ConfigError, from_mapping, uses_pod_identity
from spark_platform.emr_release_catalog import RELEASES
from spark_platform.jobs.emr_pods import job_pods, service_account
from spark_platform.jobs.submission import job_submitter_properties
from spark_platform.jobs.team_objects import driver_template, executor_template
from spark_platform.tenancy.pod_identity import job_service_accounts, pod_identity_trust_document

from .conftest import synthesize
from .iam import PSEUDO, rendered, trust_statements, trusts
from .twin.jobs import sample_jobs

ACCOUNT, REGION = PSEUDO["AWS::AccountId"], PSEUDO["AWS::Region"]
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/spark-eks"
PODS = {"Service": "pods.eks.amazonaws.com"}


def associations(synth) -> list[dict]:
    return [
        rendered(resource["Properties"])
        for template in synth.templates.values()
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::EKS::PodIdentityAssociation"
    ]


def role(synth, team: str) -> dict:
    (found,) = [
        resource
        for template in synth.templates.values()
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Role" and resource["Properties"].get("RoleName") == f"spark-{team}-emr-job"
    ]
    return found


def request(namespace: str, service_account_name: str, **overrides) -> dict[str, str]:
    """What IAM sees when EKS Pod Identity assumes a role for a pod (its session tags included)."""
    return {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": CLUSTER_ARN,
        "aws:RequestTag/kubernetes-namespace": namespace,
        "aws:RequestTag/kubernetes-service-account": service_account_name,
        "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
        **overrides,
    }


def test_a_team_whose_releases_all_support_it_gets_pod_identity_automatically(sandbox):
    assert [uses_pod_identity(team) for team in sandbox.config.teams] == [True, True]
    assert "spark-teams-1-identities" in sandbox.templates


def test_the_associations_are_exactly_the_job_runner_driver_and_executor_service_accounts_emr_uses(sandbox):
    """The three names of each team are the ones the job model gives EMR's pods of that team."""
    found = {
        (a["Namespace"], a["ServiceAccount"], a["RoleArn"]) for a in associations(sandbox) if "emr-job" in a["RoleArn"]
    }
    expected = set()
    for job in sample_jobs(sandbox.config):
        team, role_name = job.team, f"spark-{job.team.name}-emr-job"
        pods = job_pods(
            job.spec,
            namespace=team.namespace,
            driver_template=driver_template(team),
            executor_template=executor_template(team),
            submitter_properties=job_submitter_properties(),
            account=ACCOUNT,
            role_name=role_name,
        )
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role_name}"
        expected |= {(pod["metadata"]["namespace"], pod["spec"]["serviceAccountName"], role_arn) for pod in pods.all()}
    assert found == expected
    assert len(found) == 3 * len(sandbox.config.teams)
    assert all(a["ClusterName"] == "spark-eks" for a in associations(sandbox) if "emr-job" in a["RoleArn"])


def test_no_other_association_hands_out_a_job_role(sandbox):
    """Besides the teams' own three, only the platform's controllers have associations, each with
    its own role (the VPC CNI's is part of its add-on)."""
    others = [a for a in associations(sandbox) if "emr-job" not in a["RoleArn"]]
    assert [(a["Namespace"], a["ServiceAccount"]) for a in others] == [("kube-system", "karpenter")]


@pytest.mark.parametrize("team", ["analytics", "ingestion"])
def test_the_trust_admits_exactly_the_three_service_accounts_of_the_teams_namespace_on_this_cluster(sandbox, team):
    config = next(t for t in sandbox.config.teams if t.name == team)
    document = role(sandbox, team)["Properties"]["AssumeRolePolicyDocument"]
    names = job_service_accounts(f"spark-{team}-emr-job", ACCOUNT)
    for name in names:
        for action in ("sts:AssumeRole", "sts:TagSession"):
            assert trusts(document, principal=PODS, action=action, context=request(config.namespace, name))
    other = next(t for t in sandbox.config.teams if t.name != team)
    refused = {
        "another team's namespace": request(other.namespace, names[1]),
        "another team's service account": request(
            config.namespace, job_service_accounts(f"spark-{other.name}-emr-job", ACCOUNT)[1]
        ),
        "the namespace's default service account": request(config.namespace, "default"),
        # EMR's interactive endpoints name their service accounts the same way (jeg, jeg-kernel,
        # session; create-role-associations --type interactive_endpoint): not for job runs.
        "an interactive endpoint's service account": request(
            config.namespace, service_account("jeg", account=ACCOUNT, role_name=f"spark-{team}-emr-job")
        ),
        "another cluster": request(config.namespace, names[1], **{"aws:SourceArn": CLUSTER_ARN + "-other"}),
        "another account": request(config.namespace, names[1], **{"aws:SourceAccount": "444455556666"}),
    }
    for why, context in refused.items():
        assert not trusts(document, principal=PODS, action="sts:AssumeRole", context=context), why
    untagged = request(config.namespace, names[1])
    del untagged["aws:RequestTag/kubernetes-service-account"]  # an association with session tags disabled
    assert not trusts(document, principal=PODS, action="sts:AssumeRole", context=untagged)
    assert not trusts(document, principal={"Service": "ec2.amazonaws.com"}, action="sts:AssumeRole", context=untagged)
    # No OIDC provider in the path: nothing may assume it with a web identity.
    assert all(s["Action"] != "sts:AssumeRoleWithWebIdentity" for s in trust_statements(document))


def test_the_pod_identity_trust_fits_iams_default_trust_policy_size_for_the_longest_names():
    """IAM allows 2,048 characters of trust policy by default ("IAM and AWS STS quotas")."""
    document = pod_identity_trust_document(cluster_name="x" * 20 + "-eks", namespace="n" * 63, role_name="r" * 64)
    longest = Stack(App(), "Probe").resolve(document)
    text = json.dumps(trust_statements(longest), separators=(",", ":"))
    assert len(text.replace(ACCOUNT, "123456789012")) <= 2048


@pytest.fixture(scope="module")
def older_release(sandbox, tmp_path_factory):
    """A catalog with a release older than emr-7.3.0 (none is supported any more: emr-7.3.0 left
    standard support on 2026-10-15), for a team that still runs one."""
    older = dataclasses.replace(RELEASES["emr-7.9.0"], family="emr-7.2.0", supported_until=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(RELEASES, "emr-7.2.0", older)
        teams = tuple(
            replace(team, release_labels=(*team.release_labels, "emr-7.2.0-latest"))
            if team.name == "ingestion"
            else team
            for team in sandbox.config.teams
        )
        yield synthesize(replace(sandbox.config, teams=teams), tmp_path_factory.mktemp("older"))


def test_a_team_on_an_older_release_keeps_irsa_automatically_and_says_so(older_release):
    document = json.loads(rendered(role(older_release, "ingestion")["Properties"]["AssumeRolePolicyDocument"]))
    assert document["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    parameter = older_release.resources("AWS::SSM::Parameter")
    documents = [
        json.loads(rendered(p["Properties"]["Value"]))
        for p in parameter.values()
        if "/teams/" in p["Properties"].get("Name", "")
    ]
    assert {d["team"]: d["job_credentials"] for d in documents} == {"analytics": "pod_identity", "ingestion": "irsa"}
    assert {a["Namespace"] for a in associations(older_release) if "emr-job" in a["RoleArn"]} == {"spark-analytics"}


def test_pod_identity_is_refused_for_a_team_with_a_release_that_predates_it(monkeypatch):
    monkeypatch.setitem(RELEASES, "emr-7.2.0", dataclasses.replace(RELEASES["emr-7.9.0"], family="emr-7.2.0"))
    config = {
        "name_prefix": "spark",
        "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
        "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
        "orchestration": {"enabled": False},
        "teams": [
            {
                "name": "legacy",
                "namespace": "spark-legacy",
                "release_labels": ["emr-7.12.0-latest", "emr-7.2.0-latest"],
                "job_credentials": "pod_identity",
            }
        ],
    }
    with pytest.raises(
        ConfigError,
        match=r"^teams\[0\]\.job_credentials: pod_identity needs emr-7\.3\.0 or later, and emr-7\.2\.0-latest is older",
    ):
        from_mapping(config)


def test_moving_the_last_team_off_irsa_keeps_the_cluster_stacks_exports(sandbox, tmp_path):
    """The teams stack imports the OIDC provider's ARN and issuer while a team is on IRSA; the cluster
    stack, deployed first, must not drop those exports when the last team moves to Pod Identity."""
    irsa = replace(sandbox.config, teams=tuple(replace(t, job_credentials="irsa") for t in sandbox.config.teams))
    before = synthesize(irsa, tmp_path / "irsa")
    assert before.templates["spark-cluster"]["Outputs"] == sandbox.templates["spark-cluster"]["Outputs"]
    assert "spark-teams-1-identities" not in before.templates
