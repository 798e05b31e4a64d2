#!/usr/bin/env python3
"""Hugging Face interop fixtures, written by the real libraries: for each family Stratum reads (gpt2, llama,
mistral, qwen2, qwen3) a tiny model with seeded random weights saved by transformers' `save_pretrained`
(safetensors), a PEFT LoRA adapter with non-zero random B saved by peft's `save_pretrained`, and the logits
transformers computes (float32, eager attention) for a fixed token sequence, for the base and for base + adapter.
trainer-core's HfInteropTest loads these through Stratum's import and must reproduce the logits; it then exports
them again, and `--check-export DIR` (run by hand: CI has no transformers) loads those exports back in
transformers/peft and compares.

Produced by: torch 2.13.0+cpu, transformers 5.18.0, peft 0.21.0, safetensors 0.8.0 (local wheels), seed 20261203.

The cases (d_model 32, 2 layers, 4 heads, vocab 48, MLP 32 (GPT-2: 48), 16 positions):
  gpt2     tied head (GPT-2 always is), n_inner 48, layer_norm_epsilon 1e-3, scale_attn_by_inverse_layer_idx;
           adapter on Conv1D c_attn, c_proj, c_fc (PEFT sets fan_in_fan_out)
  llama    rope llama3 scaling, GQA 4:2, untied; saved sharded (max_shard_size 30KB);
           adapter on all 7 projections with use_rslora
  mistral  GQA 4:2, tied, sliding_window null; saved in bfloat16 (logits are float32 math on the bf16 weights);
           adapter with rank_pattern and alpha_pattern
  qwen2    q/k/v bias, MQA 4:1, tied; adapter with a per-layer rank_pattern key
  qwen3    q/k RMSNorm, head_dim 12 (not d_model / heads), GQA 4:2, untied; adapter with use_rslora and rank_pattern

Layout of OUT (default trainer-core/src/test/resources/hf-interop): OUT/<case>/model/ (config.json, weights,
generation_config.json), OUT/<case>/adapter/ (adapter_config.json, adapter_model.safetensors) and
OUT/<case>/golden.safetensors (tokens as F32 [T], logits_base and logits_adapter F32 [T, vocab]).

Usage:
  python scripts/golden/hf_interop.py [OUT]                  write the fixtures
  python scripts/golden/hf_interop.py --check-export DIR [OUT]
      DIR holds Stratum's exports as HfInteropTest writes them when run with -Dstratum.hfInterop.exportDir=DIR:
      DIR/<case>-f32, DIR/<case>-bf16 (HfExport of the fixture), DIR/<case>-merged (base + adapter merged) and
      DIR/<case>-adapter (the adapter saved again by PeftAdapter.save). Each is loaded with transformers / peft
      and its logits compared with the golden ones; exit 1 on any mismatch.
"""
import json
import os
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")   # everything is local; no hub look-ups for the base's name

import torch
from safetensors.torch import load_file, save_file

SEED = 20261203
TOKENS = [1, 5, 9, 23, 42, 47, 7, 0, 31, 2]
# float32 math on float32 weights: Stratum's kernels sum in another order; bf16 exports round every weight, which
# moves these fixtures' logits (large random weights) by up to ~7%
TOL_F32 = 1e-4
TOL_BF16 = 0.15

