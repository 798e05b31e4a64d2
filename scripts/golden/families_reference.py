#!/usr/bin/env python3
"""Golden values for Stratum's Decoder across the Hugging Face families it runs: GPT-2, Llama (3.x), Mistral, Qwen2
and Qwen3. For each family a tiny model with seeded random weights is written here from the semantics of
transformers' modeling_gpt2.py / modeling_llama.py / modeling_mistral.py / modeling_qwen2.py / modeling_qwen3.py
(PyTorch, float64, autograd), with and without a LoRA adapter (PEFT semantics: y += scale * x A^T B^T, one adapter
per HF projection), with float32 weights and with weights rounded to bfloat16. Each case records the logits, the
masked mean cross-entropy and the gradient of every trainable tensor (every weight without LoRA; the adapters' with
LoRA, the base frozen).

Weights are created under Hugging Face's names and layouts (GPT-2's Conv1D [in, out], separate q/k/v and gate/up
projections) and written under Stratum's internal names (ModelConfig's javadoc): linear weights [out, in], q/k/v
rows fused into attn.qkv, gate/up rows fused into mlp.fc, adapters on a row slice named after it (attn.q, attn.k,
attn.v, mlp.gate, mlp.up) or on a whole weight (attn.qkv, attn.proj, mlp.fc, mlp.proj).

Usage: /usr/bin/python3 scripts/golden/families_reference.py [output_dir]
Default output: trainer-core/src/test/resources/golden/<family>.json (needs Debian's python3-torch).
"""
import json
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)

B, T = 2, 7
LORA_R, LORA_ALPHA = 2, 6.0

# HF config.json keys per family (what a real checkpoint of that family carries), tiny sizes.
FAMILIES = {
    "gpt2": dict(model_type="gpt2", vocab_size=23, n_positions=16, n_embd=12, n_layer=2, n_head=3,
                 layer_norm_epsilon=1e-3, scale_attn_by_inverse_layer_idx=True, tie_word_embeddings=True),
    "llama": dict(model_type="llama", vocab_size=29, max_position_embeddings=16, hidden_size=32,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, intermediate_size=40,
                  rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                  rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                    original_max_position_embeddings=64)),
    "mistral": dict(model_type="mistral", vocab_size=31, max_position_embeddings=16, hidden_size=16,
                    num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, intermediate_size=24,
                    rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False, sliding_window=4,
                    rope_scaling=dict(rope_type="linear", factor=2.0)),
    "qwen2": dict(model_type="qwen2", vocab_size=27, max_position_embeddings=16, hidden_size=16,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1, intermediate_size=20,
                  rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True),
    "qwen3": dict(model_type="qwen3", vocab_size=25, max_position_embeddings=16, hidden_size=16,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=6,
                  intermediate_size=20, rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False),
}

