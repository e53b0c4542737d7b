"""The platform's published documents (SSM parameters), read when a task renders.

The tenancy stacks publish ``/<prefix>/teams/<team>`` and the images stack
``/<prefix>/images/<job-type>``; CloudFormation fills them at deploy time. DAGs reference them
through Jinja (``{{ spark_platform.team('analytics').virtual_cluster_id }}``), so nothing is
hard-coded in DAG files and nothing is fetched while the scheduler parses them.
"""

from __future__ import annotations

import json
import threading
from typing import Any


class DocumentError(LookupError):
    pass


class _Document(dict):
    """A dict whose keys also read as attributes, for Jinja: team.virtual_cluster_id."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return _Document(value) if isinstance(value, dict) else value


class PlatformDocuments:
    """Reads (and caches per process) the platform's SSM documents."""

    def __init__(self, *, name_prefix: str, region: str) -> None:
        self.name_prefix = name_prefix
        self.region = region
        self._cache: dict[str, _Document] = {}
        self._lock = threading.Lock()

    def _get(self, name: str) -> _Document:
        with self._lock:
            if name not in self._cache:
                import boto3  # imported here: DAG parsing never touches AWS

                client = boto3.client("ssm", region_name=self.region)
                try:
                    value = client.get_parameter(Name=name)["Parameter"]["Value"]
                except client.exceptions.ParameterNotFound:
                    raise DocumentError(f"{name} does not exist: is the team or job type deployed?") from None
                self._cache[name] = _Document(json.loads(value))
            return self._cache[name]

    def team(self, team: str) -> _Document:
        return self._get(f"/{self.name_prefix}/teams/{team}")

    def image(self, job_type: str, release_label: str) -> str:
        document = self._get(f"/{self.name_prefix}/images/{job_type}")
        releases = document.get("releases", {})
        if release_label not in releases:
            raise DocumentError(
                f"job type {job_type!r} has no image for {release_label}; built for: {', '.join(sorted(releases))}"
            )
        return releases[release_label]["image"]
