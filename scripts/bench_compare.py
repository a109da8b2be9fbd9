#!/usr/bin/env python3
"""Checks the outputs of TileDsl.Bench against PyTorch and times PyTorch's ops on the same shapes, in the same run.

Usage: bench_compare.py DIR  (DIR holds results.tsv and the raw float32 (.f32) and bf16 (.bf16) files written by TileDsl.Bench)
Prints a markdown table (TileDsl vs PyTorch) and the maximum errors against float64 references. Without a GPU, PyTorch
runs on the CPU (the benchmark's --small sizes; the timings then compare nothing).
"""
import sys, math, os, time
import numpy as np
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
d = sys.argv[1]
dev = "cuda" if torch.cuda.is_available() else "cpu"


def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name + ".f32"), dtype=np.float32).reshape(shape)).to(dev)


def load_bf16(name, shape):
    """A raw bf16 file as float32 (exactly: a bf16 is the top half of a float32)."""
    bits = np.fromfile(os.path.join(d, name + ".bf16"), dtype=np.uint16).astype(np.uint32) << 16
    return torch.from_numpy(bits.view(np.float32).reshape(shape)).to(dev)


def bench(fn):
    for _ in range(3):
        fn()
    if dev == "cpu":
        start = time.perf_counter()
        fn()
        n = max(3, min(200, int(1 / max(time.perf_counter() - start, 1e-6))))
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) * 1000 / n
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    n = max(3, min(200, int(1000 / max(start.elapsed_time(end), 1e-3))))
    start.record()
    for _ in range(n):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / n


def err(actual, expected):
    """max |actual - expected| / max |expected|"""
    return ((actual.double() - expected).abs().max() / expected.abs().max()).item()


rows = {}
for line in open(os.path.join(d, "results.tsv")).read().splitlines()[1:]:
    kernel, shape, ms, unit, value = line.split("\t")
    rows[kernel] = (shape, float(ms), unit, float(value))

out = []
checks = []

if any(k.startswith("matmul_bk") for k in rows):
    matmuls = {k: r for k, r in rows.items() if k.startswith("matmul_bk")}
    best = max(matmuls, key=lambda k: matmuls[k][3])
    shape, ms, unit, value = matmuls[best]
    n = int(shape.split("x")[0])
    a, b, c = load("matmul_a", (n, n)), load("matmul_b", (n, n)), load("matmul_c", (n, n))
    checks.append(("matmul C", err(c, a.double() @ b.double()), 1e-4))
    t = bench(lambda: torch.matmul(a, b))
    for name, (_, m_ms, _, m_value) in sorted(matmuls.items()):
        print(f"{name}: {m_ms:.3f} ms, {m_value:.2f} TFLOP/s")
    out.append((f"matmul fp32 (TF32 off), best of blocks: {best}", shape, ms, value, t, 2 * n ** 3 / t / 1e9, "TFLOP/s", "torch.matmul"))

# Matmuls on tensor cores: 16-bit (C rounded to 16 bits: its error bound is half an ulp of the type on top of the fp32
# sum), and fp32 at tf32 (operands truncated to 10 mantissa bits; torch with TF32 allowed, its inputs and output fp32;
# "tf32tn": B given transposed, [N, K], to both; "tf32kernel": the Tf32 kernel on row-major B, without the host API's
# transposition).
for dtype, name in ((torch.bfloat16, "bf16"), (torch.float16, "fp16"), (torch.float32, "tf32"), (torch.float32, "tf32tn"), (torch.float32, "tf32kernel")):
    group = {k: r for k, r in rows.items() if k.startswith(f"matmul_{name}_")}
    if not group:
        continue
    best = max(group, key=lambda k: group[k][3])
    shape, ms, unit, value = group[best]
    n = int(shape.split("x")[0])
    a, b = (load(f"matmul_{name}_{s}", (n, n)) for s in "ab")
    reference = a.double() @ b.double()
    # Each block size and tensor-core path's own result (matmul_{name}_c_{label}); an older benchmark saved one C.
    for label in [""] + sorted("_" + k[len(f"matmul_{name}_"):] for k in group):
        if os.path.exists(os.path.join(d, f"matmul_{name}_c{label}.f32")):
            checks.append((f"matmul {name} C{f' ({label[1:]})' if label else ''}", err(load(f"matmul_{name}_c{label}", (n, n)), reference), 2e-2 if name == "bf16" else 5e-3))
    a16, b16 = a.to(dtype), b.to(dtype)
    if name == "tf32tn":
        b16 = b16.t().contiguous().t()  # the transposed view of Bᵀ [N, K]: cuBLAS's "TN"
    torch.backends.cuda.matmul.allow_tf32 = name.startswith("tf32")
    t = bench(lambda: torch.matmul(a16, b16))
    torch.backends.cuda.matmul.allow_tf32 = False
    for k_, (_, m_ms, _, m_value) in sorted(group.items()):
        print(f"{k_}: {m_ms:.3f} ms, {m_value:.2f} TFLOP/s")
    out.append((f"matmul {name} (fp32 accumulation), best of blocks: {best}", shape, ms, value, t, 2 * n ** 3 / t / 1e9, "TFLOP/s", f"torch.matmul {name}{' (allow_tf32)' if name.startswith('tf32') else ''}"))

