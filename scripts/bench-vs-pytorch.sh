#!/usr/bin/env bash
# Trains the same GPT-2-architecture model with PyTorch (CPU, OpenBLAS) and with Stratum on this machine in one
# run, and prints the ratio of their tokens/s. Both time forward + backward + gradient clipping + AdamW on random
# tokens after a warm-up, with the same thread count, and report the median step. The two alternate for ROUNDS
# rounds and each side keeps its best round, so a burst of load from other processes does not decide the ratio.
#
# Usage: scripts/bench-vs-pytorch.sh [reference|gpt2-small|llama]
#   reference  (default) vocab 4096, d_model 256, 4 heads, 4 layers, context 128, batch 8 (4.24 M parameters)
#   gpt2-small 124 M parameters at batch 4 x 256
#   llama      the Llama architecture at the reference size: RMSNorm, RoPE (theta 10000), 4 query heads on 2
#              key/value heads, SwiGLU with intermediate 704, no biases, tied head (3.98 M parameters); the
#              PyTorch peer follows transformers' modeling_llama.py
# Environment: STEPS (timed steps; default 20 for reference, 6 for gpt2-small), WARMUP (5; 2), ROUNDS (3; 2),
# THREADS (default: nproc), TORCH_PROFILE=1 (after its timed steps the peer prints where 3 more steps spend their
# time, by op and input shape, to set beside Stratum's time by layer kind), STRATUM_TORCH_PYTHON (the interpreter that runs the PyTorch peer, e.g. a venv with a
# PyTorch wheel; PYTHON is read too; default: the first of python3, /usr/bin/python3 that imports torch, which on a
# fresh Debian machine is Debian's python3-torch). The VM this was written on drifts by up to 30% over minutes,
# hence the rounds.
# Installs Debian's python3-torch and libopenblas0-pthread when PyTorch is missing (needs root).
# Debian's python3-torch calls whatever libblas.so.3 the alternatives system points at. With only libblas3 (netlib's
# reference BLAS, unblocked Fortran loops) a 1024^3 sgemm runs at ~4 GFLOP/s instead of ~90 and the peer trains
# 25x slower than PyTorch can. When the peer's process has that reference BLAS loaded, this script unpacks Debian's
# libopenblas0-pthread into a cache directory (apt-get download + dpkg -x; the system's alternatives are left
# alone) and runs the peer with it first on LD_LIBRARY_PATH. STRATUM_TORCH_BLAS=as-is keeps the reference BLAS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHICH="${1:-reference}"
THREADS="${THREADS:-$(nproc)}"

ARCH=gpt2; KV_HEADS=0; INTER=0
case "$WHICH" in
  reference)  VOCAB=4096;  CTX=128;  LAYERS=4;  HEADS=4;  DMODEL=256; BATCH=8; SEQ=128; PRESET=tiny-cpu
              STEPS="${STEPS:-20}"; WARMUP="${WARMUP:-5}"; ROUNDS="${ROUNDS:-3}" ;;
  gpt2-small) VOCAB=50257; CTX=1024; LAYERS=12; HEADS=12; DMODEL=768; BATCH=4; SEQ=256; PRESET=gpt2-small
              STEPS="${STEPS:-6}"; WARMUP="${WARMUP:-2}"; ROUNDS="${ROUNDS:-2}" ;;
  llama)      VOCAB=4096;  CTX=128;  LAYERS=4;  HEADS=4;  DMODEL=256; BATCH=8; SEQ=128; PRESET=llama-tiny-cpu
              ARCH=llama; KV_HEADS=2; INTER=704
              STEPS="${STEPS:-20}"; WARMUP="${WARMUP:-5}"; ROUNDS="${ROUNDS:-3}" ;;
  *) echo "bench-vs-pytorch: unknown configuration '$WHICH'; use 'reference', 'gpt2-small' or 'llama'" >&2; exit 2 ;;
esac

# Debian's python3-torch lives in the system interpreter, which may not be the first python3 on PATH (pyenv).
find_torch_python() {
  for py in ${STRATUM_TORCH_PYTHON:-} ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "import torch" >/dev/null 2>&1; then
      echo "$py"
      return
    fi
  done
}
if [ -n "${STRATUM_TORCH_PYTHON:-}" ] && ! "$STRATUM_TORCH_PYTHON" -c "import torch" >/dev/null 2>&1; then
  echo "bench-vs-pytorch: STRATUM_TORCH_PYTHON=$STRATUM_TORCH_PYTHON cannot import torch; point it at an interpreter" \
       "that has PyTorch (e.g. a venv's bin/python), or unset it to use Debian's python3-torch" >&2
  exit 2
