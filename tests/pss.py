"""The Pod Security Standards' baseline and restricted controls, as a test-only check of a pod.

Written from the Kubernetes documentation page "Pod Security Standards" (its control tables for
the baseline and restricted profiles). The twin's kube-apiserver (1.20) predates the
PodSecurity admission plugin and no newer API server or its policy library is packaged where the
project can fetch it, so this reads the same published rules instead; tests/test_pod_security.py
checks each control on a failing and a passing pod, so the reading itself is tested.
Returns the violated controls by name, empty when the pod passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(kind) or []


def _context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return container.get("securityContext") or {}


def baseline_violations(pod: Mapping[str, Any]) -> list[str]:
    spec, found = pod["spec"], []
    pod_context = spec.get("securityContext") or {}
    if any(spec.get(field) for field in ("hostNetwork", "hostPID", "hostIPC")):
        found.append("host namespaces")
    if any(_context(c).get("privileged") for c in _containers(spec)):
        found.append("privileged containers")
    if any(
        set((_context(c).get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES for c in _containers(spec)
    ):
        found.append("capabilities")
    if any("hostPath" in volume for volume in spec.get("volumes") or []):
        found.append("hostPath volumes")
    if any(port.get("hostPort") for c in _containers(spec) for port in c.get("ports") or []):
        found.append("host ports")
    contexts = [pod_context, *(_context(c) for c in _containers(spec))]
    if any((ctx.get("windowsOptions") or {}).get("hostProcess") for ctx in contexts):
        found.append("HostProcess")
    if any((ctx.get("appArmorProfile") or {}).get("type") == "Unconfined" for ctx in contexts):
        found.append("AppArmor")
    if any(
        (ctx.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES
        or (ctx.get("seLinuxOptions") or {}).get("user")
        or (ctx.get("seLinuxOptions") or {}).get("role")
        for ctx in contexts
    ):
        found.append("SELinux")
    if any(_context(c).get("procMount", "Default") != "Default" for c in _containers(spec)):
        found.append("/proc mount type")
    if any((ctx.get("seccompProfile") or {}).get("type") == "Unconfined" for ctx in contexts):
        found.append("seccomp")
    if any(sysctl["name"] not in SAFE_SYSCTLS for sysctl in pod_context.get("sysctls") or []):
        found.append("sysctls")
    return found


def restricted_violations(pod: Mapping[str, Any]) -> list[str]:
    spec, found = pod["spec"], baseline_violations(pod)
    pod_context = spec.get("securityContext") or {}
    containers = list(_containers(spec))
    if any(not set(volume) - {"name"} <= RESTRICTED_VOLUMES for volume in spec.get("volumes") or []):
        found.append("volume types")
    if any(_context(c).get("allowPrivilegeEscalation") is not False for c in containers):
        found.append("privilege escalation")
    if not all(_context(c).get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True for c in containers):
        found.append("running as non-root")
    if any(_context(c).get("runAsUser", pod_context.get("runAsUser")) == 0 for c in containers):
        found.append("running as non-root user")
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    if not all(
        ((_context(c).get("seccompProfile") or {}).get("type") or pod_seccomp) in ("RuntimeDefault", "Localhost")
        for c in containers
    ):
        found.append("seccomp (restricted)")
    for c in containers:
        capabilities = _context(c).get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []) or set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append("capabilities (restricted)")
            break
    return found


def violations_by_container(pod: Mapping[str, Any]) -> dict[str, list[str]]:
    """Restricted violations of each container alone (with the pod-level context), by name."""
    result = {}
    for container in _containers(pod["spec"]):
        single = {**pod, "spec": {**pod["spec"], "containers": [container], "initContainers": [], "volumes": []}}
        result[container["name"]] = restricted_violations(single)
    return result