LLAMA_LINEARS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def cases():
    from transformers import GPT2Config, LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config
    common = dict(vocab_size=48, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  max_position_embeddings=16, bos_token_id=1, eos_token_id=2)
    return {
        "gpt2": dict(
            config=GPT2Config(vocab_size=48, n_positions=16, n_embd=32, n_layer=2, n_head=4, n_inner=48,
                              layer_norm_epsilon=1e-3, scale_attn_by_inverse_layer_idx=True, resid_pdrop=0.0,
                              embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=1, eos_token_id=2),
            lora=dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True),
            save=dict()),
        "llama": dict(
            config=LlamaConfig(**common, intermediate_size=32, num_key_value_heads=2, rms_norm_eps=1e-5,
                               tie_word_embeddings=False,
                               rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                                 high_freq_factor=4.0, original_max_position_embeddings=16)),
            lora=dict(r=4, lora_alpha=8, target_modules=LLAMA_LINEARS, use_rslora=True),
            save=dict(max_shard_size="30KB")),
        "mistral": dict(
            config=MistralConfig(**common, intermediate_size=32, num_key_value_heads=2, rms_norm_eps=1e-6,
                                 rope_theta=1000000.0, tie_word_embeddings=True, sliding_window=None),
            lora=dict(r=4, lora_alpha=8, target_modules=LLAMA_LINEARS,
                      rank_pattern={"q_proj": 2, "down_proj": 6}, alpha_pattern={"v_proj": 4, "up_proj": 3}),
            save=dict(), dtype=torch.bfloat16),
        "qwen2": dict(
            config=Qwen2Config(**common, intermediate_size=32, num_key_value_heads=1, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, use_sliding_window=False),
            lora=dict(r=4, lora_alpha=8, target_modules=LLAMA_LINEARS,
                      rank_pattern={"model.layers.1.mlp.up_proj": 2}),
            save=dict()),
        "qwen3": dict(
            config=Qwen3Config(**common, intermediate_size=32, num_key_value_heads=2, head_dim=12,
                               rms_norm_eps=1e-6, tie_word_embeddings=False, use_sliding_window=False),
            lora=dict(r=4, lora_alpha=8, target_modules=LLAMA_LINEARS, use_rslora=True,
                      rank_pattern={"o_proj": 3}),
            save=dict()),
    }


