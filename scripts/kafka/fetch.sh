#!/usr/bin/env bash
# Fetches Apache Kafka's jars from Maven Central into scripts/kafka/.cache/libs (once; cached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
libs="$here/.cache/libs"
if ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1; then exit 0; fi
command -v java >/dev/null || { echo "fetch.sh: java (OpenJDK 17+) is required to run Kafka" >&2; exit 1; }
command -v mvn >/dev/null || { echo "fetch.sh: maven is required to fetch the Kafka jars" >&2; exit 1; }
mkdir -p "$libs"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime
ls "$libs"/kafka_2.13-*.jar >/dev/null
echo "Kafka jars in $libs"