def model_config(hf):
    """The HF config as Stratum's ModelConfig keys (the YAML preset keys)."""
    if hf["model_type"] == "gpt2":
        c = hf["n_embd"]
        return dict(vocab_size=hf["vocab_size"], context_length=hf["n_positions"], n_layer=hf["n_layer"],
                    n_head=hf["n_head"], n_kv_head=hf["n_head"], head_dim=c // hf["n_head"], d_model=c,
                    intermediate_size=4 * c, norm="layer_norm", norm_eps=hf["layer_norm_epsilon"],
                    positions="learned", rope_theta=10000.0, rope_scaling=None, qkv_bias=True, out_bias=True,
                    qk_norm=False, mlp="gelu_tanh", mlp_bias=True, tied_embeddings=True,
                    scale_attn_by_inverse_layer_idx=hf["scale_attn_by_inverse_layer_idx"], sliding_window=0,
                    dropout=0.0)
    c = hf["hidden_size"]
    scaling = hf.get("rope_scaling")
    if scaling is not None:
        scaling = dict(type=scaling["rope_type"], factor=scaling["factor"],
                       low_freq_factor=scaling.get("low_freq_factor", 0.0),
                       high_freq_factor=scaling.get("high_freq_factor", 0.0),
                       original_max_position_embeddings=scaling.get("original_max_position_embeddings", 0))
    return dict(vocab_size=hf["vocab_size"], context_length=hf["max_position_embeddings"],
                n_layer=hf["num_hidden_layers"], n_head=hf["num_attention_heads"],
                n_kv_head=hf["num_key_value_heads"], head_dim=hf.get("head_dim", c // hf["num_attention_heads"]),
                d_model=c, intermediate_size=hf["intermediate_size"], norm="rms_norm", norm_eps=hf["rms_norm_eps"],
                positions="rope", rope_theta=hf["rope_theta"], rope_scaling=scaling,
                qkv_bias=hf["model_type"] == "qwen2", out_bias=False, qk_norm=hf["model_type"] == "qwen3",
                mlp="swiglu", mlp_bias=False, tied_embeddings=hf["tie_word_embeddings"],
                scale_attn_by_inverse_layer_idx=False, sliding_window=hf.get("sliding_window") or 0, dropout=0.0)


def hf_weights(hf, gen):
    """Random weights under HF's names and layouts (GPT-2 without the 'transformer.' prefix)."""
    def normal(*shape, std=0.3):
        return torch.randn(*shape, generator=gen) * std

    def norm_weight(n):
        return 1.0 + normal(n, std=0.1)

    w = {}
    if hf["model_type"] == "gpt2":
        c, v = hf["n_embd"], hf["vocab_size"]
        w["wte.weight"] = normal(v, c)
        w["wpe.weight"] = normal(hf["n_positions"], c)
        for i in range(hf["n_layer"]):
            p = "h.%d." % i
            w[p + "ln_1.weight"], w[p + "ln_1.bias"] = norm_weight(c), normal(c, std=0.1)
            w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = normal(c, 3 * c), normal(3 * c, std=0.1)
            w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = normal(c, c), normal(c, std=0.1)
            w[p + "ln_2.weight"], w[p + "ln_2.bias"] = norm_weight(c), normal(c, std=0.1)
            w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = normal(c, 4 * c), normal(4 * c, std=0.1)
            w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = normal(4 * c, c), normal(c, std=0.1)
        w["ln_f.weight"], w["ln_f.bias"] = norm_weight(c), normal(c, std=0.1)
        return w
    c, v, inter = hf["hidden_size"], hf["vocab_size"], hf["intermediate_size"]
    nh, nkv = hf["num_attention_heads"], hf["num_key_value_heads"]
    hd = hf.get("head_dim", c // nh)
    bias = hf["model_type"] == "qwen2"
    w["model.embed_tokens.weight"] = normal(v, c)
    for i in range(hf["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = norm_weight(c)
        for name, rows in (("q_proj", nh * hd), ("k_proj", nkv * hd), ("v_proj", nkv * hd)):
            w[p + "self_attn." + name + ".weight"] = normal(rows, c)
            if bias:
                w[p + "self_attn." + name + ".bias"] = normal(rows, std=0.1)
        if hf["model_type"] == "qwen3":
            w[p + "self_attn.q_norm.weight"] = norm_weight(hd)
            w[p + "self_attn.k_norm.weight"] = norm_weight(hd)
        w[p + "self_attn.o_proj.weight"] = normal(c, nh * hd)
        w[p + "post_attention_layernorm.weight"] = norm_weight(c)
        w[p + "mlp.gate_proj.weight"] = normal(inter, c)
        w[p + "mlp.up_proj.weight"] = normal(inter, c)
        w[p + "mlp.down_proj.weight"] = normal(c, inter)
    w["model.norm.weight"] = norm_weight(c)
    if not hf["tie_word_embeddings"]:
        w["lm_head.weight"] = normal(v, c)
    return w


def lora_weights(hf, gen, base):
    """PEFT adapters on every projection: module name (HF, without '.weight') -> (A [r, in], B [out, r]).
    B is random rather than PEFT's zero init so that every gradient is exercised."""
    adapters = {}
    for name, t in base.items():
        leaf = name[:-len(".weight")]
        if not name.endswith(".weight") or t.dim() != 2 or "embed" in name or name.startswith(("wte", "wpe", "lm_head")):
            continue
        if hf["model_type"] == "gpt2":
            fan_in, fan_out = t.shape  # Conv1D [in, out] (PEFT's fan_in_fan_out)
        else:
            fan_out, fan_in = t.shape
        adapters[leaf] = (torch.randn(LORA_R, fan_in, generator=gen) * 0.3,
                          torch.randn(fan_out, LORA_R, generator=gen) * 0.3)
    return adapters


def bf16(t):
    return t.detach().to(torch.bfloat16).to(torch.float64)


def rms_norm(x, weight, eps):
    # LlamaRMSNorm: x * rsqrt(mean(x^2) + eps), then the weight
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope_inv_freq(hf, head_dim):
    """_compute_default_rope_parameters, then rope_scaling: linear (divide) or llama3 (_compute_llama3_parameters)."""
    inv_freq = 1.0 / (hf["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.int64).double() / head_dim))
    s = hf.get("rope_scaling")
    if s is None:
        return inv_freq
    if s["rope_type"] == "linear":
        return inv_freq / s["factor"]
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old = s["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def apply_rope(x, cos, sin):
    # x (B, H, T, hd); cos/sin (T, hd) = cat(freqs, freqs)
    return x * cos + rotate_half(x) * sin


def causal_mask(t, window):
    i = torch.arange(t)[:, None]
    j = torch.arange(t)[None, :]
    allowed = j <= i
    if window:
        allowed &= (i - j) < window  # Mistral: a query sees the last sliding_window keys, itself included
    return allowed


def lora_delta(x, adapters, module, scale):
    if adapters is None or module not in adapters:
        return 0.0
    a, b = adapters[module]
    return scale * (x @ a.t() @ b.t())


def forward_gpt2(hf, w, tokens, adapters, scale):
    c, nh = hf["n_embd"], hf["n_head"]
    hd = c // nh
    eps = hf["layer_norm_epsilon"]
    x = w["wte.weight"][tokens] + w["wpe.weight"][torch.arange(T)]
    mask = causal_mask(T, 0)
    for i in range(hf["n_layer"]):
        p = "h.%d." % i
        h = torch.nn.functional.layer_norm(x, (c,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"] + lora_delta(h, adapters, p + "attn.c_attn", scale)
        q, k, v = qkv.split(c, dim=-1)
        q, k, v = (t.view(B, T, nh, hd).transpose(1, 2) for t in (q, k, v))
        att = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if hf["scale_attn_by_inverse_layer_idx"]:
            att = att / float(i + 1)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, c)
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"] + lora_delta(y, adapters, p + "attn.c_proj", scale)
        h = torch.nn.functional.layer_norm(x, (c,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        f = h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"] + lora_delta(h, adapters, p + "mlp.c_fc", scale)
        f = torch.nn.functional.gelu(f, approximate="tanh")
        x = x + f @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"] + lora_delta(f, adapters, p + "mlp.c_proj", scale)
    x = torch.nn.functional.layer_norm(x, (c,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].t()


def forward_llama(hf, w, tokens, adapters, scale):
    c, nh, nkv = hf["hidden_size"], hf["num_attention_heads"], hf["num_key_value_heads"]
    hd = hf.get("head_dim", c // nh)
    eps = hf["rms_norm_eps"]
    inv_freq = rope_inv_freq(hf, hd)
    freqs = torch.arange(T).double()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = causal_mask(T, hf.get("sliding_window") or 0)

    def proj(x, name):
        y = x @ w[name + ".weight"].t()
        if name + ".bias" in w:
            y = y + w[name + ".bias"]
        return y + lora_delta(x, adapters, name, scale)

    x = w["model.embed_tokens.weight"][tokens]
    for i in range(hf["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = proj(h, p + "self_attn.q_proj").view(B, T, nh, hd)
        k = proj(h, p + "self_attn.k_proj").view(B, T, nkv, hd)
        v = proj(h, p + "self_attn.v_proj").view(B, T, nkv, hd)
        if hf["model_type"] == "qwen3":  # Qwen3: per-head RMSNorm of q and k, before RoPE
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k = k.repeat_interleave(nh // nkv, dim=1)  # repeat_kv: query head h uses kv head h // (nh / nkv)
        v = v.repeat_interleave(nh // nkv, dim=1)
        att = (q @ k.transpose(-1, -2)) * hd ** -0.5
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + proj(y, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(proj(h, p + "mlp.gate_proj")) * proj(h, p + "mlp.up_proj")
        x = x + proj(g, p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if hf["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.t()


def internal_names(hf, w):
    """HF tensors -> Stratum's internal names and [out, in] layouts (q/k/v and gate/up rows fused)."""
    out = {}
    if hf["model_type"] == "gpt2":
        out["tok_embeddings.weight"] = w["wte.weight"]
        out["pos_embeddings.weight"] = w["wpe.weight"]
        for i in range(hf["n_layer"]):
            p, q = "h.%d." % i, "layers.%d." % i
            out[q + "attn_norm.weight"], out[q + "attn_norm.bias"] = w[p + "ln_1.weight"], w[p + "ln_1.bias"]
            out[q + "attn.qkv.weight"], out[q + "attn.qkv.bias"] = w[p + "attn.c_attn.weight"].t(), w[p + "attn.c_attn.bias"]
            out[q + "attn.proj.weight"], out[q + "attn.proj.bias"] = w[p + "attn.c_proj.weight"].t(), w[p + "attn.c_proj.bias"]
            out[q + "mlp_norm.weight"], out[q + "mlp_norm.bias"] = w[p + "ln_2.weight"], w[p + "ln_2.bias"]
            out[q + "mlp.fc.weight"], out[q + "mlp.fc.bias"] = w[p + "mlp.c_fc.weight"].t(), w[p + "mlp.c_fc.bias"]
            out[q + "mlp.proj.weight"], out[q + "mlp.proj.bias"] = w[p + "mlp.c_proj.weight"].t(), w[p + "mlp.c_proj.bias"]
        out["norm.weight"], out["norm.bias"] = w["ln_f.weight"], w["ln_f.bias"]
        return out
    out["tok_embeddings.weight"] = w["model.embed_tokens.weight"]
    for i in range(hf["num_hidden_layers"]):
        p, q = "model.layers.%d." % i, "layers.%d." % i
        a = p + "self_attn."
        out[q + "attn_norm.weight"] = w[p + "input_layernorm.weight"]
        out[q + "attn.qkv.weight"] = torch.cat([w[a + n + ".weight"] for n in ("q_proj", "k_proj", "v_proj")])
        if a + "q_proj.bias" in w:
            out[q + "attn.qkv.bias"] = torch.cat([w[a + n + ".bias"] for n in ("q_proj", "k_proj", "v_proj")])
        if a + "q_norm.weight" in w:
            out[q + "attn.q_norm.weight"] = w[a + "q_norm.weight"]
            out[q + "attn.k_norm.weight"] = w[a + "k_norm.weight"]
        out[q + "attn.proj.weight"] = w[a + "o_proj.weight"]
        out[q + "mlp_norm.weight"] = w[p + "post_attention_layernorm.weight"]
        out[q + "mlp.fc.weight"] = torch.cat([w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"]])
        out[q + "mlp.proj.weight"] = w[p + "mlp.down_proj.weight"]
    out["norm.weight"] = w["model.norm.weight"]
    if "lm_head.weight" in w:
        out["lm_head.weight"] = w["lm_head.weight"]
    return out


INTERNAL_ADAPTER = {"attn.c_attn": "attn.qkv", "attn.c_proj": "attn.proj", "mlp.c_fc": "mlp.fc",
                    "mlp.c_proj": "mlp.proj", "self_attn.q_proj": "attn.q", "self_attn.k_proj": "attn.k",
                    "self_attn.v_proj": "attn.v", "self_attn.o_proj": "attn.proj", "mlp.gate_proj": "mlp.gate",
                    "mlp.up_proj": "mlp.up", "mlp.down_proj": "mlp.proj"}


def internal_adapter_name(module):
    """model.layers.0.self_attn.q_proj -> layers.0.attn.q; h.0.attn.c_attn -> layers.0.attn.qkv."""
    parts = module.split(".")
    if parts[0] == "model":
        parts = parts[1:]
    layer, rest = parts[1], ".".join(parts[2:])
    return "layers.%s.%s" % (layer, INTERNAL_ADAPTER[rest])


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run_case(family, hf, base, adapters, tokens, targets, rounded):
    w = {k: (bf16(v) if rounded else v.clone()).requires_grad_(adapters is None) for k, v in base.items()}
    lora = None
    if adapters is not None:
        lora = {k: tuple((bf16(t) if rounded else t.clone()).requires_grad_(True) for t in ab)
                for k, ab in adapters.items()}
    scale = LORA_ALPHA / LORA_R
    fwd = forward_gpt2 if hf["model_type"] == "gpt2" else forward_llama
    logits = fwd(hf, w, tokens, lora, scale)
    loss = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), targets.reshape(-1), ignore_index=-1)
    loss.backward()
    case = dict(family=family, lora=adapters is not None, bf16_weights=rounded,
                params={k: flat(v) for k, v in internal_names(hf, w).items()},
                logits=flat(logits), loss=float(loss))
    if lora is None:
        grads = {k: v.grad for k, v in w.items()}
        case["grads"] = {k: flat(v) for k, v in internal_names(hf, grads).items()}
    else:
        case["lora_params"], case["grads"] = {}, {}
        for module, (a, b) in lora.items():
            name = internal_adapter_name(module)
            case["lora_params"][name + ".lora_A.weight"] = flat(a)
            case["lora_params"][name + ".lora_B.weight"] = flat(b)
            case["grads"][name + ".lora_A.weight"] = flat(a.grad)
            case["grads"][name + ".lora_B.weight"] = flat(b.grad)
    return case


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "trainer-core", "src", "test", "resources", "golden")
    os.makedirs(out_dir, exist_ok=True)
    for index, (family, hf) in enumerate(FAMILIES.items()):
        gen = torch.Generator().manual_seed(1000 + index)
        base = hf_weights(hf, gen)
        adapters = lora_weights(hf, gen, base)
        tokens = torch.randint(0, hf["vocab_size"], (B, T), generator=gen)
        targets = torch.randint(0, hf["vocab_size"], (B, T), generator=gen)
        targets[0, :2] = -1  # masked positions (an SFT prompt) contribute no loss
        targets[1, 4] = -1
        targets_list = targets.reshape(-1).tolist()
        cases = [run_case(family, hf, base, a, tokens, targets, rounded)
                 for rounded in (False, True) for a in (None, adapters)]
        golden = dict(generator="scripts/golden/families_reference.py (torch %s)" % torch.__version__,
                      hf_config=hf, config=model_config(hf), batch=B, seq_len=T,
                      lora=dict(r=LORA_R, alpha=LORA_ALPHA, target_modules=sorted({m.split(".")[-1] for m in adapters})),
                      tokens=tokens.reshape(-1).tolist(), targets=targets_list, cases=cases)
        path = os.path.join(out_dir, family + ".json")
        with open(path, "w") as f:
            json.dump(golden, f, separators=(",", ":"))
        print("%s: loss %s" % (path, ", ".join("%.6f" % c["loss"] for c in cases)))


if __name__ == "__main__":
    main()