if "softmax" in rows:
    shape, ms, unit, value = rows["softmax"]
    r, cols = map(int, shape.split("x"))
    x = load("rows_x", (r, cols))
    checks.append(("softmax y", err(load("softmax_y", (r, cols)), torch.softmax(x.double(), -1)), 1e-4))
    t = bench(lambda: torch.softmax(x, -1))
    out.append(("softmax", shape, ms, value, t, 2 * r * cols * 4 / t / 1e6, "GB/s", "torch.softmax"))

    shape, ms, unit, value = rows["layernorm"]
    w, bias = load("layernorm_w", (cols,)), load("layernorm_b", (cols,))
    checks.append(("layernorm y", err(load("layernorm_y", (r, cols)), F.layer_norm(x.double(), (cols,), w.double(), bias.double(), 1e-5)), 1e-4))
    t = bench(lambda: F.layer_norm(x, (cols,), w, bias, 1e-5))
    out.append(("layer norm", shape, ms, value, t, 2 * r * cols * 4 / t / 1e6, "GB/s", "F.layer_norm"))

if "attention_fwd" in rows:
    shape, ms, unit, value = rows["attention_fwd"]
    B, N, H, D = (int(p[1:]) for p in shape.split()[:4])
    q, k, v, do = (load("attn_" + s, (B, N, H, D)) for s in ("q", "k", "v", "do"))
    # float64 reference on batch 0 (the [H, N, N] matrices of all batches would not fit in float64).
    qd, kd, vd, dod = (t_[:1].double().transpose(1, 2).requires_grad_() for t_ in (q, k, v, do))
    od = F.scaled_dot_product_attention(qd, kd, vd, is_causal=True)
    dq_ref, dk_ref, dv_ref = torch.autograd.grad(od, (qd, kd, vd), dod)
    o = load("attn_o", (B, N, H, D))[:1].transpose(1, 2)
    checks.append(("attention O (batch 0)", err(o, od.detach()), 1e-4))
    for name, ref in (("dq", dq_ref), ("dk", dk_ref), ("dv", dv_ref)):
        checks.append((f"attention {name} (batch 0)", err(load("attn_" + name, (B, N, H, D))[:1].transpose(1, 2), ref), 1e-4))
    flops = 4 * B * H * N * N * D / 2
    qt, kt, vt = (t_.transpose(1, 2).requires_grad_() for t_ in (q, k, v))
    dot = do.transpose(1, 2)
    t = bench(lambda: F.scaled_dot_product_attention(qt, kt, vt, is_causal=True))
    out.append(("attention forward fp32", shape, ms, value, t, flops / t / 1e9, "TFLOP/s", "F.scaled_dot_product_attention"))
    shape, ms, unit, value = rows["attention_bwd"]
    ot = F.scaled_dot_product_attention(qt, kt, vt, is_causal=True)
    t = bench(lambda: torch.autograd.grad(ot, (qt, kt, vt), dot, retain_graph=True))
    out.append(("attention backward fp32", shape, ms, value, t, 2.5 * flops / t / 1e9, "TFLOP/s", "SDPA backward (autograd)"))

