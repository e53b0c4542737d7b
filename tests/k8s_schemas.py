"""Offline validation of Karpenter objects against the CRD schemas in ../shared/schemas."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
KARPENTER_CRDS = SHARED / "schemas" / "karpenter-v1.14"
CRD_FILES = {
    ("karpenter.sh/v1", "NodePool"): "karpenter.sh_nodepools.yaml",
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): "karpenter.k8s.aws_ec2nodeclasses.yaml",
}


def _strict(schema: Any) -> Any:
    """Reject unknown fields, as the API server does with strict field validation.

    Structural CRD schemas do not say ``additionalProperties: false``; the API server prunes
    (or, with ``kubectl --validate=strict``, rejects) unknown fields. jsonschema would silently
    accept a misspelled field, so every object that lists its properties is closed here.
    """
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    crd = yaml.safe_load((KARPENTER_CRDS / CRD_FILES[(api_version, kind)]).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == api_version.split("/")[1]]
    schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
    schema["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft7Validator(schema)


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    """Every violation of the CRD schema, as 'path: message' lines (empty when valid)."""
    validator = _validator(manifest["apiVersion"], manifest["kind"])
    return sorted(
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    )
