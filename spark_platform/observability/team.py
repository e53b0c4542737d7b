"""One team's alerts and dashboard (in the observability stack of the team's teams stack)."""

from __future__ import annotations

from aws_cdk import Annotations, Aws
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from spark_platform.config import TeamConfig
from spark_platform.observability import events as job_events
from spark_platform.observability.alerts import AlertTopic, alert_message, long_running_message, notify, rule
from spark_platform.observability.dashboards import TeamDashboard
from spark_platform.observability.names import alerts_topic_name


class TeamObservability(Construct):
    """The team's encrypted topic with its subscriptions; rules for its FAILED and CANCELLED job
    runs and for the long-running watch's alerts about them, both to the topic and the team's
    existing topics; one that starts the watch of each run submitted; and its dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: TeamConfig,
        name_prefix: str,
        role_name: str,
        key: kms.IKey,
        watch_arn: str,
        watch_role_arn: str,
        dead_letter_arn: str,
        cluster_name: str,
        job_events_log_group: str,
    ) -> None:
        super().__init__(scope, construct_id)
        topic_name = alerts_topic_name(name_prefix, team.name)
        self.topic = AlertTopic(self, "Alerts", topic_name=topic_name, key=key, alerts=team.alerts)
        role_arn = job_events.job_role_arn(account=Aws.ACCOUNT_ID, partition=Aws.PARTITION, role_name=role_name)
        self.failures = rule(
            self,
            "JobFailures",
            rule_name=f"{name_prefix}-{team.name}-job-failures",
            description=f"FAILED or CANCELLED job runs of team {team.name} -> its alert topics",
            pattern=job_events.team_failures(role_arn),
        )
        notify(self.failures, self.topic, message=alert_message(team.name), dead_letter_arn=dead_letter_arn)
        self.long_running = rule(
            self,
            "JobLongRunning",
            rule_name=f"{name_prefix}-{team.name}-job-long-running",
            description=f"The long-running watch's alerts about job runs of team {team.name} -> its alert topics",
            pattern=job_events.team_long_running(name_prefix, role_arn),
        )
        notify(self.long_running, self.topic, message=long_running_message(), dead_letter_arn=dead_letter_arn)

        self.submitted = rule(
            self,
            "JobSubmitted",
            rule_name=f"{name_prefix}-{team.name}-job-submitted",
            description=f"Job runs of team {team.name} not over yet -> the long-running watch (once per run)",
            pattern=job_events.team_submitted(role_arn),
        )
        minutes = team.alerts.long_running_minutes
        self.submitted.add_target(
            targets.SfnStateMachine(
                sfn.StateMachine.from_state_machine_arn(self, "Watch", watch_arn),
                role=iam.Role.from_role_arn(self, "WatchStarter", watch_role_arn, mutable=False),
                # The same for every event of a run (no state, no time): the starter's idempotent start.
                input=events.RuleTargetInput.from_object(
                    {
                        "jobRunId": events.EventField.from_path("$.detail.id"),
                        "virtualClusterId": events.EventField.from_path("$.detail.virtualClusterId"),
                        "name": events.EventField.from_path("$.detail.name"),
                        "executionRoleArn": events.EventField.from_path("$.detail.executionRoleArn"),
                        "team": team.name,
                        "minutes": minutes,
                        "waitSeconds": minutes * 60,
                    }
                ),
            )
        )
        # The watch is in the platform's observability stack: same account and Region by construction.
        Annotations.of(self.submitted).acknowledge_warning(
            "@aws-cdk/aws-events:ruleUnresolvedEnvironment",
            "The watch state machine is the platform observability stack's, in this stack's account and Region.",
        )
        cfn_submitted: events.CfnRule = self.submitted.node.default_child  # type: ignore[assignment]
        cfn_submitted.add_property_override("Targets.0.DeadLetterConfig.Arn", dead_letter_arn)

        self.dashboard = TeamDashboard(
            self,
            "Dashboard",
            name_prefix=name_prefix,
            team=team.name,
            namespace=team.namespace,
            role_arn=role_arn,
            cluster_name=cluster_name,
            job_events_log_group=job_events_log_group,
        )
