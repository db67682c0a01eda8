#!/usr/bin/env bash
# Fetches an Apache Kafka broker (KRaft) from Maven Central through tools/kafka/pom.xml, once, and
# prints the folder that holds its jars. The Kafka tests and `node scripts/kafka-broker.mjs` use it.
#   KAFKA_JARS_DIR   where the jars go (default ~/.cache/batch-inference/kafka-<version>/jars)
# Needs Java 17+ and mvn.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/tools/kafka/pom.xml")"
dir="${KAFKA_JARS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/batch-inference/kafka-$version/jars}"
# A folder with the broker's own jar is complete: the copy below lands in a temporary folder first.
if ! ls "$dir"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
  command -v java >/dev/null 2>&1 || { echo "kafka-jars: java (17+) is needed to run the test broker" >&2; exit 1; }
  command -v mvn >/dev/null 2>&1 || { echo "kafka-jars: mvn is needed to fetch the test broker's jars" >&2; exit 1; }
  echo "Fetching Apache Kafka $version jars from Maven Central into $dir" >&2
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mvn -q -B -f "$root/tools/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir"
  mv "$tmp" "$dir"
fi
echo "$dir"
