#!/usr/bin/env python3
"""Golden values for Stratum's GPT: a small GPT-2-architecture model with fixed (seeded) weights, its logits,
masked mean cross-entropy and the gradient of every parameter tensor, computed here in float64 with numpy
alone, independently of the Java code. The analytic backward is checked against finite differences before
anything is written.

Usage: python3 scripts/golden/gpt2_reference.py [output.json]
Default output: trainer-core/src/test/resources/golden/gpt2-tiny.json
"""
import json
import math
import os
import sys

import numpy as np

CONFIG = dict(vocab_size=19, context_length=8, n_layer=2, n_head=2, d_model=8, dropout=0.0)
B, T = 2, 6
EPS = 1e-5


def layout(cfg):
    """GPT-2 tensor names and shapes in Stratum's ParameterLayout order."""
    c, v, ctx = cfg["d_model"], cfg["vocab_size"], cfg["context_length"]
    shapes = [("wte.weight", (v, c)), ("wpe.weight", (ctx, c))]
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        shapes += [(p + "ln_1.weight", (c,)), (p + "ln_1.bias", (c,)),
                   (p + "attn.c_attn.weight", (c, 3 * c)), (p + "attn.c_attn.bias", (3 * c,)),
                   (p + "attn.c_proj.weight", (c, c)), (p + "attn.c_proj.bias", (c,)),
                   (p + "ln_2.weight", (c,)), (p + "ln_2.bias", (c,)),
                   (p + "mlp.c_fc.weight", (c, 4 * c)), (p + "mlp.c_fc.bias", (4 * c,)),
                   (p + "mlp.c_proj.weight", (4 * c, c)), (p + "mlp.c_proj.bias", (c,))]
    shapes += [("ln_f.weight", (c,)), ("ln_f.bias", (c,))]
    return shapes


def make_params(cfg, rng):
    params = {}
    for name, shape in layout(cfg):
        noise = rng.normal(0.0, 0.3, size=shape)
        is_norm_weight = (".ln_" in name or name.startswith("ln_f")) and name.endswith(".weight")
        params[name] = 1.0 + noise / 3 if is_norm_weight else noise
    return params


def layernorm_forward(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + EPS)
    xhat = (x - mean) * rstd
    return xhat * w + b, (xhat, rstd, w)


def layernorm_backward(dout, cache):
    xhat, rstd, w = cache
    axes = tuple(range(dout.ndim - 1))
    dw = (dout * xhat).sum(axes)
    db = dout.sum(axes)
    dnorm = dout * w
    dx = rstd * (dnorm - dnorm.mean(-1, keepdims=True) - xhat * (dnorm * xhat).mean(-1, keepdims=True))
    return dx, dw, db


K = math.sqrt(2.0 / math.pi)


def gelu_forward(x):
    return 0.5 * x * (1.0 + np.tanh(K * (x + 0.044715 * x ** 3)))


def gelu_backward(dout, x):
    th = np.tanh(K * (x + 0.044715 * x ** 3))
    return dout * (0.5 * (1 + th) + 0.5 * x * (1 - th ** 2) * K * (1 + 3 * 0.044715 * x ** 2))