def randomize(model, gen):
    """Weights of a useful size (the families' 0.02 init gives near-uniform logits that would hide errors): linear
    and embedding N(0, 0.3^2), norm weights 1 + N(0, 0.1^2), biases N(0, 0.1^2)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if "norm" in name or ".ln_" in name:
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith("bias"):
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.3 * noise)


def logits(model, tokens):
    with torch.no_grad():
        return model(torch.tensor([tokens])).logits[0].float()


def load_base(path):
    from transformers import AutoModelForCausalLM
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager").eval()


def write(out):
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM
    for name, case in cases().items():
        gen = torch.Generator().manual_seed(SEED + sum(map(ord, name)))
        torch.manual_seed(SEED)
        root = os.path.join(out, name)
        shutil.rmtree(root, ignore_errors=True)
        model = AutoModelForCausalLM.from_config(case["config"], attn_implementation="eager").eval()
        randomize(model, gen)
        dtype = case.get("dtype", torch.float32)
        model.to(dtype).save_pretrained(os.path.join(root, "model"), safe_serialization=True, **case["save"])
        # the golden logits come from what was saved, loaded back as transformers loads it
        base = load_base(os.path.join(root, "model"))
        expected_base = logits(base, TOKENS)
        base.name_or_path = "hf-interop/" + name   # recorded as base_model_name_or_path (not this machine's path)
        peft_model = get_peft_model(base, LoraConfig(task_type="CAUSAL_LM", lora_dropout=0.0, **case["lora"]))
        with torch.no_grad():
            for pname, p in peft_model.named_parameters():
                if "lora_" in pname:   # A is random already; B starts at zero
                    p.copy_(0.2 * torch.randn(p.shape, generator=gen))
        peft_model.save_pretrained(os.path.join(root, "adapter"))
        os.remove(os.path.join(root, "adapter", "README.md"))   # peft's model-card template, not needed
        del peft_model, base
        adapted = PeftModel.from_pretrained(load_base(os.path.join(root, "model")), os.path.join(root, "adapter"))
        expected_adapter = logits(adapted.eval(), TOKENS)
        delta = (expected_adapter - expected_base).abs().max().item()
        assert delta > 0.1, "%s: the adapter barely changes the logits (%g)" % (name, delta)
        save_file({"tokens": torch.tensor(TOKENS, dtype=torch.float32), "logits_base": expected_base.contiguous(),
                   "logits_adapter": expected_adapter.contiguous()}, os.path.join(root, "golden.safetensors"),
                  metadata={"format": "pt"})
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
        print("%-8s %s, %d bytes, adapter moves logits by up to %.3f" % (name, sorted(
            os.listdir(os.path.join(root, "model"))), size, delta))


def compare(what, actual, expected, tol):
    err = ((actual - expected).abs() / expected.abs().clamp(min=1.0)).max().item()
    ok = err <= tol
    print("%-28s max error %.2e (tolerance %.2g) %s" % (what, err, tol, "ok" if ok else "MISMATCH"))
    return ok


def check_export(exports, out):
    from peft import PeftModel
    ok = True
    checked = 0
    for name in cases():
        golden = load_file(os.path.join(out, name, "golden.safetensors"))
        tokens = [int(t) for t in golden["tokens"].tolist()]
        d = os.path.join(exports, name + "-f32")
        if os.path.isdir(d):
            ok &= compare(name + "-f32", logits(load_base(d), tokens), golden["logits_base"], TOL_F32)
            checked += 1
        d = os.path.join(exports, name + "-bf16")
        if os.path.isdir(d):
            # against the fixture with every weight rounded to bf16 as torch rounds it (float32 math on both)
            rounded = load_base(os.path.join(out, name, "model"))
            with torch.no_grad():   # the weights only: RoPE's inv_freq buffer stays float32 as on loading
                for p in rounded.parameters():
                    p.copy_(p.to(torch.bfloat16).to(torch.float32))
            ok &= compare(name + "-bf16", logits(load_base(d), tokens), logits(rounded, tokens), TOL_F32)
            ok &= compare(name + "-bf16 vs f32 golden", logits(load_base(d), tokens), golden["logits_base"],
                          TOL_BF16)
            checked += 1
        d = os.path.join(exports, name + "-merged")
        if os.path.isdir(d):
            ok &= compare(name + "-merged", logits(load_base(d), tokens), golden["logits_adapter"], TOL_F32)
            checked += 1
        d = os.path.join(exports, name + "-adapter")
        if os.path.isdir(d):
            adapted = PeftModel.from_pretrained(load_base(os.path.join(out, name, "model")), d).eval()
            ok &= compare(name + "-adapter (peft)", logits(adapted, tokens), golden["logits_adapter"], TOL_F32)
            checked += 1
    d = os.path.join(exports, "byte-level-tokenizer")
    if os.path.isdir(d):   # TokenizerFiles.writeByteLevel, as stratum init / pretrain write it
        from tokenizers import Tokenizer
        ids = Tokenizer.from_file(os.path.join(d, "tokenizer.json")).encode("hi \u00f6<|endoftext|>").ids
        same = ids == [104, 105, 32, 195, 182, 256]
        print("%-28s ids %s %s" % ("byte-level tokenizer.json", ids, "ok" if same else "MISMATCH"))
        ok &= same
        checked += 1
    if checked == 0:
        print("check-export: nothing to check in %s" % exports)
        return False
    return ok


def main(argv):
    import peft
    import safetensors
    import transformers
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    print("torch %s, transformers %s, peft %s, safetensors %s" % (torch.__version__, transformers.__version__,
                                                                   peft.__version__, safetensors.__version__))
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "trainer-core", "src", "test", "resources", "hf-interop")
    if argv and argv[0] == "--check-export":
        if len(argv) < 2:
            print("usage: hf_interop.py --check-export DIR [FIXTURES]", file=sys.stderr)
            return 2
        return 0 if check_export(argv[1], argv[2] if len(argv) > 2 else default_out) else 1
    write(argv[0] if argv else default_out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
