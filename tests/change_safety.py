"""What CloudFormation would do to a deployed platform when it moves from one synthesis to another.

Every resource of every stack is kept, updated in place, replaced, created or deleted (and a
deletion either deletes the physical resource or keeps it, per the DeletionPolicy of the template
that created it). Replacement is read from the resource schemas that cfn-lint ships: a resource is
replaced when one of its ``createOnlyProperties`` changes, or refers (Ref, GetAtt, an imported
export) to a resource that is itself replaced.

Kubernetes objects are what CDK's kubectl provider applies (aws-eks-v2 kubectl-handler/apply): on
an update it runs ``kubectl apply --prune -l <label>``, so an object dropped from a manifest is
deleted; when the custom resource itself is deleted it runs ``kubectl delete`` on every object of
the manifest, even when a resource under another logical id applies the same objects.

Deviations from CloudFormation, each on the safe side (a change is reported, never missed):
* a property is compared as synthesized: a token that would resolve to the same value at deploy
  time but is written differently counts as a change;
* conditional replacements that schemas do not express are not modelled; none of the resource
  types the platform uses documents one for the properties its configuration drives.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from .conftest import render
from .physical_names import identifier_paths

KUBERNETES_RESOURCE = "Custom::AWSCDK-EKS-KubernetesResource"

# Resources whose loss or replacement loses data, history or running work, and why.
STATEFUL = {
    "AWS::S3::Bucket": "holds the teams' data, artifacts and logs",
    "AWS::Glue::Database": "holds every table definition of a team",
    "AWS::ECR::Repository": "holds the images running jobs pull",
    "AWS::Logs::LogGroup": "holds job, audit or network history",
    "AWS::KMS::Key": "decrypts what kept resources hold",
    "AWS::EKS::Cluster": "runs every job",
    "AWS::EMRContainers::VirtualCluster": "owns the team's job runs; its id is in every submission",
    "AWS::MWAA::Environment": "holds the pipelines' run history and state",
    "AWS::SQS::Queue": "holds the interruption warnings Karpenter has not read yet",
    "AWS::EC2::VPC": "holds every node, pod and endpoint of the platform",
    "AWS::EC2::Subnet": "holds the network interfaces of running nodes and pods; it cannot go while they exist",
    # Not data, but running work: while one is recreated, the jobs on the cluster lose it.
    "AWS::EKS::Addon": "runs pod networking, DNS, kube-proxy, Pod Identity or Container Insights for every pod",
    "Custom::AWSCDK-EKS-HelmChart": "installs Karpenter, which launches every Spark node; deleting it uninstalls it",
}


@dataclass(frozen=True)
class Change:
    stack: str
    logical_id: str
    type: str
    action: str  # create | update | replace | delete | keep (removed from the stack, physical kept)
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.stack}/{self.logical_id} ({self.type}){': ' + self.reason if self.reason else ''}"


@dataclass(frozen=True)
class KubernetesDeletion:
    stack: str
    logical_id: str
    object: str  # Kind/namespace/name

    def __str__(self) -> str:
        return f"kubectl delete {self.object} (by {self.stack}/{self.logical_id})"


@dataclass
class Plan:
    changes: list[Change]
    kubernetes_deletions: list[KubernetesDeletion]

    def of(self, action: str) -> list[Change]:
        return [change for change in self.changes if change.action == action]

    @property
    def lost(self) -> list[Change]:
        """Stateful resources replaced, or deleted without being kept."""
        return [change for change in self.changes if change.type in STATEFUL and change.action in ("replace", "delete")]

    @property
    def replaced_under_a_fixed_name(self) -> list[Change]:
        """Replacements CloudFormation refuses: it cannot create a second resource of the same
        custom name before deleting the first ("Name type": replacing a custom-named resource)."""
        return [change for change in self.changes if change.action == "replace" and "name unchanged" in change.reason]


@functools.cache
def create_only_paths(resource_type: str) -> tuple[tuple[str, ...], ...]:
    if resource_type.startswith("Custom::"):
        return ()
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return tuple(tuple(path.removeprefix("/properties/").split("/")) for path in schema.get("createOnlyProperties", []))


def name_paths(resource_type: str) -> tuple[tuple[str, ...], ...]:
    """The properties that name the resource (tests/physical_names.py): CloudFormation cannot
    replace it while they stay the same."""
    return identifier_paths(resource_type)


_MISSING = object()


def _at(properties: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = properties
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _references(value: Any) -> Iterator[tuple[str, str | None]]:
    """(logical id, None) for Ref/GetAtt, (None-stack marker, export name) for imports."""
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and not str(value["Ref"]).startswith("AWS::"):
            yield value["Ref"], None
        elif set(value) == {"Fn::GetAtt"}:
            yield value["Fn::GetAtt"][0], None
        elif set(value) == {"Fn::ImportValue"} and isinstance(value["Fn::ImportValue"], str):
            yield "", value["Fn::ImportValue"]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _exports(templates: Mapping[str, dict]) -> dict[str, tuple[str, Any]]:
    exports = {}
    for stack, template in templates.items():
        for output in template.get("Outputs", {}).values():
            if "Export" in output:
                exports[output["Export"]["Name"]] = (stack, output["Value"])
    return exports


def _depends_on_replaced(
    stack: str, value: Any, replaced: set[tuple[str, str]], exports: dict[str, tuple[str, Any]]
) -> bool:
    for logical_id, export in _references(value):
        if export is None and (stack, logical_id) in replaced:
            return True
        if export is not None and export in exports:
            source_stack, source_value = exports[export]
            if _depends_on_replaced(source_stack, source_value, replaced, exports):
                return True
    return False


def plan(before: Mapping[str, dict], after: Mapping[str, dict]) -> Plan:
    """What deploying ``after`` over a platform deployed from ``before`` does (stack -> template)."""
    old = {(s, lid): r for s, t in before.items() for lid, r in t.get("Resources", {}).items()}
    new = {(s, lid): r for s, t in after.items() for lid, r in t.get("Resources", {}).items()}
    exports = _exports(after)
    reasons: dict[tuple[str, str], str] = {}
    for key in old.keys() & new.keys():
        if old[key]["Type"] != new[key]["Type"]:
            reasons[key] = "type changed"
            continue
        before_props, after_props = old[key].get("Properties", {}), new[key].get("Properties", {})
        changed = [
            "/".join(path)
            for path in create_only_paths(new[key]["Type"])
            if _at(before_props, path) != _at(after_props, path)
        ]
        if changed:
            reasons[key] = "create-only " + ", ".join(changed)
    # A resource that refers to a replaced one through a create-only property is replaced too.
    while True:
        replaced = set(reasons)
        cascade = {
            key: "refers to a replaced resource"
            for key in old.keys() & new.keys()
            if key not in replaced
            and any(
                _depends_on_replaced(key[0], _at(new[key].get("Properties", {}), path), replaced, exports)
                for path in create_only_paths(new[key]["Type"])
            )
        }
        if not cascade:
            break
        reasons.update(cascade)
    changes = []
    for key in sorted(old.keys() | new.keys()):
        stack, logical_id = key
        if key not in new:
            kept = old[key].get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
            changes.append(Change(stack, logical_id, old[key]["Type"], "keep" if kept else "delete"))
        elif key not in old:
            changes.append(Change(stack, logical_id, new[key]["Type"], "create"))
        elif key in reasons:
            props_old, props_new = old[key].get("Properties", {}), new[key].get("Properties", {})
            fixed = [path for path in name_paths(new[key]["Type"]) if _at(props_new, path) is not _MISSING]
            same_name = fixed and all(_at(props_old, p) == _at(props_new, p) for p in fixed)
            reason = reasons[key] + ("; name unchanged" if same_name else "")
            changes.append(Change(stack, logical_id, new[key]["Type"], "replace", reason))
        elif old[key] != new[key]:
            changes.append(Change(stack, logical_id, new[key]["Type"], "update"))
    return Plan(changes=changes, kubernetes_deletions=_kubernetes_deletions(old, new))


def _manifest_objects(resource: dict) -> set[str]:
    """Kind/namespace/name of each object; identities are literals, tokens appear only in values."""
    objects = set()
    for document in json.loads(render(resource["Properties"]["Manifest"])):
        metadata = document.get("metadata", {})
        objects.add(f"{document['kind']}/{metadata.get('namespace', '-')}/{metadata['name']}")
    return objects


def _kubernetes_deletions(old: dict, new: dict) -> list[KubernetesDeletion]:
    deletions = []
    for key in sorted(old):
        if old[key]["Type"] != KUBERNETES_RESOURCE:
            continue
        before = _manifest_objects(old[key])
        after = _manifest_objects(new[key]) if key in new else set()
        deletions += [KubernetesDeletion(key[0], key[1], obj) for obj in sorted(before - after)]
    return deletions
