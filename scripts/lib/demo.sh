# Shared by the demo scripts (distill-demo.sh, quality-ablation.sh); source it after setting ROOT.
# DEMO_NAME names the script in messages.

DEMO_NAME="${DEMO_NAME:-$(basename "$0" .sh)}"

logged() { # LOG command...: output to LOG; on failure show its end and stop
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "$DEMO_NAME: failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}

# The launcher builds the CLI when needed (once); then the fixtures' generators are on its classpath and later
# `stratum` calls skip the build check.
build_once() {
  "$ROOT/stratum" --version >/dev/null
  export STRATUM_SKIP_BUILD=1
}

fixtures() { # CLASS args...: a generator of the test fixtures, from the CLI's classpath
  java -cp "$ROOT/cli/target/stratum.jar:$ROOT/cli/target/lib/*" "$@"
}
