"""The CDK feature flags the platform's constructs are written and tested against.

A feature flag changes what a CDK construct synthesizes (the partition as a literal or a
``Ref``, whether a bucket gets a logging policy, ...). An app's ``cdk.json`` sets them for the
whole app, so a construct library that relied on them would synthesize differently, or crash,
in an app created with other flags or none. The platform therefore pins every flag it was
tested with on its own subtree: CDK reads a flag with ``node.tryGetContext`` from the
construct up to the app, so the value set nearest to the construct wins, whatever the app
sets (https://docs.aws.amazon.com/cdk/v2/guide/featureflags.html and
https://docs.aws.amazon.com/cdk/v2/guide/context.html, "Context values can be set on any
construct"). The values are this repository's ``cdk.json`` flags (a test keeps them equal).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from constructs import Construct


@functools.cache
def feature_flags() -> dict[str, Any]:
    text = resources.files("spark_platform").joinpath("feature_flags.json").read_text(encoding="utf-8")
    return json.loads(text)


def pin_feature_flags(scope: Construct) -> None:
    """Set every flag on ``scope``; call it before ``scope`` has children (CDK refuses later)."""
    for flag, value in feature_flags().items():
        scope.node.set_context(flag, value)
