"""Pod security of the team namespaces: which Pod Security Standard the pods EMR creates meet,
what each namespace enforces, and what the pod templates set.

tests/pss.py reads the standards' control tables; the first tests prove each control it reads
can fail. The pods checked are the job model's (tests/test_spark_pods_twin.py shows real Spark
3.5.6 builds the same driver and executors, security context included).
"""

from __future__ import annotations

import copy
import json

import pytest

from spark_platform.jobs.emr_pods import LOG_SHIPPER
from spark_platform.jobs.pipelines import one_executor_pods
from spark_platform.jobs.team_objects import driver_template, executor_template

from .pss import baseline_violations, restricted_violations, violations_by_container
from .twin.jobs import sample_jobs

RESTRICTED_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p"},
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "containers": [
            {
                "name": "c",
                "image": "i",
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }
        ],
    },
}


def mutated(change) -> dict:
    pod = copy.deepcopy(RESTRICTED_POD)
    change(pod["spec"], pod["spec"]["containers"][0].setdefault("securityContext", {}))
    return pod


@pytest.mark.parametrize(
    ("change", "profile", "control"),
    [
        (lambda s, c: s.update(hostNetwork=True), "baseline", "host namespaces"),
        (lambda s, c: c.update(privileged=True), "baseline", "privileged containers"),
        (lambda s, c: c.update(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}), "baseline", "capabilities"),
        (lambda s, c: s["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "baseline", "hostPath volumes"),
        (lambda s, c: s["containers"][0].update(ports=[{"containerPort": 1, "hostPort": 1}]), "baseline", "host ports"),
        (lambda s, c: c.update(seccompProfile={"type": "Unconfined"}), "baseline", "seccomp"),
        (lambda s, c: c.update(procMount="Unmasked"), "baseline", "/proc mount type"),
        (
            lambda s, c: s["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
            "baseline",
            "sysctls",
        ),
        (lambda s, c: c.update(seLinuxOptions={"type": "spc_t"}), "baseline", "SELinux"),
        (
            lambda s, c: s["volumes"].append({"name": "n", "nfs": {"server": "x", "path": "/"}}),
            "restricted",
            "volume types",
        ),
        (lambda s, c: c.pop("allowPrivilegeEscalation"), "restricted", "privilege escalation"),
        (lambda s, c: s["securityContext"].pop("runAsNonRoot"), "restricted", "running as non-root"),
        (lambda s, c: c.update(runAsUser=0), "restricted", "running as non-root user"),
        (lambda s, c: s["securityContext"].pop("seccompProfile"), "restricted", "seccomp (restricted)"),
        (lambda s, c: c.update(capabilities={}), "restricted", "capabilities (restricted)"),
    ],
)
def test_each_pod_security_control_is_read_as_the_standard_defines_it(change, profile, control):
    assert baseline_violations(RESTRICTED_POD) == restricted_violations(RESTRICTED_POD) == []
    pod = mutated(change)
    assert control in (baseline_violations(pod) if profile == "baseline" else restricted_violations(pod))
    if profile == "restricted":
        assert baseline_violations(pod) == []  # a restricted-only control never fails baseline


@pytest.fixture(scope="module")
def jobs(sandbox):
    """The job runner, driver and an executor of every job of the sample pipelines."""
    return {job.spec.name: one_executor_pods(job.team, job.spec) for job in sample_jobs(sandbox.config)}


@pytest.fixture(scope="module")
def job(jobs):
    return next(iter(jobs.values()))


def test_every_pod_emr_creates_meets_baseline(jobs):
    assert len(jobs) >= 5
    for name, pods in jobs.items():
        for pod in pods.all():
            assert baseline_violations(pod) == [], (name, pod["metadata"]["name"])


def test_the_spark_containers_meet_restricted_but_the_containers_emr_adds_cannot_be_shown_to(jobs):
    """Why the namespaces enforce baseline: the platform configures the Spark containers (pod
    templates) and nothing else. EMR adds the job runner's containers and the log shippers with
    a security context no AWS document states, so restricted could not be guaranteed."""
    for job in jobs.values():
        for pod in (job.driver, job.executors[0]):
            by_container = violations_by_container(pod)
            spark = pod["spec"]["containers"][0]["name"]
            assert by_container[spark] == [], spark
            assert "privilege escalation" in by_container[LOG_SHIPPER]
        assert all(violations for violations in violations_by_container(job.job_runner).values())


def test_team_namespaces_enforce_baseline_and_warn_and_audit_restricted_at_the_cluster_version(sandbox):
    version = f"v{sandbox.config.cluster.kubernetes_version}"
    for namespace in sandbox.manifests("Namespace"):
        labels = namespace["metadata"]["labels"]
        assert {key: value for key, value in labels.items() if key.startswith("pod-security.kubernetes.io/")} == {
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": version,
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": version,
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": version,
        }


def test_a_hostpath_or_privileged_spark_pod_is_refused_by_the_namespace_whatever_submitted_it(job):
    """The runtime backstop for submissions the DAG factory never sees (an ad-hoc start-job-run)."""
    with_host_path = copy.deepcopy(job.executors[0])
    with_host_path["spec"]["volumes"].append({"name": "node", "hostPath": {"path": "/var/lib/kubelet"}})
    privileged = copy.deepcopy(job.driver)
    privileged["spec"]["containers"][0]["securityContext"]["privileged"] = True
    assert "hostPath volumes" in baseline_violations(with_host_path)
    assert "privileged containers" in baseline_violations(privileged)


@pytest.mark.parametrize("render", [driver_template, executor_template])
def test_pod_templates_run_spark_as_emrs_hadoop_user_without_privileges(sandbox, render):
    template = render(sandbox.config.teams[0])
    assert template["spec"]["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert template["spec"]["containers"][0]["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 999,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }


def test_job_images_stop_the_build_unless_hadoop_is_the_uid_the_templates_run_as():
    from spark_platform.images import JOB_TYPES

    for kind in JOB_TYPES.values():
        dockerfile = (kind.build_context / "Dockerfile").read_text()
        assert 'RUN test "$(id -u hadoop)" = 999 ||' in dockerfile
        assert dockerfile.rstrip().endswith("USER hadoop:hadoop")


def test_the_documented_ad_hoc_submission_is_checked_by_the_same_rules(sandbox, tmp_path):
    """docs/orchestration.md, "Submitting a job by hand": the overrides built from the team document pass; a
    hostPath volume or switching off encryption is refused, naming the setting."""
    from spark_platform.orchestration.check_overrides import main, refused_overrides

    from .test_tenancy import team_document

    document = team_document(sandbox, "analytics")
    assert document["spark_conf"]["spark.authenticate"] == "true"
    assert document["spark_conf"]["spark.io.encryption.enabled"] == "true"

    def overrides(**extra: str) -> dict:
        properties = {**document["spark_conf"], "spark.kubernetes.container.image": "<catalog image>", **extra}
        return {
            "applicationConfiguration": [
                {"classification": "spark-defaults", "properties": properties},
                {"classification": "emr-job-submitter", "properties": document["job_submitter"]},
            ]
        }

    assert refused_overrides(document, overrides()) == []
    assert refused_overrides(
        document,
        overrides(**{"spark.kubernetes.executor.volumes.hostPath.k.mount.path": "/k", "spark.authenticate": "false"}),
    ) == [
        "spark-defaults: sets 'spark.authenticate', which turns off authentication of the job's RPC and shuffle "
        "traffic; remove it or use the team document's value",
        "spark-defaults: sets 'spark.kubernetes.executor.volumes.hostPath.k.mount.path', which mounts a volume the "
        "pod templates do not define (a hostPath exposes the node); remove it or use the team document's value",
    ]
    (tmp_path / "doc.json").write_text(json.dumps(document))
    (tmp_path / "ok.json").write_text(json.dumps(overrides()))
    (tmp_path / "bad.json").write_text(json.dumps(overrides(**{"spark.io.encryption.enabled": "false"})))
    assert main([str(tmp_path / "doc.json"), str(tmp_path / "ok.json")]) == 0
    assert main([str(tmp_path / "doc.json"), str(tmp_path / "bad.json")]) == 1
