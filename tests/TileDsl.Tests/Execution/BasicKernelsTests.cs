using System;
using ILGPU;
using ILGPU.Runtime;
using TileDsl.Kernels;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// The sample kernels in the interpreter and on ILGPU's CPU accelerator against float64 references, on sizes that
/// are not multiples of the block sizes, with outputs poisoned (NaN) before launch.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class BasicKernelsTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter, 256)]
    [InlineData(Runner.Interpreter, 1024)]
    [InlineData(Runner.CpuAccelerator, 256)]
    [InlineData(Runner.CpuAccelerator, 1024)]
    public void VectorAdd_matches_reference(Runner runner, int block)
    {
        const int n = 1000, padding = 37;
        var random = new Random(1);
        var x = Reference.RandomFloats(random, n);
        var y = Reference.RandomFloats(random, n);
        var z = Reference.Poisoned(n + padding, float.NaN);
        int grid = Tl.Cdiv(n, block);

        if (runner == Runner.Interpreter)
            BasicKernels.VectorAddKernel.Interpret(grid, x, y, z, n, block);
        else
            z = OnCpu(z, (acc, views) => BasicKernels.VectorAddKernel.Launch(acc, grid, views.In(x), views.In(y), views.Out, n, block));

        // One float addition of two floats: the float result is the correctly rounded sum, within 2^-24 relative.
        var expected = new double[n + padding];
        for (int i = 0; i < n; i++) expected[i] = (double)x[i] + y[i];
        Reference.AssertClose(expected, i => z[i], n + padding, rtol: 6e-8, atol: 0, written: i => i < n, what: "z");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 16, 32)]
    [InlineData(Runner.Interpreter, 32, 64)]
    [InlineData(Runner.CpuAccelerator, 16, 32)]
    [InlineData(Runner.CpuAccelerator, 16, 64)]
    [InlineData(Runner.CpuAccelerator, 32, 32)]
    [InlineData(Runner.CpuAccelerator, 32, 64)]
    public void RowBiasAdd_matches_reference(Runner runner, int bm, int bn)
    {
        const int rows = 37, cols = 45, stride = 50;
        const float scale = 0.75f;
        var random = new Random(2);
        var x = Reference.RandomFloats(random, rows * stride);
        var bias = Reference.RandomFloats(random, cols);
        var output = Reference.Poisoned(rows * stride, float.NaN);
        var grid = (Tl.Cdiv(rows, bm), Tl.Cdiv(cols, bn));

        if (runner == Runner.Interpreter)
            BasicKernels.RowBiasAddKernel.Interpret(grid, x, bias, output, rows, cols, stride, scale, bm, bn);
        else
            output = OnCpu(output, (acc, views) => BasicKernels.RowBiasAddKernel.Launch(acc, grid, views.In(x), views.In(bias), views.Out, rows, cols, stride, scale, bm, bn));

        var expected = new double[rows * stride];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                expected[i * stride + j] = (double)x[i * stride + j] * scale + bias[j];
        // A float multiply and a float add: two roundings of 2^-24 relative each, on terms of magnitude ≤ 3.5; the
        // columns between cols and stride are padding the kernel must not touch.
        Reference.AssertClose(expected, i => output[i], rows * stride, rtol: 1e-6, atol: 1e-6, written: i => i % stride < cols, what: "output");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void ColumnSum_matches_reference(Runner runner)
    {
        const int rows = 13, cols = 100;
        var random = new Random(3);
        var x = Reference.RandomDoubles(random, rows * cols);
        var output = Reference.Poisoned(cols + 5, double.NaN);
        int grid = Tl.Cdiv(cols, 64);

        if (runner == Runner.Interpreter)
            BasicKernels.ColumnSumKernel.Interpret(grid, x, output, rows, cols, 64);
        else
            output = OnCpu(output, (acc, views) => BasicKernels.ColumnSumKernel.Launch(acc, grid, views.In(x), views.Out, rows, cols, 64));

        var expected = new double[cols + 5];
        for (int j = 0; j < cols; j++)
            for (int i = 0; i < rows; i++) expected[j] += x[i * cols + j];
        // The same 13 double additions in the same order as the reference: equal up to double rounding.
        Reference.AssertClose(expected, i => output[i], cols + 5, rtol: 1e-15, atol: 1e-15, written: i => i < cols, what: "output");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Layout_conversion_inside_a_runtime_loop_matches_reference(Runner runner)
    {
        const int rows = 7;
        var random = new Random(4);
        var x = Reference.RandomFloats(random, rows * 32);
        var output = Reference.Poisoned(32 * 32, float.NaN);

        if (runner == Runner.Interpreter)
            TestKernels.OuterProductSumKernel.Interpret(1, x, output, rows);
        else
            output = OnCpu(output, (acc, views) => TestKernels.OuterProductSumKernel.Launch(acc, 1, views.In(x), views.Out, rows));

        var expected = new double[32 * 32];
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++)
            {
                for (int k = 0; k < rows; k++) expected[i * 32 + j] += (double)x[k * 32 + i] * x[k * 32 + j];
                expected[i * 32 + j] += 1;
            }
        // 7 float products (exact in double) summed in float: |error| ≤ 8 · 2^-24 · Σ|terms| ≤ 8 · 6e-8 · 7 · 4.
        Reference.AssertClose(expected, i => output[i], 32 * 32, rtol: 0, atol: 1.4e-5, what: "output");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 32)]
    [InlineData(Runner.Interpreter, 64)]
    [InlineData(Runner.CpuAccelerator, 32)]
    [InlineData(Runner.CpuAccelerator, 64)]
    public void Elementwise_ops_match_reference(Runner runner, int block)
    {
        const int n = 77;
        var random = new Random(5);
        var x = Reference.RandomFloats(random, n);
        var output = Reference.Poisoned(5 * n, float.NaN);
        var ints = Reference.Poisoned(n, int.MinValue);
        int grid = Tl.Cdiv(n, block);

        if (runner == Runner.Interpreter)
        {
            TestKernels.ElementwiseOpsKernel.Interpret(grid, x, output, ints, n, block);
        }
        else
        {
            using var intBuffer = cpu.Accelerator.Allocate1D(ints);
            output = OnCpu(output, (acc, views) => TestKernels.ElementwiseOpsKernel.Launch(acc, grid, views.In(x), views.Out, intBuffer.View, n, block));
            ints = intBuffer.GetAsArray1D();
        }

        var expected = new double[5 * n];
        for (int i = 0; i < n; i++)
        {
            double v = x[i], a = Math.Abs(v);
            expected[i] = Math.Exp(v) + Math.Pow(2, v);
            expected[n + i] = Math.Log(a) * Math.Sqrt(a);
            expected[2 * n + i] = Math.Max(v, 0.5) - Math.Min(v, -v);
            expected[3 * n + i] = v > 0 ? v : -2 * v;
            expected[4 * n + i] = 6 * v + (block == 32 ? 1 : -1);
        }
        // Single-precision transcendentals (MathF on the host, ILGPU's XMath on the device) are within a few ulp;
        // 1e-5 relative (about 80 ulp) plus 1e-6 absolute for results near zero (log|v|·sqrt|v| at |v| ≈ 1).
        Reference.AssertClose(expected, i => output[i], 5 * n, rtol: 1e-5, atol: 1e-6, what: "output");

        for (int i = 0; i < n; i++)
        {
            int iv = (int)(x[i] * 10f);
            int want = i == 5 ? int.MinValue : iv / 3 + iv % 3 + grid;
            Assert.True(ints[i] == want, $"ints[{i}] = {ints[i]}, expected {want}");
        }
    }

    /// <summary>Copies inputs to the CPU accelerator, runs <paramref name="launch"/>, returns the output buffer's contents.</summary>
    private T[] OnCpu<T>(T[] output, Action<Accelerator, Views<T>> launch)
        where T : unmanaged
    {
        using var views = new Views<T>(cpu.Accelerator, output);
        launch(cpu.Accelerator, views);
        cpu.Accelerator.Synchronize();
        return views.OutBuffer.GetAsArray1D();
    }

    private sealed class Views<T>(Accelerator accelerator, T[] output) : IDisposable
        where T : unmanaged
    {
        private readonly System.Collections.Generic.List<MemoryBuffer> buffers = new();
        private readonly MemoryBuffer1D<T, Stride1D.Dense> outputBuffer = accelerator.Allocate1D(output);

        public ArrayView<T> Out => outputBuffer.View;

        public MemoryBuffer1D<T, Stride1D.Dense> OutBuffer => outputBuffer;

        public ArrayView<TIn> In<TIn>(TIn[] data)
            where TIn : unmanaged
        {
            var buffer = accelerator.Allocate1D(data);
            buffers.Add(buffer);
            return buffer.View;
        }

        public void Dispose()
        {
            outputBuffer.Dispose();
            foreach (var b in buffers) b.Dispose();
        }
    }
}
