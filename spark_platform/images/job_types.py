"""Job types: each has its own image (images/<job-type>/) and the Spark settings that go with it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from spark_platform.emr_releases import parse_release_label, runtime
from spark_platform.images.registry import pinned_base_image_tag

IMAGES_DIR = Path(__file__).resolve().parent.parent.parent / "images"


@dataclass(frozen=True)
class JobType:
    name: str
    description: str
    # Spark settings every job of this type needs, merged under the job's own settings.
    spark_conf: dict[str, str] = field(default_factory=dict)
    # The Python versions its pinned requirements have wheels for (images/<job-type>/requirements.txt
    # on PyPI): an image for a release whose PySpark runs on another version cannot be built.
    python_versions: tuple[str, ...] = ()

    @property
    def build_context(self) -> Path:
        return IMAGES_DIR / self.name


HUDI_BUNDLE = "local:///usr/lib/hudi/hudi-spark-bundle.jar"

JOB_TYPES: dict[str, JobType] = {
    job_type.name: job_type
    for job_type in (
        JobType(
            name="pyspark-analytics",
            description="PySpark analytics with pandas and pyarrow",
            # pyarrow 17.0.0 and numpy 1.26.4 publish cp39-cp312 wheels, pandas 2.2.3 cp39-cp313.
            python_versions=("3.9", "3.10", "3.11", "3.12"),
        ),
        JobType(
            name="hudi-ingestion",
            description="Hudi upserts with the Hudi bundle shipped in the EMR image",
            # jsonschema 4.23.0 and python-dateutil 2.9.0.post0 are pure Python (py3 wheels) for 3.8+.
            python_versions=("3.9", "3.10", "3.11", "3.12", "3.13"),
            spark_conf={
                # The bundle inside the image, matched to the EMR release: never downloaded.
                "spark.jars": HUDI_BUNDLE,
                "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
                "spark.kryo.registrator": "org.apache.spark.HoodieSparkKryoRegistrar",
                "spark.sql.extensions": "org.apache.spark.sql.hudi.HoodieSparkSessionExtension",
                "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.hudi.catalog.HoodieCatalog",
            },
        ),
    )
}


class UnknownJobTypeError(ValueError):
    pass


def job_type(name: str, *, field_path: str = "job_type") -> JobType:
    if name not in JOB_TYPES:
        raise UnknownJobTypeError(
            f"{field_path}: {name!r} is not a job type; use one of {', '.join(sorted(JOB_TYPES))}"
        )
    return JOB_TYPES[name]


def image_tag(job_type_name: str, release_label: str) -> str:
    """The immutable tag of a job type's image for a release: ``7.12.0-latest-<content hash>``.

    The hash covers the release label, its pinned base image build and every file of the build context, so the build
    script and the CDK app derive the same tag without talking to each other, and any change
    to the Dockerfile or the pinned requirements produces a new tag (ECR tags are immutable).
    """
    release = parse_release_label(release_label)
    context = job_type(job_type_name).build_context
    if not context.is_dir():
        # The Dockerfiles stay in the repository (not in the wheel): an installed library
        # cannot compute the tag the build script pushes, so it refuses rather than guess.
        raise UnknownJobTypeError(
            f"images: no build context {context} for job type {job_type_name!r}; synthesize `images` from a checkout"
            " of the repository that holds images/, or leave `images` empty"
        )
    # The pinned base build and the interpreter PySpark runs on are part of the content: moving
    # to a newer base, or to another Python, makes a new tag.
    base = pinned_base_image_tag(release_label)
    digest = hashlib.sha256(f"{release.label}\0{base}\0{runtime(release_label).pyspark_python}".encode())
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(path.relative_to(context).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{release.tag_prefix}-{digest.hexdigest()[:12]}"
