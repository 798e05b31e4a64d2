#!/usr/bin/env bash
# Submits `stratum data prepare --executor spark` to a Spark cluster (or runs it in local[N]): the same recipe,
# the same output as the local executor.
#
# Usage: scripts/spark-submit.sh [SPARK-SUBMIT OPTIONS] -- --recipe FILE --out DIR [--set KEY=VALUE]...
#   e.g. scripts/spark-submit.sh --master 'local[2]' -- --recipe configs/data/example-web.yaml --out out/web
#        scripts/spark-submit.sh --master spark://head:7077 --conf spark.executor.memory=4g -- --recipe r.yaml --out /shared/out
#
# Uses $SPARK_HOME/bin/spark-submit when SPARK_HOME is set (a cluster's Spark 3.5.x, Scala 2.12); otherwise
# Spark's SparkSubmit from data-spark/target/lib (the Spark this project builds against), which can run
# local[N] or submit in client mode to a standalone master. Builds the CLI and data-spark first if needed.
# Inputs and --out may be Hadoop URIs (hdfs://, s3a://) or paths the driver and every executor see.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
if [[ $# -eq 0 ]]; then
  echo "spark-submit.sh: put the data prepare options after '--', e.g. -- --recipe FILE --out DIR" >&2
  exit 2
fi
shift
for a in "$@"; do
  if [[ "$a" == --executor* || "$a" == --master* ]]; then
    echo "spark-submit.sh: '$a' is set by this script; give --master before '--'" >&2
    exit 2
  fi
done

JAR="$ROOT/cli/target/stratum.jar"
SPARK_JAR="$ROOT/data-spark/target/stratum-data-spark.jar"
if [[ ! -f "$JAR" || ! -f "$SPARK_JAR" || -n "$(find "$ROOT"/*/src/main "$ROOT"/*/pom.xml "$ROOT/configs" -newer "$SPARK_JAR" -type f -print -quit)" ]]; then
  echo "spark-submit.sh: building the CLI and data-spark (mvn package, tests skipped)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests -pl cli,data-spark -am ${STRATUM_MAVEN_ARGS:-} package >&2)
fi

# Our jars for the driver and executors: the CLI's lib/ (without what Spark brings itself) and data-spark.
jars="$SPARK_JAR"
for j in "$ROOT"/cli/target/lib/*.jar; do
  case "$(basename "$j")" in
    jackson-*|scala-*|slf4j-*|log4j-*|commons-*|nd4j-*|javacpp*|openblas*|xchart*|guava-*) ;;
    *) jars="$jars,$j" ;;
  esac
done

app=(--class ai.stratum.cli.Main --jars "$jars" "${spark_args[@]}" "$JAR" data prepare --executor spark "$@")
if [[ -n "${SPARK_HOME:-}" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${app[@]}"
fi
opens="-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false"
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done
# data-spark/target/lib holds the pipeline without parquet-floor (whose Hadoop stand-ins must come after Hadoop)
exec java $opens -Dlog4j2.configurationFile=stratum-spark-log4j2.properties ${STRATUM_JAVA_OPTS:-} \
  -cp "$SPARK_JAR:$ROOT/data-spark/target/lib/*:$(ls "$ROOT"/cli/target/lib/parquet-floor-*.jar)" \
  org.apache.spark.deploy.SparkSubmit "${app[@]}"
