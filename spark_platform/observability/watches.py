"""Step Functions workflows that watch what no AWS event reports, without a Lambda function.

The long-running watch, one per job run: each team's rule sends every event of its runs that are
not over (PENDING, SUBMITTED, RUNNING) to the starter, an express workflow that starts the watch
with an execution name made of the run's virtual cluster and id. StartExecution of a standard
workflow is idempotent by name: with the name of an open execution and the same input it returns
that execution; with the name of a closed one (for 90 days) it fails ExecutionAlreadyExists,
which the starter takes as "already watched" (Step Functions API reference, StartExecution;
Developer Guide, "Execution guarantees"). So the first event, the submission, starts the one
watch of the run, and a retried driver or a duplicate delivery starts none. The watch waits the
team's ``alerts.long_running_minutes``, asks EMR on EKS for the run's state (DescribeJobRun
through the AWS SDK integration, "Call other AWS services") and, when the run is still not over,
puts a "Spark Job Run Long Running" event on the default bus (the optimized EventBridge
integration; "Add EventBridge events with Step Functions": a failed entry fails the task). The
team's and the platform's rules send that event to their topics, own and existing, as they send
failures (alerts.notify). A standard workflow: waiting costs nothing and may last up to a year.

The capacity poller (poller.py) is the other workflow; both share ``state_machine``.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from spark_platform.compliance import nag_resource_form, suppress
from spark_platform.log_groups import encrypted_log_group
from spark_platform.observability import events as job_events

STILL_RUNNING = job_events.NOT_OVER_STATES
# AWS SDK integrations name a service's error <Service>.<Error>Exception ("Learning to use AWS
# service SDK integrations in Step Functions": the Exception suffix is added when the API lacks it).
ALREADY_WATCHED = "Sfn.ExecutionAlreadyExistsException"


def execution_name() -> str:
    """The watch's execution name: unique per job run (a job run id is unique in its virtual
    cluster), within StartExecution's 80 characters of letters, digits, - and _ (25 + 1 + 19)."""
    return "States.Format('{}-{}', $.virtualClusterId, $.jobRunId)"


def starter_definition(watch_arn: str) -> dict[str, Any]:
    """Input (from the team rule's input transformer): the watch's input, the same for every event
    of one job run, so a start while the watch is open is StartExecution's idempotent case."""
    return {
        "Comment": "Start the long-running watch of a job run once, named after the run",
        "StartAt": "StartWatch",
        "States": {
            "StartWatch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                "Parameters": {
                    "StateMachineArn": watch_arn,
                    "Name.$": execution_name(),
                    "Input.$": "States.JsonToString($)",
                },
                "Catch": [{"ErrorEquals": [ALREADY_WATCHED], "ResultPath": None, "Next": "AlreadyWatched"}],
                "End": True,
            },
            "AlreadyWatched": {"Type": "Succeed"},
        },
    }


def long_running_definition(name_prefix: str) -> dict[str, Any]:
    """Input: jobRunId, virtualClusterId, name, team, executionRoleArn, waitSeconds, minutes. AWS SDK
    integrations name fields in PascalCase."""
    return {
        "Comment": "Alert when a job run is still not over the team's long-running threshold after it was submitted",
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
                        "Next": "Alert",
                    }
                ],
                "Default": "Over",
            },
            "Alert": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [
                        {
                            "Source": job_events.watch_source(name_prefix),
                            "DetailType": job_events.LONG_RUNNING_DETAIL_TYPE,
                            "Detail": {
                                "id.$": "$.jobRunId",
                                "name.$": "$.name",
                                "virtualClusterId.$": "$.virtualClusterId",
                                "executionRoleArn.$": "$.executionRoleArn",
                                "state.$": "$.now.state",
                                "team.$": "$.team",
                                "minutes.$": "$.minutes",
                            },
                        }
                    ]
                },
                "ResultPath": None,
                "End": True,
            },
            "Over": {"Type": "Succeed"},
        },
    }


def state_machine(
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
    """The watch (standard) and its starter (express); ``events_role`` starts the starter."""

    def __init__(self, scope: Construct, construct_id: str, *, name_prefix: str, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.machine = state_machine(
            self,
            "Watch",
            definition=long_running_definition(name_prefix),
            kind=sfn.StateMachineType.STANDARD,
            logs_key=logs_key,
            retention_days=90,
        )
        job_runs = stack.format_arn(service="emr-containers", resource="/virtualclusters/*/jobruns/*")
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["emr-containers:DescribeJobRun"],
                resources=[job_runs],
                conditions={"StringEquals": {"aws:ResourceTag/spark-platform": name_prefix}},
            )
        )
        # Only its own events, on the default bus (EventBridge User Guide, "Using IAM policy
        # conditions": events:source).
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[stack.format_arn(service="events", resource="event-bus", resource_name="default")],
                conditions={"StringEquals": {"events:source": job_events.watch_source(name_prefix)}},
            )
        )
        suppress(
            self.machine,
            (
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{nag_resource_form(stack.resolve(job_runs))}]",
                "Any job run of the platform's virtual clusters (tag condition): the watch learns the run from the event.",
            ),
        )
        self.starter = state_machine(
            self,
            "Starter",
            definition=starter_definition(self.machine.state_machine_arn),
            kind=sfn.StateMachineType.EXPRESS,
            logs_key=logs_key,
            retention_days=7,
        )
        self.machine.grant_start_execution(self.starter)
        # The role team rules start the starter with (EventBridge needs one to start executions).
        self.events_role = iam.Role(
            self, "StartRole", assumed_by=iam.ServicePrincipal("events.amazonaws.com"), description="Start the watch"
        )
        self.starter.grant_start_execution(self.events_role)
        suppress(
            self.events_role,
            (
                "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
                "CDK's grant_start_execution writes one statement (states:StartExecution on the starter).",
            ),
        )
