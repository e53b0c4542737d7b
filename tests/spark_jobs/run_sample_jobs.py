"""Runs the sample pipelines' job scripts under PySpark in local mode, each on its release's Spark.

    .venv-spark/bin/python tests/spark_jobs/run_sample_jobs.py WORKDIR CONTEXT_JSON upstream
    .venv-spark4/bin/python tests/spark_jobs/run_sample_jobs.py WORKDIR CONTEXT_JSON spark-4
    .venv-spark/bin/python tests/spark_jobs/run_sample_jobs.py WORKDIR CONTEXT_JSON report

The phases follow the DAGs: ``upstream`` (Spark 3.5: sessions, twice, and ingestion's upsert),
``spark-4`` (campaign_mart, on emr-spark-8.0.0, from the sessions table Spark 3.5 wrote, and the
sessions job's shadow run through its command line as the DAG passes it) and ``report``
(legacy_report on Spark 3.5, from the mart Spark 4 wrote). One metastore and one data folder
serve all three, as one Glue Data Catalog and one bucket serve both runtimes.

A Hive metastore in WORKDIR stands in for the Glue Data Catalog (the platform sets
spark.sql.catalogImplementation=hive and Glue's client factory; here Derby is the metastore), the
team databases exist as CloudFormation creates them, and each team's context is the Spark settings
its document publishes (CONTEXT_JSON, computed by the test from spark_platform). Hudi is not on
PyPI: the Hudi write of upsert.py is replaced by ``upsert_as_parquet``, which keeps the latest
record per key as Hudi's precombine does; everything else of the script runs as written. Prints one
JSON document with what each job wrote.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "orchestration" / "artifacts"


def job(team: str, name: str):
    spec = importlib.util.spec_from_file_location(f"{team}_{name}", ARTIFACTS / team / "jobs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def use_team(spark: SparkSession, context: dict[str, str]) -> None:
    for key, value in context.items():
        spark.conf.set(key, value)


def upsert_as_parquet(spark: SparkSession):
    """Stands in for the Hudi writer: the latest ``updated_at`` per ``id`` wins, the table is
    registered in the catalog as Hudi's Hive sync would register it."""

    def write(changes: DataFrame, *, path: str, options: dict[str, str]) -> None:
        table = f"{options['hoodie.datasource.hive_sync.database']}.{options['hoodie.datasource.hive_sync.table']}"
        key, order = (
            options["hoodie.datasource.write.recordkey.field"],
            options["hoodie.datasource.write.precombine.field"],
        )
        current = spark.table(table) if spark.catalog.tableExists(table) else None
        merged = changes if current is None else current.unionByName(changes)
        latest = Window.partitionBy(key).orderBy(F.col(order).desc())
        result = merged.withColumn("_rank", F.row_number().over(latest)).where("_rank = 1").drop("_rank")
        result = result.localCheckpoint()  # read fully before the table it came from is overwritten
        result.write.mode("overwrite").partitionBy(options["hoodie.datasource.write.partitionpath.field"]).format(
            "parquet"
        ).option("path", path).saveAsTable(table)

    return write


def session(workdir: Path) -> SparkSession:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("sample-jobs")
        .config("spark.sql.catalogImplementation", "hive")
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={workdir}/metastore;create=true"
        )
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def upstream(spark: SparkSession, contexts: dict, date: str) -> dict:
    for context in contexts.values():
        for database in context["databases"]:
            spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    result: dict = {}
    use_team(spark, contexts["analytics"]["conf"])
    result["sessions"] = job("analytics", "sessions").run(spark, date=date, database="analytics_marts")
    result["sessions_again"] = job("analytics", "sessions").run(spark, date=date, database="analytics_marts")

    ingestion = contexts["ingestion"]["conf"]
    use_team(spark, ingestion)
    upsert = job("ingestion", "upsert")
    result["hudi_options"] = upsert.hudi_options(table="orders", database="db")
    writer = upsert_as_parquet(spark)
    result["orders"] = upsert.run(
        spark, table="orders", hour="2026-11-20T03:00:00+00:00", database="ingestion_curated", write=writer
    )
    curated = ingestion["spark.sparkplatform.glueDatabasePrefix"] + "ingestion_curated"
    result["order_status"] = {r.id: r.status for r in spark.sql(f"SELECT id, status FROM {curated}.orders").collect()}
    return result


def spark_4(spark: SparkSession, contexts: dict, date: str) -> dict:
    analytics = contexts["analytics"]["conf"]
    use_team(spark, analytics)
    result: dict = {"spark_version": spark.version, "ansi": spark.conf.get("spark.sql.ansi.enabled")}
    result["campaigns"] = job("analytics", "campaign_mart").run(spark, date=date, database="analytics_marts")
    schema = analytics["spark.sparkplatform.glueDatabasePrefix"] + "analytics_marts"
    result["campaign_rows"] = sorted(
        (row.campaign, row.sessions, row.bounce_rate)
        for row in spark.sql(f"SELECT * FROM {schema}.campaign_daily WHERE dt = '{date}'").collect()
    )
    result["tables"] = sorted(t.name for t in spark.catalog.listTables(schema))
    result["sessions_rows"] = spark.table(f"{schema}.sessions").count()
    # Last: main stops the session, as spark-submit's end would.
    result["shadow_exit"] = job("analytics", "sessions").main(contexts["analytics"]["shadow_argv"])
    return result


def report(spark: SparkSession, contexts: dict, workdir: Path) -> dict:
    use_team(spark, contexts["analytics"]["conf"])
    result = {"spark_version": spark.version}
    # Through its command line, as spark-submit runs it (main stops the session).
    result["report_exit"] = job("analytics", "legacy_report").main(["--date", "2026-11-21"])
    result["data_files"] = sorted(
        str(path.relative_to(workdir)).split("/part-")[0] for path in (workdir / "data").rglob("part-*")
    )
    return result


def main(workdir: Path, contexts: dict[str, dict], phase: str) -> dict:
    spark, date = session(workdir), "2026-11-20"
    if phase == "upstream":
        return upstream(spark, contexts, date)
    if phase == "spark-4":
        return spark_4(spark, contexts, date)
    return report(spark, contexts, workdir)


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]), default=str))
