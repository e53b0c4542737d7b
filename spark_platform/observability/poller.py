"""The capacity poller, an express Step Functions workflow (no Lambda function): every five minutes,
the free addresses of each pod subnet (EC2 DescribeSubnets ``AvailableIpAddressCount``: with prefix
delegation every /28 a node takes is gone from it) and the running Karpenter nodes of each pool
(DescribeInstances by the tags Karpenter puts on its instances), written with PutMetricData: the
platform dashboard's "pod IPs left per zone" and "nodes by pool", which AWS publishes nowhere else.

Pending pods per pool are not measured here: only the Kubernetes API lists pods (see
docs/observability.md, "Pending pods by pool").
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from spark_platform.observability.metrics import NODES, POD_IPS_AVAILABLE
from spark_platform.observability.watches import state_machine


def poller_definition(*, namespace: str, pod_subnet_ids: list[str], cluster_name: str, pools: list[str]) -> dict:
    def count_nodes(pool: str) -> dict[str, Any]:
        return {
            "StartAt": f"Describe {pool}",
            "States": {
                f"Describe {pool}": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances",
                    "Parameters": {
                        "Filters": [
                            {"Name": f"tag:kubernetes.io/cluster/{cluster_name}", "Values": ["owned"]},
                            {"Name": "tag:karpenter.sh/nodepool", "Values": [pool]},
                            {"Name": "instance-state-name", "Values": ["pending", "running"]},
                        ]
                    },
                    "ResultSelector": {"count.$": "States.ArrayLength($.Reservations[*].Instances[*].InstanceId)"},
                    "Next": f"Publish {pool}",
                },
                f"Publish {pool}": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
                    "Parameters": {
                        "Namespace": namespace,
                        "MetricData": [
                            {
                                "MetricName": NODES,
                                "Dimensions": [{"Name": "NodePool", "Value": pool}],
                                "Value.$": "$.count",
                                "Unit": "Count",
                            }
                        ],
                    },
                    "End": True,
                },
            },
        }

    pod_ips = {
        "StartAt": "Subnets",
        "States": {
            "Subnets": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ec2:describeSubnets",
                "Parameters": {"SubnetIds": pod_subnet_ids},
                "Next": "EachZone",
            },
            "EachZone": {
                "Type": "Map",
                "ItemsPath": "$.Subnets",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Publish zone",
                    "States": {
                        "Publish zone": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
                            "Parameters": {
                                "Namespace": namespace,
                                "MetricData": [
                                    {
                                        "MetricName": POD_IPS_AVAILABLE,
                                        "Dimensions": [{"Name": "AvailabilityZone", "Value.$": "$.AvailabilityZone"}],
                                        "Value.$": "$.AvailableIpAddressCount",
                                        "Unit": "Count",
                                    }
                                ],
                            },
                            "End": True,
                        }
                    },
                },
                "End": True,
            },
        },
    }
    return {
        "Comment": "Pod IPs left per zone and Karpenter nodes per pool, as CloudWatch metrics",
        "StartAt": "Measure",
        "States": {
            "Measure": {
                "Type": "Parallel",
                "Branches": [pod_ips, *(count_nodes(pool) for pool in pools)],
                "End": True,
            }
        },
    }


class CapacityPoller(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        namespace: str,
        pod_subnet_ids: list[str],
        cluster_name: str,
        pools: list[str],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.machine = state_machine(
            self,
            "Poller",
            definition=poller_definition(
                namespace=namespace, pod_subnet_ids=pod_subnet_ids, cluster_name=cluster_name, pools=pools
            ),
            kind=sfn.StateMachineType.EXPRESS,
            logs_key=logs_key,
            retention_days=7,
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(actions=["ec2:DescribeSubnets", "ec2:DescribeInstances"], resources=["*"])
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
            )
        )
        self.schedule = events.Rule(
            self,
            "Every5Minutes",
            description="Measure pod IPs left per zone and Karpenter nodes per pool",
            schedule=events.Schedule.rate(Duration.minutes(5)),
        )
        self.schedule.add_target(targets.SfnStateMachine(self.machine))
