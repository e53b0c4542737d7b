"""EKS Pod Identity for job execution roles: the trust, and the associations EMR's pods need.

EMR on EKS hands a StartJobRun's job execution role to three service accounts it creates in the
virtual cluster's namespace, ``emr-containers-sa-spark-{client,driver,executor}-<account>-<base36
role name>`` (the job runner, the driver, the executors). With EKS Pod Identity (emr-7.3.0 and
later, "Option 1: Enable EKS Pod Identity on the EKS Cluster") each needs an association of the
role with that service account; ``aws emr-containers create-role-associations --type
start_job_run`` makes exactly these three (the AWS CLI's create_role_associations.py,
``_get_start_job_run_mapping``). CloudFormation creates them here instead, one
``AWS::EKS::PodIdentityAssociation`` each.

The role's trust admits only ``pods.eks.amazonaws.com`` acting for this account and this cluster
(``aws:SourceAccount``, ``aws:SourceArn``) and, through the session tags EKS Pod Identity puts
on the request, only the team's namespace and those three service accounts ("Create IAM role with
trust policy required by EKS Pod Identity": ``aws:RequestTag/kubernetes-namespace`` and
``-service-account``). An association of another namespace or service account with the role
would therefore still be refused by IAM. No OIDC provider is part of the path.
"""

from __future__ import annotations

import json

from aws_cdk import Aws, Fn, Stack, Token
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from spark_platform.jobs.emr_pods import service_account
from spark_platform.tenancy.network_policy import pod_identity_agent_policy

# The service accounts of a StartJobRun, by EMR's component name.
START_JOB_RUN_COMPONENTS = ("client", "driver", "executor")
POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def job_service_accounts(role_name: str, account: str = "${AWS::AccountId}") -> list[str]:
    """The job runner's, the driver's and the executors' service accounts for ``role_name``."""
    if Token.is_unresolved(role_name):
        raise ValueError("the execution role name must be a literal string: its base36 form names the service accounts")
    return [service_account(component, account=account, role_name=role_name) for component in START_JOB_RUN_COMPONENTS]


def pod_identity_trust_document(*, cluster_name: str, namespace: str, role_name: str) -> object:
    """An AssumeRolePolicyDocument (as ``Fn::Sub``, for the account, partition and Region) that
    lets EKS Pod Identity hand the role to the team's three EMR service accounts on this cluster."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
                # EKS Pod Identity assumes the role with session tags (TagSession).
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": "${AWS::AccountId}",
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": job_service_accounts(role_name),
                    },
                    "ArnEquals": {
                        "aws:SourceArn": f"arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{cluster_name}"
                    },
                },
            }
        ],
    }
    # Compact: the document is part of every team's template, which the teams stack's byte budget
    # counts (tenancy/placement.py).
    return Fn.sub(json.dumps(document, separators=(",", ":")))


class JobRoleAssociations(Construct):
    """The three Pod Identity associations of one team's job execution role, and the network
    policy that lets the team's pods reach the Pod Identity agent (pod-identity-agent.yaml).

    The role is named, not referenced: it lives in the team's stack, and an ARN built from its
    literal name keeps the stacks free of exports (the caller orders the stacks: the namespace
    exists first). Both live here rather than in the team's stack, whose byte budget per team
    (tenancy/placement.py) has no room for them at 21 worst-case teams a stack.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: eks.ICluster,
        cluster_name: str,
        namespace: str,
        role_name: str,
    ):
        super().__init__(scope, construct_id)
        self.agent_policy = eks.KubernetesManifest(
            self, "AgentPolicy", cluster=cluster, manifest=[pod_identity_agent_policy(namespace)], overwrite=True
        )
        role_arn = Stack.of(self).format_arn(service="iam", region="", resource="role", resource_name=role_name)
        self.associations = {
            component: eks.CfnPodIdentityAssociation(
                self,
                component.capitalize(),
                cluster_name=cluster_name,
                namespace=namespace,
                service_account=name,
                role_arn=role_arn,
            )
            for component, name in zip(
                START_JOB_RUN_COMPONENTS, job_service_accounts(role_name, Aws.ACCOUNT_ID), strict=True
            )
        }
        for association in self.associations.values():
            # The agent is reachable before the role is handed out through it.
            association.node.add_dependency(self.agent_policy)
