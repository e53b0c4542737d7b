#!/usr/bin/env bash
# spark-submit (tests/test_spark_pods_twin.py) needs a Java runtime: Spark 3.5 runs on 17, Spark 4
# needs 17 or newer ("Spark runs on Java 17/21", Spark 4.0 overview page). Uses the machine's java
# when it is 17 or newer, else installs Debian's headless OpenJDK 17.
set -euo pipefail
if command -v java >/dev/null; then
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ "${major:-0}" -ge 17 ]; then
    exit 0
  fi
fi
echo "installing Debian's openjdk-17-jre-headless for spark-submit"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
