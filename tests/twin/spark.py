"""Real Spark building a job's pods on the twin: the Spark of the job's EMR release, from PyPI's
pyspark (3.5.6 for emr-7.12.0 in .venv-spark; 4.0.2 for emr-spark-8.0.0 in .venv-spark4).

``spark-submit --deploy-mode cluster`` makes the driver pod exactly as EMR's job runner does
(it runs the same spark-submit); ``--deploy-mode client`` runs the driver here, so it asks the
API server for the executor pods. No kubelet runs, so nothing starts: the pods are captured
from a watch as the API server admitted them.

Two deviations, both outside what is compared: Spark's server-side apply of the driver's
Service fails on Kubernetes 1.20 (a Service port without protocol), after the driver pod was
created, so Spark deletes that pod again (the watch has already seen it); and client mode does
not hand PySpark's 0.4 overhead factor to executors the way a cluster-mode driver does, so it
is passed explicitly for PySpark jobs.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from spark_platform.emr_releases import runtime
from spark_platform.jobs.emr_pods import JobSpec

from .api import Api

ROOT = Path(__file__).resolve().parent.parent.parent
# One environment per Spark line the catalog's releases run (Makefile: .venv-spark, .venv-spark4).
SPARK_VENVS = {3: ROOT / ".venv-spark", 4: ROOT / ".venv-spark4"}


def spark_venv(release_label: str) -> Path:
    return SPARK_VENVS[runtime(release_label).spark_major]


def upstream_spark(release_label: str) -> str:
    """The Apache Spark version under the release's (3.5.6-amzn-1 -> 3.5.6)."""
    return runtime(release_label).spark.split("-")[0]


def spark_home(release_label: str) -> Path:
    venv = spark_venv(release_label)
    homes = sorted(venv.glob("lib/python3*/site-packages/pyspark"))
    if not homes or not (homes[0] / "bin" / "spark-submit").exists():
        raise RuntimeError(f"{venv} has no pyspark: run `make {venv.name}/.installed`")
    return homes[0]


def java_home() -> str:
    java = shutil.which("java")
    if not java:
        raise RuntimeError("no java on PATH: `make twin-servers` installs Debian's openjdk-17-jre-headless")
    return str(Path(os.path.realpath(java)).parent.parent)


class PodWatch:
    """Every pod the API server admits in a namespace, as it stored it (ADDED events)."""

    def __init__(self, api: Api, namespace: str) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        request = urllib.request.Request(
            f"{api.server}/api/v1/namespaces/{namespace}/pods?watch=true&timeoutSeconds=300",
            headers={"Authorization": f"Bearer {api.token}"},
        )
        self._response = urllib.request.urlopen(request, context=context, timeout=300)
        self.added: dict[str, dict[str, Any]] = {}
        self._stopped = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self._response:
                event = json.loads(line)
                if event["type"] == "ADDED" and not self._stopped:
                    self.added.setdefault(event["object"]["metadata"]["name"], event["object"])
        except (OSError, ValueError):
            return  # closed by close()

    def close(self) -> None:
        """Stops recording. The stream is left to the daemon thread (closing it under a blocked
        reader can hang); the server ends it after timeoutSeconds."""
        self._stopped = True


