"""The docs cannot rot: every link, anchor and repository path they name exists, and every command
block a newcomer is told to run offline runs, as written, in a copy of the repository.

A block runs when the line before its fence is ``<!-- offline -->``; commands that need an AWS
account are in unmarked blocks. Blocks of one file run in order in one copy, as a reader would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
# Repository paths inside code spans: a top-level folder of the repository, then a path.
_TOP = "spark_platform|tests|tests_aws|tests_airflow|examples|docs|scripts|schemas|orchestration|images|\\.ci"
_PATH = re.compile(rf"^(?:\.\./)?((?:{_TOP})/[\w./-]*)$")
# Shown in the docs but made by a command or by a deploy, not kept in the repository.
GENERATED = ("plan/", "cdk.out/", "dist/", "retained/", "orchestration/artifacts/")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def _prose(path: Path) -> str:
    """The file without its fenced blocks (a YAML example names paths of someone else's repo)."""
    return re.sub(r"```.*?```", "", path.read_text(), flags=re.S)


@pytest.mark.parametrize("doc", DOCS, ids=[path.name for path in DOCS])
def test_every_link_and_anchor_in_the_docs_resolves(doc):
    broken = []
    for target in _LINK.findall(_prose(doc)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    assert not broken, f"{doc.name}: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=[path.name for path in DOCS])
def test_every_repository_path_the_docs_name_exists(doc):
    missing = []
    for span in _CODE.findall(_prose(doc)):
        match = _PATH.match(span.strip())
        if not match or match[1].startswith(GENERATED) or "<" in span:
            continue
        path = match[1].rstrip("/")
        if "*" in path:
            if not list(ROOT.glob(path)):
                missing.append(span)
        elif not (ROOT / path).exists():
            missing.append(span)
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def test_the_project_layout_names_every_folder_of_the_repository_and_the_library():
    text = (ROOT / "docs" / "architecture.md").read_text()
    layout = text.split("## Project layout", 1)[1].split("```")[1]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {name.split("/")[0] for name in tracked.splitlines() if "/" in name and not name.startswith(".")}
    packages = {path.name for path in (ROOT / "spark_platform").iterdir() if (path / "__init__.py").exists()}
    missing = sorted(name for name in folders | packages if not re.search(rf"(^|\s){re.escape(name)}/", layout, re.M))
    assert not missing, f"docs/architecture.md, Project layout: add {missing}"


def test_every_doc_is_reachable_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    unlinked = [path.name for path in DOCS[1:] if f"docs/{path.name}" not in readme]
    assert not unlinked, f"link these from the README's documentation list: {unlinked}"


def offline_blocks(doc: Path) -> list[str]:
    lines, blocks = doc.read_text().splitlines(), []
    for index, line in enumerate(lines):
        if line.strip() == "<!-- offline -->":
            fence = lines[index + 1]
            assert fence.startswith("```"), f"{doc.name}:{index + 2}: <!-- offline --> must precede a fence"
            end = lines.index("```", index + 2)
            blocks.append("\n".join(lines[index + 2 : end]))
    return blocks


def test_the_readme_marks_the_newcomers_offline_commands():
    commands = "\n".join(offline_blocks(ROOT / "README.md"))
    for command in ("cp examples/quickstart.yaml", "make synth CONFIG=", "make plan CONFIG=", "make smoke"):
        assert command in commands, f"the README's quick start runs {command!r} offline"


def _copy_of_the_repository(destination: Path) -> Path:
    """The checkout's files (tracked, and new ones not ignored), sharing its Python environments."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The Python environments are shared (pinned, and pip never removes them). The CDK CLI is not:
    # `npm ci` in the copy would empty a shared node_modules; it installs its own from npm's cache.
    for shared in (".venv", ".venv-aws"):
        if (ROOT / shared).exists():
            (destination / shared).symlink_to(ROOT / shared)
    return destination


DOCS_WITH_COMMANDS = [doc for doc in DOCS if offline_blocks(doc)]
# What the blocks must leave behind, besides exiting 0: the reader is told to look at these.
EXPECTED_OUTPUTS = {
    "README.md": ["cdk.out/manifest.json", "cdk.out/myspark-teams-1.template.json", "plan/plan.md"],
    "library.md": ["examples/python-app/cdk.out/manifest.json"],
}


@pytest.mark.docs
@pytest.mark.parametrize("doc", DOCS_WITH_COMMANDS, ids=[path.name for path in DOCS_WITH_COMMANDS])
def test_the_offline_commands_run_as_written(doc, tmp_path):
    assert (ROOT / "node_modules").exists(), "the CDK CLI is missing: `make test` installs it (or run `make install`)"
    checkout = _copy_of_the_repository(tmp_path / "checkout")
    environment = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    environment.pop("PYTHONPATH", None)
    for block in offline_blocks(doc):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=checkout,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, (
            f"{doc.name}:\n{block}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        )
    missing = [name for name in EXPECTED_OUTPUTS.get(doc.name, []) if not (checkout / name).exists()]
    assert not missing, f"{doc.name}: the commands ran but did not write {missing}"
