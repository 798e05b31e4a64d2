#!/usr/bin/env bash
# LoRA fine-tuning of a Llama-3.2-1B-shape checkpoint loaded from disk, end to end through the user's commands:
#   1. `stratum init` writes a random model of scripts/bench/llama-3.2-1b-shape.yaml (vocab 128256, d 2048,
#      16 layers, 32 heads, 8 KV heads, intermediate 8192, tied) as a BF16 Hugging Face directory (~2.5 GB, two
#      shards at --max-shard-size 2GB) with a byte-level tokenizer.json;
#   2. `stratum finetune --base DIR` trains rank-8 adapters on all 7 projections at sequence 512, batch 1, for 3
#      steps (scripts/bench/llama-1b-lora-finetune.yaml) on generated SFT JSONL;
#   3. `stratum generate --adapter` loads the saved adapter over the base and generates 8 tokens greedily.
# Each command runs under /usr/bin/time -v: "Maximum resident set size" is the whole JVM's peak RSS (heap,
# ND4J's off-heap buffers, native libraries). The target is 16 GiB. Needs ~3 GB of disk in WORK and ~10 GiB of
# free memory.
#
# Usage: scripts/bench/llama-1b-lora-finetune.sh [WORK (default /tmp/stratum-llama-1b)]
#   KEEP=1 keeps WORK afterwards (the checkpoint is reused by a rerun when its config.json is there);
#   SHAPE=FILE uses another model config (a small one checks the script quickly).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="${1:-/tmp/stratum-llama-1b}"
BASE="$WORK/base"
RUN="$WORK/run"
mkdir -p "$WORK"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# build once, outside the measured commands
STRATUM_SKIP_BUILD=0 "$ROOT/stratum" --version >/dev/null
export STRATUM_SKIP_BUILD=1

peak() { # the peak RSS line of a /usr/bin/time -v log, in GiB
  awk -F': ' '/Maximum resident set size/ {printf "%.2f GiB", $2 / 1048576}' "$1"
}
wall() {
  awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1"
}

echo "== free memory before"; free -g | sed -n 1,2p

if [ ! -f "$BASE/config.json" ]; then
  echo "== stratum init (BF16, seed 1) -> $BASE"
  /usr/bin/time -v -o "$WORK/init.time" "$ROOT/stratum" init --config "${SHAPE:-$ROOT/scripts/bench/llama-3.2-1b-shape.yaml}" \
    --out "$BASE" --dtype bf16 --seed 1 --max-shard-size 2GB
  echo "init: peak RSS $(peak "$WORK/init.time"), wall $(wall "$WORK/init.time")"
else
  echo "== reusing $BASE"
fi
ls -l "$BASE"; du -sh "$BASE"

# SFT data: 24 generated question/answer pairs (~400 bytes each; the byte-level tokenizer makes a token of each byte),
# packed into rows of 512 tokens
DATA="$WORK/train.jsonl"
python3 - "$DATA" <<'PY'
import json, random, sys
rng = random.Random(7)
words = ("ledger invoice contract clause tenant audit parcel freight customs tariff warranty claim policy premium "
         "deductible broker escrow lien appraisal zoning permit variance easement").split()
with open(sys.argv[1], "w") as f:
    for i in range(24):
        q = " ".join(rng.choice(words) for _ in range(18))
        a = " ".join(rng.choice(words) for _ in range(40))
        f.write(json.dumps({"prompt": f"Question {i}: what does this mean? {q}", "response": f"It means: {a}."}) + "\n")
PY

echo "== stratum finetune (LoRA r 8, 7 projections, batch 1 x 512, 3 steps)"
rm -rf "$RUN"
/usr/bin/time -v -o "$WORK/finetune.time" "$ROOT/stratum" finetune --base "$BASE" --data "$DATA" --run-dir "$RUN" \
  --preset finetune-lora --config "$ROOT/scripts/bench/llama-1b-lora-finetune.yaml"
echo "finetune: peak RSS $(peak "$WORK/finetune.time"), wall $(wall "$WORK/finetune.time")"
echo "per step (metrics.jsonl):"
python3 - "$RUN/metrics.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if "loss" in m:
        print(f"  step {m['step']}: loss {m['loss']:.4f}, {m.get('tokens_per_s', 0):.1f} tokens/s, MFU {100 * m.get('mfu', 0):.1f}%")
PY

echo "== stratum generate with the saved adapter (greedy, 8 tokens)"
/usr/bin/time -v -o "$WORK/generate.time" "$ROOT/stratum" generate --adapter "$RUN/latest" \
  --prompt "Question 3: what does this mean?" --max-new-tokens 8 --temperature 0
echo "generate: peak RSS $(peak "$WORK/generate.time"), wall $(wall "$WORK/generate.time")"

echo "== summary (target: peak RSS within 16 GiB)"
[ -f "$WORK/init.time" ] && echo "init      peak RSS $(peak "$WORK/init.time")"
echo "finetune  peak RSS $(peak "$WORK/finetune.time")"
echo "generate  peak RSS $(peak "$WORK/generate.time")"
if [ "${KEEP:-0}" != "1" ]; then
  rm -rf "$BASE" "$RUN"
fi
