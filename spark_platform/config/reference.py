"""docs/configuration.md, generated from the configuration models.

    python -m spark_platform.config.reference          # rewrite docs/configuration.md
    python -m spark_platform.config.reference --check  # fail if it is stale (make test does)

Each field's row comes from the model: its type, its default (a section's own default where the
section has one, say the driver pool's families) and its docstring, which states the limits. The
example is the value the example configurations give the field (EXAMPLE_FILES, the first that
sets it), so every example is one that synth accepts; tests/test_config_reference.py checks that
every field has a description and an example.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import yaml

from spark_platform.config.generated import regenerate
from spark_platform.config.platform import PlatformConfig

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = ROOT / "docs" / "configuration.md"
EXAMPLE_FILES = ("examples/platform.yaml", "examples/staging.yaml", "examples/minimal.yaml")

_INTRO = """\
# Configuration reference

<!-- Generated from the models in spark_platform/config/ by `make docs`; do not edit by hand.
     tests/test_config_reference.py fails when this file is stale. -->

A platform is described by one YAML file, given to every command as `CONFIG=path.yaml`
(`make synth`, `make plan`, `make deploy`). Start from
[examples/minimal.yaml](../examples/minimal.yaml) (the three things without a default) or
[examples/platform.yaml](../examples/platform.yaml) (every field set); the examples below come
from those two and [examples/staging.yaml](../examples/staging.yaml) (a second environment).

- **Required** fields are `name_prefix`, `environment.region`, `environment.availability_zones`
  and a cluster administrator: `cluster.admin_role_arns`, or `cluster.admin_role` for a role the
  platform creates (one of the two).
- **A section given in part keeps the defaults of the rest**: `karpenter: {executor:
  {capacity_types: [spot]}}` changes one field of the executor pool and keeps its families.
- **Every problem is reported at synth time, all in one run**, a line each naming the file, the
  field path (`teams[2].quota.cpu`), the value, the limit and the fix; a misspelled field is an
  error, never ignored. Type and shape problems come first: the checks of a value need the file
  to parse.
- **Editors validate as you type** through the JSON Schema
  ([schemas/platform.schema.json](../schemas/platform.schema.json)) named in each example's first
  line; its hover texts are the descriptions below.
- **Changing a setting later**: [operations.md](operations.md) lists what each change does to a
  deployed platform (updated, replaced, kept).