fi
PY="$(find_torch_python)"
if [ -z "$PY" ]; then
  echo "bench-vs-pytorch: installing python3-torch and libopenblas0-pthread ..." >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch libopenblas0-pthread >&2
  PY="$(find_torch_python)"
  [ -n "$PY" ] || { echo "bench-vs-pytorch: PyTorch is still not importable after the install" >&2; exit 1; }
fi

export OMP_WAIT_POLICY=PASSIVE
export OMP_NUM_THREADS="$THREADS"

# The BLAS shared objects the peer's process has mapped after a matmul (empty when the BLAS is linked statically,
# as MKL is in the PyTorch wheels).
loaded_blas() {
  "$@" "$PY" -c 'import torch; torch.ones(64, 64) @ torch.ones(64, 64)
print(" ".join(sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() or "lapack" in l.lower()})))'
}
TORCH_ENV=()
BLAS_LIBS="$(loaded_blas)"
if [ "${STRATUM_TORCH_BLAS:-openblas}" != "as-is" ] && [[ " $BLAS_LIBS " == *"/blas/libblas.so"* ]]; then
  CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/stratum/openblas"
  LIBDIR="$CACHE/root/usr/lib/x86_64-linux-gnu/openblas-pthread"
  if [ ! -f "$LIBDIR/libblas.so.3" ]; then
    echo "bench-vs-pytorch: PyTorch calls netlib's reference BLAS ($BLAS_LIBS); unpacking Debian's" \
         "libopenblas0-pthread into $CACHE" >&2
    mkdir -p "$CACHE"
    (cd "$CACHE" && rm -f libopenblas0-pthread_*.deb && apt-get download -q libopenblas0-pthread >&2 \
       && dpkg -x libopenblas0-pthread_*.deb root) \
      || { echo "bench-vs-pytorch: could not fetch libopenblas0-pthread (apt-get download); run with" \
                "STRATUM_TORCH_BLAS=as-is to measure PyTorch on the reference BLAS anyway" >&2; exit 1; }
  fi
  TORCH_ENV=(env "LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  BLAS_LIBS="$(loaded_blas "${TORCH_ENV[@]}")"
fi
echo "bench-vs-pytorch: PyTorch peer: $("$PY" -c 'import torch; print(torch.__version__)') from $PY;" \
     "BLAS: $("$PY" -c 'import torch, re; print(re.search(r"BLAS_INFO=(\w+)", torch.__config__.show()).group(1))')" \
     "${BLAS_LIBS:+($BLAS_LIBS)}" >&2

TORCH_SCRIPT="$(mktemp --suffix=.py)"
trap 'rm -f "$TORCH_SCRIPT"' EXIT
cat > "$TORCH_SCRIPT" <<'PY'
# A minimal GPT-2 written for this comparison: pre-LayerNorm blocks, causal attention, tanh GELU, tied head.
import math, os, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

vocab, ctx, layers, heads, d, batch, seq, steps, warmup, threads, kv_heads, inter = map(int, sys.argv[1:13])
arch = sys.argv[13]
torch.set_num_threads(threads)
torch.manual_seed(1337)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.attn_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.register_buffer("causal", torch.tril(torch.ones(ctx, ctx, dtype=torch.bool)))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = [a.view(b, t, heads, c // heads).transpose(1, 2) for a in (q, k, v)]   # (B, NH, T, hs)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // heads))                  # (B, NH, T, T)
        att = att.masked_fill(~self.causal[:t, :t], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)                         # (B, T, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.h = nn.ModuleList(Block() for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()                                        # tied head
        return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))


# The Llama architecture as transformers' modeling_llama.py computes it: RMSNorm (float32 statistics), RoPE in the
# rotate-half layout, grouped-query attention (repeat_kv), SwiGLU, no biases, tied head.
class RmsNorm(nn.Module):
    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(n)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self):
        super().__init__()
        hd = d // heads
        self.attn_norm, self.mlp_norm = RmsNorm(d), RmsNorm(d)
        self.q_proj = nn.Linear(d, heads * hd, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(heads * hd, d, bias=False)
        self.gate_proj, self.up_proj = nn.Linear(d, inter, bias=False), nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)
        self.register_buffer("causal", torch.tril(torch.ones(ctx, ctx, dtype=torch.bool)))

    def forward(self, x, cos, sin):
        b, t, c = x.shape
        hd = c // heads
        h = self.attn_norm(x)
        q = self.q_proj(h).view(b, t, heads, hd).transpose(1, 2)                          # (B, NH, T, hd)
        k = self.k_proj(h).view(b, t, kv_heads, hd).transpose(1, 2)                       # (B, NKV, T, hd)
        v = self.v_proj(h).view(b, t, kv_heads, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(heads // kv_heads, 1), v.repeat_interleave(heads // kv_heads, 1)
        att = (q @ k.transpose(-2, -1)) * hd ** -0.5                                       # (B, NH, T, T)
        att = att.masked_fill(~self.causal[:t, :t], float("-inf")).softmax(dim=-1)
        x = x + self.o_proj((att @ v).transpose(1, 2).reshape(b, t, heads * hd))
        h = self.mlp_norm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        hd = d // heads
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(LlamaBlock() for _ in range(layers))
        self.norm = RmsNorm(d)
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd))
        freqs = torch.arange(ctx).float()[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.embed(idx)
        for block in self.layers:
            x = block(x, self.cos[:t], self.sin[:t])
        logits = self.norm(x) @ self.embed.weight.t()                                      # tied head
        return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))


