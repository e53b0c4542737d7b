"""Step Functions workflows that watch what no AWS event reports, without a Lambda function.

* The long-running watch: started by each team's rule when one of its job runs enters RUNNING; it
  waits the team's ``alerts.long_running_minutes``, asks EMR on EKS for the run's state
  (DescribeJobRun through the AWS SDK integration, "Call other AWS services" in the Step Functions
  Developer Guide) and, when the run is still not over, publishes to the team's and the platform's
  topics. A standard workflow: waiting costs nothing and may last up to a year.
* The capacity poller: every five minutes, the free addresses of each pod subnet (EC2
  DescribeSubnets ``AvailableIpAddressCount``: with prefix delegation every /28 a node takes is
  gone from it) and the running Karpenter nodes of each pool (DescribeInstances by the tags
  Karpenter puts on its instances), written with PutMetricData: the platform dashboard's "pod IPs
  left per zone" and "nodes by pool", which AWS publishes nowhere else. An express workflow.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from spark_platform.compliance import nag_resource_form, suppress
from spark_platform.log_groups import encrypted_log_group
from spark_platform.observability.metrics import NODES, POD_IPS_AVAILABLE

STILL_RUNNING = ("PENDING", "SUBMITTED", "RUNNING")


def long_running_definition(platform_topic_arn: str) -> dict[str, Any]:
    """Input (from the team rule's input transformer): jobRunId, virtualClusterId, name, team,
    waitSeconds, minutes, teamTopicArn. AWS SDK integrations name fields in PascalCase."""
    message = (
        "States.Format('Spark job {} of team {} is still {} after {} minutes (job run {} on virtual cluster {}): "
        "aws emr-containers describe-job-run --id {} --virtual-cluster-id {}', $.name, $.team, $.now.state, "
        "$.minutes, $.jobRunId, $.virtualClusterId, $.jobRunId, $.virtualClusterId)"
    )
    return {
        "Comment": "Alert when a job run is still not over after the team's long-running threshold",
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "SecondsPath": "$.waitSeconds", "Next": "Describe"},
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:emrcontainers:describeJobRun",
                "Parameters": {"Id.$": "$.jobRunId", "VirtualClusterId.$": "$.virtualClusterId"},
                "ResultSelector": {"state.$": "$.JobRun.State"},
                "ResultPath": "$.now",
                "Next": "StillRunning",
            },
            "StillRunning": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Or": [{"Variable": "$.now.state", "StringEquals": state} for state in STILL_RUNNING],
                        "Next": "AlertTeam",
                    }
                ],
                "Default": "Over",
            },
            "AlertTeam": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn.$": "$.teamTopicArn", "Message.$": message},
                "ResultPath": None,
                "Next": "AlertPlatform",
            },
            "AlertPlatform": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": platform_topic_arn, "Message.$": message},
                "ResultPath": None,
                "End": True,
            },
            "Over": {"Type": "Succeed"},
        },
    }


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


def _state_machine(
    scope: Construct,
    construct_id: str,
    *,
    definition: dict,
    kind: sfn.StateMachineType,
    logs_key: kms.IKey,
    retention_days: int,
) -> sfn.StateMachine:
    log_group = encrypted_log_group(scope, f"{construct_id}Logs", key=logs_key, retention_days=retention_days)
    machine = sfn.StateMachine(
        scope,
        construct_id,
        definition_body=sfn.DefinitionBody.from_string(json.dumps(definition)),
        state_machine_type=kind,
        logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        tracing_enabled=True,
        timeout=Duration.days(8) if kind == sfn.StateMachineType.STANDARD else Duration.minutes(5),
    )
    machine.node.default_child.apply_removal_policy(RemovalPolicy.DESTROY)
    suppress(
        machine,
        (
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "Log delivery and X-Ray actions have no resource type (Step Functions Developer Guide, 'IAM policies for "
            "logging to CloudWatch Logs'); describeSubnets/describeInstances and putMetricData neither.",
        ),
        (
            "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
            "CDK's StateMachine writes its logging and X-Ray grants as the role's default policy; the workflow's own "
            "grants sit next to them so the role has one policy.",
        ),
    )
    return machine


class LongRunningWatch(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, name_prefix: str, platform_topic_arn: str, key: kms.IKey, logs_key
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.machine = _state_machine(
            self,
            "Watch",
            definition=long_running_definition(platform_topic_arn),
            kind=sfn.StateMachineType.STANDARD,
            logs_key=logs_key,
            retention_days=90,
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["emr-containers:DescribeJobRun"],
                resources=[stack.format_arn(service="emr-containers", resource="/virtualclusters/*/jobruns/*")],
                conditions={"StringEquals": {"aws:ResourceTag/spark-platform": name_prefix}},
            )
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                resources=[stack.format_arn(service="sns", resource=f"{name_prefix}-*-alerts")],
            )
        )
        key.grant(self.machine, "kms:Decrypt", "kms:GenerateDataKey*")
        suppress(
            self.machine,
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::"
                f"{nag_resource_form(stack.resolve(stack.format_arn(service='emr-containers', resource='/virtualclusters/*/jobruns/*')))}]",
                "Any job run of the platform's virtual clusters (tag condition): the watch learns the run from the event.",
            ),
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::"
                f"{nag_resource_form(stack.resolve(stack.format_arn(service='sns', resource=f'{name_prefix}-*-alerts')))}]",
                "Every team's alert topic (<prefix>-<team>-alerts): the team's rule passes its topic to the watch.",
            ),
            (
                "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Publishing to a KMS-encrypted topic needs data keys of the alert key (SNS Developer Guide, 'Encryption at rest').",
            ),
        )
        # The role team rules start the watch with (EventBridge needs one to start executions).
        self.events_role = iam.Role(
            self, "StartRole", assumed_by=iam.ServicePrincipal("events.amazonaws.com"), description="Start the watch"
        )
        self.machine.grant_start_execution(self.events_role)
        suppress(
            self.events_role,
            (
                "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
                "CDK's grant_start_execution writes one statement (states:StartExecution on this state machine).",
            ),
        )


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
        self.machine = _state_machine(
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
