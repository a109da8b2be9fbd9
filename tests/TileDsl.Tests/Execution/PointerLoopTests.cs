using System;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Loop-carried pointers (<c>aPtrs += BK</c>, <c>p += 1</c>) against float64, on both runners.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class PointerLoopTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Pointers_advanced_in_a_loop_walk_the_tiles(Runner runner)
    {
        const int m = 40, n = 37, k = 21; // ragged: 2 × 2 programs, 3 steps of 8 with a masked last one
        var random = new Random(41);
        var a = Reference.RandomFloats(random, m * k);
        var b = Reference.RandomFloats(random, k * n);
        var c = Reference.Poisoned(m * n, float.NaN);
        var firsts = Reference.Poisoned(4, float.NaN);
        var grid = new TileGrid(2, 2);
        if (runner == Runner.Interpreter)
        {
            PointerLoopKernels.MatmulKernel.Interpret(grid, a, b, c, firsts, m, n, k, 8);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            PointerLoopKernels.MatmulKernel.Launch(cpu.Accelerator, grid, d.View(a), d.View(b), d.View(c), d.View(firsts), m, n, k, 8);
            d.CopyBack();
        }
        var expected = Reference.Matmul(m, n, k, (i, l) => a[i * k + l], (l, j) => b[l * n + j]);
        // 21 float products of magnitude ≤ 1 summed in float: error ≤ 21 · 2^-24 · 21 ≈ 2.6e-5.
        Reference.AssertClose(expected, i => c[i], m * n, rtol: 0, atol: 3e-5, what: "c");
        // Program (p0, p1) writes firsts[p0 · 2 + p1]: the sum of row p0 of a, walked element by element.
        for (int slot = 0; slot < 4; slot++)
        {
            double sum = 0;
            for (int l = 0; l < k; l++) sum += a[slot / 2 * k + l];
            Assert.InRange(firsts[slot], sum - 1e-5, sum + 1e-5);
        }
    }
}