def forward(cfg, params, tokens, targets):
    nh, c = cfg["n_head"], cfg["d_model"]
    hs = c // nh
    b, t = tokens.shape
    caches = []
    x = params["wte.weight"][tokens] + params["wpe.weight"][np.arange(t)][None]        # (B, T, C)
    causal = np.tril(np.ones((t, t), dtype=bool))
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        ln1, ln1c = layernorm_forward(x, params[p + "ln_1.weight"], params[p + "ln_1.bias"])
        qkv = ln1 @ params[p + "attn.c_attn.weight"] + params[p + "attn.c_attn.bias"]  # (B, T, 3C)
        q, k, v = [a.reshape(b, t, nh, hs).transpose(0, 2, 1, 3) for a in np.split(qkv, 3, axis=-1)]  # (B, NH, T, hs)
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)                              # (B, NH, T, T)
        scores = np.where(causal, scores, -np.inf)
        att = np.exp(scores - scores.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(b, t, c)                              # (B, T, C)
        x2 = x + y @ params[p + "attn.c_proj.weight"] + params[p + "attn.c_proj.bias"]
        ln2, ln2c = layernorm_forward(x2, params[p + "ln_2.weight"], params[p + "ln_2.bias"])
        h = ln2 @ params[p + "mlp.c_fc.weight"] + params[p + "mlp.c_fc.bias"]             # (B, T, 4C)
        hg = gelu_forward(h)
        x3 = x2 + hg @ params[p + "mlp.c_proj.weight"] + params[p + "mlp.c_proj.bias"]
        caches.append((ln1, ln1c, q, k, v, att, y, ln2, ln2c, h, hg))
        x = x3
    lnf, lnfc = layernorm_forward(x, params["ln_f.weight"], params["ln_f.bias"])
    logits = lnf @ params["wte.weight"].T                                                 # (B, T, V)
    z = logits - logits.max(-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    valid = targets >= 0
    picked = probs[np.arange(b)[:, None], np.arange(t)[None], np.where(valid, targets, 0)]
    loss = -np.log(picked)[valid].mean()
    return logits, loss, (caches, lnf, lnfc, probs, valid)


def backward(cfg, params, tokens, targets, state):
    caches, lnf, lnfc, probs, valid = state
    nh, c = cfg["n_head"], cfg["d_model"]
    hs = c // nh
    b, t = tokens.shape
    grads = {name: np.zeros(shape) for name, shape in layout(cfg)}
    dlogits = probs.copy()
    dlogits[np.arange(b)[:, None], np.arange(t)[None], np.where(valid, targets, 0)] -= 1.0
    dlogits *= valid[..., None] / valid.sum()
    grads["wte.weight"] += np.einsum("btv,btc->vc", dlogits, lnf)
    dlnf = dlogits @ params["wte.weight"]
    dx, grads["ln_f.weight"], grads["ln_f.bias"] = layernorm_backward(dlnf, lnfc)
    for i in reversed(range(cfg["n_layer"])):
        p = "h.%d." % i
        ln1, ln1c, q, k, v, att, y, ln2, ln2c, h, hg = caches[i]
        # MLP branch
        grads[p + "mlp.c_proj.weight"] = np.einsum("bti,bto->io", hg, dx)
        grads[p + "mlp.c_proj.bias"] = dx.sum((0, 1))
        dh = gelu_backward(dx @ params[p + "mlp.c_proj.weight"].T, h)
        grads[p + "mlp.c_fc.weight"] = np.einsum("bti,bto->io", ln2, dh)
        grads[p + "mlp.c_fc.bias"] = dh.sum((0, 1))
        dln2, grads[p + "ln_2.weight"], grads[p + "ln_2.bias"] = layernorm_backward(dh @ params[p + "mlp.c_fc.weight"].T, ln2c)
        dx = dx + dln2
        # attention branch
        grads[p + "attn.c_proj.weight"] = np.einsum("bti,bto->io", y, dx)
        grads[p + "attn.c_proj.bias"] = dx.sum((0, 1))
        dy = (dx @ params[p + "attn.c_proj.weight"].T).reshape(b, t, nh, hs).transpose(0, 2, 1, 3)  # (B, NH, T, hs)
        datt = dy @ v.transpose(0, 1, 3, 2)
        dv = att.transpose(0, 1, 3, 2) @ dy
        dscores = att * (datt - (att * datt).sum(-1, keepdims=True)) / math.sqrt(hs)
        dq = dscores @ k
        dk = dscores.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([a.transpose(0, 2, 1, 3).reshape(b, t, c) for a in (dq, dk, dv)], axis=-1)
        grads[p + "attn.c_attn.weight"] = np.einsum("bti,bto->io", ln1, dqkv)
        grads[p + "attn.c_attn.bias"] = dqkv.sum((0, 1))
        dln1, grads[p + "ln_1.weight"], grads[p + "ln_1.bias"] = layernorm_backward(dqkv @ params[p + "attn.c_attn.weight"].T, ln1c)
        dx = dx + dln1
    np.add.at(grads["wte.weight"], tokens, dx)
    grads["wpe.weight"][:t] += dx.sum(0)
    return grads


def check_against_finite_differences(cfg, params, tokens, targets, grads, rng):
    worst = 0.0
    for name, shape in layout(cfg):
        flat = params[name].reshape(-1)
        for idx in rng.choice(flat.size, size=min(flat.size, 6), replace=False):
            orig = flat[idx]
            flat[idx] = orig + 1e-6
            plus = forward(cfg, params, tokens, targets)[1]
            flat[idx] = orig - 1e-6
            minus = forward(cfg, params, tokens, targets)[1]
            flat[idx] = orig
            numeric = (plus - minus) / 2e-6
            analytic = grads[name].reshape(-1)[idx]
            worst = max(worst, abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-4))
    if worst > 1e-6:
        raise SystemExit("analytic gradients disagree with finite differences: max relative error %g" % worst)
    return worst


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "trainer-core", "src", "test", "resources", "golden", "gpt2-tiny.json")
    rng = np.random.default_rng(20240520)
    params = make_params(CONFIG, rng)
    tokens = rng.integers(0, CONFIG["vocab_size"], size=(B, T))
    targets = rng.integers(0, CONFIG["vocab_size"], size=(B, T))
    targets[0, :2] = -1   # a masked prompt
    targets[1, 4] = -1
    logits, loss, state = forward(CONFIG, params, tokens, targets)
    grads = backward(CONFIG, params, tokens, targets, state)
    worst = check_against_finite_differences(CONFIG, params, tokens, targets, grads, rng)
    golden = {
        "generator": "scripts/golden/gpt2_reference.py (numpy %s)" % np.__version__,
        "config": CONFIG, "batch": B, "seq_len": T,
        "tokens": tokens.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
        "params": {name: params[name].reshape(-1).tolist() for name, _ in layout(CONFIG)},
        "logits": logits.reshape(-1).tolist(), "loss": float(loss),
        "grads": {name: grads[name].reshape(-1).tolist() for name, _ in layout(CONFIG)},
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out)
    print("wrote %s: loss %.6f, finite-difference check max relative error %.2e" % (out, loss, worst))


if __name__ == "__main__":
    main()
