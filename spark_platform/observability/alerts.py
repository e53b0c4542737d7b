"""Encrypted SNS topics that EventBridge rules and CloudWatch alarms publish to, and their rules."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from spark_platform.config import AlertsConfig
from spark_platform.observability import events as job_events
from spark_platform.retention import key_alias

# Services that publish to the topics: EventBridge (rules) and CloudWatch (alarms). A KMS-encrypted
# topic takes their messages only when the key lets them generate data keys ("Encryption at rest",
# SNS Developer Guide: "Enable compatibility between event sources from AWS services and encrypted
# topics"; EventBridge User Guide, "Amazon SNS targets ... encrypted topics").
PUBLISHERS = ("events.amazonaws.com", "cloudwatch.amazonaws.com")


def alerts_key(scope: Construct, construct_id: str, *, name_prefix: str) -> kms.Key:
    """The key of every alert topic of the platform. Not kept: a topic holds no history."""
    key = kms.Key(
        scope,
        construct_id,
        description="Encrypts the Spark platform's alert topics",
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.DESTROY,
        alias=key_alias(name_prefix, "alerts"),
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AlertPublishers",
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            principals=[iam.ServicePrincipal(service) for service in PUBLISHERS],
            resources=["*"],  # in a key policy "*" means this key
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        )
    )
    return key


class AlertTopic(Construct):
    """``<name>``: encrypted, TLS-only, its e-mail subscriptions; rules and alarms of this
    account may publish. ``targets`` also lists the configured existing topics."""

    def __init__(self, scope: Construct, construct_id: str, *, topic_name: str, key: kms.IKey, alerts: AlertsConfig):
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", topic_name=topic_name, master_key=key, enforce_ssl=True)
        for service in PUBLISHERS:
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    actions=["sns:Publish"],
                    principals=[iam.ServicePrincipal(service)],
                    resources=[self.topic.topic_arn],
                    conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
                )
            )
        for email in alerts.emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.existing = [
            sns.Topic.from_topic_arn(self, f"Existing{index + 1}", arn) for index, arn in enumerate(alerts.topics)
        ]

    @property
    def all_topics(self) -> list[sns.ITopic]:
        return [self.topic, *self.existing]


def rule(
    scope: Construct,
    construct_id: str,
    *,
    rule_name: str,
    description: str,
    pattern: dict[str, Any],
) -> events.Rule:
    return events.Rule(
        scope,
        construct_id,
        rule_name=rule_name,
        description=description,
        event_pattern=events.EventPattern(
            source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern.get("detail")
        ),
    )


def _message(text: str, paths: dict[str, str]) -> events.RuleTargetInput:
    text = text[1:-1]
    for placeholder, path in paths.items():
        text = text.replace(f"<{placeholder}>", events.EventField.from_path(path))
    return events.RuleTargetInput.from_text(text)


def alert_message(team: str) -> events.RuleTargetInput:
    """The alert as people read it: which job, what state and why, and the command to look."""
    return _message(job_events.alert_text(team), job_events.ALERT_PATHS)


def long_running_message() -> events.RuleTargetInput:
    """The long-running watch's alert: which job, of which team, still in what state after how long."""
    return _message(job_events.long_running_text(), job_events.LONG_RUNNING_PATHS)


def notify(rule_: events.Rule, topic: AlertTopic, *, message: events.RuleTargetInput, dead_letter_arn: str) -> None:
    """Send the rule's events, as alert text, to the topic and the configured existing topics: the
    one place that decides who hears about a job (failures and long-running runs alike, through
    EventBridge, which the existing topics' policies admit). What EventBridge cannot deliver goes
    to the platform's dead-letter queue (alarmed)."""
    for target in topic.all_topics:
        rule_.add_target(targets.SnsTopic(target, message=message))
    cfn_rule: events.CfnRule = rule_.node.default_child  # type: ignore[assignment]
    for index in range(len(topic.all_topics)):
        cfn_rule.add_property_override(f"Targets.{index}.DeadLetterConfig.Arn", dead_letter_arn)


def topic_arn(scope: Construct, topic_name: str) -> str:
    return Stack.of(scope).format_arn(service="sns", resource=topic_name, arn_format=ArnFormat.NO_RESOURCE_NAME)
