"""Who hears about failing jobs: a team's (or the platform team's) alert subscriptions."""

from __future__ import annotations

import re
from dataclasses import field

from pydantic import StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, check_retention, fail

MAX_ALERT_EMAILS = 5
MAX_ALERT_TOPICS = 3  # an EventBridge rule has at most 5 targets: the team's topic, these, and room to spare
# What SNS e-mail subscriptions accept in practice: one address, no display name.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# arn:<partition>:sns:<region>:<account>:<name> (SNS API reference, CreateTopic: 1-256 characters of
# A-Z a-z 0-9 - _, and a .fifo suffix for FIFO topics).
_TOPIC_ARN = re.compile(r"^arn:aws(-[a-z]+)*:sns:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,251}(\.fifo)?$")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class AlertsConfig:
    """Where alerts go: e-mail addresses (SNS sends each a confirmation first), and existing SNS
    topics (a pager or a chat channel through Amazon Q Developer in chat applications, whose policy
    must let EventBridge and CloudWatch publish); and when a running job counts as long-running."""

    emails: tuple[StrictStr, ...] = ()
    """E-mail addresses subscribed to the topic, at most 5; SNS mails each a confirmation link first,
    and alerts reach it once confirmed."""
    topics: tuple[StrictStr, ...] = ()
    """Existing SNS topic ARNs of the platform's Region that get every alert too (a pager, a chat
    channel through Amazon Q Developer in chat applications), at most 3; their policy and key must
    let EventBridge and CloudWatch publish."""
    long_running_minutes: StrictInt = 240
    """A job run still not over (PENDING, SUBMITTED or RUNNING) this many minutes after it was
    submitted is reported as long-running, once: 15 to 10080 (a week)."""

    def validate(self, field_path: str, region: str | None = None) -> None:
        if len(self.emails) > MAX_ALERT_EMAILS:
            fail(
                f"{field_path}.emails",
                f"{len(self.emails)} addresses; at most {MAX_ALERT_EMAILS} (or subscribe a list)",
            )
        for index, email in enumerate(self.emails):
            if not _EMAIL.match(email):
                fail(f"{field_path}.emails[{index}]", f"{email!r} is not an e-mail address like oncall@example.com")
        if len(set(self.emails)) != len(self.emails):
            fail(f"{field_path}.emails", "lists the same address twice")
        if len(self.topics) > MAX_ALERT_TOPICS:
            fail(f"{field_path}.topics", f"{len(self.topics)} topics; at most {MAX_ALERT_TOPICS}")
        for index, topic in enumerate(self.topics):
            match = _TOPIC_ARN.match(topic)
            if not match:
                fail(
                    f"{field_path}.topics[{index}]",
                    f"{topic!r} is not an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:oncall",
                )
            if region and match["region"] != region:
                fail(
                    f"{field_path}.topics[{index}]",
                    f"the topic is in {match['region']}; EventBridge and CloudWatch alarms publish only to topics "
                    f"of the platform's Region ({region}): use a topic there",
                )
        if not 15 <= self.long_running_minutes <= 10080:
            fail(
                f"{field_path}.long_running_minutes",
                f"{self.long_running_minutes} must be between 15 and 10080 (a week)",
            )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class ObservabilityConfig:
    """The platform team's alerts and how long job events are kept."""

    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    """The platform team's alerts: every team's failed, cancelled and long-running job runs, and the
    platform's alarms (interruption backlog, dead letters, kubectl errors, watch failures, pod IPs,
    Airflow task failures)."""
    job_events_retention_days: StrictInt = 365
    """Days the recorded job run state changes are kept (a CloudWatch Logs retention value); the log
    group is kept on destroy, as job history."""

    def validate(self, region: str) -> None:
        self.alerts.validate("observability.alerts", region)
        check_retention("observability.job_events_retention_days", self.job_events_retention_days)
