"""What a job can reach on day 2: the Glue Data Catalog, prefixed databases, and locations encrypted
with their owners' KMS keys. Permissions are evaluated with IAM's rules (tests/iam.py)."""

from __future__ import annotations

import copy

import pytest

from spark_platform.config import ConfigError, from_mapping
from spark_platform.jobs.dag_package import dag_module
from spark_platform.jobs.submission import GLUE_CATALOG_CONF, PLATFORM_SPARK_CONF_KEYS

from .iam import allows
from .test_change_safety import ACCOUNT, BASE, synthesize_templates
from .test_tenancy import render

REGION = "eu-west-1"
RAW_KEY = f"arn:aws:kms:{REGION}:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MARTS_KEY = f"arn:aws:kms:{REGION}:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab"
GLUE = f"arn:aws:glue:{REGION}:{ACCOUNT}"


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    config = copy.deepcopy(BASE)
    config["teams"][1].update(
        s3_read=[{"location": "s3://corp-raw/events/", "kms_key_arn": RAW_KEY}, "s3://corp-plain/lookup/"],
        s3_write=[{"location": "s3://corp-marts/ingestion/", "kms_key_arn": MARTS_KEY}],
    )
    return synthesize_templates(config, tmp_path_factory.mktemp("access"))


def role_statements(templates, team: str) -> list[dict]:
    prefix = "Team" + team.capitalize()
    return [
        statement
        for template in templates.values()
        for logical_id, resource in template["Resources"].items()
        if logical_id.startswith(prefix) and resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def team_document(templates, team: str) -> dict:
    import json

    parameter = next(
        r
        for t in templates.values()
        for lid, r in t["Resources"].items()
        if lid.startswith("Team" + team.capitalize()) and r["Type"] == "AWS::SSM::Parameter"
    )
    return json.loads(render(parameter["Properties"]["Value"]))


# --- Glue Data Catalog ----------------------------------------------------------------------------


def test_every_job_uses_the_glue_data_catalog_as_its_metastore(templates):
    conf = team_document(templates, "analytics")["spark_conf"]
    assert conf["spark.hadoop.hive.metastore.client.factory.class"] == (
        "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
    )
    assert conf["spark.sql.catalogImplementation"] == "hive"
    # The DAGs copy every platform key from the document into each submission.
    assert set(GLUE_CATALOG_CONF) <= set(PLATFORM_SPARK_CONF_KEYS)


def test_a_session_can_open_the_catalog_in_a_new_account(templates):
    """The Glue Hive client reads "default" when it starts and creates it when it is missing."""
    statements = role_statements(templates, "analytics")
    for action in ("glue:GetDatabase", "glue:CreateDatabase"):
        assert allows(statements, action, f"{GLUE}:catalog")
        assert allows(statements, action, f"{GLUE}:database/default")
    assert not allows(statements, "glue:CreateDatabase", f"{GLUE}:database/anything_else")
    assert not allows(statements, "glue:DeleteDatabase", f"{GLUE}:database/default")


def test_a_team_reaches_its_own_databases_by_their_prefixed_names_only(templates):
    statements = role_statements(templates, "analytics")
    document = team_document(templates, "analytics")
    assert document["glue_database_prefix"] + "analytics_marts" == "day2_analytics_marts"
    assert allows(statements, "glue:CreateTable", f"{GLUE}:database/day2_analytics_marts")
    assert allows(statements, "glue:GetTable", f"{GLUE}:table/day2_analytics_marts/orders")
    # Not the unprefixed name (another environment's), not another team's database.
    assert not allows(statements, "glue:GetTable", f"{GLUE}:table/analytics_marts/orders")
    assert not allows(statements, "glue:GetTable", f"{GLUE}:table/day2_ingestion_raw/events")


def test_a_job_cannot_swap_the_metastore():
    model = dag_module("model")
    for key in [*GLUE_CATALOG_CONF, *PLATFORM_SPARK_CONF_KEYS]:
        assert model.refused_spark_setting(key), key


# --- Locations encrypted with their owners' keys --------------------------------------------------

VIA_S3 = {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}


def test_a_location_encrypted_with_its_own_key_can_be_read_through_s3(templates):
    statements = role_statements(templates, "ingestion")
    assert allows(statements, "kms:Decrypt", RAW_KEY, VIA_S3)
    assert allows(statements, "s3:GetObject", "arn:aws:s3:::corp-raw/events/2026/11/29/part-0.parquet")


def test_a_location_key_is_usable_only_through_s3_and_for_writing_only_where_the_team_writes(templates):
    statements = role_statements(templates, "ingestion")
    # Not directly: a job could otherwise decrypt anything encrypted with the key, S3 or not.
    assert not allows(statements, "kms:Decrypt", RAW_KEY, {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"})
    assert not allows(statements, "kms:Decrypt", RAW_KEY)
    assert not allows(statements, "kms:GenerateDataKey", RAW_KEY, VIA_S3), "a read-only location"
    assert not allows(statements, "kms:Decrypt", MARTS_KEY.replace("mrk-", "mrk-0"), VIA_S3)
    # S3 asks KMS only for objects the role may reach through S3, which stays the granted prefixes.
    assert not allows(statements, "s3:GetObject", "arn:aws:s3:::corp-raw/hr/salaries.csv")


def test_a_writable_location_key_allows_writing_and_multipart_reads_back(templates):
    statements = role_statements(templates, "ingestion")
    assert allows(statements, "kms:GenerateDataKey", MARTS_KEY, VIA_S3)
    assert allows(statements, "kms:Decrypt", MARTS_KEY, VIA_S3)
    assert allows(statements, "s3:PutObject", "arn:aws:s3:::corp-marts/ingestion/daily/part-1")


def test_other_teams_get_no_use_of_a_teams_location_keys(templates):
    statements = role_statements(templates, "analytics")
    assert not allows(statements, "kms:Decrypt", RAW_KEY, VIA_S3)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"location": "s3://corp-raw/events/", "kms_key_arn": "alias/corp-raw"},
            r"^teams\[0\]\.s3_read\[0\]\.kms_key_arn: 'alias/corp-raw' is not a KMS key ARN .*not an alias$",
        ),
        (
            {"location": "s3://corp-raw/events", "kms_key_arn": RAW_KEY},
            r"^teams\[0\]\.s3_read\[0\]\.location: 's3://corp-raw/events' is not an S3 location",
        ),
        ({"location": "s3://corp-raw/events/"}, r"^teams\[0\]\.s3_read\[0\]: missing required field 'kms_key_arn'"),
    ],
)
def test_a_bad_location_key_is_refused_with_the_field_named(entry, message):
    config = copy.deepcopy(BASE)
    config["teams"] = [{"name": "ingestion", "namespace": "spark-ingestion", "s3_read": [entry]}]
    config["orchestration"] = {"enabled": False}
    with pytest.raises(ConfigError, match=message):
        from_mapping(config)
