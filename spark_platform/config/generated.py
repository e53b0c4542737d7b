"""Files generated from the code: the JSON Schemas, docs/configuration.md and docs/api.md.

Each generator hands its files to ``regenerate``: rewritten, or with ``--check`` a non-zero exit
naming every stale one (the tests make the same comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path


def regenerate(files: dict[Path, str], argv: list[str]) -> int:
    stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path} is stale: run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0
