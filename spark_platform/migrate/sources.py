"""Read what teams have today, without running it: RunJobFlow requests, ``aws emr
describe-cluster`` and ``list-steps`` output, ``add-steps --steps file://`` lists.

Shapes as the EMR API reference and the AWS CLI document them:
- RunJobFlow: ``Name``, ``ReleaseLabel``, ``Applications``, ``Instances`` (``InstanceGroups``
  with ``InstanceRole``, ``InstanceFleets`` with ``InstanceFleetType``, or the legacy
  ``MasterInstanceType``/``SlaveInstanceType``/``InstanceCount``), ``Configurations``,
  ``BootstrapActions`` (``ScriptBootstrapAction``), ``Steps`` (``HadoopJarStep``),
  ``AutoTerminationPolicy``, ``StepConcurrencyLevel``, ``KerberosAttributes``.
- describe-cluster: ``{"Cluster": {...}}`` with ``InstanceGroups`` (``InstanceGroupType``,
  ``RequestedInstanceCount``) or ``InstanceFleets`` (``InstanceTypeSpecifications``),
  ``AutoTerminate``, ``Status.Timeline`` and the CLI's ``BootstrapActions`` (``ScriptPath``).
- list-steps: ``{"Steps": [{"Name", "Config": {"Jar", "Args", "MainClass"}, "Status"}]}``,
  newest first ("in reverse order", ListSteps API reference).
- add-steps file: ``[{"Type": "Spark"|"Hive"|"Pig"|"Streaming"|"Custom_JAR", "Args", ...}]``;
  the CLI turns Spark into ``command-runner.jar spark-submit ...``, Hive into ``hive-script
  --run-hive-script --args ...``, Pig into ``pig-script --run-pig-script --args ...`` and
  Streaming into ``hadoop-streaming ...``; a step without Type is a custom JAR.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from spark_platform.migrate.model import BootstrapAction, Cluster, InstanceGroup, SourceError, Step

COMMAND_RUNNER = "command-runner.jar"
_CLI_STEP_PREFIX = {
    "spark": ("spark-submit",),
    "hive": ("hive-script", "--run-hive-script", "--args"),
    "pig": ("pig-script", "--run-pig-script", "--args"),
    "streaming": ("hadoop-streaming",),
}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise SourceError(f"{where}: expected a list of strings, got {type(value).__name__}")
    return tuple(str(item) for item in value)


def _properties(value: Any) -> dict[str, str]:
    """Step or classification properties: a mapping, a list of {Key, Value}, or k=v,k=v."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(item.get("Key")): str(item.get("Value")) for item in value if isinstance(item, dict)}
    if isinstance(value, str) and value:
        return dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    return {}


def step_of(data: Any, where: str) -> Step:
    """A step in any documented shape: HadoopJarStep (API), Config (list-steps), Type (CLI)."""
    if not isinstance(data, dict):
        raise SourceError(f"{where}: a step is a mapping with Name and HadoopJarStep (or Config, or Type and Args)")
    name = str(data.get("Name") or "").strip() or "step"
    where = f"{where} ({name})"
    if "HadoopJarStep" in data or "Config" in data:
        config = data.get("HadoopJarStep") or data.get("Config") or {}
        if not isinstance(config, dict) or not config.get("Jar"):
            raise SourceError(
                f"{where}.HadoopJarStep.Jar: missing; a step runs a JAR (command-runner.jar for spark-submit)"
            )
        jar, args = str(config["Jar"]), _strings(config.get("Args"), f"{where}.Args")
        main_class = str(config.get("MainClass") or "")
    else:
        kind = str(data.get("Type") or "custom_jar").lower()
        args = _strings(data.get("Args"), f"{where}.Args")
        if kind in _CLI_STEP_PREFIX:
            jar, args, main_class = COMMAND_RUNNER, (*_CLI_STEP_PREFIX[kind], *args), ""
        elif kind == "custom_jar":
            if not data.get("Jar"):
                raise SourceError(f"{where}.Jar: a CUSTOM_JAR step names its JAR (or give Type: Spark, Hive, Pig)")
            jar, main_class = str(data["Jar"]), str(data.get("MainClass") or "")
        else:
            raise SourceError(f"{where}.Type: {data.get('Type')!r} is not Spark, Hive, Pig, Streaming or Custom_JAR")
    return Step(
        name=name,
        jar=jar,
        args=args,
        where=where,
        main_class=main_class,
        action_on_failure=str(data.get("ActionOnFailure") or ""),
        minutes=_step_minutes(data.get("Status")),
    )


