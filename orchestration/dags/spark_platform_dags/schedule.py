"""Deterministic staggering of pipeline start times across the hour.

Starting every pipeline at minute 0 makes hundreds of executors ask for nodes and pod
addresses at the same moment (the seed platform's IP exhaustion). Each pipeline instead gets a
minute derived from its id: stable across deploys and parses, spread evenly over the hour.
"""

from __future__ import annotations

import hashlib


def stagger_minute(pipeline_key: str) -> int:
    """A minute in [0, 59] that depends only on ``pipeline_key``."""
    return int.from_bytes(hashlib.sha256(pipeline_key.encode("utf-8")).digest()[:8], "big") % 60


def staggered_schedule(pipeline_key: str, frequency: str, *, hour: int = 0) -> str:
    """A cron expression for ``frequency`` ('hourly' or 'daily') at the pipeline's own minute."""
    minute = stagger_minute(pipeline_key)
    if frequency == "hourly":
        return f"{minute} * * * *"
    if frequency == "daily":
        if not 0 <= hour <= 23:
            raise ValueError(f"hour: {hour} must be between 0 and 23")
        return f"{minute} {hour} * * *"
    raise ValueError(f"schedule: {frequency!r} is not hourly, daily or a cron expression")
