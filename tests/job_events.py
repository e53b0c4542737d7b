"""Sample "EMR Job Run State Change" events, one per job run state, in the documented shape.

The envelope is EventBridge's ("Amazon EventBridge events": version, id, detail-type, source,
account, time, region, resources, detail); the detail carries the fields the EMR on EKS
Development Guide ("Monitor jobs with Amazon CloudWatch Events": the virtual cluster and job run of
each event) and the JobRun API reference name (id, name, arn, virtualClusterId, state, releaseLabel,
executionRoleArn, createdBy, failureReason, stateDetails). The values are ours.
"""

from __future__ import annotations

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def job_event(
    state: str, *, role: str, cluster: str = "vc0analytics0000000000001", job: str = "0000000abcjobrun0001"
) -> dict:
    detail = {
        "severity": "ERROR" if state == "FAILED" else "INFO",
        "name": "analytics__daily_marts.sessions",
        "id": job,
        "arn": f"arn:aws:emr-containers:{REGION}:{ACCOUNT}:/virtualclusters/{cluster}/jobruns/{job}",
        "virtualClusterId": cluster,
        "state": state,
        "createdBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/spark-airflow-exec/airflow",
        "releaseLabel": "emr-7.12.0-latest",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "message": f"Job run {job} is {state}",
    }
    if state == "FAILED":
        detail.update(failureReason="USER_ERROR", stateDetails="Job failed: the driver exited with code 1.")
    return {
        "version": "0",
        "id": "6f1c2a9e-0000-4000-8000-000000000001",
        "detail-type": "EMR Job Run State Change",
        "source": "aws.emr-containers",
        "account": ACCOUNT,
        "time": "2026-11-20T03:17:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def pod_performance_event(namespace: str, cpu_request_millicores: int) -> dict:
    """A Container Insights pod performance event (Type "Pod") as the CloudWatch agent's EMF
    exporter writes it: the declaration's dimensions and metric names are fields of the event
    (amazon-cloudwatch-agent, awsemf kubernetes.go; its pod store adds pod_cpu_request)."""
    return {
        "Type": "Pod",
        "ClusterName": "spark-eks",
        "Namespace": namespace,
        "PodName": "spark-1a2b-exec-1",
        "pod_cpu_request": cpu_request_millicores,
        "pod_cpu_utilization": 41.5,
        "Timestamp": "1795151820000",
    }
