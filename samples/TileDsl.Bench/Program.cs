using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using TileDsl;
using TileDsl.Attention;
using TileDsl.Bench;
using TileDsl.Kernels.Tutorials;
using Half = System.Half;

// Benchmarks the tutorial kernels on an accelerator at realistic sizes. For each kernel it writes the inputs and
// outputs as raw float32 files and its timing as a line of results.tsv into the output folder;
// scripts/bench_compare.py then checks the outputs against PyTorch and times PyTorch's ops side by side.
// Usage: TileDsl.Bench --out DIR [--device cuda|cpu] [--small]
//        TileDsl.Bench --out DIR --simplicial [--n N]        2-simplicial attention at B=4, N=16384 (SimplicialBench)
//        TileDsl.Bench --out DIR --simplicial-sweep [--n N] [--variant trilinear|determinant]  every tiling at B=4, N=4096
//        TileDsl.Bench --out DIR --ptx NAME...    every kernel compiled to PTX (no GPU needed), the named ones saved (PtxDump)
//        --only matmul|matmul16|rows|attention|flash16    one group of the tutorial benchmarks (e.g. under a profiler)
//        --only matmul16 --n 8192                 the 16-bit matmuls at another size
//        --only sixteen                           bf16 and fp16 on the device against the interpreter (SixteenBitCheck)
//        --only tf32                              how the tensor cores read floats at tf32 (Tf32Check)
//        --only tuples                            tuple-valued Reduce and AssociativeScan on the device against the interpreter (TupleCheck)
//        --tensor-cores mmasync|wgmma             the tensor-core path of the launches (TensorCores.Use; default: the
//                                                 device's), e.g. wgmma to run the Hopper kernels' emulation on the CPU
//        --only large                             a view past 2^31 elements through long offsets (LargeViewCheck)
string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
string outDir = Option("--out", "bench-out");
if (args.Contains("--ptx"))
{
    Directory.CreateDirectory(outDir);
    return PtxDump.Run(outDir, args.SkipWhile(a => a != "--ptx").Skip(1).ToArray());
}
string device = Option("--device", "cuda");
bool small = args.Contains("--small");
string only = Option("--only", "");
bool Wants(string group) => only.Length == 0 || only == group;
using var tensorCores = TensorCores.Use(Option("--tensor-cores", "auto") switch
{
    "mmasync" => TensorCorePath.MmaSync,
    "wgmma" => TensorCorePath.Wgmma,
    _ => TensorCorePath.Auto,
});
Directory.CreateDirectory(outDir);

using var context = TileAccelerators.CreateContext();
using var accelerator = TileAccelerators.Create(context, device == "cuda" ? TileDevice.Cuda : TileDevice.Cpu);
var stream = accelerator.DefaultStream;
var random = new Random(7);
var results = new Results();
Console.WriteLine($"TileDsl benchmarks on {accelerator.Name}");

