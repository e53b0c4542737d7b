"""The job types whose images the platform builds, and the EMR releases of each."""

from __future__ import annotations

from pydantic import StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, ConfigError, fail
from spark_platform.emr_releases import ReleaseLabelError, support_status
from spark_platform.images.job_types import UnknownJobTypeError, job_type
from spark_platform.jobs.runtimes import image_problem

DEFAULT_RELEASE_LABEL = "emr-7.12.0-latest"


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class ImageConfig:
    """A job type's image and the EMR releases it is built for."""

    job_type: StrictStr
    """A job type of spark_platform/images/job_types.py (``pyspark-analytics``,
    ``hudi-ingestion``, ...); each has its ECR repository ``<prefix>/<job type>``."""
    release_labels: tuple[StrictStr, ...] = (DEFAULT_RELEASE_LABEL,)
    """EMR releases to build the image for (``emr-7.12.0-latest``, ``emr-spark-8.0.0-latest``),
    each a release of the catalog (spark_platform/emr_release_catalog.py, docs/runtimes.md) whose
    PySpark Python the job type's pins support; the image tag starts with the release."""

    def validate(self, field_path: str) -> None:
        """Check the job type, and that every release is in the catalog, supported, and one the job
        type can be built for."""
        try:
            kind = job_type(self.job_type, field_path=f"{field_path}.job_type")
            if not self.release_labels:
                fail(f"{field_path}.release_labels", "list at least one EMR release label, e.g. emr-7.12.0-latest")
            for index, label in enumerate(self.release_labels):
                support_status(label, field_path=f"{field_path}.release_labels[{index}]")
                problem = image_problem(kind, label)
                if problem:
                    fail(f"{field_path}.release_labels[{index}]", f"{problem}; drop the release or widen the pins")
        except (UnknownJobTypeError, ReleaseLabelError) as error:
            raise ConfigError(str(error)) from None
        if len(set(self.release_labels)) != len(self.release_labels):
            fail(f"{field_path}.release_labels", "lists the same release twice")


def default_images() -> tuple[ImageConfig, ...]:
    return (ImageConfig(job_type="pyspark-analytics"), ImageConfig(job_type="hudi-ingestion"))
