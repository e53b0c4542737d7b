"""The IRSA trust of a job execution role: exactly the service accounts EMR on EKS creates.

EMR on EKS names the service accounts of a job run
``emr-containers-sa-<framework>-<component>-<account>-<base36 of the role name>`` in the
virtual cluster's namespace. The base36 part is computed here, at synth time, from the role's
literal name: a role name that is a CloudFormation token cannot be encoded, and a trust built
from one silently never matches.
"""

from __future__ import annotations

import json

from aws_cdk import Fn, Token

from spark_platform.jobs.emr_pods import base36  # EMR on EKS's base36 of the role name (one home)

__all__ = ["base36", "irsa_trust_document", "job_service_account_pattern"]


def job_service_account_pattern(*, namespace: str, role_name: str, account: str = "${AWS::AccountId}") -> str:
    if Token.is_unresolved(role_name):
        raise ValueError("the execution role name must be a literal string: its base36 form is part of the trust")
    return f"system:serviceaccount:{namespace}:emr-containers-sa-*-*-{account}-{base36(role_name)}"


def irsa_trust_document(*, oidc_provider_arn: str, oidc_issuer_url: str, namespace: str, role_name: str) -> object:
    """An AssumeRolePolicyDocument (as ``Fn::Sub``) for EMR on EKS job pods of one namespace.

    The condition key contains the cluster's OIDC issuer, known only at deploy time. IAM
    condition keys cannot be CloudFormation functions, so the document is a JSON string
    that ``Fn::Sub`` completes; no custom resource (CfnJson) and no Lambda is needed.
    """
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "${ProviderArn}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"${Issuer}:aud": "sts.amazonaws.com"},
                    "StringLike": {
                        "${Issuer}:sub": job_service_account_pattern(namespace=namespace, role_name=role_name)
                    },
                },
            }
        ],
    }
    issuer_host = Fn.select(1, Fn.split("https://", oidc_issuer_url))
    return Fn.sub(json.dumps(document), {"ProviderArn": oidc_provider_arn, "Issuer": issuer_host})