def timestamp(value: Any) -> float | None:
    """Epoch seconds from the CLI's output: a number (CLI v1) or an ISO 8601 string (v2)."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text).timestamp()
        except ValueError:
            return None
    return None


def _minutes_between(timeline: Any, start: str, end: str) -> float | None:
    if not isinstance(timeline, dict):
        return None
    first, last = timestamp(timeline.get(start)), timestamp(timeline.get(end))
    return round((last - first) / 60, 1) if first is not None and last is not None and last >= first else None


def _step_minutes(status: Any) -> float | None:
    timeline = status.get("Timeline") if isinstance(status, dict) else None
    return _minutes_between(timeline, "StartDateTime", "EndDateTime")


def steps_of(data: Any, where: str) -> list[Step]:
    if not isinstance(data, list):
        raise SourceError(f"{where}: expected a list of steps")
    return [step_of(item, f"{where}[{index}]") for index, item in enumerate(data)]


def configurations_of(data: Any, where: str) -> dict[str, dict[str, str]]:
    """Classification -> properties; spark-env's nested ``export`` becomes ``spark-env/export``."""
    if data is None:
        return {}
    if not isinstance(data, list):
        raise SourceError(f"{where}: expected a list of {{Classification, Properties}}")
    found: dict[str, dict[str, str]] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict) or "Classification" not in item:
            raise SourceError(f"{where}[{index}]: a configuration names its Classification")
        name = str(item["Classification"])
        found.setdefault(name, {}).update(_properties(item.get("Properties")))
        for nested_name, properties in configurations_of(item.get("Configurations"), f"{where}[{index}]").items():
            found.setdefault(f"{name}/{nested_name}", {}).update(properties)
    return found


