#!/usr/bin/env bash
# Logit distillation on generated data (issue 15, "checked"): a teacher is pretrained on synthetic token shards
# (a sparse Markov chain with recurring phrases, ai.stratum.fixtures.tokens.SyntheticTokens), then the same
# small student (same architecture, seed, data order and steps) is trained twice: with cross-entropy on the hard
# labels alone (`stratum pretrain`), and distilled from the teacher (`stratum distill`). Both curves go into one
# chart with `stratum plot`; the script prints both held-out losses and each run's training tokens/s.
#
#   scripts/distill-demo.sh --out out/distill [--teacher-steps 300] [--steps 150] [--alpha 0.1] [--temperature 1]
#
# Outputs: OUT/runs/{teacher,ce,kd}, OUT/compare.png (both students' train/val loss and the KD run's CE and KL
# parts), OUT/summary.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/demo.sh
. "$ROOT/scripts/lib/demo.sh"
OUT=""
TEACHER_STEPS=300
STEPS=150
ALPHA=0.1
TEMPERATURE=1.0
VOCAB=512
SEED=7

usage() { echo "usage: $0 --out DIR [--teacher-steps N] [--steps N] [--alpha A] [--temperature T]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --teacher-steps) TEACHER_STEPS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --alpha) ALPHA="$2"; shift 2 ;;
    --temperature) TEMPERATURE="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "distill-demo: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$OUT" ] || usage
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
S="$ROOT/stratum"

build_once
rm -rf "$OUT/data" "$OUT/runs"
echo "== 1. synthetic shards (vocabulary $VOCAB, seed $SEED)"
fixtures ai.stratum.fixtures.tokens.SyntheticShards \
  "$OUT/data" "$VOCAB" 400000 20000 "$SEED"

COMMON=(--set "model.vocab_size=$VOCAB" --set eval.every=25 --set eval.steps=8 --set log.every=5)
echo "== 2. teacher: tiny-cpu (4 layers, width 128), $TEACHER_STEPS steps"
logged "$OUT/teacher.log" "$S" pretrain --preset tiny-cpu --data "$OUT/data" --run-dir "$OUT/runs/teacher" \
  "${COMMON[@]}" --set "train.max_steps=$TEACHER_STEPS"

STUDENT=(--set model.n_layer=2 --set model.d_model=64 --set model.n_head=2 --set "train.max_steps=$STEPS"
         --set optim.warmup_steps=10)
echo "== 3. student on hard labels (2 layers, width 64), $STEPS steps"
logged "$OUT/ce.log" "$S" pretrain --preset tiny-cpu --data "$OUT/data" --run-dir "$OUT/runs/ce" \
  "${COMMON[@]}" "${STUDENT[@]}"
echo "== 4. the same student distilled from the teacher (alpha $ALPHA, temperature $TEMPERATURE)"
logged "$OUT/kd.log" "$S" distill --teacher "$OUT/runs/teacher/latest" --preset tiny-cpu --data "$OUT/data" \
  --run-dir "$OUT/runs/kd" "${COMMON[@]}" "${STUDENT[@]}" --set "distill.alpha=$ALPHA" \
  --set "distill.temperature=$TEMPERATURE"
echo "== 5. plot"
"$S" plot "$OUT/runs/ce" "$OUT/runs/kd" --out "$OUT/compare.png"

last_val() { grep '"val_loss"' "$1/metrics.jsonl" | tail -n 1 | sed -E 's/.*"val_loss":([^,}]*).*/\1/'; }
# mean training tokens/s over the logged steps after the first 10 (warm-up of the JIT and the allocator)
tokens_per_s() {
  grep '"tokens_per_s"' "$1/metrics.jsonl" | sed -E 's/.*"step":([0-9]+).*"tokens_per_s":([^,}]*).*/\1 \2/' \
    | awk '$1 > 10 { s += $2; n++ } END { if (n) printf "%.0f", s / n; else print "n/a" }'
}
{
  echo "held-out loss after $STEPS steps (teacher after $TEACHER_STEPS: $(last_val "$OUT/runs/teacher"))"
  echo "  student, cross-entropy alone: $(last_val "$OUT/runs/ce")   ($(tokens_per_s "$OUT/runs/ce") tokens/s)"
  echo "  student, distilled:           $(last_val "$OUT/runs/kd")   ($(tokens_per_s "$OUT/runs/kd") tokens/s, teacher run live)"
  echo "chart: $OUT/compare.png"
} | tee "$OUT/summary.txt"
