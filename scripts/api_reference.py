"""docs/api.md, the Python API reference, generated from the docstrings.

    .venv/bin/python scripts/api_reference.py          # rewrite docs/api.md (make docs)
    .venv/bin/python scripts/api_reference.py --check  # fail if it is stale (make test does)

The public API is what API lists: each class with its constructor and every public method and
property, each function with its signature, all with their docstrings. The standard library's
inspect reads them; pdoc and pydoc-markdown render HTML or need a configuration of their own
for the same few pages. tests/test_api_reference.py fails when the file is stale or when a public
member has no docstring.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import sys
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from spark_platform.config.generated import regenerate  # noqa: E402
from spark_platform.config.reference import _anchor, sections  # noqa: E402

REFERENCE = ROOT / "docs" / "api.md"

# (module, names, what the group is for). Configuration classes are listed here for their
# methods; their fields are in docs/configuration.md.
API: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "The platform",
        "spark_platform.stacks",
        ("SparkPlatform", "build_platform"),
        "The entry point: a construct that composes the platform's stacks and grows through verbs.",
    ),
    (
        "A team",
        "spark_platform.tenancy",
        ("SparkTeam",),
        "One team's namespace, virtual cluster, execution role, log group, Glue databases and document.",
    ),
    (
        "The stacks",
        "spark_platform.stacks",
        (
            "NetworkStack",
            "ClusterStack",
            "ImagesStack",
            "KarpenterStack",
            "TenancyStack",
            "TeamsStack",
            "OrchestrationStack",
        ),
        "The stacks SparkPlatform creates; each takes only the settings it uses, so they can also be "
        "composed one by one.",
    ),
    (
        "Configuration: reading and checking",
        "spark_platform.config",
        ("load_config", "sandbox_config", "from_mapping", "ConfigError", "glue_database_name", "s3_location_parts"),
        "Reading and checking a configuration.",
    ),
    (
        "Configuration: the classes",
        "spark_platform.config",
        (
            "PlatformConfig",
            "EnvironmentConfig",
            "NetworkConfig",
            "ClusterConfig",
            "AdminRoleConfig",
            "SystemNodesConfig",
            "KarpenterConfig",
            "NodePoolConfig",
            "ImageConfig",
            "TenancyConfig",
            "TeamConfig",
            "QuotaConfig",
            "S3Location",
            "EgressRule",
            "OrchestrationConfig",
        ),
        "The configuration classes (keyword-only, frozen, validated when built). Their fields are in "
        "[configuration.md](configuration.md).",
    ),
)

_INTRO = """\
# Python API reference

<!-- Generated from the docstrings by `make docs` (scripts/api_reference.py); do not edit by hand.
     tests/test_api_reference.py fails when this file is stale. -->

The platform as a library: `pip install` the wheel (`make wheel`) into a CDK app and compose it
in Python. [examples/python-app/app.py](../examples/python-app/app.py) is a complete app; the
[architecture](architecture.md) page says what each stack holds.

```python
platform = SparkPlatform(app, "SparkPlatform", config=PlatformConfig(name_prefix="lakehouse", ...))
marketing = platform.add_team(TeamConfig(name="marketing", namespace="spark-marketing"))
platform.grant_start_job_run("marketing", scheduler_role)      # its cluster, its execution role only
platform.add_pipelines("pipelines/")                           # MWAA; pipelines checked against the teams
```
"""


def members(cls: type) -> Iterator[tuple[str, object]]:
    """The public methods and properties a class defines itself (in source order)."""
    fields = {item.name for item in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for name, value in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        if isinstance(value, (property, staticmethod, classmethod)) or inspect.isfunction(value):
            yield name, value


def _doc(value: object) -> str:
    return inspect.cleandoc(inspect.getdoc(value) or "")


class _Annotation(str):
    """An annotation kept as text (``from __future__ import annotations``), shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _signature(function: typing.Any) -> str:
    if dataclasses.is_dataclass(function):
        # pydantic's dataclasses take keyword arguments only; the fields are in configuration.md.
        names = [
            item.name
            + ("" if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING else "=...")
            for item in dataclasses.fields(function)
        ]
        return "(*, " + ", ".join(names) + ")"
    # jsii's metaclass hides a construct's signature: read __init__ (without self).
    target = function.__init__ if inspect.isclass(function) else function
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return "(...)"
    parameters = [
        parameter.replace(annotation=_Annotation(parameter.annotation))
        if isinstance(parameter.annotation, str)
        else parameter
        for name, parameter in signature.parameters.items()
        if not (name == "self" and inspect.isclass(function))
    ]
    returns = signature.return_annotation
    if inspect.isclass(function):
        returns = inspect.Signature.empty
    elif isinstance(returns, str):
        returns = _Annotation(returns)
    return str(signature.replace(parameters=parameters, return_annotation=returns))


def _block(text: str) -> list[str]:
    return [*textwrap.dedent(text).replace("``", "`").splitlines(), ""] if text else []


def public_api() -> Iterator[tuple[str, str, object]]:
    """(module, name, object) of everything the reference documents."""
    for _, module_name, names, _ in API:
        module = importlib.import_module(module_name)
        for name in names:
            yield module_name, name, getattr(module, name)


def undocumented() -> list[str]:
    """Public classes, functions, methods and properties without a docstring."""
    missing = []
    for _, name, value in public_api():
        if not _doc(value):
            missing.append(name)
        if inspect.isclass(value):
            missing += [f"{name}.{member}" for member, item in members(value) if not _doc(_unwrap(item))]
    return missing


def _unwrap(item: object) -> object:
    if isinstance(item, property):
        return item.fget
    if isinstance(item, (staticmethod, classmethod)):
        return item.__func__
    return item


def _config_section(cls: type) -> str:
    """The first place the configuration reference describes ``cls``'s fields."""
    return next(section.path for section in sections() if section.cls is cls)


def rendered() -> str:
    lines = [_INTRO]
    for title, module_name, names, purpose in API:
        module = importlib.import_module(module_name)
        lines += [f"## {title}", "", purpose, ""]
        for name in names:
            value = getattr(module, name)
            if inspect.isclass(value):
                signature = "" if issubclass(value, Exception) else _signature(value)
                lines += [f"### `{module_name}.{name}`", "", "```python", f"class {name}{signature}", "```", ""]
                lines += _block(_doc(value))
                if dataclasses.is_dataclass(value):
                    section = _config_section(value)
                    lines += [
                        f"Fields: [`{section or 'top level'}`](configuration.md#{_anchor(section or 'top level')}).",
                        "",
                    ]
                for member, item in members(value):
                    function = _unwrap(item)
                    if isinstance(item, property):
                        lines += [f"#### `{name}.{member}` (property)", ""]
                    else:
                        lines += [f"#### `{name}.{member}{_signature(function)}`", ""]
                    lines += _block(_doc(function))
            else:
                lines += [f"### `{module_name}.{name}{_signature(value)}`", ""]
                lines += _block(_doc(value))
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    return regenerate({REFERENCE: rendered()}, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
