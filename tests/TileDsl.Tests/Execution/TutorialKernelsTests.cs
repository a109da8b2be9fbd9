using System;
using System.Linq;
using TileDsl.Kernels.Tutorials;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// Triton's tutorial kernels written in the DSL (softmax, layer norm, matmul, causal flash attention forward and
/// backward), through their host APIs, in the interpreter and on the CPU accelerator, against float64 references.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TutorialKernelsTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter, 300)]
    [InlineData(Runner.CpuAccelerator, 300)]
    [InlineData(Runner.CpuAccelerator, 1500)]
    [InlineData(Runner.Interpreter, 5000)]
    [InlineData(Runner.CpuAccelerator, 5000)]
    public void Softmax_matches_reference(Runner runner, int cols)
    {
        const int rows = 5;
        var x = Reference.RandomFloats(new Random(21), rows * cols).Select(v => 4 * v).ToArray();
        var y = Reference.Poisoned(rows * cols, float.NaN);
        if (runner == Runner.Interpreter)
        {
            Softmax.Run(x, y, rows, cols);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            Softmax.Run(cpu.Accelerator.DefaultStream, d.View(x), d.View(y), rows, cols);
            d.CopyBack();
        }
        var expected = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double max = Enumerable.Range(0, cols).Max(c => (double)x[r * cols + c]);
            double sum = Enumerable.Range(0, cols).Sum(c => Math.Exp(x[r * cols + c] - max));
            for (int c = 0; c < cols; c++) expected[r * cols + c] = Math.Exp(x[r * cols + c] - max) / sum;
        }
        // float exp (a few ulps) and a sum of ≤ 5000 positive terms (5000 takes the 16-warp WideRows): relative error below 1e-5.
        Reference.AssertClose(expected, i => y[i], rows * cols, rtol: 1e-5, atol: 1e-9, what: "y");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void LayerNorm_matches_reference(Runner runner)
    {
        const int rows = 4, cols = 300;
        const float eps = 1e-5f;
        var random = new Random(22);
        var x = Reference.RandomFloats(random, rows * cols).Select(v => v + 3).ToArray(); // a non-zero mean
        var weight = Reference.RandomFloats(random, cols);
        var bias = Reference.RandomFloats(random, cols);
        var y = Reference.Poisoned(rows * cols, float.NaN);
        var mean = Reference.Poisoned(rows, float.NaN);
        var rstd = Reference.Poisoned(rows, float.NaN);
        if (runner == Runner.Interpreter)
        {
            LayerNorm.Run(x, y, weight, bias, mean, rstd, rows, cols, eps);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            LayerNorm.Run(cpu.Accelerator.DefaultStream, d.View(x), d.View(y), d.View(weight), d.View(bias), d.View(mean), d.View(rstd), rows, cols, eps);
            d.CopyBack();
        }
        var expectedY = new double[rows * cols];
        var expectedMean = new double[rows];
        var expectedRstd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = Enumerable.Range(0, cols).Select(c => (double)x[r * cols + c]).ToArray();
            expectedMean[r] = row.Average();
            expectedRstd[r] = 1 / Math.Sqrt(row.Average(v => (v - expectedMean[r]) * (v - expectedMean[r])) + eps);
            for (int c = 0; c < cols; c++) expectedY[r * cols + c] = (row[c] - expectedMean[r]) * expectedRstd[r] * weight[c] + bias[c];
        }
        // Float sums of 300 terms of size ≤ 5 (mean) and ≤ 4 (variance): errors ~1e-6 relative; y is O(4).
        Reference.AssertClose(expectedMean, i => mean[i], rows, rtol: 1e-5, atol: 1e-6, what: "mean");
        Reference.AssertClose(expectedRstd, i => rstd[i], rows, rtol: 1e-5, atol: 0, what: "rstd");
        Reference.AssertClose(expectedY, i => y[i], rows * cols, rtol: 1e-5, atol: 2e-5, what: "y");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 37, 45, 70, 32, 32, 32)]
    [InlineData(Runner.CpuAccelerator, 37, 45, 70, 32, 32, 32)]
    [InlineData(Runner.CpuAccelerator, 150, 131, 20, 128, 128, 8)]
    [InlineData(Runner.CpuAccelerator, 40, 300, 33, 32, 128, 8)]
    // Every int argument a multiple of 16 (or a unit stride) and aligned views: the kernel for divisible arguments runs
    // (vectors tested only by their first mask), still with masked rows and columns of the second block.
    [InlineData(Runner.CpuAccelerator, 48, 48, 64, 32, 32, 16)]
    // The large-product blocks: 3 stages of 128 × 32 and 32 × 128 take 104 KiB of shared memory (over CUDA's default 48).
    [InlineData(Runner.CpuAccelerator, 40, 36, 70, 128, 128, 32)]
    public void Matmul_matches_reference(Runner runner, int m, int n, int k, int bm, int bn, int bk)
    {
        var random = new Random(23);
        var a = Reference.RandomFloats(random, m * k);
        var b = Reference.RandomFloats(random, k * n);
        var c = Reference.Poisoned(m * n, float.NaN);
        var blocks = new Matmul.Blocks(bm, bn, bk);
        if (runner == Runner.Interpreter)
        {
            Matmul.Run(a, b, c, m, n, k, blocks);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            Matmul.Run(cpu.Accelerator.DefaultStream, d.View(a), d.View(b), d.View(c), m, n, k, blocks);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => a[i * k + l], (l, j) => b[l * n + j]);
        // k ≤ 70 float products of magnitude ≤ 4 summed in float: error ≤ k·2^-24·Σ|a·b| ≈ 70·6e-8·280 ≈ 1.2e-3 worst case.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 2e-3, what: "c");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 2, 37, 2, 16, 16)]
    [InlineData(Runner.CpuAccelerator, 2, 37, 2, 16, 16)]
    [InlineData(Runner.CpuAccelerator, 1, 70, 1, 32, 64)]
    public void FlashAttention_forward_and_backward_match_reference(Runner runner, int batch, int n, int heads, int d, int block)
    {
        var shape = new FlashAttention.Shape(batch, n, heads, d);
        int size = batch * n * heads * d, rows = batch * heads * n;
        var random = new Random(24);
        var q = Reference.RandomFloats(random, size);
        var k = Reference.RandomFloats(random, size);
        var v = Reference.RandomFloats(random, size);
        var dO = Reference.RandomFloats(random, size);
        var o = Reference.Poisoned(size, float.NaN);
        var lse = Reference.Poisoned(rows, float.NaN);
        var dq = Reference.Poisoned(size, float.NaN);
        var dk = Reference.Poisoned(size, float.NaN);
        var dv = Reference.Poisoned(size, float.NaN);
        const float scale = 0.3f; // not the default 1/√D
        if (runner == Runner.Interpreter)
        {
            FlashAttention.Forward(shape, q, k, v, o, lse, scale, block);
            FlashAttention.Backward(shape, q, k, v, o, dO, lse, dq, dk, dv, scale, block);
        }
        else
        {
            using var arrays = new DeviceArrays(cpu.Accelerator);
            var stream = cpu.Accelerator.DefaultStream;
            var (qv, kv, vv, ov, lv) = (arrays.View(q), arrays.View(k), arrays.View(v), arrays.View(o), arrays.View(lse));
            FlashAttention.Forward(stream, shape, qv, kv, vv, ov, lv, scale, block);
            FlashAttention.Backward(stream, shape, qv, kv, vv, ov, arrays.View(dO), lv, arrays.View(new float[rows]),
                arrays.View(dq), arrays.View(dk), arrays.View(dv), scale, block);
            arrays.CopyBack();
        }
        var reference = new AttentionReference(batch, n, heads, d, scale);
        var (expectedO, expectedLse) = reference.Forward(q, k, v);
        var (expectedDq, expectedDk, expectedDv) = reference.Backward(q, k, v, dO);
        // Logits |s| ≤ 0.3·d·4 in float (relative 1e-6), softmax weights and sums over ≤ 70 keys: outputs of size ≤ 2
        // within 1e-4; gradients sum ≤ 70 terms more of size ≤ 16·scale: within 1e-3.
        Reference.AssertClose(expectedO, i => o[i], size, rtol: 1e-4, atol: 1e-4, what: "o");
        Reference.AssertClose(expectedLse, i => lse[i], rows, rtol: 1e-5, atol: 1e-4, what: "lse");
        Reference.AssertClose(expectedDq, i => dq[i], size, rtol: 1e-3, atol: 1e-3, what: "dq");
        Reference.AssertClose(expectedDk, i => dk[i], size, rtol: 1e-3, atol: 1e-3, what: "dk");
        Reference.AssertClose(expectedDv, i => dv[i], size, rtol: 1e-3, atol: 1e-3, what: "dv");
    }

    [Fact]
    public void Attention_reference_gradients_match_finite_differences()
    {
        const int batch = 1, n = 5, heads = 2, d = 3;
        const double scale = 0.7, h = 1e-3;
        int size = batch * n * heads * d;
        var random = new Random(25);
        var q = Reference.RandomFloats(random, size);
        var k = Reference.RandomFloats(random, size);
        var v = Reference.RandomFloats(random, size);
        var dO = Reference.RandomFloats(random, size);
        var reference = new AttentionReference(batch, n, heads, d, scale);
        var (dq, dk, dv) = reference.Backward(q, k, v, dO);
        foreach (var (input, gradient, name) in new[] { (q, dq, "q"), (k, dk, "k"), (v, dv, "v") })
        {
            for (int i = 0; i < size; i++)
            {
                // Central differences of L = Σ o·dO; the inputs are floats, so perturb by a float-exact step.
                float saved = input[i];
                input[i] = saved + (float)h;
                double plus = Loss(reference.Forward(q, k, v).O, dO);
                input[i] = saved - (float)h;
                double minus = Loss(reference.Forward(q, k, v).O, dO);
                input[i] = saved;
                double numeric = (plus - minus) / (((double)(saved + (float)h)) - (saved - (float)h));
                // Truncation error O(h²·L''') ≈ 1e-6 and float perturbation rounding ≈ 1e-7/h: within 1e-4.
                Assert.True(Math.Abs(numeric - gradient[i]) < 1e-4, $"d{name}[{i}]: analytic {gradient[i]}, numeric {numeric}");
            }
        }
    }

    private static double Loss(double[] o, float[] dO) => o.Select((x, i) => x * dO[i]).Sum();
}
