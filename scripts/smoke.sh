#!/usr/bin/env bash
# CI smoke run: generate structured synthetic token shards, pretrain the tiny-cpu preset on them through the
# real launcher (about a minute on 2 cores), and fail unless the training loss fell by at least 1 nat from the
# first logged step to the last, and the checkpoint evaluates. SMOKE_DIR keeps the outputs (default: a temp dir).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${SMOKE_DIR:-$(mktemp -d)}"
RUN="$WORK/runs/smoke"

# Builds the CLI when needed; then the fixtures' generator is on the runtime classpath beside it.
"$ROOT/stratum" --version >/dev/null
rm -rf "$WORK/data" "$RUN"
java -cp "$ROOT/cli/target/stratum.jar:$ROOT/cli/target/lib/*" ai.stratum.fixtures.tokens.SyntheticShards \
  "$WORK/data" 4096 1000000 50000 7

"$ROOT/stratum" pretrain --preset tiny-cpu --data "$WORK/data" --run-dir "$RUN"
"$ROOT/stratum" eval --checkpoint "$RUN/latest" --data "$WORK/data" --steps 4 --batch-size 8 --seq-len 128
"$ROOT/stratum" plot "$RUN"

loss_at() {
  grep '"loss"' "$RUN/metrics.jsonl" | "$1" -n 1 | sed -E 's/.*"loss":([^,}]*).*/\1/'
}
first="$(loss_at head)"
last="$(loss_at tail)"
if awk -v f="$first" -v l="$last" 'BEGIN { exit !(l < f - 1.0) }'; then
  echo "smoke: OK, training loss fell from $first to $last"
else
  echo "smoke: FAILED, training loss went from $first to $last (expected a fall of at least 1 nat)" >&2
  exit 1
fi
