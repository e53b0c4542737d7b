"""Job alerts, recorded job events, dashboards and alarms, checked against what AWS documents.

Event patterns are matched with EventBridge's semantics (tests/eventbridge.py) against sample events
of every job run state (tests/job_events.py); metric filters are evaluated with CloudWatch Logs'
filter semantics (tests/logs_filter.py); every metric of every widget and alarm is one AWS
publishes (spark_platform/observability/metrics.py, with its reference, cross-checked with the
metrics aws-cdk-lib generates from AWS's metric definitions) or one the platform itself produces
(a metric filter or the poller in the synthesized templates).
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from spark_platform.config import ConfigError, from_mapping
from spark_platform.config.teams import POD_LOG_HEADROOM_GIB
from spark_platform.jobs.submission import CONTAINER_LOG_ROTATION, TEAM_CONTEXT_PREFIX, team_context_conf
from spark_platform.observability import events as job_events
from spark_platform.observability.cost import COLLECTION_INTERVAL_SECONDS, vcpu_hours, vcpu_hours_expression
from spark_platform.observability.metrics import AWS_METRICS, PLATFORM_METRICS, platform_namespace

from . import eventbridge, logs_filter
from .conftest import render
from .job_events import ACCOUNT, job_event, pod_performance_event
from .test_change_safety import BASE

ANALYTICS_ROLE, INGESTION_ROLE = "spark-analytics-emr-job", "spark-ingestion-emr-job"
OTHER_ENVIRONMENT_ROLE = "spark-dev-analytics-emr-job"  # another prefix's team in the same account


def resolved(value, account: str = ACCOUNT):
    """A template value with pseudo parameters at their deployed values (other tokens kept)."""
    if isinstance(value, list):
        return [resolved(item, account) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"].startswith("AWS::"):
            return {"AWS::AccountId": account, "AWS::Partition": "aws", "AWS::Region": "eu-west-1"}[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            parts = [resolved(part, account) for part in parts]
            if all(isinstance(part, str) for part in parts):
                return separator.join(parts)
        return {key: resolved(item, account) for key, item in value.items()}
    return value


def rules(sandbox) -> dict[str, dict]:
    return {
        resource["Properties"]["Name"]: resource["Properties"]
        for resource in sandbox.resources("AWS::Events::Rule").values()
        if isinstance(resource["Properties"].get("Name"), str)
    }


def pattern(sandbox, name: str) -> dict:
    return resolved(rules(sandbox)[name]["EventPattern"])


def states_matched(rule_pattern: dict, role: str) -> set[str]:
    return {
        state for state in job_events.JOB_RUN_STATES if eventbridge.matches(rule_pattern, job_event(state, role=role))
    }


def transform(transformer: dict, event: dict) -> dict:
    """An EventBridge input transformer with a JSON template applied to an event: each <name> of
    InputPathsMap is replaced by the event's value at its path, as JSON (EventBridge User Guide,
    "Amazon EventBridge input transformation")."""
    text = render(transformer["InputTemplate"])
    for placeholder, path in transformer["InputPathsMap"].items():
        value = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        text = text.replace(f"<{placeholder}>", json.dumps(value))
    return json.loads(text)


def long_running_event(role: str, *, source: str = "spark-platform.spark", team: str = "analytics") -> dict:
    """The event the watch puts on the default bus (watches.py), in EventBridge's envelope."""
    return {
        **{k: v for k, v in job_event("RUNNING", role=role).items() if k != "detail"},
        "source": source,
        "detail-type": job_events.LONG_RUNNING_DETAIL_TYPE,
        "resources": ["arn:aws:states:eu-west-1:123456789012:stateMachine:watch"],
        "detail": {
            "id": "0000000abcjobrun0001",
            "name": "analytics__daily_marts.sessions",
            "virtualClusterId": "vc0analytics0000000000001",
            "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
            "state": "PENDING",
            "team": team,
            "minutes": 240,
        },
    }


# --- event patterns against the documented events ---------------------------------------------------


