"""The queue Karpenter's interruption controller reads, and the rules that fill it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from spark_platform.compliance import suppress

# (rule id, source, detail-type) exactly as AWS emits them. A misspelled source or a pattern
# on "detail" instead of "detail-type" matches nothing, and nodes then die without a drain.
INTERRUPTION_EVENTS: tuple[tuple[str, str, str], ...] = (
    ("SpotInterruption", "aws.ec2", "EC2 Spot Instance Interruption Warning"),
    ("RebalanceRecommendation", "aws.ec2", "EC2 Instance Rebalance Recommendation"),
    ("InstanceStateChange", "aws.ec2", "EC2 Instance State-change Notification"),
    ("ScheduledChange", "aws.health", "AWS Health Event"),
    ("CapacityReservationInterruption", "aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
)


class InterruptionQueue(Construct):
    """An encrypted, TLS-only SQS queue fed by EventBridge with every event Karpenter handles."""

    def __init__(self, scope: Construct, construct_id: str, *, queue_name: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=queue_name,
            # An interruption warning is useless after two minutes; old messages only mislead.
            retention_period=Duration.minutes(5),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        suppress(
            self.queue,
            (
                "AwsSolutions::AwsSolutions-SQS3",
                "Interruption events expire within minutes; a dead-letter queue would only keep stale warnings.",
            ),
        )
        # Events EventBridge could not deliver to the queue (a broken queue policy or key): the
        # platform alarms on any (spark_platform/observability). Kept as long as SQS allows.
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=f"{queue_name}-dead-letters",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        suppress(
            self.dead_letters,
            (
                "AwsSolutions::AwsSolutions-SQS3",
                "This queue is the dead-letter queue of the interruption rules' target.",
            ),
        )
        self.rules = []
        for rule_id, source, detail_type in INTERRUPTION_EVENTS:
            rule = events.Rule(
                self,
                rule_id,
                description=f"{detail_type} -> Karpenter interruption queue",
                event_pattern=events.EventPattern(source=[source], detail_type=[detail_type]),
            )
            rule.add_target(targets.SqsQueue(self.queue, dead_letter_queue=self.dead_letters))
            self.rules.append(rule)
