using System;
using System.Diagnostics;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using TileDsl;
using TileDsl.Kernels;

// Runs the sample tile kernels on an ILGPU accelerator (the CPU one by default, `--device cuda` for the GPU) and in
// the host interpreter, and checks both against float64 references computed here with plain loops.
var device = args.SkipWhile(a => a != "--device").Skip(1).FirstOrDefault() ?? "cpu";
if (device is not ("cpu" or "cuda"))
{
    Console.Error.WriteLine($"Unknown device '{device}': use --device cpu or --device cuda.");
    return 2;
}

using var context = TileAccelerators.CreateContext();
using var accelerator = TileAccelerators.Create(context, device == "cuda" ? TileDevice.Cuda : TileDevice.Cpu);
Console.WriteLine($"TileDsl samples on {accelerator.Name} ({accelerator.AcceleratorType}), checked against float64 references");
Console.WriteLine();
var random = new Random(42);
bool ok = true;

// 1. Vector add, n not a multiple of the block.
{
    const int n = 100_003, block = 1024;
    var x = RandomFloats(n);
    var y = RandomFloats(n);
    using var xs = accelerator.Allocate1D(x);
    using var ys = accelerator.Allocate1D(y);
    using var zs = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, n).ToArray());
    var watch = Stopwatch.StartNew();
    BasicKernels.VectorAddKernel.Launch(accelerator, Tl.Cdiv(n, block), xs.View, ys.View, zs.View, n, block);
    accelerator.Synchronize();
    var z = zs.GetAsArray1D();
    var zi = Enumerable.Repeat(float.NaN, n).ToArray();
    BasicKernels.VectorAddKernel.Interpret(Tl.Cdiv(n, block), x, y, zi, n, block);
    var expected = Enumerable.Range(0, n).Select(i => (double)x[i] + y[i]).ToArray();
    ok &= Report($"VectorAdd   n={n}, BLOCK={block}", expected, z, zi, tolerance: 1.2e-7, watch.Elapsed);
}

// 2. Scale and row-wise bias on a ragged, padded matrix (2-D grid, masked edges, broadcast bias[None, ..]).
{
    const int rows = 300, cols = 517, stride = 520, bm = 32, bn = 64;
    const float scale = 0.5f;
    var x = RandomFloats(rows * stride);
    var bias = RandomFloats(cols);
    using var xs = accelerator.Allocate1D(x);
    using var bs = accelerator.Allocate1D(bias);
    using var outs = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, rows * stride).ToArray());
    var grid = (Tl.Cdiv(rows, bm), Tl.Cdiv(cols, bn));
    var watch = Stopwatch.StartNew();
    BasicKernels.RowBiasAddKernel.Launch(accelerator, grid, xs.View, bs.View, outs.View, rows, cols, stride, scale, bm, bn);
    accelerator.Synchronize();
    var result = outs.GetAsArray1D();
    var interpreted = Enumerable.Repeat(float.NaN, rows * stride).ToArray();
    BasicKernels.RowBiasAddKernel.Interpret(grid, x, bias, interpreted, rows, cols, stride, scale, bm, bn);
    var expected = Enumerable.Range(0, rows * stride)
        .Select(i => i % stride < cols ? (double)x[i] * scale + bias[i % stride] : double.NaN).ToArray();
    ok &= Report($"RowBiasAdd  {rows}x{cols} (stride {stride}), {bm}x{bn} blocks", expected, result, interpreted, tolerance: 1e-6, watch.Elapsed);
}

// 3. Column sums: a runtime loop over the rows carries a 1-D accumulator.
{
    const int rows = 257, cols = 1000, block = 64;
    var x = Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() * 2 - 1).ToArray();
    using var xs = accelerator.Allocate1D(x);
    using var outs = accelerator.Allocate1D(Enumerable.Repeat(double.NaN, cols).ToArray());
    var watch = Stopwatch.StartNew();
    BasicKernels.ColumnSumKernel.Launch(accelerator, Tl.Cdiv(cols, block), xs.View, outs.View, rows, cols, block);
    accelerator.Synchronize();
    var result = outs.GetAsArray1D();
    var interpreted = Enumerable.Repeat(double.NaN, cols).ToArray();
    BasicKernels.ColumnSumKernel.Interpret(Tl.Cdiv(cols, block), x, interpreted, rows, cols, block);
    var expected = new double[cols];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) expected[j] += x[i * cols + j];
    ok &= Report($"ColumnSum   {rows}x{cols}, BLOCK={block}", expected, result, interpreted, tolerance: 1e-14, watch.Elapsed);
}

// 4. GELU (Tanh) and its running sum along each row (Cumsum), rows shorter than the block.
{
    const int rows = 37, cols = 200, block = 256;
    var x = RandomFloats(rows * cols);
    using var xs = accelerator.Allocate1D(x);
    using var gs = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, rows * cols).ToArray());
    using var ss = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, rows * cols).ToArray());
    var watch = Stopwatch.StartNew();
    BasicKernels.GeluRunningSumKernel.Launch(accelerator, rows, xs.View, gs.View, ss.View, cols, block);
    accelerator.Synchronize();
    var (gelu, running) = (gs.GetAsArray1D(), ss.GetAsArray1D());
    var (geluInterpreted, runningInterpreted) = (Enumerable.Repeat(float.NaN, rows * cols).ToArray(), Enumerable.Repeat(float.NaN, rows * cols).ToArray());
    BasicKernels.GeluRunningSumKernel.Interpret(rows, x, geluInterpreted, runningInterpreted, cols, block);
    var expected = x.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * (double)v * v * v)))).ToArray();
    var sums = new double[rows * cols];
    for (int i = 0; i < rows * cols; i++) sums[i] = expected[i] + (i % cols == 0 ? 0 : sums[i - 1]);
    // GELU: a few float roundings of values ≤ 2 on the host (1.3e-7 measured); on CUDA, XMath.Tanh runs on the GPU's
    // fast exponential, 5.3e-6 measured on an H200: 1e-5. Running sums of ≤ 200 terms: each addition rounds by 2^-24
    // of the partial sum, so the error stays below 200·2^-24 = 1.2e-5 of the largest partial (8.3e-6 measured on CUDA).
    ok &= Report($"GeluRunningSum {rows}x{cols}, BLOCK={block}", expected, gelu, geluInterpreted, tolerance: 1e-5, watch.Elapsed);
    ok &= Report($"  its Cumsum along rows", sums, running, runningInterpreted, tolerance: 1.2e-5, watch.Elapsed);
}

Console.WriteLine();
Console.WriteLine(ok ? "All results match their references." : "MISMATCH: see above.");
return ok ? 0 : 1;

float[] RandomFloats(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

// Max relative error of the accelerator's and the interpreter's results; NaN in the reference marks elements the
// kernel must leave untouched (they must still hold the NaN poison).
static bool Report<T>(string name, double[] expected, T[] device, T[] interpreted, double tolerance, TimeSpan elapsed)
    where T : struct, IConvertible
{
    double Error(T[] actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i].ToDouble(null);
            if (double.IsNaN(expected[i])) { if (!double.IsNaN(a)) return double.PositiveInfinity; continue; }
            worst = Math.Max(worst, Math.Abs(a - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
        }
        return worst;
    }
    double onDevice = Error(device), onHost = Error(interpreted);
    bool pass = onDevice <= tolerance && onHost <= tolerance;
    Console.WriteLine($"{name,-52} accelerator err {onDevice:E1}  interpreter err {onHost:E1}  (tol {tolerance:E0}, {elapsed.TotalMilliseconds,6:F0} ms)  {(pass ? "OK" : "FAIL")}");
    return pass;
}
