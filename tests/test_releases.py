"""The release catalog: both label shapes, dated builds, support windows, what a release refuses."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pytest
import yaml
from aws_cdk import App, Stack
from aws_cdk.assertions import Annotations, Match

from spark_platform.config import ConfigError, from_mapping, sandbox_config
from spark_platform.emr_release_catalog import CHECKED, NOT_ON_EKS, RELEASES, RETIRED
from spark_platform.emr_releases import (
    POD_IDENTITY_SINCE,
    TODAY_VARIABLE,
    WARN_DAYS,
    ReleaseLabelError,
    parse_release_label,
    replacement,
    runtime,
    support_status,
    warn_near_end_of_support,
)
from spark_platform.images import JOB_TYPES
from spark_platform.images.registry import pinned_base_image_tag
from spark_platform.jobs.dag_package import request_module
from spark_platform.jobs.pipelines import check_pipelines
from spark_platform.jobs.runtimes import REMOVED_IN_SPARK_4, image_problem, job_problems, runtime_spark_conf
from spark_platform.jobs.submission import CONTAINER_LOG_ROTATION_SINCE

from .conftest import ROOT

BASE = {
    "name_prefix": "spark",
    "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
    "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
    "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-7.12.0-latest"]}],
}


def test_both_label_shapes_name_a_family_and_a_build():
    emr = parse_release_label("emr-7.13.0-20260410")
    spark = parse_release_label("emr-spark-8.0.0-latest")
    assert (emr.family, emr.build, emr.spark_line, emr.tag_prefix) == (
        "emr-7.13.0",
        "20260410",
        False,
        "7.13.0-20260410",
    )
    assert (spark.family, spark.build, spark.spark_line) == ("emr-spark-8.0.0", "latest", True)
    assert spark.tag_prefix == "spark-8.0.0-latest"  # never mistaken for an emr-8.0.0 image
    for label in ("emr-spark-8.0.0", "spark-8.0.0-latest", "emr-spark8.0.0-latest", "emr-7.13-latest"):
        with pytest.raises(ReleaseLabelError, match="is not an EMR on EKS release label"):
            parse_release_label(label)


def test_a_latest_label_builds_from_the_dated_build_its_page_names_and_a_dated_label_from_itself():
    assert pinned_base_image_tag("emr-7.13.0-latest") == "emr-7.13.0:20260410"
    assert pinned_base_image_tag("emr-spark-8.0.0-latest") == "emr-spark-8.0.0:20260421"
    assert pinned_base_image_tag("emr-spark-8.0.0-20261001") == "emr-spark-8.0.0:20261001"


def test_every_release_of_the_catalog_is_complete_and_cites_its_pages():
    for family, row in RELEASES.items():
        assert row.family == family and re.fullmatch(r"\d{8}", row.build), family
        assert re.fullmatch(r"\d+\.\d+\.\d+-amzn-\d+", row.spark), family
        assert row.pyspark_python in row.python, family
        assert row.java == "17"
        assert all(page.startswith("https://docs.aws.amazon.com/emr/") for page in row.source.split("; ")), family
        # The EMR on EKS page that lists the release (its -latest page, or its dated build's).
        assert re.search(
            rf"/EMR-on-EKS-DevelopmentGuide/emr-eks-{family.removeprefix('emr-')}-(latest|{row.build})\.html",
            row.source,
        )
    assert RELEASES["emr-spark-8.0.0"].spark_major == 4 and RELEASES["emr-spark-8.0.0"].scala_binary == "2.13"
    assert {row.spark_major for f, row in RELEASES.items() if f != "emr-spark-8.0.0"} == {3}
    assert {row.scala_binary for f, row in RELEASES.items() if f != "emr-spark-8.0.0"} == {"2.12"}


def test_a_release_emr_on_eks_does_not_list_is_refused_with_the_reason():
    with pytest.raises(ReleaseLabelError, match=r"emr-spark-8\.1\.0-latest is not available on EMR on EKS"):
        runtime("emr-spark-8.1.0-latest")
    assert set(NOT_ON_EKS).isdisjoint(RELEASES)


@pytest.mark.parametrize("family", sorted(RETIRED))
def test_a_retired_release_is_refused_with_its_end_date_and_replacement(family):
    ended, _ = RETIRED[family]
    with pytest.raises(
        ReleaseLabelError,
        match=rf"{family}-latest is past its end of support \(standard support ended {ended.isoformat()}.*"
        r"move to emr-7\.13\.0-latest",
    ):
        runtime(f"{family}-latest")


def test_a_release_past_its_end_of_support_is_refused_at_synth_with_the_date_and_the_replacement(monkeypatch):
    monkeypatch.setenv(TODAY_VARIABLE, "2027-05-21")
    config = {**BASE, "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-spark-8.0.0-latest"]}]}
    with pytest.raises(
        ConfigError,
        match=r"^images\[0\]\.release_labels\[0\]: emr-spark-8\.0\.0-latest is past its end of support "
        r"\(standard support ended 2027-05-20, .*emr-spark800-release\.html\); move to emr-7\.13\.0-latest$",
    ):
        from_mapping(config)
    monkeypatch.setenv(TODAY_VARIABLE, "2027-05-20")  # its last day of standard support: accepted
    from_mapping(config)


def test_a_release_near_its_end_of_support_warns_at_synth_and_one_far_from_it_does_not():
    last = RELEASES["emr-7.9.0"].supported_until
    near = last - datetime.timedelta(days=WARN_DAYS)
    assert support_status("emr-7.9.0-latest", on=near) == (
        f"release_label: emr-7.9.0-latest leaves standard support on {last.isoformat()} ({WARN_DAYS} days); "
        "move its jobs to emr-7.13.0-latest"
    )
    assert support_status("emr-7.9.0-latest", on=near - datetime.timedelta(days=1)) is None
    assert support_status("emr-7.12.0-latest", on=datetime.date(2030, 1, 1)) is None  # no lifecycle page found


def test_the_warning_reaches_cdk_synth(monkeypatch):
    monkeypatch.setenv(TODAY_VARIABLE, "2027-04-01")
    stack = Stack(App(), "Probe")
    warnings = warn_near_end_of_support(stack, ["emr-7.13.0-latest", "emr-7.9.0-latest"], "teams[0].release_labels")
    assert len(warnings) == 1 and warnings[0].startswith("teams[0].release_labels[1]: emr-7.9.0-latest leaves")
    Annotations.from_stack(stack).has_warning("/Probe", Match.string_like_regexp("emr-7.9.0-latest leaves standard"))


def test_the_replacement_of_a_release_is_the_newest_of_its_line():
    assert replacement("emr-7.9.0") == "emr-7.13.0-latest"
    assert replacement("emr-7.3.0") == "emr-7.13.0-latest"
    # emr-spark-8.0.0 is the only Spark 4 release on EMR on EKS: past it, the newest release at all.
    assert replacement("emr-spark-8.0.0") == "emr-7.13.0-latest"


def test_pod_identity_job_roles_start_with_emr_7_3_and_every_spark_runtime():
    assert not parse_release_label("emr-7.2.0-latest").supports_pod_identity
    assert parse_release_label("emr-7.3.0-latest").supports_pod_identity
    assert all(parse_release_label(f"{family}-latest").supports_pod_identity for family in RELEASES)


# --- what a release refuses (spark_platform/jobs/runtimes.py) ---------------------------------


def test_pyspark_runs_on_the_interpreter_the_release_documents():
    assert runtime_spark_conf("emr-7.12.0-latest") == {"spark.pyspark.python": "/usr/bin/python3.9"}
    assert runtime_spark_conf("emr-7.13.0-latest") == {"spark.pyspark.python": "/usr/bin/python3.11"}
    assert runtime_spark_conf("emr-spark-8.0.0-latest") == {"spark.pyspark.python": "/usr/bin/python3.11"}


def test_a_scala_2_12_jar_is_refused_on_a_scala_2_13_runtime_and_the_reverse():
    jar = "jars/spark-xml_2.12-0.18.0.jar"
    assert job_problems("emr-7.12.0-latest", {}, [jar]) == []
    assert job_problems("emr-spark-8.0.0-latest", {}, [jar]) == [
        "jars/spark-xml_2.12-0.18.0.jar is built for Scala 2.12; emr-spark-8.0.0-latest runs Spark 4.0.2-amzn-0 "
        "on Scala 2.13: use its _2.13 build"
    ]
    packages = {"spark.jars.packages": "com.databricks:spark-xml_2.13:0.18.0"}
    assert job_problems("emr-spark-8.0.0-latest", packages) == []
    assert "built for Scala 2.13" in job_problems("emr-7.13.0-latest", packages)[0]
    assert job_problems("emr-spark-8.0.0-latest", {}, ["jars/report-udfs-1.4.2.jar"]) == []  # no Scala suffix


def test_an_interpreter_the_release_lacks_is_refused():
    assert job_problems("emr-7.12.0-latest", {"spark.pyspark.python": "/usr/bin/python3.11"}) == []
    [problem] = job_problems("emr-spark-8.0.0-latest", {"spark.pyspark.python": "/usr/bin/python3.9"})
    assert problem == (
        "spark.pyspark.python=/usr/bin/python3.9: emr-spark-8.0.0-latest ships Python 3.11, 3.13 "
        "(its PySpark runs on /usr/bin/python3.11)"
    )
    assert job_problems("emr-spark-8.0.0-latest", {"spark.executorEnv.PYSPARK_PYTHON": "python3.13"}) == []


def test_a_spark_setting_removed_in_spark_4_is_refused_on_spark_4_only():
    conf = {"spark.sql.legacy.parquet.int96RebaseModeInRead": "LEGACY"}
    assert job_problems("emr-7.13.0-latest", conf) == []
    assert job_problems("emr-spark-8.0.0-latest", conf) == [
        "spark.sql.legacy.parquet.int96RebaseModeInRead was removed in Spark 4.0.0 (Use "
        "'spark.sql.parquet.int96RebaseModeInRead' instead.); emr-spark-8.0.0-latest runs Spark 4.0.2-amzn-0"
    ]
    assert len(REMOVED_IN_SPARK_4) == 7


def test_a_job_type_whose_pins_lack_wheels_for_the_release_python_is_refused(monkeypatch):
    kind = JOB_TYPES["pyspark-analytics"]
    assert [image_problem(kind, f"{family}-latest") for family in RELEASES] == [None] * len(RELEASES)
    narrow = type(kind)(name=kind.name, description="", python_versions=("3.9",))
    assert image_problem(narrow, "emr-spark-8.0.0-latest") == (
        "job type pyspark-analytics cannot run on emr-spark-8.0.0-latest: its PySpark runs on Python 3.11 and the "
        "job type's pinned requirements support 3.9 (images/pyspark-analytics/requirements.txt)"
    )
    monkeypatch.setitem(JOB_TYPES, "pyspark-analytics", narrow)
    with pytest.raises(ConfigError, match=r"^images\[0\]\.release_labels\[0\]: job type pyspark-analytics cannot run"):
        from_mapping({**BASE, "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-7.13.0-latest"]}]})


def release_rows() -> list[str]:
    rows = []
    for family, row in RELEASES.items():
        until = row.supported_until.isoformat() if row.supported_until else f"not published (checked {CHECKED})"
        rows.append(
            f"| `{family}-latest` | {row.build} | {row.spark} | {row.scala} | {row.java} | {', '.join(row.python)} "
            f"({row.pyspark_python} for PySpark) | {row.hudi} | {row.iceberg} | {row.delta} | {until} |"
        )
    return rows


def test_release_table():
    """docs/runtimes.md holds the catalog as it is (`pytest -s -k release_table` prints it)."""
    print("\n| release | build | Spark | Scala | Java | Python | Hudi | Iceberg | Delta | standard support until |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(release_rows()))
    documented = (ROOT / "docs" / "runtimes.md").read_text()
    assert [row for row in release_rows() if row not in documented] == []


def pipelines_config(tmp_path, jobs: list[dict]) -> dict:
    """The sandbox with one pipeline of analytics holding ``jobs``."""
    directory = tmp_path / "pipelines"
    directory.mkdir()
    pipeline = {"team": "analytics", "pipelines": [{"id": "p", "jobs": jobs}]}
    (directory / "analytics.yaml").write_text(yaml.safe_dump(pipeline))
    config = dataclasses.asdict(sandbox_config())
    config["orchestration"]["pipelines_dir"] = str(directory)
    return config


JOB = {
    "id": "j",
    "entry_point": "jobs/j.py",
    "job_type": "pyspark-analytics",
    "release_label": "emr-spark-8.0.0-latest",
}


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (
            {**JOB, "extra_jars": ["jars/spark-xml_2.12-0.18.0.jar"]},
            r"analytics\.yaml: pipelines\[0\]\.jobs\[0\]: jars/spark-xml_2\.12-0\.18\.0\.jar is built for Scala 2\.12; "
            r"emr-spark-8\.0\.0-latest runs Spark 4\.0\.2-amzn-0 on Scala 2\.13: use its _2\.13 build",
        ),
        (
            {**JOB, "spark_conf": {"spark.sql.hive.verifyPartitionPath": "true"}},
            r"analytics\.yaml: pipelines\[0\]\.jobs\[0\]: spark\.sql\.hive\.verifyPartitionPath was removed in Spark 4\.0\.0",
        ),
        (
            {**JOB, "spark_conf": {"spark.pyspark.python": "/usr/bin/python3.9"}},
            r"analytics\.yaml: pipelines\[0\]\.jobs\[0\]: spark\.pyspark\.python=/usr/bin/python3\.9: emr-spark-8\.0\.0-latest ships",
        ),
        (
            # The shadow is checked on its own release: fine on 7.12, not on the Spark 4 candidate.
            {
                **JOB,
                "release_label": "emr-7.12.0-latest",
                "extra_jars": ["jars/deequ_2.12-2.0.7.jar"],
                "arguments": ["--out", "s3://b/x/"],
                "shadow": {"release_label": "emr-spark-8.0.0-latest", "output_argument": "--out"},
            },
            r"analytics\.yaml: pipelines\[0\]\.jobs\[0\]\.shadow: jars/deequ_2\.12-2\.0\.7\.jar is built for Scala 2\.12",
        ),
        (
            {
                **JOB,
                "release_label": "emr-7.12.0-latest",
                "arguments": ["--out", "s3://b/x/"],
                "shadow": {"release_label": "emr-7.13.0-latest", "output_argument": "--out"},
            },
            r"analytics\.yaml: pipelines\[0\]\.jobs\[0\]\.shadow\.release_label: emr-7\.13\.0-latest is not among team analytics's",
        ),
    ],
)
def test_a_job_its_release_cannot_run_is_refused_at_synth_naming_the_job_and_the_reason(tmp_path, job, message):
    with pytest.raises(ConfigError, match=message):
        check_pipelines(from_mapping(pipelines_config(tmp_path, [job])))


@pytest.mark.parametrize("since", [CONTAINER_LOG_ROTATION_SINCE, POD_IDENTITY_SINCE, (7, 13, 0)])
def test_the_dag_requests_and_the_platform_agree_on_which_releases_have_a_feature(since):
    """Container log rotation (6.11.0 on) and the like are gated per job by the DAG package's
    request.py and per team by the platform: both read the Spark runtime line as newer than the
    EMR 7 line, and the EMR line by its version."""
    request = request_module()
    labels = [f"{family}-latest" for family in RELEASES] + ["emr-6.10.0-latest", "emr-7.2.0-20240610"]
    for label in labels:
        assert request.release_at_least(label, since) == parse_release_label(label).at_least(since), label
    assert request.release_at_least("emr-spark-8.0.0-latest", since)
    assert not request.release_at_least("emr-6.10.0-latest", CONTAINER_LOG_ROTATION_SINCE)
