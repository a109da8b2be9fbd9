using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Double literals beside float tiles (Triton's weak typing): float ops on the literal rounded once to float.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class WeakLiteralTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Double_literals_beside_float_tiles_compute_in_float(Runner runner)
    {
        const int n = 45; // ragged: the 64-wide tile is masked past n
        var x = Reference.RandomFloats(new Random(17), n).Select(v => MathF.Abs(v) * 0.5f).ToArray();
        x[0] = 0.5f; x[1] = 0.3f; x[2] = 0.1f; // on the comparisons' edges (0.1 and 0.3 as floats)
        var output = Reference.Poisoned(8 * n + 64, float.NaN);
        var bits = Reference.Poisoned(64, int.MinValue);
        if (runner == Runner.Interpreter)
        {
            WeakLiteralKernels.OpsKernel.Interpret(1, x, output, bits, n);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            WeakLiteralKernels.OpsKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(output), d.View(bits), n);
            d.CopyBack();
        }

        // The same expressions with float literals, in float: equal bit for bit. Double arithmetic would differ
        // (0.1 * v in double, rounded to float, is not 0.1f * v for most v), checked below for the first op.
        Func<float, float>[] ops =
        {
            v => v * 0.1f,
            v => 0.3f - v,
            v => v / 3f + 1e-3f,
            v => v > 0.2f ? v : 0.7f,
            v => v > 0.2f ? 1.1f : v,
            v => MathF.Max(v, 0.25f) + MathF.Min(v, 0.6f),
            v => MathF.Min(MathF.Max(v, 0.15f), 2f / 3f),
            v => (v * 1.7f + 0.1f) % 0.45f,
        };
        for (int op = 0; op < ops.Length; op++)
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToInt32Bits(ops[op](x[i])) == BitConverter.SingleToInt32Bits(output[op * n + i]),
                    $"op {op} at {i}: {output[op * n + i]}, expected {ops[op](x[i])}");
        Assert.All(output.Skip(8 * n), v => Assert.True(float.IsNaN(v)));
        Assert.Contains(Enumerable.Range(0, n), i => (float)(x[i] * 0.1) != output[i]); // not computed in double
        for (int i = 0; i < 64; i++)
        {
            int expected = i < n ? 1 + (x[i] < 0.1f ? 2 : 0) + (0.3f >= x[i] ? 4 : 0) + (x[i] == 0.5f ? 8 : 0) : int.MinValue;
            Assert.Equal(expected, bits[i]);
        }
        Assert.Equal(1 + 4 + 0, bits[2]); // x = 0.1f: not below the literal 0.1 rounded to float (it would be in double)
        Assert.Equal(1 + 4, bits[1]); // x = 0.3f: 0.3 >= x holds in float (not in double: 0.3f > 0.3)
        Assert.Equal(1 + 8, bits[0]);
    }
}
