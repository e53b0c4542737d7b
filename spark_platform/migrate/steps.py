"""What kind of work each EMR step is, and what to do with the steps that are not Spark.

command-runner.jar runs a program on the primary node: spark-submit, spark-example /
run-example (Spark), spark-sql, hive-script / hive (Hive), pig-script / pig (Pig),
s3-dist-cp, hadoop-streaming, hadoop; anything else it runs (bash, a script) is a shell step.
script-runner.jar runs a script from S3. Any other JAR is a custom (MapReduce) JAR.
"""

from __future__ import annotations

from spark_platform.migrate.model import Item, Step
from spark_platform.migrate.spark_submit import command_of

SPARK = "spark"
RUN_EXAMPLE = "run-example"
_BY_COMMAND = {
    "spark-submit": SPARK,
    "spark-example": RUN_EXAMPLE,
    "run-example": RUN_EXAMPLE,
    "spark-sql": "Spark SQL script",
    "hive-script": "Hive",
    "hive": "Hive",
    "pig-script": "Pig",
    "pig": "Pig",
    "s3-dist-cp": "S3DistCp",
    "hadoop-streaming": "Hadoop streaming",
    "hadoop": "Hadoop",
}
_ACTIONS = {
    "Spark SQL script": "wrap the SQL in a PySpark entry point that runs spark.sql() on each statement, then migrate that",
    "Hive": "rewrite the HiveQL as Spark SQL in a PySpark job (the Glue catalog tables are the same), or keep it on "
    "EMR on EC2 / run it on EMR Serverless (Hive)",
    "Pig": "rewrite the Pig script as a Spark job; EMR on EKS runs Spark only",
    "S3DistCp": "copy with an Airflow task (S3 copy or `aws s3 sync`) or S3 Batch Operations; jobs on the platform "
    "read S3 directly, so copies to and from HDFS are no longer needed",
    "Hadoop streaming": "rewrite the mapper and reducer as a Spark job (rdd.pipe runs the same scripts)",
    "Hadoop": "a MapReduce program needs YARN: rewrite it as a Spark job or keep it on EMR on EC2",
    "custom JAR": "a MapReduce JAR needs YARN: rewrite it as a Spark job (if it is a Spark application, submit it "
    "with spark-submit --class instead) or keep it on EMR on EC2",
    "shell script": "run it as an Airflow task (BashOperator) before or after the jobs, or put what it installs "
    "into the job type's image (images/<job-type>/Dockerfile)",
}


def step_kind(step: Step) -> str:
    if step.jar.endswith("command-runner.jar"):
        command = command_of(step.args)
        if command in _BY_COMMAND:
            return _BY_COMMAND[command]
        return "shell script"
    if step.jar.endswith("script-runner.jar"):
        return "shell script"
    return "custom JAR"


def spark_arguments(step: Step) -> tuple[str, ...]:
    """The spark-submit (or run-example) arguments, without the command."""
    return step.args[1:]


def non_spark_item(step: Step, kind: str) -> Item:
    shown = " ".join((step.jar, *step.args))
    return Item(
        source=step.where,
        what=f"{kind} step: {shown[:160]}{'...' if len(shown) > 160 else ''}",
        action=_ACTIONS[kind],
    )
