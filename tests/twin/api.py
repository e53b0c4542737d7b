"""A JSON client for the twin's API servers: raw objects in, raw objects (or the error) out.

Raw JSON on purpose: the tests read what admission wrote into an object (LimitRange defaults,
the scheduler's binding), and a typed client would drop fields it does not model.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{status} {body.get('reason', '')}: {body.get('message', body)}")

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


@dataclass
class Api:
    server: str  # https://127.0.0.1:<port>
    token: str | None = None
    client_cert: tuple[str, str] | None = None  # (certificate, key) files
    _connection: http.client.HTTPSConnection | None = field(default=None, repr=False)

    def _connect(self) -> http.client.HTTPSConnection:
        """One kept-alive connection: a TLS handshake per request would dominate the run time."""
        if self._connection is None:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the servers' self-signed loopback certificates
            if self.client_cert:
                context.load_cert_chain(*self.client_cert)
            url = urllib.parse.urlsplit(self.server)
            self._connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)
        return self._connection

    def request(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            connection = self._connect()
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()  # a server not up yet, or a dropped connection: the next call reconnects
            raise
        if response.status >= 400:
            try:
                parsed = json.loads(payload)
            except ValueError:
                parsed = {"message": payload.decode(errors="replace")}
            raise ApiError(response.status, parsed)
        if response.headers.get_content_type() != "application/json":
            return payload.decode()  # /readyz and friends answer in plain text
        return json.loads(payload or b"{}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", collection_path(obj), obj)

    def get(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.request("GET", object_path(obj))

    def list(self, obj: dict[str, Any], label_selector: str = "") -> list[dict[str, Any]]:
        query = f"?labelSelector={label_selector}" if label_selector else ""
        return self.request("GET", collection_path(obj) + query)["items"]

    def replace_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.request("PUT", object_path(obj) + "/status", obj)

    def delete(self, obj: dict[str, Any]) -> None:
        """Deletes at once (grace period 0): no kubelet runs here to confirm a pod stopped."""
        try:
            self.request(
                "DELETE", object_path(obj), {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
            )
        except ApiError as error:
            if error.status != 404:
                raise


def _base(obj: dict[str, Any]) -> str:
    api_version = obj["apiVersion"]
    return f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"


_PLURALS = {
    "Pod": "pods",
    "Node": "nodes",
    "Namespace": "namespaces",
    "ResourceQuota": "resourcequotas",
    "LimitRange": "limitranges",
    "NetworkPolicy": "networkpolicies",
    "ServiceAccount": "serviceaccounts",
    "CustomResourceDefinition": "customresourcedefinitions",
    "NodePool": "nodepools",
    "EC2NodeClass": "ec2nodeclasses",
    "NodeClaim": "nodeclaims",
    "NodeOverlay": "nodeoverlays",
}


def collection_path(obj: dict[str, Any]) -> str:
    namespace = obj.get("metadata", {}).get("namespace")
    scope = f"/namespaces/{namespace}" if namespace else ""
    return f"{_base(obj)}{scope}/{_PLURALS[obj['kind']]}"


def object_path(obj: dict[str, Any]) -> str:
    return f"{collection_path(obj)}/{obj['metadata']['name']}"