def test_a_team_rule_matches_its_own_failed_and_cancelled_runs_and_nothing_else(sandbox):
    failures = pattern(sandbox, "spark-analytics-job-failures")
    assert states_matched(failures, ANALYTICS_ROLE) == {"FAILED", "CANCELLED"}
    assert states_matched(failures, INGESTION_ROLE) == set()  # another team's
    assert states_matched(failures, OTHER_ENVIRONMENT_ROLE) == set()
    other_account = job_event("FAILED", role=ANALYTICS_ROLE)
    other_account["detail"]["executionRoleArn"] = f"arn:aws:iam::210987654321:role/{ANALYTICS_ROLE}"
    assert not eventbridge.matches(failures, other_account)
    for other in ({"source": "aws.emr"}, {"detail-type": "EMR Job Run New Driver Attempt"}):
        assert not eventbridge.matches(failures, {**job_event("FAILED", role=ANALYTICS_ROLE), **other})


def test_every_event_of_a_run_not_over_yet_starts_its_watch_and_nothing_else_does(sandbox):
    """PENDING is a run's first state: a run stuck there or in SUBMITTED is watched too."""
    submitted = pattern(sandbox, "spark-ingestion-job-submitted")
    assert states_matched(submitted, INGESTION_ROLE) == {"PENDING", "SUBMITTED", "RUNNING"}
    assert states_matched(submitted, ANALYTICS_ROLE) == set()
    assert states_matched(submitted, OTHER_ENVIRONMENT_ROLE.replace("analytics", "ingestion")) == set()


def test_the_long_running_rules_match_only_the_watchs_events_of_their_environment(sandbox):
    team = pattern(sandbox, "spark-analytics-job-long-running")
    platform = pattern(sandbox, "spark-platform-job-long-running")
    for rule_pattern in (team, platform):
        assert states_matched(rule_pattern, ANALYTICS_ROLE) == set()  # no EMR event
    analytics = long_running_event(ANALYTICS_ROLE)
    assert eventbridge.matches(team, analytics) and eventbridge.matches(platform, analytics)
    ingestion = long_running_event(INGESTION_ROLE)
    assert not eventbridge.matches(team, ingestion) and eventbridge.matches(platform, ingestion)
    # The source names the environment: spark-dev's watch is not spark's, even for the wildcard.
    other = long_running_event(OTHER_ENVIRONMENT_ROLE, source="spark-platform.spark-dev")
    assert not eventbridge.matches(team, other) and not eventbridge.matches(platform, other)


def test_the_platform_team_hears_of_every_teams_failures_and_records_every_event_of_its_own_teams(sandbox):
    failures = pattern(sandbox, "spark-platform-job-failures")
    record = pattern(sandbox, "spark-job-events")
    for role in (ANALYTICS_ROLE, INGESTION_ROLE, "spark-a-team-added-later-emr-job"):
        assert states_matched(failures, role) == {"FAILED", "CANCELLED"}
        assert states_matched(record, role) == set(job_events.JOB_RUN_STATES)
    # The wildcard ends in -emr-job and names the account: no foreign role matches.
    assert states_matched(failures, "spark-analytics-other-role") == set()
    not_a_job_role = job_event("FAILED", role="spark-analytics-emr-job-x")
    assert not eventbridge.matches(record, not_a_job_role)


def test_the_platform_wildcard_cannot_tell_a_prefix_from_its_extension(sandbox):
    """Documented limit (docs/observability.md): `spark-dev`'s teams match `spark`'s platform rule;
    a team rule names its role exactly and does not."""
    assert states_matched(pattern(sandbox, "spark-platform-job-failures"), OTHER_ENVIRONMENT_ROLE) == {
        "FAILED",
        "CANCELLED",
    }
    assert states_matched(pattern(sandbox, "spark-analytics-job-failures"), OTHER_ENVIRONMENT_ROLE) == set()


def test_the_long_running_watch_gets_the_run_its_team_and_threshold_from_the_event(sandbox):
    (target,) = rules(sandbox)["spark-analytics-job-submitted"]["Targets"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "detail-id": "$.detail.id",
        "detail-virtualClusterId": "$.detail.virtualClusterId",
        "detail-name": "$.detail.name",
        "detail-executionRoleArn": "$.detail.executionRoleArn",
    }
    text = render(transformer["InputTemplate"])
    assert '"team":"analytics"' in text and '"waitSeconds":14400' in text and '"minutes":240' in text
    assert '"jobRunId":<detail-id>' in text and '"virtualClusterId":<detail-virtualClusterId>' in text
    assert "DeadLetterConfig" in target
    # The starter gets the same input from every event of one run: no state, no time.
    inputs = {
        json.dumps(transform(transformer, job_event(state, role=ANALYTICS_ROLE)))
        for state in ("PENDING", "SUBMITTED", "RUNNING")
    }
    assert len(inputs) == 1