def _command(
    api: Api, job: JobSpec, *, namespace: str, conf: dict[str, str], workdir: Path, mode: str, name: str
) -> tuple[list[str], dict[str, str]]:
    """spark-submit's command line and environment for ``job`` in ``mode``, with the Spark of its release."""
    entry = workdir / "job.py"
    entry.write_text(
        "import time\nfrom pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate()\ntime.sleep(600)\n"
    )
    settings = {
        **conf,
        "spark.kubernetes.namespace": namespace,
        "spark.kubernetes.container.image": f"spark:{upstream_spark(job.release_label)}",
        "spark.kubernetes.authenticate.submission.oauthToken": api.token,
        "spark.kubernetes.authenticate.oauthToken": api.token,
        "spark.kubernetes.trust.certificates": "true",
        "spark.kubernetes.submission.waitAppCompletion": "false",
        "spark.executor.instances": str(job.executors),
        "spark.executor.cores": str(job.executor_cores),
        "spark.executor.memory": job.executor_memory,
        "spark.driver.cores": str(job.driver_cores),
        "spark.driver.memory": job.driver_memory,
        **job.spark_conf,
    }
    arguments = ["--master", f"k8s://{api.server}", "--deploy-mode", mode, "--name", name]
    if mode == "client":
        settings["spark.driver.host"] = "127.0.0.1"
        # The driver runs here: its Python is this environment's, not the image's interpreter.
        settings["spark.pyspark.python"] = str(spark_venv(job.release_label) / "bin" / "python")
        if job.python:  # what a cluster-mode PySpark driver hands its executors
            settings.setdefault("spark.kubernetes.memoryOverheadFactor", "0.4")
    for key, value in sorted(settings.items()):
        arguments += ["--conf", f"{key}={value}"]
    if mode == "client":  # a local PySpark driver; its executors are the same for a JVM job
        arguments.append(str(entry))
    elif job.python:
        arguments.append("local:///opt/job.py")
    else:  # the submission client never opens the jar; the driver pod would
        arguments += ["--class", "com.example.Job", "local:///opt/job.jar"]
    home = spark_home(job.release_label)
    venv = spark_venv(job.release_label)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYSPARK")}
    environment.update(SPARK_HOME=str(home), JAVA_HOME=java_home(), PYSPARK_PYTHON=str(venv / "bin" / "python"))
    return [str(home / "bin" / "spark-submit"), *arguments], environment


def _run(api: Api, namespace: str, commands: list[tuple[list[str], dict, Path]], wait_for: int, timeout: float):
    """Start every spark-submit at once, wait until the API server admitted ``wait_for`` pods of
    the namespace, stop them, delete the pods and return them by name."""
    watch = PodWatch(api, namespace)
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        for command, env, cwd in commands
    ]
    try:
        deadline = time.monotonic() + timeout
        while (
            len(watch.added) < wait_for
            and time.monotonic() < deadline
            and any(process.poll() is None for process in processes)
        ):
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        for process in processes:
            process.kill()
        output = "\n".join(process.communicate()[0].decode(errors="replace")[-3000:] for process in processes)
        watch.close()
    if len(watch.added) < wait_for:
        raise AssertionError(f"spark-submit created {len(watch.added)} of {wait_for} pods:\n{output}")
    for pod in watch.added.values():
        api.delete(pod)
    return dict(watch.added)


def submit(
    api: Api,
    job: JobSpec,
    *,
    namespace: str,
    conf: dict[str, str],
    workdir: Path,
    mode: str,
    wait_for: int,
    timeout: float = 90,
) -> dict[str, dict[str, Any]]:
    """Run spark-submit for ``job`` in ``mode`` and return the pods it created, by name."""
    command, env = _command(api, job, namespace=namespace, conf=conf, workdir=workdir, mode=mode, name="twin")
    return _run(api, namespace, [(command, env, workdir)], wait_for, timeout)


def submit_together(
    api: Api, jobs: dict[str, JobSpec], *, namespace: str, conf: dict[str, str], workdir: Path, timeout: float = 120
) -> dict[str, dict[str, Any]]:
    """Submit ``jobs`` (by app name) at once in cluster mode, each with the Spark of its release,
    and return their driver pods by app name: the jobs of one team side by side."""
    commands = []
    for name, job in jobs.items():
        directory = workdir / name
        directory.mkdir(parents=True, exist_ok=True)
        command, env = _command(api, job, namespace=namespace, conf=conf, workdir=directory, mode="cluster", name=name)
        commands.append((command, env, directory))
    pods = _run(api, namespace, commands, len(jobs), timeout)
    return {pod["metadata"]["labels"]["spark-app-name"]: pod for pod in pods.values()}
