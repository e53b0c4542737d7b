"""What the assistant reads from an EMR-on-EC2 setup, whatever file it came from.

Every reader (``sources`` for JSON/YAML, ``airflow_dag`` for DAG files) produces these, so the
translation never knows which shape a step or a cluster was written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SourceError(ValueError):
    """A problem with an input; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class Step:
    """One EMR step as the cluster runs it: a JAR (command-runner.jar for spark-submit, Hive,
    Pig, s3-dist-cp...) with its arguments."""

    name: str
    jar: str
    args: tuple[str, ...]
    where: str  # file and position, for the report
    main_class: str = ""
    action_on_failure: str = ""
    minutes: float | None = None  # measured run time (list-steps / describe-step timeline)


@dataclass(frozen=True)
class InstanceGroup:
    role: str  # MASTER, CORE or TASK
    instance_type: str
    count: int
    market: str  # ON_DEMAND or SPOT


@dataclass(frozen=True)
class BootstrapAction:
    name: str
    path: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cluster:
    """The EMR-on-EC2 cluster the steps ran on."""

    name: str
    where: str
    release_label: str = ""
    applications: tuple[str, ...] = ()
    groups: tuple[InstanceGroup, ...] = ()
    # Classification -> properties, nested "export" classifications of spark-env flattened.
    configurations: dict[str, dict[str, str]] = field(default_factory=dict)
    bootstrap_actions: tuple[BootstrapAction, ...] = ()
    # Runs only while it has steps (RunJobFlow KeepJobFlowAliveWhenNoSteps false, describe-cluster
    # AutoTerminate true); None when the input does not say.
    terminates_after_steps: bool | None = None
    idle_timeout_minutes: float | None = None
    step_concurrency: int = 1
    kerberos: bool = False
    security_configuration: str = ""
    provisioning_minutes: float | None = None  # measured: ReadyDateTime - CreationDateTime


@dataclass
class Workflow:
    """One pipeline to be: a cluster, its steps in order, and how often it runs."""

    name: str
    sources: list[str]
    cluster: Cluster | None = None
    steps: list[Step] = field(default_factory=list)
    schedule: str | None = None  # Airflow's: @daily, @hourly, a cron expression, None
    terminated_per_run: bool = False  # the DAG ends with EmrTerminateJobFlowOperator
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    """Something that cannot move by itself: where it is, what it is, what to do."""

    source: str
    what: str
    action: str
    # Lines to paste (a Dockerfile fragment), shown as a code block under the action.
    snippet: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """A setting of a moved job that the platform changes or drops, and why."""

    job: str
    setting: str
    before: str
    after: str
    why: str
