"""Sessionise a day of click events into the team's `sessions` table (analytics, daily_marts).

    spark-submit sessions.py --date 2026-11-20 [--database analytics_marts] [--output s3://.../]

Reads s3://<data>/teams/analytics/raw/events/dt=<date>/ (Parquet: user_id, ts, page, campaign);
on a fresh deploy, where nothing has landed yet, it first writes a small deterministic sample
there. A session ends after 30 minutes without an event. Writes the day's partition of
<prefix>analytics_marts.sessions (Parquet under marts/sessions/), a table in the team's Glue
database created through Spark SQL.

``--output`` elsewhere than marts/sessions/ (a shadow run on a candidate release, docs/runtimes.md)
writes the day's sessions as Parquet under <output>dt=<date>/ and nothing else: no table, no
sample events, so the copy never changes what the team's other jobs read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

SESSION_GAP_SECONDS = 30 * 60
CONTEXT = "spark.sparkplatform."


def path_exists(spark: SparkSession, uri: str) -> bool:
    jvm_path = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return jvm_path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(jvm_path)


def sample_events(spark: SparkSession, date: str) -> DataFrame:
    """Three users' clicks on ``date``: two sessions for u1 (a 45-minute gap), one each for u2, u3."""
    day = datetime.strptime(date, "%Y-%m-%d")
    clicks = [
        ("u1", 0, "home", "autumn"),
        ("u1", 5, "product", None),
        ("u1", 50, "home", None),
        ("u1", 52, "checkout", None),
        ("u2", 10, "home", "newsletter"),
        ("u2", 12, "product", None),
        ("u3", 120, "home", None),
    ]
    rows = [(user, day + timedelta(minutes=9 * 60 + minute), page, campaign) for user, minute, page, campaign in clicks]
    return spark.createDataFrame(rows, "user_id string, ts timestamp, page string, campaign string")


def sessionize(events: DataFrame) -> DataFrame:
    by_user = Window.partitionBy("user_id").orderBy("ts")
    gap = F.col("ts").cast("long") - F.lag(F.col("ts").cast("long")).over(by_user)
    starts = events.withColumn("new_session", F.when(gap.isNull() | (gap > SESSION_GAP_SECONDS), 1).otherwise(0))
    numbered = starts.withColumn("session_number", F.sum("new_session").over(by_user))
    return (
        numbered.groupBy("user_id", "session_number")
        .agg(
            F.min("ts").alias("started_at"),
            F.max("ts").alias("ended_at"),
            F.count(F.lit(1)).alias("events"),
            F.first("campaign", ignorenulls=True).alias("campaign"),
        )
        .withColumn("session_id", F.concat_ws("-", "user_id", "session_number"))
        .withColumn("duration_seconds", F.col("ended_at").cast("long") - F.col("started_at").cast("long"))
        .select("session_id", "user_id", "started_at", "ended_at", "events", "duration_seconds", "campaign")
    )


def run(spark: SparkSession, *, date: str, database: str, output: str | None = None) -> int:
    data_uri = spark.conf.get(CONTEXT + "dataUri")
    table = spark.conf.get(CONTEXT + "glueDatabasePrefix") + database + ".sessions"
    location = f"{data_uri}marts/sessions/"
    raw = f"{data_uri}raw/events/dt={date}/"
    side_output = output is not None and output.rstrip("/") + "/" != location
    if path_exists(spark, raw):
        events = spark.read.parquet(raw)
    elif side_output:
        print(f"no events at {raw} yet: using the sample day (a side output writes no input)")
        events = sample_events(spark, date)
    else:
        print(f"no events at {raw} yet: writing the sample day there first")
        sample_events(spark, date).write.mode("overwrite").parquet(raw)
        events = spark.read.parquet(raw)
    if side_output:
        day = f"{output.rstrip('/')}/dt={date}/"
        sessionize(events).write.mode("overwrite").parquet(day)
        written = spark.read.parquet(day).count()
        print(f"{day}: {written} sessions")
        return written
    sessions = sessionize(events).withColumn("dt", F.lit(date))
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {table} (session_id string, user_id string, started_at timestamp, "
        "ended_at timestamp, events bigint, duration_seconds bigint, campaign string, dt string) "
        f"USING parquet PARTITIONED BY (dt) LOCATION '{location}'"
    )
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    sessions.write.mode("overwrite").insertInto(table)
    written = spark.table(table).where(F.col("dt") == date).count()
    print(f"{table} dt={date}: {written} sessions")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True, help="the day to sessionise, YYYY-MM-DD")
    parser.add_argument("--database", default="analytics_marts", help="the team's Glue database (without the prefix)")
    parser.add_argument("--output", help="where the sessions go (default: the table's marts/sessions/)")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("analytics.sessions").getOrCreate()
    try:
        return 0 if run(spark, date=args.date, database=args.database, output=args.output) > 0 else 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
