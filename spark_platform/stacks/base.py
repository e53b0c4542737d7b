"""The base of every platform stack."""

from __future__ import annotations

from aws_cdk import Acknowledgment, DefaultStackSynthesizer, Environment, Stack, Validations
from constructs import Construct

from spark_platform.config import EnvironmentConfig
from spark_platform.feature_flags import pin_feature_flags


class PlatformStack(Stack):
    """A stack in the configured environment whose availability zones come from configuration.

    CDK otherwise asks AWS for the zones of a concrete account and Region (a context lookup
    that needs credentials at synth and writes dummy zones when it has none). It pins the CDK
    feature flags the platform is tested with on itself (feature_flags.py), so it synthesizes the
    same in an app with other flags or none.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, environment: EnvironmentConfig, description: str, **kwargs
    ) -> None:
        self._zones = list(environment.availability_zones)
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=environment.account, region=environment.region),
            description=description,
            # Chosen when the stack is constructed, before pin_feature_flags can act: the modern
            # (bootstrapped) synthesizer that @aws-cdk/core:newStyleStackSynthesis selects.
            synthesizer=DefaultStackSynthesizer(),
            **kwargs,
        )
        pin_feature_flags(self)
        # The zones are configured, not hard-coded by accident: the platform never looks them up.
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::W3010",
                reason="Availability zones come from environment.availability_zones so that synth never calls AWS.",
            )
        )

    @property
    def availability_zones(self) -> list[str]:
        return self._zones
