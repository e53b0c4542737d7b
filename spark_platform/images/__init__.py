"""Custom EMR images per job type: base image registry and job types.

The ECR construct is in ``spark_platform.images.repositories`` (not re-exported here, because
the configuration imports this package to validate job types).
"""

from spark_platform.images.job_types import JOB_TYPES, JobType, image_tag, job_type
from spark_platform.images.registry import EMR_BASE_IMAGE_ACCOUNTS, base_image_registry, base_image_uri

__all__ = [
    "EMR_BASE_IMAGE_ACCOUNTS",
    "JOB_TYPES",
    "JobType",
    "base_image_registry",
    "base_image_uri",
    "image_tag",
    "job_type",
]