def test_every_path_an_alert_reads_is_a_documented_field_of_the_event(sandbox):
    for name, props in rules(sandbox).items():
        for target in props.get("Targets", []):
            fields = (
                job_events.LONG_RUNNING_DETAIL_FIELDS
                if name.endswith("-job-long-running")
                else job_events.DETAIL_FIELDS
            )
            for path in target.get("InputTransformer", {}).get("InputPathsMap", {}).values():
                assert path == "$.time" or path.removeprefix("$.detail.") in fields, (name, path)
            assert "DeadLetterConfig" in target or name.startswith("spark-capacity"), name


def test_alerts_go_to_encrypted_topics_that_eventbridge_and_cloudwatch_may_publish_to(sandbox):
    topics = sandbox.resources("AWS::SNS::Topic")
    assert sorted(t["Properties"]["TopicName"] for t in topics.values()) == [
        "spark-analytics-alerts",
        "spark-ingestion-alerts",
        "spark-platform-alerts",
    ]
    assert all("KmsMasterKeyId" in t["Properties"] for t in topics.values())
    for policy in sandbox.resources("AWS::SNS::TopicPolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        services = {
            service
            for s in statements
            if s["Effect"] == "Allow"
            for service in (
                [s["Principal"]["Service"]] if isinstance(s["Principal"]["Service"], str) else s["Principal"]["Service"]
            )
        }
        assert services == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )
    (key,) = [
        k for k in sandbox.resources("AWS::KMS::Key").values() if "alert topics" in k["Properties"]["Description"]
    ]
    publishers = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AlertPublishers"]
    assert set(publishers[0]["Principal"]["Service"]) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    assert set(publishers[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_a_teams_subscriptions_come_from_its_alerts_configuration(tmp_path):
    from .conftest import synthesize

    config = json.loads(json.dumps(BASE))
    config["teams"][0]["alerts"] = {
        "emails": ["oncall@example.com", "data-team@example.com"],
        "topics": [f"arn:aws:sns:eu-west-1:{ACCOUNT}:pager"],
    }
    synth = synthesize(from_mapping(config), tmp_path)
    subs = synth.resources("AWS::SNS::Subscription").values()
    assert sorted((s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subs) == [
        ("email", "data-team@example.com"),
        ("email", "oncall@example.com"),
    ]
    failures = next(
        r
        for r in synth.resources("AWS::Events::Rule").values()
        if r["Properties"].get("Name") == "day2-analytics-job-failures"
    )
    arns = sorted(json.dumps(t["Arn"]) for t in failures["Properties"]["Targets"])
    assert f'"arn:aws:sns:eu-west-1:{ACCOUNT}:pager"' in arns and len(arns) == 2


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        (
            {"emails": ["oncall@"]},
            r"^teams\[0\]\.alerts\.emails\[0\]: 'oncall@' is not an e-mail address like oncall@example\.com$",
        ),
        ({"topics": ["pager"]}, r"^teams\[0\]\.alerts\.topics\[0\]: 'pager' is not an SNS topic ARN like arn:aws:sns:"),
        (
            {"topics": [f"arn:aws:sns:us-east-1:{ACCOUNT}:pager"]},
            r"^teams\[0\]\.alerts\.topics\[0\]: the topic is in us-east-1; EventBridge and CloudWatch alarms publish only",
        ),
        ({"long_running_minutes": 5}, r"^teams\[0\]\.alerts\.long_running_minutes: 5 must be between 15 and 10080"),
        ({"emails": ["a@example.com"] * 2}, r"^teams\[0\]\.alerts\.emails: lists the same address twice$"),
    ],
)
def test_a_bad_alert_configuration_stops_synth_with_one_line_naming_the_field(alerts, message):
    config = json.loads(json.dumps(BASE))
    config["teams"][0]["alerts"] = alerts
    with pytest.raises(ConfigError, match=message):
        from_mapping(config)


# --- the long-running watch ---------------------------------------------------------------------------


def test_the_watch_alerts_only_a_run_that_is_still_not_over(sandbox):
    (machine,) = [
        m
        for m in sandbox.resources("AWS::StepFunctions::StateMachine").values()
        if m["Properties"].get("StateMachineType") != "EXPRESS"
    ]
    definition = json.loads(render(machine["Properties"]["DefinitionString"]))
    choice = definition["States"]["StillRunning"]["Choices"][0]
    assert {c["StringEquals"] for c in choice["Or"]} == {"PENDING", "SUBMITTED", "RUNNING"}
    assert set(job_events.JOB_RUN_STATES) - {c["StringEquals"] for c in choice["Or"]} == {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "CANCEL_PENDING",
    }
    assert definition["States"]["Describe"]["Resource"] == "arn:aws:states:::aws-sdk:emrcontainers:describeJobRun"
    assert definition["States"]["Wait"]["SecondsPath"] == "$.waitSeconds"


def machines(synth) -> dict[str, dict]:
    """State machine definitions by their first state (Wait: the watch, StartWatch: its starter)."""
    out = {}
    for logical_id, machine in synth.resources("AWS::StepFunctions::StateMachine").items():
        definition = json.loads(render(machine["Properties"]["DefinitionString"]))
        out[definition["StartAt"]] = {"id": logical_id, "definition": definition, **machine["Properties"]}
    return out


def parameters(template: dict, data: dict) -> dict:
    """A state's Parameters applied to its input: "key.$" takes the value at a plain path."""
    out = {}
    for key, value in template.items():
        if key.endswith(".$"):
            found = data
            for part in value.removeprefix("$.").split("."):
                found = found[part]
            out[key[:-2]] = found
        elif isinstance(value, dict):
            out[key] = parameters(value, data)
        elif isinstance(value, list):
            out[key] = [parameters(item, data) if isinstance(item, dict) else item for item in value]
        else:
            out[key] = value
    return out


def test_the_watch_is_started_once_per_job_run_named_after_it(sandbox):
    """StartExecution of a standard workflow is idempotent by name: the same name and input as an
    open execution return it, a closed execution's name (kept 90 days) fails ExecutionAlreadyExists
    (Step Functions API Reference, StartExecution,
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html; Developer
    Guide, "Execution guarantees",
    https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html). Every
    event of a run not over yet reaches the starter: one watch per run, from its submission."""
    found = machines(sandbox)
    starter, watch = found["StartWatch"], found["Wait"]
    assert starter["StateMachineType"] == "EXPRESS" and watch.get("StateMachineType", "STANDARD") == "STANDARD"
    start = starter["definition"]["States"]["StartWatch"]
    assert start["Resource"] == "arn:aws:states:::aws-sdk:sfn:startExecution"
    # The watch is the one started (its ARN is a Ref in the starter's definition).
    assert {"Ref": watch["id"]} in starter["DefinitionString"]["Fn::Join"][1]
    assert start["Parameters"]["Input.$"] == "States.JsonToString($)"
    assert start["Parameters"]["Name.$"] == "States.Format('{}-{}', $.virtualClusterId, $.jobRunId)"
    (catch,) = start["Catch"]
    assert catch["ErrorEquals"] == ["Sfn.ExecutionAlreadyExistsException"]
    assert starter["definition"]["States"][catch["Next"]]["Type"] == "Succeed"

    (target,) = rules(sandbox)["spark-analytics-job-submitted"]["Targets"]
    names = set()
    for state in ("PENDING", "SUBMITTED", "RUNNING", "RUNNING"):  # a retried driver runs again
        watch_input = transform(target["InputTransformer"], job_event(state, role=ANALYTICS_ROLE))
        names.add(f"{watch_input['virtualClusterId']}-{watch_input['jobRunId']}")
    (name,) = names
    # StartExecution's name: 1-80 characters, none of whitespace, brackets, wildcards, specials.
    longest = f"{'v' * 25}-{'j' * 19}"  # a virtual cluster id and a job run id at their lengths
    for candidate in (name, longest):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", candidate), candidate
    other = transform(target["InputTransformer"], job_event("PENDING", role=ANALYTICS_ROLE, job="0000000abcjobrun0002"))
    assert f"{other['virtualClusterId']}-{other['jobRunId']}" != name


def test_a_long_running_alert_reaches_every_configured_topic_and_no_other_teams(tmp_path):
    """From a PENDING event to the topics: the team rule's input starts the watch, the watch's
    alert event (its Alert state's entry) goes through every rule of the environment."""
    from .conftest import synthesize

    config = json.loads(json.dumps(BASE))
    config["teams"][0]["alerts"] = {"topics": [f"arn:aws:sns:eu-west-1:{ACCOUNT}:analytics-pager"]}
    config["teams"][1]["alerts"] = {"topics": [f"arn:aws:sns:eu-west-1:{ACCOUNT}:ingestion-pager"]}
    config.setdefault("observability", {})["alerts"] = {"topics": [f"arn:aws:sns:eu-west-1:{ACCOUNT}:platform-pager"]}
    synth = synthesize(from_mapping(config), tmp_path)
    role = "day2-analytics-emr-job"

    every_rule = {
        props["Name"]: (stack, props)
        for stack, template in synth.templates.items()
        for props in (
            r["Properties"] for r in template.get("Resources", {}).values() if r["Type"] == "AWS::Events::Rule"
        )
        if isinstance(props.get("Name"), str)
    }
    (start,) = every_rule["day2-analytics-job-submitted"][1]["Targets"]
    watch_input = transform(start["InputTransformer"], job_event("PENDING", role=role))
    alert = machines(synth)["Wait"]["definition"]["States"]["Alert"]
    assert alert["Resource"] == "arn:aws:states:::events:putEvents"
    (entry,) = parameters(alert["Parameters"], {**watch_input, "now": {"state": "PENDING"}})["Entries"]
    assert set(entry["Detail"]) == set(job_events.LONG_RUNNING_DETAIL_FIELDS)
    event = {
        **job_event("PENDING", role=role),
        "source": entry["Source"],
        "detail-type": entry["DetailType"],
        "detail": entry["Detail"],
    }

    def topic(stack: str, arn) -> str:
        if isinstance(arn, dict) and "Ref" in arn:
            return synth.templates[stack]["Resources"][arn["Ref"]]["Properties"]["TopicName"]
        return arn.rsplit(":", 1)[1]

    reached = {
        topic(stack, target["Arn"])
        for stack, props in every_rule.values()
        if eventbridge.matches(resolved(props["EventPattern"]), event)
        for target in props["Targets"]
    }
    assert reached == {"day2-analytics-alerts", "analytics-pager", "day2-platform-alerts", "platform-pager"}
    # What the on-call reads: the run, its team, its state and how long, with the command to look.
    long_running = every_rule["day2-analytics-job-long-running"][1]["Targets"][0]["InputTransformer"]
    text = render(long_running["InputTemplate"])
    assert "of team <detail-team> is still <detail-state> <detail-minutes> minutes after it was submitted" in text
    assert long_running["InputPathsMap"]["detail-minutes"] == "$.detail.minutes"


def test_the_watch_puts_only_its_own_events_and_publishes_to_no_topic(sandbox):
    found = machines(sandbox)
    policies = {
        policy["Properties"]["Roles"][0]["Ref"]: policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in sandbox.resources("AWS::IAM::Policy").values()
        if len(policy["Properties"].get("Roles", [])) == 1
    }
    watch = policies[found["Wait"]["RoleArn"]["Fn::GetAtt"][0]]
    actions = {a for s in watch for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not {a for a in actions if a.startswith(("sns:", "kms:"))}
    (put,) = [s for s in watch if s["Action"] == "events:PutEvents"]
    assert put["Condition"] == {"StringEquals": {"events:source": "spark-platform.spark"}}
    assert render(put["Resource"]).endswith(":event-bus/default")
    starter = policies[found["StartWatch"]["RoleArn"]["Fn::GetAtt"][0]]
    (start,) = [s for s in starter if s["Action"] == "states:StartExecution"]
    assert start["Resource"] == {"Ref": found["Wait"]["id"]}


# --- metric filters, evaluated on the documented events ---------------------------------------------------


def metric_filters(sandbox) -> dict[str, dict]:
    return {
        props["MetricTransformations"][0]["MetricName"]: props
        for props in (r["Properties"] for r in sandbox.resources("AWS::Logs::MetricFilter").values())
    }


def emitted(filter_props: dict, event: dict) -> tuple | None:
    if not logs_filter.matches(filter_props["FilterPattern"], event):
        return None
    transformation = filter_props["MetricTransformations"][0]
    dimensions = {d["Key"]: logs_filter.value_of(d["Value"], event) for d in transformation.get("Dimensions", [])}
    return logs_filter.value_of(transformation["MetricValue"], event), dimensions


def test_job_runs_are_counted_once_by_final_state_and_failures_by_reason(sandbox):
    filters = metric_filters(sandbox)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{ANALYTICS_ROLE}"
    ended = {
        state: emitted(filters["JobRunsEnded"], job_event(state, role=ANALYTICS_ROLE))
        for state in job_events.JOB_RUN_STATES
    }
    assert {state for state, value in ended.items() if value} == set(job_events.FINAL_STATES)
    assert ended["FAILED"] == ("1", {"ExecutionRoleArn": role_arn, "State": "FAILED"})
    failures = {
        state: emitted(filters["JobRunFailures"], job_event(state, role=ANALYTICS_ROLE))
        for state in job_events.JOB_RUN_STATES
    }
    assert {state for state, value in failures.items() if value} == {"FAILED"}
    assert failures["FAILED"] == ("1", {"ExecutionRoleArn": role_arn, "FailureReason": "USER_ERROR"})


def test_vcpu_hours_come_from_the_pods_requests_in_the_container_insights_events(sandbox):
    cpu = metric_filters(sandbox)["PodCpuRequestMillicores"]
    assert cpu["LogGroupName"] == "/aws/containerinsights/spark-eks/performance"
    assert emitted(cpu, pod_performance_event("spark-analytics", 4000)) == (4000, {"Namespace": "spark-analytics"})
    assert emitted(cpu, {**pod_performance_event("spark-analytics", 4000), "Type": "Node"}) is None
    # 20 executors of 4 cores for an hour: one event per pod per interval, summed, then the expression.
    events_per_hour = 3600 // COLLECTION_INTERVAL_SECONDS
    summed = 20 * 4000 * events_per_hour
    factor = int(vcpu_hours_expression("m").split("/")[1])
    assert summed / factor == pytest.approx(vcpu_hours(20 * 4000, 3600)) == 80.0


def test_the_agent_collects_at_the_interval_the_vcpu_hours_assume(sandbox):
    (addon,) = [
        a
        for a in sandbox.resources("AWS::EKS::Addon").values()
        if a["Properties"]["AddonName"] == "amazon-cloudwatch-observability"
    ]
    values = json.loads(addon["Properties"]["ConfigurationValues"])
    kubernetes = values["agent"]["config"]["logs"]["metrics_collected"]["kubernetes"]
    assert kubernetes == {
        "enhanced_container_insights": True,
        "metrics_collection_interval": COLLECTION_INTERVAL_SECONDS,
    }
    assert values["containerLogs"] == {"enabled": False}
    assert values["manager"]["tolerations"] == [
        {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert addon["Properties"]["PodIdentityAssociations"][0]["ServiceAccount"] == "cloudwatch-agent"
    groups = {
        k: r
        for k, r in sandbox.resources("AWS::Logs::LogGroup").items()
        if r["Properties"].get("LogGroupName") == "/aws/containerinsights/spark-eks/performance"
    }
    assert set(groups) <= set(addon.get("DependsOn", [])), "the log group must exist before the agent writes"


# --- every widget and alarm names a metric that exists ------------------------------------------------------


def dashboards(sandbox) -> dict[str, dict]:
    return {
        r["Properties"]["DashboardName"]: json.loads(render(r["Properties"]["DashboardBody"]))
        for r in sandbox.resources("AWS::CloudWatch::Dashboard").values()
    }


def widget_metrics(widget: dict) -> list[tuple[str, str, dict]]:
    """(namespace, name, dimensions) of a metric widget's metric arrays (CloudWatch dashboard body
    structure: [namespace, name, dim, value, ..., {options}], '.' repeating the previous)."""
    found, previous = [], []
    for entry in widget.get("properties", {}).get("metrics", []):
        values = [part for part in entry if not isinstance(part, dict)]
        if not values:
            continue  # an expression
        values = [previous[i] if value == "." and i < len(previous) else value for i, value in enumerate(values)]
        previous = values
        namespace, name, *pairs = values
        found.append((namespace, name, dict(zip(pairs[0::2], pairs[1::2], strict=True))))
    return found


def widget_searches(widget: dict) -> list[str]:
    return [
        part["expression"]
        for entry in widget.get("properties", {}).get("metrics", [])
        for part in entry
        if isinstance(part, dict) and "SEARCH(" in part.get("expression", "")
    ]


def produced(sandbox) -> set[tuple[str, str, tuple[str, ...]]]:
    """Metrics the platform's own filters and poller write: (namespace, name, dimension names)."""
    out = set()
    for props in (r["Properties"] for r in sandbox.resources("AWS::Logs::MetricFilter").values()):
        for t in props["MetricTransformations"]:
            out.add((t["MetricNamespace"], t["MetricName"], tuple(sorted(d["Key"] for d in t.get("Dimensions", [])))))
    for machine in sandbox.resources("AWS::StepFunctions::StateMachine").values():
        for task in _walk(json.loads(render(machine["Properties"]["DefinitionString"]))):
            if task.get("Resource") == "arn:aws:states:::aws-sdk:cloudwatch:putMetricData":
                parameters = task["Parameters"]
                for datum in parameters["MetricData"]:
                    names = tuple(sorted(d["Name"] for d in datum["Dimensions"]))
                    out.add((parameters["Namespace"], datum["MetricName"], names))
    return out


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_metric(namespace: str, name: str, dimensions: dict, own: set) -> None:
    if namespace == platform_namespace("spark"):
        assert (namespace, name, tuple(sorted(dimensions))) in own, (namespace, name, dimensions)
        assert tuple(dimensions) == PLATFORM_METRICS[name] or set(dimensions) == set(PLATFORM_METRICS[name])
    else:
        reference = AWS_METRICS.get((namespace, name))
        assert reference is not None, f"{namespace} {name} is in no AWS reference table"
        assert set(dimensions) == set(reference.dimensions), (name, dimensions, reference.dimensions)


def test_every_dashboard_widget_names_a_metric_that_exists(sandbox):
    own = produced(sandbox)
    boards = dashboards(sandbox)
    assert set(boards) == {"spark-platform", "spark-analytics", "spark-ingestion"}
    checked = 0
    for board in boards.values():
        for widget in board["widgets"]:
            for namespace, name, dimensions in widget_metrics(widget):
                check_metric(namespace, name, dimensions, own)
                checked += 1
            for search in widget_searches(widget):
                namespace, *dimension_names = re.search(r"\{([^}]+)\}", search)[1].split(",")
                name = re.search(r'MetricName=\\?"(\w+)\\?"', search)[1]
                assert (namespace, name, tuple(sorted(dimension_names))) in own, search
                checked += 1
    assert checked >= 30


def test_every_alarm_names_a_metric_that_exists_and_notifies_the_platform_topic(sandbox):
    own = produced(sandbox)
    alarms = sandbox.resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 8
    for alarm in alarms.values():
        props = resolved(alarm["Properties"])
        metrics = (
            [props]
            if "MetricName" in props
            else [q["MetricStat"]["Metric"] for q in props["Metrics"] if "MetricStat" in q]
        )
        for metric in metrics:
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            check_metric(metric["Namespace"], metric["MetricName"], dimensions, own)
        assert props["AlarmActions"], props["AlarmName"]


def test_the_aws_metric_table_agrees_with_the_metrics_aws_cdk_lib_generates_from_aws_definitions():
    """aws-cdk-lib's *-canned-metrics.generated.js come from AWS's metric definitions: for the
    namespaces they cover, every metric of the table must be there with the same dimensions."""
    import aws_cdk

    tgz = next(Path(aws_cdk.__file__).parent.glob("_jsii/aws-cdk-lib@*.jsii.tgz"))
    generated = {}
    with tarfile.open(tgz) as archive:
        for member in archive.getmembers():
            if member.name.endswith("-canned-metrics.generated.js"):
                text = archive.extractfile(member).read().decode()
                for match in re.finditer(r'namespace:"([^"]+)",metricName:"([^"]+)",dimensionsMap:dimensions', text):
                    generated[(match[1], match[2])] = True
                for match in re.finditer(
                    r"static \w+\(dimensions\)\{return\{namespace:\"([^\"]+)\",metricName:\"([^\"]+)\"", text
                ):
                    generated[(match[1], match[2])] = True
    covered = {namespace for namespace, _ in generated}
    checked = [key for key in AWS_METRICS if key[0] in covered]
    assert {key[0] for key in checked} >= {"AWS/SQS", "AWS/Lambda", "AWS/EKS", "AWS/Events"}
    assert [key for key in checked if key not in generated] == []


def test_the_team_dashboard_as_synthesized(sandbox):
    """`pytest -s -k dashboard_as_synthesized` prints the widget list (docs/observability.md shows it)."""
    board = dashboards(sandbox)["spark-analytics"]
    lines = []
    for widget in board["widgets"]:
        properties = widget["properties"]
        metrics = widget_metrics(widget)
        what = (
            "; ".join(f"{ns} {name} {dims}" for ns, name, dims in metrics) or properties.get("query", "").split("|")[0]
        )
        expressions = [
            p["expression"]
            for m in properties.get("metrics", [])
            for p in m
            if isinstance(p, dict) and "expression" in p
        ]
        lines.append(f"- {properties['title']}: {what}{' => ' + expressions[0] if expressions else ''}")
    print("\n" + "\n".join(lines))
    assert [w["properties"]["title"] for w in board["widgets"]] == [
        "Job runs by final state (per hour)",
        "Failures by reason (per hour)",
        "vCPU-hours requested (per hour)",
        "Running pods",
        "Job runs: duration (minutes) and final state",
    ]
    query = board["widgets"][4]["properties"]["query"]
    fields = set(re.findall(r"detail\.(\w+)", query))
    assert fields <= set(job_events.DETAIL_FIELDS)


# --- logs that stay usable, and the team document ----------------------------------------------------------


def test_container_log_rotation_fits_the_pods_log_headroom():
    size = int(re.fullmatch(r"(\d+)MB", CONTAINER_LOG_ROTATION["rotationSize"])[1])
    assert 1 <= CONTAINER_LOG_ROTATION["maxFilesToKeep"] <= 50
    # stdout and stderr of the Spark container, each rotated, inside the 1 GiB a pod asks for logs.
    assert 2 * size * CONTAINER_LOG_ROTATION["maxFilesToKeep"] <= POD_LOG_HEADROOM_GIB * 1024


def test_the_team_document_tells_where_alerts_go_the_spark_ui_is_and_the_team_context(sandbox):
    (document,) = [
        json.loads(render(r["Properties"]["Value"]))
        for r in sandbox.resources("AWS::SSM::Parameter").values()
        if r["Properties"].get("Name") == "/spark/teams/analytics"
    ]
    assert document["alerts_topic"] == "spark-analytics-alerts"
    assert "Spark UI" in document["spark_ui"]
    assert document["monitoring_configuration"]["containerLogRotationConfiguration"] == CONTAINER_LOG_ROTATION
    assert document["monitoring_configuration"]["persistentAppUI"] == "ENABLED"
    context = team_context_conf(document)
    assert context[TEAM_CONTEXT_PREFIX + "team"] == "analytics"
    assert context[TEAM_CONTEXT_PREFIX + "dataUri"] == document["data_uri"]
    assert context[TEAM_CONTEXT_PREFIX + "glueDatabasePrefix"] == document["glue_database_prefix"] == "spark_"


def test_the_job_events_log_group_is_kept_with_its_key(sandbox):
    (group,) = [
        r
        for r in sandbox.resources("AWS::Logs::LogGroup").values()
        if r["Properties"].get("LogGroupName") == "/aws/events/spark/emr-job-runs"
    ]
    assert group["DeletionPolicy"] == "Retain" and group["Properties"]["RetentionInDays"] == 365


# --- cost per team --------------------------------------------------------------------------------------


def test_nodes_and_team_resources_carry_the_cost_allocation_tags(sandbox):
    (node_class,) = sandbox.manifests("EC2NodeClass")
    assert node_class["spec"]["tags"]["spark-platform"] == "spark"
    (cluster,) = [
        r
        for r in sandbox.resources("AWS::EMRContainers::VirtualCluster").values()
        if r["Properties"]["Name"] == "spark-analytics"
    ]
    assert {"Key": "spark-platform/team", "Value": "analytics"} in cluster["Properties"]["Tags"]
    for topic in sandbox.resources("AWS::SNS::Topic").values():
        if topic["Properties"]["TopicName"] == "spark-ingestion-alerts":
            assert {"Key": "spark-platform/team", "Value": "ingestion"} in topic["Properties"]["Tags"]
