"""The AWS tools against moto's emulated account, in .venv-aws (boto3 cannot share the CDK's .venv).

The cloud assembly they read is synthesized by the CDK environment in a subprocess, exactly as
`make synth` does (app.py with the sandbox configuration).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CDK_PYTHON = ROOT / ".venv" / "bin" / "python"

# moto's account and a Region of the sandbox; no request ever leaves the process.
ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture(scope="session")
def assembly(tmp_path_factory) -> Path:
    if not CDK_PYTHON.exists():
        pytest.fail(f"{CDK_PYTHON} is missing: `make test` creates the CDK environment first")
    out = tmp_path_factory.mktemp("cdk.out")
    environment = {**os.environ, "CDK_OUTDIR": str(out)}
    result = subprocess.run([str(CDK_PYTHON), "app.py"], cwd=ROOT, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        pytest.fail("synthesizing the sandbox failed")
    return out