# Causal flash attention in bf16 (fp32 accumulation), D = 64 and 128: batch 0 of the benchmark's outputs against float64
# SDPA of its bf16 inputs (and torch's own bf16 SDPA against the same, for scale); torch's bf16 SDPA timed on the full
# shape, forward and backward, beside ours.
for D in (64, 128):
    key = f"flash16_d{D}"
    if key + "_fwd" not in rows:
        continue
    shape, ms, unit, value = rows[key + "_fwd"]
    B, N, H = (int(p[1:]) for p in shape.split()[:3])
    q, k, v, do = (load_bf16(f"{key}_{s}", (1, N, H, D)).transpose(1, 2) for s in ("q", "k", "v", "do"))
    qd, kd, vd = (t_.double().requires_grad_() for t_ in (q, k, v))
    od = F.scaled_dot_product_attention(qd, kd, vd, is_causal=True)
    ref = dict(zip(("dq", "dk", "dv"), torch.autograd.grad(od, (qd, kd, vd), do.double())))
    ref["o"] = od.detach()
    scores = (qd.detach() @ kd.detach().transpose(-1, -2)) / math.sqrt(D)
    scores.masked_fill_(torch.ones(N, N, dtype=torch.bool, device=dev).triu(1), float("-inf"))
    ref["lse"] = torch.logsumexp(scores, -1).reshape(-1)
    del scores
    q16, k16, v16 = (t_.to(torch.bfloat16).requires_grad_() for t_ in (q, k, v))
    o16 = F.scaled_dot_product_attention(q16, k16, v16, is_causal=True)
    torch_bf16 = dict(zip(("dq", "dk", "dv"), torch.autograd.grad(o16, (q16, k16, v16), do.to(torch.bfloat16))))
    torch_bf16["o"] = o16.detach()
    for name in ("o", "dq", "dk", "dv"):
        ours = load_bf16(f"{key}_{name}", (1, N, H, D)).transpose(1, 2)
        checks.append((f"flash16 D{D} {name} (batch 0; torch bf16: {err(torch_bf16[name], ref[name]):.2e})", err(ours, ref[name]), 2e-2))
    checks.append((f"flash16 D{D} lse (batch 0, float32)", err(load(f"{key}_lse", (H * N,)), ref["lse"]), 1e-4))
    del qd, kd, vd, od, ref, q16, k16, v16, o16, torch_bf16
    flops = 4 * B * H * N * N * D / 2
    qt, kt, vt, dot = ((torch.rand(B, N, H, D, device=dev) * 2 - 1).to(torch.bfloat16).transpose(1, 2) for _ in range(4))
    qt, kt, vt = (t_.requires_grad_() for t_ in (qt, kt, vt))
    t = bench(lambda: F.scaled_dot_product_attention(qt, kt, vt, is_causal=True))
    out.append((f"flash attention bf16 forward D{D}", shape, ms, value, t, flops / t / 1e9, "TFLOP/s", "SDPA bf16 (is_causal)"))
    shape, ms, unit, value = rows[key + "_bwd"]
    ot = F.scaled_dot_product_attention(qt, kt, vt, is_causal=True)
    t = bench(lambda: torch.autograd.grad(ot, (qt, kt, vt), dot, retain_graph=True))
    out.append((f"flash attention bf16 backward D{D}", shape, ms, value, t, 2.5 * flops / t / 1e9, "TFLOP/s", "SDPA bf16 backward (autograd)"))
    del qt, kt, vt, dot, ot

print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}" if dev == "cuda" else f"CPU (no GPU), torch {torch.__version__}")
print()
print("| kernel | shape | TileDsl ms | TileDsl | reference | ref ms | ref | TileDsl / ref |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, shape, ms, value, t, ref, unit, what in out:
    print(f"| {name} | {shape} | {ms:.3f} | {value:.2f} {unit} | {what} | {t:.3f} | {ref:.2f} {unit} | {value / ref:.2f}× |")
print()
print("| check against float64 | max abs error / max abs reference | bound |")
print("| --- | --- | --- |")
for name, e, bound in checks:
    print(f"| {name} | {e:.2e} | {bound:.0e} |")
bad = [name for name, e, bound in checks if not (e < bound)]
if bad:
    print("FAILED:", ", ".join(bad))
    sys.exit(1)
