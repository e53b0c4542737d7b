"""Real Kubernetes control-plane processes for the tests, on 127.0.0.1, started and stopped here.

Binaries come from ``$TWIN_CACHE/bin`` (``make twin-servers`` builds them from Debian sources,
see scripts/twin/). Each server gets its own etcd and temporary directory; nothing listens
beyond loopback, and every process is stopped when the test session ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from .api import Api

CACHE = Path(
    os.environ.get("TWIN_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"), "spark-platform-twin")
)
BIN = CACHE / "bin"
TOKEN = "twin-admin-token"

# Admission as EKS runs it where it matters to Spark pods: LimitRanger fills and caps container
# resources, ResourceQuota charges the namespace. Left out, each for a controller that does not
# run here: ServiceAccount (1.20 looks for token Secrets the token controller would create;
# EKS mounts projected tokens instead) and TaintNodesByCondition (it taints new Nodes
# not-ready until a kubelet reports; Karpenter's nodes are Ready when pods bind to them).
ADMISSION = "NamespaceLifecycle,LimitRanger,DefaultTolerationSeconds,Priority,ResourceQuota"
DISABLED_ADMISSION = "ServiceAccount,TaintNodesByCondition"


def binary(name: str) -> Path:
    path = BIN / name
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            f"{path} is missing: run `make twin-servers` (builds the twin's API servers from Debian sources)"
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Background processes with their logs, stopped together (log tail shown on failure)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *command: str | Path) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [str(part) for part in command], stdout=log, stderr=subprocess.STDOUT, cwd=self.directory
        )
        self.running.append((name, process))
        return process

    def check(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                tail = (self.directory / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        """Killed outright: their state is thrown away, and kube-apiserver's graceful shutdown
        would wait out its request timeouts."""
        for _, process in reversed(self.running):
            process.kill()
        for _, process in self.running:
            process.wait(timeout=10)


def start_etcd(processes: Processes, name: str) -> str:
    client, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{client}"
    processes.start(
        name,
        binary("etcd"),
        f"--name={name}",
        f"--data-dir={processes.directory / name}",
        f"--listen-client-urls={url}",
        f"--advertise-client-urls={url}",
        f"--listen-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-cluster={name}=http://127.0.0.1:{peer}",
    )
    return url


def write_kubeconfig(path: Path, server: str) -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: twin, cluster: {{server: '{server}', insecure-skip-tls-verify: true}}}}]\n"
        f"users: [{{name: admin, user: {{token: {TOKEN}}}}}]\n"
        "contexts: [{name: twin, context: {cluster: twin, user: admin}}]\ncurrent-context: twin\n"
    )
    return path


class KubeTwin:
    """etcd + kube-apiserver (+ kube-scheduler): a control plane with no kubelet and no controllers."""

    def __init__(self, *, scheduler: bool = True) -> None:
        self._stack = ExitStack()
        self.directory = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="kube-twin-")))
        self.processes = Processes(self.directory)
        self.scheduler = scheduler
        self.api: Api | None = None

    def __enter__(self) -> KubeTwin:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.api:
            self.api.close()
        self.processes.stop()
        self._stack.close()

    def _start(self) -> None:
        etcd = start_etcd(self.processes, "etcd")
        key = self.directory / "service-account.key"
        subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
        (self.directory / "tokens.csv").write_text(f'{TOKEN},twin-admin,1,"system:masters"\n')
        port = free_port()
        self.processes.start(
            "kube-apiserver",
            binary("kube-apiserver"),
            f"--etcd-servers={etcd}",
            "--bind-address=127.0.0.1",
            f"--secure-port={port}",
            f"--cert-dir={self.directory / 'certs'}",
            f"--token-auth-file={self.directory / 'tokens.csv'}",
            "--authorization-mode=AlwaysAllow",
            "--service-account-issuer=https://kube-twin.invalid",
            f"--service-account-signing-key-file={key}",
            f"--service-account-key-file={key}",
            "--service-cluster-ip-range=10.100.0.0/16",
            f"--enable-admission-plugins={ADMISSION}",
            f"--disable-admission-plugins={DISABLED_ADMISSION}",
        )
        self.api = Api(f"https://127.0.0.1:{port}", TOKEN)
        self._wait(self.api)
        if self.scheduler:
            kubeconfig = write_kubeconfig(self.directory / "kubeconfig", self.api.server)
            self.processes.start(
                "kube-scheduler",
                binary("kube-scheduler"),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                "--port=0",
                "--secure-port=0",
            )

    def _wait(self, api: Api, timeout: float = 90, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.processes.check()
            try:
                api.request("GET", path)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)

    def version(self) -> str:
        assert self.api
        return self.api.request("GET", "/version")["gitVersion"]


# Everything in the standalone CRD server that would ask a core API server (which it does not
# have) is off: admission plugins that watch namespaces, webhooks and policies, and API
# priority and fairness (it reads FlowSchemas). See scripts/twin/README-apiextensions.md.
CRD_SERVER_DISABLED_ADMISSION = ",".join(
    (
        "NamespaceLifecycle",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
    )
)


class CrdServer(KubeTwin):
    """etcd + apiextensions-apiserver: CustomResourceDefinitions with their schemas, defaults
    and CEL rules enforced, nothing else. Clients present a system:masters client certificate."""

    def _start(self) -> None:
        etcd = start_etcd(self.processes, "etcd")
        directory = self.directory
        openssl = ["openssl"]
        for command in (
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=twin-client-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
            ],
            [
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/O=system:masters/CN=twin-admin",
                "-keyout",
                "client.key",
                "-out",
                "client.csr",
            ],
            [
                "x509",
                "-req",
                "-days",
                "1",
                "-in",
                "client.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "client.crt",
            ],
        ):
            subprocess.run(openssl + command, check=True, capture_output=True, cwd=directory)
        nowhere = directory / "nowhere.kubeconfig"
        nowhere.write_text(
            "apiVersion: v1\nkind: Config\n"
            "clusters: [{name: nowhere, cluster: {server: 'https://127.0.0.1:1'}}]\n"
            "users: [{name: nowhere, user: {}}]\n"
            "contexts: [{name: nowhere, context: {cluster: nowhere, user: nowhere}}]\ncurrent-context: nowhere\n"
        )
        port = free_port()
        self.processes.start(
            "apiextensions-apiserver",
            binary("apiextensions-apiserver"),
            f"--etcd-servers={etcd}",
            "--bind-address=127.0.0.1",
            f"--secure-port={port}",
            f"--cert-dir={directory / 'certs'}",
            f"--client-ca-file={directory / 'ca.crt'}",
            "--authentication-skip-lookup",
            f"--kubeconfig={nowhere}",
            f"--authentication-kubeconfig={nowhere}",
            f"--authorization-kubeconfig={nowhere}",
            f"--disable-admission-plugins={CRD_SERVER_DISABLED_ADMISSION}",
            "--enable-priority-and-fairness=false",
        )
        self.api = Api(
            f"https://127.0.0.1:{port}", client_cert=(str(directory / "client.crt"), str(directory / "client.key"))
        )
        # The Services informer (conversion webhooks only) never syncs without a core API.
        self._wait(self.api, path="/readyz?exclude=informer-sync")
