"""The physical names a set of templates gives the resources it creates, as CloudFormation resolves them.

A resource's name is its primary identifier when the template sets it (the resource schemas
cfn-lint ships say which properties those are), else its own create-only name property (``Name``
or ``<Type>Name``: a node group's NodegroupName with its ClusterName, a queue's QueueName). A
resource with neither gets a name CloudFormation generates from the stack name, which cannot
collide.

References are resolved the way CloudFormation would: a Ref or GetAtt to a named resource is that
name, an imported export is the value its stack exports, and pseudo parameters take the values of
the account and Region given.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": ""}

# Where a resource takes its name when the identifier property is left out: a Glue database is
# named by DatabaseInput.Name (AWS::Glue::Database, "DatabaseInput" / "Name"); its schema's
# primary identifier, DatabaseName, is newer and optional.
NAME_FALLBACKS = {"AWS::Glue::Database": (("DatabaseInput", "Name"),)}


@functools.cache
def identifier_paths(resource_type: str) -> tuple[tuple[str, ...], ...]:
    if resource_type.startswith("Custom::") or resource_type == "AWS::CDK::Metadata":
        return ()
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    read_only = set(schema.get("readOnlyProperties", []))
    primary = [p for p in schema.get("primaryIdentifier", []) if p not in read_only]
    if primary and len(primary) == len(schema.get("primaryIdentifier", [])):
        paths = primary
    else:
        # The resource's own name (Name, or <Type>Name such as NodegroupName, QueueName), within
        # the cluster it belongs to where it has one: other create-only *Name properties name
        # something else (a VPC endpoint's ServiceName).
        own = {"/properties/Name", f"/properties/{resource_type.split('::')[-1]}Name", "/properties/ClusterName"}
        paths = [p for p in schema.get("createOnlyProperties", []) if p in own]
        if paths == ["/properties/ClusterName"]:
            paths = []
    return tuple(tuple(p.removeprefix("/properties/").split("/")) for p in paths)


class Names:
    """Physical names of every resource in ``templates`` (stack name -> template)."""

    def __init__(self, templates: Mapping[str, dict], *, account: str, region: str) -> None:
        self.templates = templates
        self.pseudo = {**PSEUDO, "AWS::AccountId": account, "AWS::Region": region}
        self.exports = {
            output["Export"]["Name"]: (stack, output["Value"])
            for stack, template in templates.items()
            for output in template.get("Outputs", {}).values()
            if "Export" in output
        }

    def name(self, stack: str, logical_id: str) -> tuple[str, ...] | None:
        """The resource's physical name parts, or None when CloudFormation generates it."""
        resource = self.templates[stack]["Resources"][logical_id]
        properties = resource.get("Properties", {})
        paths = identifier_paths(resource["Type"])
        if resource["Type"] in NAME_FALLBACKS and not all(path[0] in properties for path in paths):
            paths = NAME_FALLBACKS[resource["Type"]]
        parts = []
        for path in paths:
            value: Any = properties
            for part in path:
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                return None
            parts.append(self.resolve(stack, value))
        return tuple(parts) or None

    def resolve(self, stack: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping):
            if "Ref" in value:
                target = value["Ref"]
                if target in self.pseudo:
                    return self.pseudo[target]
                return self._named(stack, target)
            if "Fn::GetAtt" in value:
                target, attribute = value["Fn::GetAtt"]
                return f"{self._named(stack, target)}.{attribute}"
            if "Fn::Join" in value:
                separator, parts = value["Fn::Join"]
                return separator.join(self.resolve(stack, part) for part in parts)
            if "Fn::ImportValue" in value:
                source_stack, source = self.exports[value["Fn::ImportValue"]]
                return self.resolve(source_stack, source)
            if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
                text = value["Fn::Sub"]
                for key, pseudo in self.pseudo.items():
                    text = text.replace("${" + key + "}", pseudo)
                return text
        return json.dumps(value, sort_keys=True)

    def _named(self, stack: str, logical_id: str) -> str:
        name = self.name(stack, logical_id) if logical_id in self.templates[stack]["Resources"] else None
        return "/".join(name) if name else f"<generated {stack}/{logical_id}>"

    def all(self) -> dict[tuple[str, tuple[str, ...]], str]:
        """(resource type, name) -> where it is defined, for every resource with a chosen name."""
        names = {}
        for stack, template in self.templates.items():
            for logical_id, resource in template["Resources"].items():
                name = self.name(stack, logical_id)
                if name:
                    names[(resource["Type"], name)] = f"{stack}/{logical_id}"
        return names