float[] Random(long count)
{
    var data = new float[count];
    for (long i = 0; i < count; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
    return data;
}

MemoryBuffer1D<float, Stride1D.Dense> Upload(string name, float[] data)
{
    Save(name, data);
    return accelerator.Allocate1D(data);
}

void Save(string name, float[] data)
{
    using var file = File.Create(Path.Combine(outDir, name + ".f32"));
    file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
}

void Download(string name, MemoryBuffer1D<float, Stride1D.Dense> buffer) => Save(name, buffer.GetAsArray1D());

// Milliseconds per launch: a warm-up (which also compiles), then enough launches to fill about a second. Also prints
// how long the host took to enqueue each launch: when that comes close to the time per launch, the figure measures the
// launch path, not the kernel.
double Time(Action launch)
{
    launch();
    accelerator.Synchronize();
    var watch = Stopwatch.StartNew();
    launch();
    accelerator.Synchronize();
    int iterations = Math.Clamp((int)(1000 / Math.Max(watch.Elapsed.TotalMilliseconds, 1e-3)), 3, 200);
    watch.Restart();
    for (int i = 0; i < iterations; i++) launch();
    double enqueue = watch.Elapsed.TotalMilliseconds / iterations;
    accelerator.Synchronize();
    double ms = watch.Elapsed.TotalMilliseconds / iterations;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (host enqueue {enqueue:F4} ms of {ms:F4} ms per launch)"));
    return ms;
}

if (args.Contains("--simplicial") || args.Contains("--simplicial-sweep"))
{
    bool sweep = args.Contains("--simplicial-sweep");
    var variant = Option("--variant", "trilinear") == "determinant" ? TwoSimplicialAttention.Variant.Determinant : TwoSimplicialAttention.Variant.Trilinear;
    int n = int.Parse(Option("--n", small ? "256" : sweep ? "4096" : "16384"), CultureInfo.InvariantCulture);
    int batch = small ? 1 : 4;
    SimplicialBench.Run(accelerator, outDir, results, new[]
    {
        ("gqa64_w32x512", new TwoSimplicialAttention.Shape(batch, n, small ? 8 : 64, 1, 128), 32, 512),
        ("gqa16_w32x512", new TwoSimplicialAttention.Shape(batch, n, 16, 1, 128), 32, 512),
        ("mha16_w512x32", new TwoSimplicialAttention.Shape(batch, n, small ? 2 : 16, small ? 2 : 16, 128), 512, 32),
    }, sweep ? variant : null);
    results.Write(outDir);
    return 0;
}

// Matmul: C = A·B, fp32 accumulation.
if (Wants("matmul"))
{
    int size = small ? 512 : 4096;
    using var a = Upload("matmul_a", Random((long)size * size));
    using var b = Upload("matmul_b", Random((long)size * size));
    using var c = accelerator.Allocate1D<float>((long)size * size);
    foreach (int bk in new[] { 8, 16, 32 })
    {
        var blocks = new Matmul.Blocks(128, 128, bk);
        double ms = Time(() => Matmul.Run(stream, a.View, b.View, c.View, size, size, size, blocks));
        results.Add($"matmul_bk{bk}", $"{size}x{size}x{size}", ms, "TFLOP/s", 2.0 * size * size * size / 1e9);
    }
    Matmul.Run(stream, a.View, b.View, c.View, size, size, size); // the host API's default blocks produce the checked output
    Download("matmul_c", c);
}

// Matmul of bf16, of fp16 and of floats at tf32 on tensor cores: C = A·B, fp32 accumulation (C 16-bit, or float). The
// 16-bit inputs are saved as floats (exactly) for the check; C is saved as floats of its 16-bit values.
if (Wants("matmul16"))
{
    int size = int.Parse(Option("--n", small ? "512" : "4096"), CultureInfo.InvariantCulture);
    float[] a32 = Random((long)size * size), b32 = Random((long)size * size);
    var blocks = new[] { new Matmul.Blocks(128, 128, 32), new Matmul.Blocks(128, 128, 64), new Matmul.Blocks(128, 256, 64) };
    TensorCoreMatmul("bf16", v => (BFloat16)v, v => (float)v, blocks, (a, b, c, bs) => Matmul.Run(stream, a, b, c, size, size, size, bs));
    TensorCoreMatmul("fp16", v => (Half)v, v => (float)v, blocks, (a, b, c, bs) => Matmul.Run(stream, a, b, c, size, size, size, bs));
    var tf32Blocks = new[] { new Matmul.Blocks(128, 128, 32), new Matmul.Blocks(128, 256, 32) };
    // The host API (B transposed into the workspace first, then the TN kernel), and the Tf32 kernel reading B as it is.
    using (var workspace = accelerator.Allocate1D<float>((long)size * size))
        TensorCoreMatmul("tf32", v => v, v => v, tf32Blocks, (a, b, c, bs) => Matmul.Run(stream, a, b, c, size, size, size, bs, InputPrecision.Tf32, workspace: workspace.View));
    TensorCoreMatmul("tf32kernel", v => v, v => v, tf32Blocks, (a, b, c, bs) => Matmul.Tf32Kernel.Run(stream, Tl.Cdiv(size, bs.BM) * Tl.Cdiv(size, bs.BN),
        new Matmul.Tf32Kernel.Args(a, b, c, size, size, size, size, size, size, bs.BM, bs.BN, bs.BK, 8)));
    // The same from Bᵀ ("TN": both operands contiguous along k); saved and checked as A and B like the others.
    using (var bT = accelerator.Allocate1D(Enumerable.Range(0, size * size).Select(i => b32[(long)(i % size) * size + i / size]).ToArray()))
        TensorCoreMatmul("tf32tn", v => v, v => v, tf32Blocks, (a, _, c, bs) => Matmul.Run(stream, a, bT.View, c, size, size, size, bs, InputPrecision.Tf32, transposedB: true));

    void TensorCoreMatmul<T>(string name, Func<float, T> round, Func<T, float> widen, Matmul.Blocks[] blocks, Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, Matmul.Blocks> run)
        where T : unmanaged
    {
        var (a, b) = (a32.Select(round).ToArray(), b32.Select(round).ToArray());
        Save($"matmul_{name}_a", a.Select(widen).ToArray());
        Save($"matmul_{name}_b", b.Select(widen).ToArray());
        using var ad = accelerator.Allocate1D(a);
        using var bd = accelerator.Allocate1D(b);
        using var cd = accelerator.Allocate1D<T>((long)size * size);
        // mma.sync beside the default path (wgmma on Hopper, where a block has a Hopper kernel); every result is checked.
        foreach (var (path, suffix) in new[] { (TensorCorePath.MmaSync, "_mmasync"), (TensorCorePath.Auto, "") })
        {
            using var scope = TensorCores.Use(path);
            foreach (var bs in blocks)
            {
                double ms = Time(() => run(ad.View, bd.View, cd.View, bs));
                string label = $"{(bs.BN == 128 ? "" : $"bn{bs.BN}_")}bk{bs.BK}{suffix}";
                results.Add($"matmul_{name}_{label}", $"{size}x{size}x{size}", ms, "TFLOP/s", 2.0 * size * size * size / 1e9);
                Save($"matmul_{name}_c_{label}", cd.GetAsArray1D().Select(widen).ToArray());
            }
        }
    }
}

// Softmax and layer norm over rows: bytes moved = read x + write y.
if (Wants("rows"))
{
    int rows = small ? 512 : 4096, cols = small ? 512 : 4096;
    long count = (long)rows * cols;
    using var x = Upload("rows_x", Random(count));
    using var y = accelerator.Allocate1D<float>(count);
    double ms = Time(() => Softmax.Run(stream, x.View, y.View, rows, cols));
    Download("softmax_y", y);
    results.Add("softmax", $"{rows}x{cols}", ms, "GB/s", 2.0 * count * 4 / 1e6);

    using var w = Upload("layernorm_w", Random(cols));
    using var bias = Upload("layernorm_b", Random(cols));
    using var mean = accelerator.Allocate1D<float>(rows);
    using var rstd = accelerator.Allocate1D<float>(rows);
    ms = Time(() => LayerNorm.Run(stream, x.View, y.View, w.View, bias.View, mean.View, rstd.View, rows, cols));
    Download("layernorm_y", y);
    results.Add("layernorm", $"{rows}x{cols}", ms, "GB/s", 2.0 * count * 4 / 1e6);
}

// Causal flash attention, [B, N, H, D]: forward FLOPs 4·B·H·N²·D/2 (two matmuls over the causal half), backward 2.5× that.
if (Wants("attention"))
{
    var shape = small ? new FlashAttention.Shape(1, 512, 2, 64) : new FlashAttention.Shape(4, 4096, 16, 64);
    long count = (long)shape.Batch * shape.N * shape.Heads * shape.D, rows = (long)shape.Batch * shape.Heads * shape.N;
    using var q = Upload("attn_q", Random(count));
    using var k = Upload("attn_k", Random(count));
    using var v = Upload("attn_v", Random(count));
    using var dO = Upload("attn_do", Random(count));
    using var o = accelerator.Allocate1D<float>(count);
    using var lse = accelerator.Allocate1D<float>(rows);
    using var delta = accelerator.Allocate1D<float>(rows);
    using var dq = accelerator.Allocate1D<float>(count);
    using var dk = accelerator.Allocate1D<float>(count);
    using var dv = accelerator.Allocate1D<float>(count);
    double forwardFlops = 4.0 * shape.Batch * shape.Heads * shape.N * (double)shape.N * shape.D / 2;
    string text = $"B{shape.Batch} N{shape.N} H{shape.Heads} D{shape.D} causal";
    double ms = Time(() => FlashAttention.Forward(stream, shape, q.View, k.View, v.View, o.View, lse.View));
    Download("attn_o", o);
    Download("attn_lse", lse);
    results.Add("attention_fwd", text, ms, "TFLOP/s", forwardFlops / 1e9);
    ms = Time(() => FlashAttention.Backward(stream, shape, q.View, k.View, v.View, o.View, dO.View, lse.View, delta.View, dq.View, dk.View, dv.View));
    Download("attn_dq", dq);
    Download("attn_dk", dk);
    Download("attn_dv", dv);
    results.Add("attention_bwd", text, ms, "TFLOP/s", 2.5 * forwardFlops / 1e9);
}

// Causal flash attention in bf16 on tensor cores, [B, N, H, D] at D = 64 and 128 (FLOPs as above). The inputs are
// uniform in [-1, 1] rounded to bf16; batch 0's inputs and outputs are saved as raw bf16 bits (flash16_d{D}_{name}.bf16,
// LSE as float32) for the float64 check in scripts/bench_compare.py, which times torch's SDPA on the full shape.
if (Wants("flash16"))
{
    foreach (int d in new[] { 64, 128 })
    {
        var shape = small ? new FlashAttention.Shape(1, 130, 1, d) : new FlashAttention.Shape(4, 4096, 16, d);
        long count = (long)shape.Batch * shape.N * shape.Heads * d, rows = (long)shape.Batch * shape.Heads * shape.N;
        long perBatch = count / shape.Batch;
        string name = $"flash16_d{d}";
        using var q = UploadBf16("q");
        using var k = UploadBf16("k");
        using var v = UploadBf16("v");
        using var dO = UploadBf16("do");
        using var o = accelerator.Allocate1D<BFloat16>(count);
        using var lse = accelerator.Allocate1D<float>(rows);
        using var delta = accelerator.Allocate1D<float>(rows);
        using var dq = accelerator.Allocate1D<BFloat16>(count);
        using var dk = accelerator.Allocate1D<BFloat16>(count);
        using var dv = accelerator.Allocate1D<BFloat16>(count);
        double forwardFlops = 4.0 * shape.Batch * shape.Heads * shape.N * (double)shape.N * d / 2;
        string text = $"B{shape.Batch} N{shape.N} H{shape.Heads} D{d} causal";
        double ms = Time(() => FlashAttention.Forward(stream, shape, q.View, k.View, v.View, o.View, lse.View));
        results.Add($"{name}_fwd", text, ms, "TFLOP/s", forwardFlops / 1e9);
        ms = Time(() => FlashAttention.Backward(stream, shape, q.View, k.View, v.View, o.View, dO.View, lse.View, delta.View, dq.View, dk.View, dv.View));
        results.Add($"{name}_bwd", text, ms, "TFLOP/s", 2.5 * forwardFlops / 1e9);
        foreach (var (output, suffix) in new[] { (o, "o"), (dq, "dq"), (dk, "dk"), (dv, "dv") })
            SaveBf16(suffix, Prefix<BFloat16>(output.View, perBatch));
        Save($"{name}_lse", Prefix<float>(lse.View, rows / shape.Batch));

        static T[] Prefix<T>(ArrayView<T> view, long length) where T : unmanaged => view.SubView(0, length).GetAsArray();

        MemoryBuffer1D<BFloat16, Stride1D.Dense> UploadBf16(string tensor)
        {
            var data = Random(count).Select(x => (BFloat16)x).ToArray();
            SaveBf16(tensor, data.AsSpan(0, (int)perBatch).ToArray());
            return accelerator.Allocate1D(data);
        }

        void SaveBf16(string tensor, BFloat16[] data)
        {
            using var file = File.Create(Path.Combine(outDir, $"{name}_{tensor}.bf16"));
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        }
    }
}

if (only == "sixteen") return SixteenBitCheck.Run(accelerator);
if (only == "tf32") return Tf32Check.Run(accelerator);
if (only == "tuples") return TupleCheck.Run(accelerator);
if (only == "large") return LargeViewCheck.Run(accelerator);

results.Write(outDir);
return 0;
