"""Upsert one hour of change data into a Hudi table of the team's curated database (ingestion).

    spark-submit upsert.py --table orders --hour 2026-11-20T03:00:00+00:00 [--database ingestion_curated]

Reads the hour's change records from s3://<data>/teams/ingestion/raw/cdc/<table>/hour=<YYYYMMDDHH>/
(Parquet; on a fresh deploy a small deterministic sample is written there first), upserts them into
the copy-on-write Hudi table hudi/<table>/ (record key ``id``, the latest ``updated_at`` wins,
partitioned by ``dt``) and syncs it to <prefix>ingestion_curated.<table> in the Glue Data Catalog,
which Spark SQL then reads back. Runs on the hudi-ingestion image: the job type's settings put the
image's Hudi bundle on the classpath with Hudi's SQL extension and catalog (job_types.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

CONTEXT = "spark.sparkplatform."
SCHEMAS = {
    "orders": "id string, customer_id string, amount double, status string, updated_at timestamp",
    "customers": "id string, name string, country string, status string, updated_at timestamp",
}


def path_exists(spark: SparkSession, uri: str) -> bool:
    jvm_path = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return jvm_path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(jvm_path)


def sample_changes(spark: SparkSession, table: str, hour: datetime) -> DataFrame:
    """Three changes in the hour, two of them to the same record (the later one must win)."""
    stamp = lambda minute: hour.replace(minute=minute, second=0, microsecond=0, tzinfo=None)  # noqa: E731
    if table == "orders":
        rows = [
            ("o-1", "c-1", 40.0, "created", stamp(5)),
            ("o-2", "c-2", 15.5, "created", stamp(10)),
            ("o-1", "c-1", 40.0, "paid", stamp(40)),
        ]
    else:
        rows = [
            ("c-1", "Ana", "ID", "active", stamp(1)),
            ("c-2", "Budi", "ID", "active", stamp(2)),
            ("c-1", "Ana", "SG", "active", stamp(30)),
        ]
    return spark.createDataFrame(rows, SCHEMAS[table])


def hudi_options(*, table: str, database: str) -> dict[str, str]:
    """Hudi's datasource write and Hive-sync options ("Writing Data" and "Syncing to Catalogs" in the
    Hudi documentation; the EMR Release Guide's "Work with a Hudi dataset" syncs to the Glue Data
    Catalog through the hms mode, since Glue is the Hive metastore of every job here)."""
    return {
        "hoodie.table.name": table,
        "hoodie.datasource.write.table.type": "COPY_ON_WRITE",
        "hoodie.datasource.write.operation": "upsert",
        "hoodie.datasource.write.recordkey.field": "id",
        "hoodie.datasource.write.precombine.field": "updated_at",
        "hoodie.datasource.write.partitionpath.field": "dt",
        "hoodie.datasource.write.hive_style_partitioning": "true",
        "hoodie.datasource.hive_sync.enable": "true",
        "hoodie.datasource.hive_sync.mode": "hms",
        "hoodie.datasource.hive_sync.database": database,
        "hoodie.datasource.hive_sync.table": table,
        "hoodie.datasource.hive_sync.partition_fields": "dt",
        "hoodie.datasource.hive_sync.partition_extractor_class": "org.apache.hudi.hive.MultiPartKeysValueExtractor",
    }


def write_hudi(changes: DataFrame, *, path: str, options: dict[str, str]) -> None:
    changes.write.format("hudi").options(**options).mode("append").save(path)


def run(
    spark: SparkSession,
    *,
    table: str,
    hour: str,
    database: str,
    write: Callable[..., None] = write_hudi,
) -> int:
    data_uri = spark.conf.get(CONTEXT + "dataUri")
    schema = spark.conf.get(CONTEXT + "glueDatabasePrefix") + database
    start = datetime.fromisoformat(hour)
    raw = f"{data_uri}raw/cdc/{table}/hour={start:%Y%m%d%H}/"
    if not path_exists(spark, raw):
        print(f"no change records at {raw} yet: writing the sample hour there first")
        sample_changes(spark, table, start).write.mode("overwrite").parquet(raw)
    changes = spark.read.schema(SCHEMAS[table]).parquet(raw).withColumn("dt", F.date_format("updated_at", "yyyy-MM-dd"))
    write(changes, path=f"{data_uri}hudi/{table}/", options=hudi_options(table=table, database=schema))
    rows = spark.sql(f"SELECT count(*) FROM {schema}.{table}").first()[0]
    print(f"{schema}.{table}: {rows} records after the upsert of {raw}")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, choices=sorted(SCHEMAS))
    parser.add_argument("--hour", required=True, help="start of the hour, ISO 8601 (Airflow's data_interval_start)")
    parser.add_argument("--database", default="ingestion_curated")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName(f"ingestion.upsert.{args.table}").getOrCreate()
    try:
        return 0 if run(spark, table=args.table, hour=args.hour, database=args.database) > 0 else 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
