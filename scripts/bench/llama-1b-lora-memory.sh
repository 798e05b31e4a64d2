#!/usr/bin/env bash
# LoRA fine-tuning memory at Llama-3.2-1B's shape: `stratum bench train` on scripts/bench/llama-3.2-1b-shape.yaml
# with rank-8 adapters on every projection of a frozen base (no gradients or AdamW moments for the base weights,
# LM head and cross-entropy in row chunks), batch 1 x 512 tokens. Prints the bench report, whose "peak RSS" line
# is the process's VmHWM; the target is 16 GiB.
#
# Usage: scripts/bench/llama-1b-lora-memory.sh [STEPS (default 2)] [WARMUP (default 1)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$ROOT/stratum" bench train --config "$ROOT/scripts/bench/llama-3.2-1b-shape.yaml" --lora-rank 8 \
  --steps "${1:-2}" --warmup "${2:-1}"
