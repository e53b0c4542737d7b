"""What cannot move by itself, found in the cluster and in the steps' paths; each with its source
and the suggested action. Nothing is dropped silently: what the translation does not carry over
is either a change (with its reason) or one of these items.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath

from spark_platform.migrate.model import BootstrapAction, Item, Step, Workflow
from spark_platform.migrate.settings import CLUSTER_ONLY, CONSISTENT_VIEW

MIGRATED_FOLDER = "migrated/"
_HDFS = re.compile(r"\bhdfs://|^/user/")
_INSTANCE_STORE = re.compile(r"(^|[=:,\s])/mnt\d*/")
_PIP = re.compile(r"\b(?:pip3?|python3? -m pip)\s+install\s+(?P<args>.+)$")
_PACKAGES = re.compile(r"\b(?:yum|dnf)\s+(?:-y\s+)?install\s+(?:-y\s+)?(?P<args>.+)$")
# Applications the platform replaces: Spark itself, Hadoop's libraries in the image, Hive only as
# the Glue-backed metastore client, Livy/JupyterEnterpriseGateway by StartJobRun.
_REPLACED_APPLICATIONS = {"spark", "hadoop", "hive", "livy", "jupyterenterprisegateway", "hcatalog", "tez"}


def artifact(path: str, where: str, items: list[Item]) -> str:
    """A file the job reads, as the platform names it: URIs stay; a file on the primary node's
    disk must be uploaded first (under the team's artifacts prefix, ``migrated/``)."""
    if "://" in path and not path.startswith("file://"):
        return path
    local = path.removeprefix("file://")
    target = MIGRATED_FOLDER + PurePosixPath(local).name
    items.append(
        Item(
            where, f"{local} is a file on the EMR primary node", f"upload it to the team's artifacts prefix as {target}"
        )
    )
    return target


def path_items(step: Step, values: list[str]) -> list[Item]:
    found = []
    for value in values:
        if _HDFS.search(value):
            found.append(
                Item(
                    step.where, f"HDFS path {value}", "HDFS goes with the cluster: read and write S3 (s3://...) instead"
                )
            )
        elif _INSTANCE_STORE.search(value):
            found.append(
                Item(
                    step.where,
                    f"instance-store path {value}",
                    "pods have no /mnt: use the pod's local-dir volume (SPARK_LOCAL_DIRS) for scratch and S3 for anything kept",
                )
            )
    return found


def _script_lines(action: BootstrapAction, bootstrap_dir: Path | None) -> list[str]:
    if bootstrap_dir is None:
        return []
    local = bootstrap_dir / PurePosixPath(action.path).name
    return local.read_text(encoding="utf-8").splitlines() if local.is_file() else []


def dockerfile_lines(action: BootstrapAction, bootstrap_dir: Path | None) -> tuple[list[str], list[str]]:
    """Dockerfile lines for the job type's image, and requirements.txt lines when the script
    (found in ``bootstrap_dir`` under its file name) pip-installs pinned packages."""
    script = PurePosixPath(action.path).name
    requirements: list[str] = []
    system: list[str] = []
    rest = False
    for line in _script_lines(action, bootstrap_dir):
        text = line.split("#", 1)[0].strip().removeprefix("sudo ").strip()
        if not text or text.startswith(("set ", "#!")):
            continue
        if pip := _PIP.search(text):
            requirements += [arg for arg in shlex.split(pip["args"]) if not arg.startswith("-")]
        elif packages := _PACKAGES.search(text):
            system += [arg for arg in shlex.split(packages["args"]) if not arg.startswith("-")]
        else:
            rest = True
    lines = [f"# bootstrap action {action.name!r} ({action.path})", "USER root"]
    if system:
        lines.append(f"RUN dnf install -y {' '.join(system)} && dnf clean all")
    if requirements:
        lines.append("# its pip installs: add them to this job type's requirements.txt (pinned)")
    if rest or not (system or requirements):
        args = " ".join(shlex.quote(arg) for arg in action.args)
        lines += [
            f"COPY {script} /tmp/{script}",
            f"RUN bash /tmp/{script}{' ' + args if args else ''} && rm /tmp/{script}",
        ]
    lines.append("USER hadoop:hadoop")
    return lines, requirements


def cluster_items(workflow: Workflow, bootstrap_dir: Path | None) -> list[Item]:
    cluster = workflow.cluster
    if cluster is None:
        return []
    items = []
    for action in cluster.bootstrap_actions:
        lines, requirements = dockerfile_lines(action, bootstrap_dir)
        pinned = f"; add to its requirements.txt: {', '.join(requirements)}" if requirements else ""
        items.append(
            Item(
                f"{cluster.where}: BootstrapActions ({action.name})",
                f"bootstrap action {action.path} runs on every node at start-up",
                "bake it into the job type's image (images/<job-type>/Dockerfile), then `make image`" + pinned,
                snippet=tuple(lines),
            )
        )
    configurations = cluster.configurations
    if any(
        key.startswith(CONSISTENT_VIEW) and value == "true"
        for key, value in configurations.get("emrfs-site", {}).items()
    ):
        items.append(
            Item(
                f"{cluster.where}: Configurations (emrfs-site)",
                "EMRFS consistent view (fs.s3.consistent=true)",
                "drop it: Amazon S3 has been strongly consistent since December 2020, and consistent view is retired; "
                "delete its DynamoDB table once no cluster uses it",
            )
        )
    for classification in ("spark-hive-site", "hive-site"):
        url = configurations.get(classification, {}).get("javax.jdo.option.ConnectionURL")
        if url:
            items.append(
                Item(
                    f"{cluster.where}: Configurations ({classification})",
                    f"Hive metastore database {url}",
                    "every job's metastore is the Glue Data Catalog, which a job may not replace: migrate the "
                    "metastore's databases and tables to Glue first",
                )
            )
    for classification in sorted(configurations):
        if classification in CLUSTER_ONLY or classification.split("/")[0] in CLUSTER_ONLY:
            items.append(
                Item(
                    f"{cluster.where}: Configurations ({classification})",
                    f"configures the EC2 cluster's own services: {', '.join(sorted(configurations[classification]))[:120]}",
                    "nothing on EMR on EKS reads it; check whether a job relied on it",
                )
            )
        elif classification.startswith(("spark-log4j", "spark-metrics")):
            items.append(
                Item(
                    f"{cluster.where}: Configurations ({classification})",
                    f"{classification} settings",
                    "put the file in the job type's image (/etc/spark/conf) or pass the classification in the job's "
                    "configuration overrides",
                )
            )
    if cluster.kerberos or cluster.security_configuration:
        items.append(
            Item(
                f"{cluster.where}: KerberosAttributes / SecurityConfiguration",
                f"Kerberos or a security configuration ({cluster.security_configuration or 'KDC'})",
                "jobs authenticate with the team's IAM job role (IRSA) and Spark's own encryption; services the jobs "
                "call with Kerberos need another way in (IAM, or a keytab in a secret)",
            )
        )
    if cluster.step_concurrency > 1:
        items.append(
            Item(
                f"{cluster.where}: StepConcurrencyLevel",
                f"steps ran {cluster.step_concurrency} at a time on one cluster",
                "the jobs keep the step order as depends_on (one after another); remove depends_on between jobs that "
                "are independent so Airflow submits them in parallel",
            )
        )
    others = sorted(app for app in cluster.applications if app.lower() not in _REPLACED_APPLICATIONS)
    if others:
        items.append(
            Item(
                f"{cluster.where}: Applications",
                f"{', '.join(others)} ran on the cluster",
                "EMR on EKS runs Spark jobs only: move these to their own service (e.g. Amazon Athena for Presto/Trino)",
            )
        )
    return items
