#!/usr/bin/env python3
"""Checks TileDsl's 2-simplicial attention (TileDsl.Bench --simplicial) against float64 PyTorch and times a
straightforward PyTorch implementation of the same math on the same shapes, in the same run.

Usage: simplicial_compare.py DIR   (DIR holds results.tsv and the outputs of batch 0 written by the benchmark)
"""
import os, re, sys, time
import numpy as np
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
d = sys.argv[1]
CHECKED = 1024


def inputs(tensor, count):
    """The benchmark's inputs: a hash of the element index (SimplicialBench.Input)."""
    i = np.arange(count, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(tensor * 40503)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(2246822519)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(13)
    return (h.astype(np.float64) / 4294967296.0 * 2 - 1).astype(np.float32)


def windows(x, w, start, end):
    """[B, N, H, D] -> [B, end-start, w, H, D]: for each position i in start..end-1 the rows i-w+1 .. i (zeros
    before 0), built from the rows that chunk needs only (so that autograd keeps chunk-sized tensors)."""
    lo = max(0, start - w + 1)
    return F.pad(x[:, lo:end], (0, 0, 0, 0, w - 1 - (start - lo), 0)).unfold(1, w, 1).permute(0, 1, 4, 2, 3)


def simplicial(q, k1, v1, k2, v2, w1, w2, scale, start=0, end=None):
    """O [B, n, Hq, D] and LSE [B, Hq, n] for queries start..end-1 (plain PyTorch, the definition)."""
    B, N, Hq, D = q.shape
    Hkv = k1.shape[2]
    end = N if end is None else end
    G = Hq // Hkv
    K1w, V1w = windows(k1, w1, start, end), windows(v1, w1, start, end)
    K2w, V2w = windows(k2, w2, start, end), windows(v2, w2, start, end)
    qg = q[:, start:end].reshape(B, end - start, Hkv, G, D)
    a = torch.einsum('bnhgjd,bnkhd->bnhgjk', torch.einsum('bnhgd,bnjhd->bnhgjd', qg, K1w), K2w) * scale
    pos = torch.arange(start, end, device=q.device)
    jvalid = (pos[:, None] - w1 + 1 + torch.arange(w1, device=q.device)) >= 0
    kvalid = (pos[:, None] - w2 + 1 + torch.arange(w2, device=q.device)) >= 0
    mask = (jvalid[:, :, None] & kvalid[:, None, :])[None, :, None, None]
    a = a.masked_fill(~mask, float('-inf'))
    flat = a.flatten(-2)
    lse = torch.logsumexp(flat, -1)
    p = torch.softmax(flat, -1).view_as(a)
    o = torch.einsum('bnhgjd,bnjhd->bnhgd', torch.einsum('bnhgjk,bnkhd->bnhgjd', p, V2w), V1w)
    return o.reshape(B, end - start, Hq, D), lse.reshape(B, end - start, Hq).transpose(1, 2)


def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name + ".f32"), dtype=np.float32).reshape(shape))


rows = []
for line in open(os.path.join(d, "results.tsv")).read().splitlines()[1:]:
    kernel, shape, ms, unit, value = line.split("\t")
    rows.append((kernel, shape, float(ms), float(value)))

