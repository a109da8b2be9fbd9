using System;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>A kernel written with [TileFunction] helpers (generic, nested, void, with loops and constant arguments).</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TileFunctionTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter, 64)]
    [InlineData(Runner.CpuAccelerator, 64)]
    [InlineData(Runner.CpuAccelerator, 128)]
    public void Kernel_with_helpers_matches_reference(Runner runner, int block)
    {
        const int n = 201;
        const float s = 0.7f;
        var random = new Random(11);
        var x = Reference.RandomFloats(random, n);
        int grid = Tl.Cdiv(n, block);
        var y = Reference.Poisoned(n + 3, float.NaN);
        var powers = Reference.Poisoned(grid, float.NaN);
        var args = new HelperKernels.NormalizeKernel.Args(x, y, powers, n, s, block);
        if (runner == Runner.Interpreter)
        {
            HelperKernels.NormalizeKernel.Interpret(grid, args);
        }
        else
        {
            using var device = new DeviceArrays(cpu.Accelerator);
            HelperKernels.NormalizeKernel.Launch(cpu.Accelerator, grid, new HelperKernels.NormalizeKernel.Args(device.View(x), device.View(y), device.View(powers), n, s, block));
            device.CopyBack();
        }

        var expected = new double[n + 3];
        var expectedPowers = new double[grid];
        for (int i = 0; i < n; i++)
        {
            double v = Math.Min(Math.Max((double)x[i] * s + 0.5, 0), 1);
            expected[i] = v;
            expectedPowers[i / block] += v + v * v + v * v * v;
        }
        // y: a float multiply-add and two comparisons (2 roundings); powers: block-long float sums of terms ≤ 3.
        Reference.AssertClose(expected, i => y[i], n + 3, rtol: 1e-6, atol: 1e-7, written: i => i < n, what: "y");
        Reference.AssertClose(expectedPowers, i => powers[i], grid, rtol: 1e-5, atol: 1e-5, what: "powers");
    }
}
