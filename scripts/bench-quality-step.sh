#!/usr/bin/env bash
# The cost of the recipe's quality step (classifier) on the bench corpus, as a ratio measured in one invocation:
# cold `stratum bench data` runs alternate without and with filters.quality (filter mode, the given model), and the
# script prints each run's MB per CPU-second of the process, the language and quality steps' CPU seconds, and the
# on/off ratio of MB per CPU-second per round (wall MB/s means little on a shared machine).
#
# Usage: scripts/bench-quality-step.sh --model MODEL.sqc [--input bench-data/web-large] [--rounds 2]
#        (a model: stratum data classifier train --input labelled.jsonl --out MODEL.sqc)
set -euo pipefail

model=""
input="bench-data/web-large"
rounds=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="${2:?--model needs a file}"; shift 2 ;;
    --input) input="${2:?--input needs a directory}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench-quality-step: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$model" && -f "$model" ]] || { echo "bench-quality-step: --model MODEL.sqc is required (a classifier file)" >&2; exit 2; }
[[ -d "$input" ]] || { echo "bench-quality-step: $input is missing; run scripts/fetch-web-corpus.sh --large" >&2; exit 2; }

stratum="$(dirname "${BASH_SOURCE[0]}")/../stratum"
run() { # $1 = off|on; prints "MB_per_cpu_s language_cpu_s quality_cpu_s"
  local sets=()
  [[ $1 == on ]] && sets=(--set filters.quality.enabled=true --set "filters.quality.model=$model")
  local log
  log=$("$stratum" bench data --input "$input" "${sets[@]}")
  local mbcpu lang qual
  mbcpu=$(sed -n 's/^end to end.*(\([0-9.]*\) MB per CPU-second).*/\1/p' <<<"$log" | head -1)
  lang=$(awk '$1 == "language" {print $3}' <<<"$log")
  qual=$(awk '$1 == "quality" {print $3}' <<<"$log")
  echo "$mbcpu ${lang:--} ${qual:--}"
}
printf "%-6s %-4s %14s %14s %14s\n" round step "MB/cpu-s" "language cpu-s" "quality cpu-s"
for ((r = 1; r <= rounds; r++)); do
  read -r off_mb off_lang off_q < <(run off)
  printf "%-6s %-4s %14s %14s %14s\n" "$r" off "$off_mb" "$off_lang" "$off_q"
  read -r on_mb on_lang on_q < <(run on)
  printf "%-6s %-4s %14s %14s %14s\n" "$r" on "$on_mb" "$on_lang" "$on_q"
  awk -v a="$on_mb" -v b="$off_mb" -v r="$r" 'BEGIN { printf "round %s: with the quality step %.3fx the MB per CPU-second without it\n", r, a / b }'
done