table, checks, determinant = [], [], []
for kernel, shape, ms, value in rows:
    if not kernel.startswith("simplicial_fwd_"):
        continue
    name = kernel[len("simplicial_fwd_"):]
    bwd_ms, bwd_value = next((m, v) for k, s, m, v in rows if k == "simplicial_bwd_" + name)
    if name.startswith("det_"):  # the determinant variant: timed only (checked on CUDA by TwoSimplicial random)
        determinant.append((name[len("det_"):], shape, ms, value, bwd_ms, bwd_value))
        continue
    B, N, Hq, Hkv, D = (int(x) for x in re.match(r"B(\d+) N(\d+) Hq(\d+) Hkv(\d+) D(\d+)", shape).groups())
    w1, w2 = (int(x) for x in re.search(r"w1=(\d+) w2=(\d+)", shape).groups())
    scale = 1 / D ** 0.5

    # float64 check on batch 0, positions 0..R-1 (causal: those outputs depend on these positions only).
    R = min(CHECKED, N)
    t = [torch.from_numpy(inputs(i, R * (Hq if i in (0, 5) else Hkv) * D)).double().cuda()
         .reshape(1, R, Hq if i in (0, 5) else Hkv, D).requires_grad_(i != 5) for i in range(6)]
    q, k1, v1, k2, v2, do = t
    o, lse = simplicial(q, k1, v1, k2, v2, w1, w2, scale)
    grads = torch.autograd.grad(o, (q, k1, v1, k2, v2), do)

    def err(actual, expected):
        return ((actual.double().cuda() - expected).abs().max() / expected.abs().max()).item()

    checks.append((name, "o", err(load(name + "_o", (1, R, Hq, D)), o.detach())))
    checks.append((name, "lse", err(load(name + "_lse", (1, Hq, R)), lse.detach())))
    checks.append((name, "dq", err(load(name + "_dq", (1, R, Hq, D)), grads[0])))
    for g, label, w in zip(grads[1:], ("dk1", "dv1", "dk2", "dv2"), (w1, w1, w2, w2)):
        full = R - w + 1  # rows whose every query lies below R
        if full > 0:
            checks.append((name, f"{label} (rows < {full})", err(load(name + "_" + label, (1, R, Hkv, D))[:, :full], g[:, :full])))
    del t, q, k1, v1, k2, v2, do, o, lse, grads
    torch.cuda.empty_cache()

    # PyTorch timing at full size, fp32, chunked over queries so that the [chunk, Hq, w1, w2] logits fit.
    gen = torch.Generator(device="cuda").manual_seed(0)
    q = torch.rand(B, N, Hq, D, device="cuda", generator=gen) * 2 - 1
    k1, v1, k2, v2 = (torch.rand(B, N, Hkv, D, device="cuda", generator=gen) * 2 - 1 for _ in range(4))
    do = torch.rand(B, N, Hq, D, device="cuda", generator=gen) * 2 - 1
    chunk = max(1, int(2 ** 28 // (B * Hq * w1 * w2)))

    def forward():
        with torch.no_grad():
            for s in range(0, N, chunk):
                simplicial(q, k1, v1, k2, v2, w1, w2, scale, s, min(N, s + chunk))

    leaves = [x.requires_grad_() for x in (q, k1, v1, k2, v2)]

    def forward_backward():
        for s in range(0, N, chunk):
            e = min(N, s + chunk)
            o, _ = simplicial(*leaves, w1, w2, scale, s, e)
            torch.autograd.backward(o, do[:, s:e])

    def timed(fn):
        fn()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000

    ref_fwd = timed(forward)
    ref_bwd = timed(forward_backward) - ref_fwd
    flops = value * ms * 1e9  # the benchmark's useful-FLOP count
    table.append((name, shape, "forward", ms, value, ref_fwd, flops / ref_fwd / 1e9))
    table.append((name, shape, "backward", bwd_ms, bwd_value, ref_bwd, 2.5 * flops / ref_bwd / 1e9))
    del q, k1, v1, k2, v2, do, leaves
    torch.cuda.empty_cache()

print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
print()
print("| case | shape | pass | TileDsl ms | TileDsl TFLOP/s | PyTorch ms | PyTorch TFLOP/s | TileDsl / PyTorch |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, shape, what, ms, value, ref_ms, ref_value in table:
    print(f"| {name} | {shape} | {what} | {ms:.1f} | {value:.2f} | {ref_ms:.1f} | {ref_value:.2f} | {value / ref_value:.2f}× |")
print()
print("| case | output (batch 0, first positions) | max abs error / max abs float64 reference |")
print("| --- | --- | --- |")
for name, what, e in checks:
    print(f"| {name} | {what} | {e:.2e} |")
bad = [f"{n} {w}" for n, w, e in checks if not e < 1e-4]
if bad:
    print("FAILED:", ", ".join(bad))
    sys.exit(1)
print()
print("Determinant variant (same tiling as the trilinear row; TFLOP/s with the trilinear FLOP count):")
print()
print("| case | shape | forward ms | forward TFLOP/s | backward ms | backward TFLOP/s |")
print("| --- | --- | --- | --- | --- | --- |")
for name, shape, ms, value, bwd_ms, bwd_value in determinant:
    print(f"| {name} | {shape} | {ms:.1f} | {value:.2f} | {bwd_ms:.1f} | {bwd_value:.2f} |")