def _groups(instances: dict[str, Any], where: str) -> tuple[InstanceGroup, ...]:
    groups = []
    for index, group in enumerate(instances.get("InstanceGroups") or []):
        role = group.get("InstanceRole") or group.get("InstanceGroupType")
        count = group.get("InstanceCount", group.get("RequestedInstanceCount"))
        if role not in ("MASTER", "CORE", "TASK") or not group.get("InstanceType") or not isinstance(count, int):
            raise SourceError(
                f"{where}.InstanceGroups[{index}]: needs InstanceRole (MASTER, CORE, TASK), InstanceType and InstanceCount"
            )
        groups.append(InstanceGroup(role, str(group["InstanceType"]), count, str(group.get("Market") or "ON_DEMAND")))
    for index, fleet in enumerate(instances.get("InstanceFleets") or []):
        types = fleet.get("InstanceTypeConfigs") or fleet.get("InstanceTypeSpecifications") or []
        if fleet.get("InstanceFleetType") not in ("MASTER", "CORE", "TASK") or not types:
            raise SourceError(
                f"{where}.InstanceFleets[{index}]: needs InstanceFleetType and at least one instance type"
            )
        first = types[0]  # priced as the fleet's first type; the report says so
        weight = int(first.get("WeightedCapacity") or 1)
        for market, key in (("ON_DEMAND", "TargetOnDemandCapacity"), ("SPOT", "TargetSpotCapacity")):
            units = int(fleet.get(key) or 0)
            if units:
                count = -(-units // weight)
                groups.append(InstanceGroup(fleet["InstanceFleetType"], str(first["InstanceType"]), count, market))
    if not groups and instances.get("MasterInstanceType"):
        total = int(instances.get("InstanceCount") or 1)
        groups.append(InstanceGroup("MASTER", str(instances["MasterInstanceType"]), 1, "ON_DEMAND"))
        if total > 1:
            groups.append(InstanceGroup("CORE", str(instances.get("SlaveInstanceType")), total - 1, "ON_DEMAND"))
    return tuple(groups)


def _bootstrap_actions(data: Any) -> tuple[BootstrapAction, ...]:
    actions = []
    for item in data or []:
        script = item.get("ScriptBootstrapAction") or {}
        path = script.get("Path") or item.get("ScriptPath") or ""
        args = script.get("Args") if script else item.get("Args")
        actions.append(BootstrapAction(str(item.get("Name") or path), str(path), tuple(str(a) for a in args or ())))
    return tuple(actions)


def cluster_of(data: dict[str, Any], where: str, *, described: bool) -> Cluster:
    """A RunJobFlow request (``described=False``) or describe-cluster's ``Cluster``."""
    instances = data if described else (data.get("Instances") or {})
    groups = _groups(instances, f"{where}{'' if described else '.Instances'}")
    if not groups:
        raise SourceError(f"{where}.Instances: no InstanceGroups or InstanceFleets; the cost estimate needs the nodes")
    if described:
        terminates = data.get("AutoTerminate")
        timeline = (data.get("Status") or {}).get("Timeline")
        provisioning = _minutes_between(timeline, "CreationDateTime", "ReadyDateTime")
    else:
        keep_alive = instances.get("KeepJobFlowAliveWhenNoSteps")
        terminates = None if keep_alive is None else not keep_alive
        provisioning = None
    idle = (data.get("AutoTerminationPolicy") or {}).get("IdleTimeout")
    return Cluster(
        name=str(data.get("Name") or "cluster"),
        where=where,
        release_label=str(data.get("ReleaseLabel") or ""),
        applications=tuple(str(app.get("Name")) for app in data.get("Applications") or []),
        groups=groups,
        configurations=configurations_of(data.get("Configurations"), f"{where}.Configurations"),
        bootstrap_actions=_bootstrap_actions(data.get("BootstrapActions")),
        terminates_after_steps=terminates,
        idle_timeout_minutes=idle / 60 if isinstance(idle, int | float) else None,
        step_concurrency=int(data.get("StepConcurrencyLevel") or 1),
        kerberos=bool(data.get("KerberosAttributes")),
        security_configuration=str(data.get("SecurityConfiguration") or ""),
        provisioning_minutes=provisioning,
    )


def read_document(data: Any, source: str) -> tuple[Cluster | None, list[Step]]:
    """Whatever shape ``data`` has: the cluster it describes and its steps, in run order."""
    if isinstance(data, list):
        return None, steps_of(data, source)
    if not isinstance(data, dict):
        raise SourceError(f"{source}: not a RunJobFlow request, describe-cluster or list-steps output, or a step list")
    if isinstance(data.get("Cluster"), dict):
        return cluster_of(data["Cluster"], f"{source}: Cluster", described=True), []
    if "Instances" in data or "ReleaseLabel" in data:
        cluster = cluster_of(data, source, described=False)
        return cluster, steps_of(data.get("Steps") or [], f"{source}: Steps")
    if isinstance(data.get("Steps"), list):
        steps = steps_of(data["Steps"], f"{source}: Steps")
        # list-steps prints the newest first; run order is the reverse.
        return None, steps[::-1] if any("Config" in item for item in data["Steps"]) else steps
    raise SourceError(
        f"{source}: not a RunJobFlow request (Instances, ReleaseLabel), describe-cluster output (Cluster), "
        "list-steps output (Steps) or an add-steps list; pass one of those"
    )