model = Gpt() if arch == "gpt2" else Llama()
# Stratum's initWeights for every family: N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 * layers)),
# biases 0, norm weights 1, as Stratum's initWeights: N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 * layers))
for name, p in model.named_parameters():
    if name.endswith("bias"):
        nn.init.zeros_(p)
    elif "ln_" in name or "norm" in name:
        nn.init.ones_(p)
    else:
        residual = name.endswith(("attn_proj.weight", "mlp_proj.weight", "o_proj.weight", "down_proj.weight"))
        nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * layers) if residual else 0.02)
opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
params = sum(p.numel() for p in model.parameters())
times = []
for step in range(warmup + steps):
    idx = torch.randint(0, vocab, (batch, seq))
    tgt = torch.randint(0, vocab, (batch, seq))
    t0 = time.perf_counter()
    loss = model(idx, tgt)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=False)
    dt = time.perf_counter() - t0
    print("torch step %d: %.1f ms, loss %.4f" % (step + 1, dt * 1000, loss.item()), file=sys.stderr)
    if step >= warmup:
        times.append(dt)
median = statistics.median(times)
print("torch %s, %d threads: %d parameters, median step %.1f ms, %.0f tokens/s"
      % (torch.__version__, threads, params, median * 1000, batch * seq / median), file=sys.stderr)
if os.environ.get("TORCH_PROFILE") == "1":
    # where PyTorch's step goes, to set beside `stratum bench train`'s time by layer kind (3 steps, per step)
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(3):
            loss = model(torch.randint(0, vocab, (batch, seq)), torch.randint(0, vocab, (batch, seq)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=False)
    rows = sorted(prof.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)
    print("torch profile, self CPU ms per step (op, input shapes):", file=sys.stderr)
    for e in rows[:25]:
        print("  %8.1f  %-28s %s" % (e.self_cpu_time_total / 3000.0, e.key, str(e.input_shapes)[:90]),
              file=sys.stderr)
print("%.1f" % (batch * seq / median))
PY

torch_round() {
  "${TORCH_ENV[@]}" "$PY" "$TORCH_SCRIPT" "$VOCAB" "$CTX" "$LAYERS" "$HEADS" "$DMODEL" "$BATCH" "$SEQ" "$STEPS" "$WARMUP" "$THREADS" \
    "$KV_HEADS" "$INTER" "$ARCH"
}

stratum_round() {
  "$ROOT/stratum" bench train --preset "$PRESET" --set model.vocab_size=$VOCAB \
    --set model.context_length=$CTX --set model.n_layer=$LAYERS --set model.n_head=$HEADS \
    --set model.d_model=$DMODEL --set train.micro_batch_size=$BATCH --set train.seq_len=$SEQ \
    --set train.batch_size_tokens=$((BATCH * SEQ)) --steps "$STEPS" --warmup "$WARMUP" \
    $( [ "$ARCH" = llama ] && echo "--set model.n_kv_head=$KV_HEADS --set model.intermediate_size=$INTER" )
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }

TORCH_ALL=()
STRATUM_ALL=()
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round: PyTorch ($WHICH) ==" >&2
  TORCH_ALL+=("$(torch_round)")
  echo "== round $round: Stratum ($WHICH) ==" >&2
  OUT="$(stratum_round)"
  echo "$OUT"
  STRATUM_ALL+=("$(echo "$OUT" | sed -n 's/^throughput: \([0-9,]*\) tokens\/s.*/\1/p' | tr -d ,)")
done
TORCH_TPS="$(best "${TORCH_ALL[@]}")"
STRATUM_TPS="$(best "${STRATUM_ALL[@]}")"
echo "tokens/s per round: PyTorch ${TORCH_ALL[*]}; Stratum ${STRATUM_ALL[*]}"
echo "best: PyTorch $TORCH_TPS tokens/s; Stratum $STRATUM_TPS tokens/s; Stratum / PyTorch = $("$PY" -c "print('%.2f' % ($STRATUM_TPS / $TORCH_TPS))")"
