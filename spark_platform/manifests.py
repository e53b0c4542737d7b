"""Kubernetes manifests kept as YAML files in the package and parameterised in code.

Files hold the whole object a Kubernetes engineer can read and ``kubectl diff``; fields that
depend on the deployment are ``null`` in the file and set here by path. Nothing is assembled
from string fragments, and a field left ``null`` is an error, not a silent default.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

# Package data (spark_platform/kubernetes/): found the same way in a checkout and in an
# installed wheel, never through a repository path.
MANIFESTS_PACKAGE = "spark_platform.kubernetes"


@functools.cache
def _read_all(relative_path: str) -> tuple[Any, ...]:
    # Parsed once per process however many constructs (or teams) load the same file.
    text = resources.files(MANIFESTS_PACKAGE).joinpath(*relative_path.split("/")).read_text(encoding="utf-8")
    return tuple(yaml.safe_load_all(text))


def _read(relative_path: str) -> Any:
    (document,) = _read_all(relative_path)
    return document


Path_ = tuple[str | int, ...]


def load_manifest(relative_path: str, values: Mapping[Path_, Any] | None = None) -> dict[str, Any]:
    """The manifest at ``relative_path`` (under spark_platform/kubernetes/) with ``values`` set.

    ``values`` maps paths (tuples of keys and list indexes; keys such as
    ``karpenter.sh/discovery`` contain dots) to values, for example
    ``{("spec", "amiSelectorTerms", 0, "alias"): "al2023@latest"}``.
    """
    manifest = copy.deepcopy(_read(relative_path))
    for path, value in (values or {}).items():
        set_path(manifest, path, value, source=relative_path)
    unset = find_nulls(manifest)
    if unset:
        raise ValueError(f"{relative_path}: fields left unset: {', '.join(unset)}")
    return manifest


def load_manifests(relative_path: str, values: list[Mapping[Path_, Any]]) -> list[dict[str, Any]]:
    """Every document of a multi-document YAML file, each with its own ``values``."""
    documents = [copy.deepcopy(document) for document in _read_all(relative_path)]
    if len(values) != len(documents):
        raise ValueError(f"{relative_path}: {len(documents)} documents but {len(values)} sets of values")
    for document, document_values in zip(documents, values, strict=True):
        for path, value in document_values.items():
            set_path(document, path, value, source=relative_path)
        unset = find_nulls(document)
        if unset:
            raise ValueError(f"{relative_path}: fields left unset in {document.get('kind')}: {', '.join(unset)}")
    return documents


def set_path(document: Any, path: Path_, value: Any, *, source: str = "manifest") -> None:
    """Set an existing field; a path the file does not have is a bug, not a new field."""
    *parents, leaf = path
    node = document
    for key in parents:
        node = node[key] if isinstance(node, list) else node.get(key)
        if node is None:
            raise KeyError(f"{source}: no field {path!r} (stopped at {key!r})")
    if isinstance(node, list):
        node[leaf] = value
    elif leaf not in node:
        raise KeyError(f"{source}: no field {path!r}; add it to the YAML file first")
    else:
        node[leaf] = value


def find_nulls(document: Any, path: str = "") -> list[str]:
    if document is None:
        return [path or "<root>"]
    if isinstance(document, Mapping):
        return [n for key, value in document.items() for n in find_nulls(value, f"{path}.{key}" if path else str(key))]
    if isinstance(document, list):
        return [n for index, value in enumerate(document) for n in find_nulls(value, f"{path}.{index}")]
    return []
