using System;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Reshape, ExpandDims and BroadcastTo against an independent reference, on both runners.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class ShapeTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Reshape_ExpandDims_and_BroadcastTo_move_elements_as_row_major_order_says(Runner runner)
    {
        const int n = 53; // the load is masked from 53 on: zeros there
        var x = Reference.RandomFloats(new Random(61), 64);
        var o = Reference.Poisoned(256, float.NaN);
        if (runner == Runner.Interpreter)
        {
            ShapeKernels.ReshapesKernel.Interpret(1, x, o, n);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            ShapeKernels.ReshapesKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(o), n);
            d.CopyBack();
        }
        double V(int i) => i < n ? x[i] : 0.0;
        var expected = new double[256];
        for (int i = 0; i < 64; i++) expected[i] = 2 * V(i);
        for (int row = 0; row < 8; row++)
        {
            double sum = 0;
            for (int c = 0; c < 8; c++) sum += V(row * 8 + c);
            for (int c = 0; c < 8; c++)
            {
                expected[64 + row * 8 + c] = sum;
                expected[128 + row * 8 + c] = c + V(row * 8 + c);
            }
        }
        // Trans(m)[a, b] = m[b, a] = v[b·8 + a]; its row-major element k sits at (k / 8, k % 8); reshaped to [4, 16], (p, q) is element p·16 + q.
        for (int k = 0; k < 64; k++) expected[192 + k] = V(k % 8 * 8 + k / 8);
        // Moves are exact; the row sums add 8 floats of magnitude ≤ 1 in some order: within 8 · 2^-24 · 8.
        Reference.AssertClose(expected, i => o[i], 256, rtol: 0, atol: 4e-6, what: "o");
    }
}