Pipelines (`<team>.yaml` under `orchestration.pipelines_dir`) are described in
[orchestration.md](orchestration.md).
"""


@dataclasses.dataclass(frozen=True)
class Section:
    path: str  # "karpenter.driver", "teams[]"
    cls: type
    defaults: typing.Any  # the section's default instance, or None for list items and the root


def sections(cls: type = PlatformConfig, path: str = "", defaults: typing.Any = None) -> Iterator[Section]:
    """Every section of the file, depth first, in field order."""
    yield Section(path, cls, defaults)
    for item in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[item.name]
        child = f"{path}.{item.name}" if path else item.name
        if dataclasses.is_dataclass(hint):
            yield from sections(hint, child, _field_default(defaults, item))
        for inner in _list_items(hint):
            yield from sections(inner, child + "[]", None)


def _list_items(hint: typing.Any) -> list[type]:
    """The section types a list field holds (teams[], egress[], s3_read[] as a mapping)."""
    if typing.get_origin(hint) is not tuple:
        return []
    (item, _) = typing.get_args(hint)
    return [kind for kind in (item, *typing.get_args(item)) if dataclasses.is_dataclass(kind)]


def _mixed_list(hint: typing.Any) -> bool:
    """A list whose entries may be plain values or sections (s3_read: a string or a mapping)."""
    return bool(_list_items(hint)) and typing.get_origin(typing.get_args(hint)[0]) in (typing.Union, types.UnionType)


def _field_default(section_default: typing.Any, item: dataclasses.Field) -> typing.Any:
    """A field's default inside its section: the section's own default where it has one."""
    if section_default in (None, dataclasses.MISSING):
        return _default(item)
    return getattr(section_default, item.name)


def _default(item: dataclasses.Field) -> typing.Any:
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return dataclasses.MISSING


def type_text(hint: typing.Any) -> str:
    if hint is str:
        return "string"
    if hint is int:
        return "integer"
    if hint is bool:
        return "boolean"
    if hint is type(None):
        return "null"
    if dataclasses.is_dataclass(hint):
        return "mapping"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_text(arg) for arg in args)
    raise TypeError(f"no text for {hint!r}")


def inline(value: typing.Any) -> str:
    """A value as YAML flow text, as it would be written in the file."""
    text = yaml.safe_dump(
        json.loads(json.dumps(value, default=_plain)), default_flow_style=True, width=10_000, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _plain(value: typing.Any) -> typing.Any:
    if dataclasses.is_dataclass(value):
        return {item.name: getattr(value, item.name) for item in dataclasses.fields(value)}
    raise TypeError(value)


def example_values() -> dict[str, typing.Any]:
    """Field path ("teams[].quota.cpu") -> the value the first example file that sets it gives it."""
    found: dict[str, typing.Any] = {}
    for name in EXAMPLE_FILES:
        _collect(PlatformConfig, yaml.safe_load((ROOT / name).read_text()), "", found)
    return found


def _collect(cls: type, data: typing.Any, path: str, found: dict[str, typing.Any]) -> None:
    if not isinstance(data, dict):
        return
    hints = typing.get_type_hints(cls)
    for key, value in data.items():
        if key not in hints:
            continue
        child = f"{path}.{key}" if path else key
        found.setdefault(child, value)
        if dataclasses.is_dataclass(hints[key]):
            _collect(hints[key], value, child, found)
        for inner in _list_items(hints[key]):
            for entry in value or ():
                if isinstance(entry, dict) and set(entry) <= set(typing.get_type_hints(inner)):
                    _collect(inner, entry, child + "[]", found)


def fields() -> Iterator[tuple[str, type, str]]:
    """(path, section class, field name) of every field of the file."""
    for section in sections():
        for item in dataclasses.fields(section.cls):
            yield (f"{section.path}.{item.name}" if section.path else item.name), section.cls, item.name


def description(cls: type, name: str) -> str:
    text = cls.__pydantic_fields__[name].description or ""
    return " ".join(text.split()).replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(path: str) -> str:
    return "".join(char for char in path.lower() if char.isalnum() or char in "-_ ").replace(" ", "-")


def rendered() -> str:
    examples = example_values()
    found = list(sections())
    lines = [_INTRO, "## Contents", ""]
    for section in found[1:]:
        heading = f"`{section.path}`"
        lines.append(f"- [{heading}](#{_anchor(section.path)})")
    for section in found:
        title = section.path or "Top level"
        lines += ["", f"## {f'`{title}`' if section.path else title}", ""]
        if section.cls.__doc__:
            lines += [" ".join(section.cls.__doc__.strip().split("\n\n")[0].split()).replace("``", "`"), ""]
        lines += ["| Field | Type | Default | Example | Description |", "|---|---|---|---|---|"]
        hints = typing.get_type_hints(section.cls)
        for item in dataclasses.fields(section.cls):
            hint = hints[item.name]
            default = _field_default(section.defaults, item)
            nested = dataclasses.is_dataclass(hint) or bool(_list_items(hint))
            if default is dataclasses.MISSING:
                default_text = "**required**"
            elif dataclasses.is_dataclass(hint):
                default_text = "see below"
            else:
                default_text = f"`{_cell(inline(default))}`"
            child = f"{section.path}.{item.name}" if section.path else item.name
            example = examples.get(child, dataclasses.MISSING)
            if nested and not _mixed_list(hint):
                target = child if dataclasses.is_dataclass(hint) else child + "[]"
                example_text = f"[`{target}`](#{_anchor(target)})"
            elif example is dataclasses.MISSING:
                example_text = ""
            else:
                example_text = f"`{_cell(inline(example))}`"
            row = (
                f"`{item.name}`",
                type_text(hint),
                default_text,
                example_text,
                _cell(description(section.cls, item.name)),
            )
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    return regenerate({REFERENCE: rendered()}, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
