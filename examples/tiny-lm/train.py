"""
Tiny character-level language model in pure numpy: the file the agent edits.

Model: embeddings of the last CONTEXT characters, concatenated, then DEPTH
tanh layers of WIDTH units and a softmax over the vocabulary (Bengio et al.
2003 style). Hand-written backprop, Adam. Trains for TIME_BUDGET seconds of
wall clock, then prints the summary block that autoresearch parses.

    python3 prepare.py                 # once
    TIME_BUDGET=20 python3 train.py
"""

import os

# Limit BLAS threads before numpy loads, unless the caller set them. The matrices are tiny:
# one thread is as fast as two, and multi-threaded OpenBLAS slows down several-fold as soon
# as another process (e.g. a second run) wants a core, which makes wall-clock runs noisy.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import resource
import sys
import time

import numpy as np

from prepare import TIME_BUDGET, evaluate_bpb, load_meta, load_split

# ---------------------------------------------------------------------------
# Hyperparameters (one plain assignment per line: sweeps rewrite them)
# ---------------------------------------------------------------------------

LR = 0.001
WIDTH = 128
CONTEXT = 8
EMBED_DIM = 16
DEPTH = 1
BATCH_SIZE = 128
WARMDOWN_FRAC = 0.3
WEIGHT_DECAY = 0.0
BETA1 = 0.9
BETA2 = 0.99
INIT_SCALE = 1.0
SEED = 0

# ---------------------------------------------------------------------------

t_start = time.time()
seed = int(os.environ.get("SEED") or SEED)
rng = np.random.default_rng(seed)

train_data = load_split("train").astype(np.int64)
vocab_size = len(load_meta()["vocab"])


def init_params():
    p = {"emb": rng.normal(0, 1.0, (vocab_size, EMBED_DIM))}
    fan_in = CONTEXT * EMBED_DIM
    for i in range(DEPTH):
        p[f"w{i}"] = rng.normal(0, INIT_SCALE / np.sqrt(fan_in), (fan_in, WIDTH))
        p[f"b{i}"] = np.zeros(WIDTH)
        fan_in = WIDTH
    p["w_out"] = rng.normal(0, INIT_SCALE / np.sqrt(fan_in), (fan_in, vocab_size)) * 0.1
    p["b_out"] = np.zeros(vocab_size)
    return {k: v.astype(np.float32) for k, v in p.items()}


params = init_params()
eye = np.eye(vocab_size, dtype=np.float32)
num_params = sum(v.size for v in params.values())


def forward(x, keep=False):
    """x: (B, CONTEXT) ints -> logits (B, vocab); optionally the activations for backprop."""
    h = params["emb"][x].reshape(len(x), CONTEXT * EMBED_DIM)
    acts = [h]
    for i in range(DEPTH):
        h = np.tanh(h @ params[f"w{i}"] + params[f"b{i}"])
        acts.append(h)
    logits = h @ params["w_out"] + params["b_out"]
    return (logits, acts) if keep else logits


def loss_and_grads(x, y):
    logits, acts = forward(x, keep=True)
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    B = len(y)
    loss = -np.log(probs[np.arange(B), y] + 1e-12).mean()
    g = {}
    d = probs
    d[np.arange(B), y] -= 1.0
    d /= B
    g["w_out"] = acts[-1].T @ d
    g["b_out"] = d.sum(axis=0)
    dh = d @ params["w_out"].T
    for i in reversed(range(DEPTH)):
        dz = dh * (1.0 - acts[i + 1] ** 2)
        g[f"w{i}"] = acts[i].T @ dz
        g[f"b{i}"] = dz.sum(axis=0)
        dh = dz @ params[f"w{i}"].T
    g["emb"] = eye[x.reshape(-1)].T @ dh.reshape(-1, EMBED_DIM)  # one-hot matmul: faster than np.add.at
    return float(loss), g


adam_m = {k: np.zeros_like(v) for k, v in params.items()}
adam_v = {k: np.zeros_like(v) for k, v in params.items()}


def adam_step(g, lr, t):
    c1, c2 = 1 - BETA1 ** t, 1 - BETA2 ** t
    for k, p in params.items():
        adam_m[k] = BETA1 * adam_m[k] + (1 - BETA1) * g[k]
        adam_v[k] = BETA2 * adam_v[k] + (1 - BETA2) * g[k] * g[k]
        if WEIGHT_DECAY and k.startswith("w"):
            p *= 1 - lr * WEIGHT_DECAY
        p -= lr * (adam_m[k] / c1) / (np.sqrt(adam_v[k] / c2) + 1e-8)


def lr_at(progress):
    """Constant, then linear warmdown to 0 over the last WARMDOWN_FRAC of the time budget."""
    if progress < 1 - WARMDOWN_FRAC:
        return LR
    return LR * max(0.0, (1 - progress) / WARMDOWN_FRAC)


# ---------------------------------------------------------------------------
# Training loop: runs until TIME_BUDGET seconds of training have elapsed
# ---------------------------------------------------------------------------

offsets = np.arange(CONTEXT)
step, tokens, smooth = 0, 0, None
t_train = time.time()
while True:
    elapsed = time.time() - t_train
    if elapsed >= TIME_BUDGET:
        break
    ix = rng.integers(CONTEXT, len(train_data), BATCH_SIZE)
    x = train_data[ix[:, None] - CONTEXT + offsets]
    y = train_data[ix]
    loss, grads = loss_and_grads(x, y)
    if not np.isfinite(loss):
        print("FAIL")
        sys.exit(1)
    step += 1
    tokens += BATCH_SIZE
    adam_step(grads, lr_at(elapsed / TIME_BUDGET), step)
    smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
    if step % 2000 == 0:
        print(f"step {step:6d} | loss {smooth:.4f} | lr {lr_at(elapsed / TIME_BUDGET):.5f} | {elapsed:5.1f}s", flush=True)
training_seconds = time.time() - t_train

val_bpb = evaluate_bpb(forward, CONTEXT)
if not np.isfinite(val_bpb):
    print("FAIL")
    sys.exit(1)

# No GPU here: "peak_vram_mb" reports the process's peak resident memory (ru_maxrss is KiB on Linux).
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("---")
print(f"val_bpb:          {val_bpb:.6f}")
print(f"training_seconds: {training_seconds:.1f}")
print(f"total_seconds:    {time.time() - t_start:.1f}")
print(f"peak_vram_mb:     {peak_mb:.1f}")
print(f"mfu_percent:      {0.0:.2f}")
print(f"total_tokens_M:   {tokens / 1e6:.1f}")
print(f"num_steps:        {step}")
print(f"num_params_M:     {num_params / 1e6:.2f}")
print(f"depth:            {DEPTH}")
