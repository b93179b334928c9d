#!/usr/bin/env bash
# Fetches Apache Kafka's jars (and a log4j2 binding) from Maven Central into
# scripts/kafka/.cache/libs. Idempotent: does nothing when the jars for the current pom.xml are
# already there. Safe to run concurrently (a lock, and the jars appear in one rename).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
libs="$cache/libs"
stamp="$(sha256sum "$here/pom.xml" | cut -c1-16)"

# Jars fetched by an older fetch.sh carry no stamp; they are accepted if the Kafka version matches.
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
ready() {
  [[ -f "$libs/.pom-$stamp" ]] && return 0
  [[ -f "$libs/kafka_2.13-$version.jar" ]] && ! ls "$libs"/.pom-* >/dev/null 2>&1
}
ready && exit 0

command -v java >/dev/null 2>&1 || { echo "scripts/kafka/fetch.sh: 'java' not found: Kafka needs a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "scripts/kafka/fetch.sh: 'mvn' not found: Maven fetches the Kafka jars from Maven Central (Debian: apt-get install maven)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.fetch.lock"
flock 9
ready && exit 0 # fetched by another process while we waited

tmp="$(mktemp -d "$cache/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "scripts/kafka/fetch.sh: fetching Apache Kafka $version from Maven Central…" >&2
if ! mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime >&2; then
  echo "scripts/kafka/fetch.sh: mvn could not fetch the Kafka jars (is Maven Central reachable?)" >&2
  exit 1
fi
[[ -f "$tmp/kafka_2.13-$version.jar" ]] || { echo "scripts/kafka/fetch.sh: kafka_2.13-$version.jar missing after mvn" >&2; exit 1; }
touch "$tmp/.pom-$stamp"
rm -rf "$libs"
mv "$tmp" "$libs"
trap - EXIT
echo "scripts/kafka/fetch.sh: Kafka $version jars in $libs" >&2
