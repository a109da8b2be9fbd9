using System;
using TileDsl.Attention;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>The 2-simplicial attention forward in the interpreter and on the CPU accelerator against a float64 reference.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TwoSimplicialTests(CpuAccelerator cpu)
{
    [Theory]
    // windows smaller than N and than the blocks, GQA 2, head dim 16
    [InlineData(Runner.Interpreter, 2, 37, 2, 1, 16, 5, 3, 0.3f)]
    [InlineData(Runner.CpuAccelerator, 2, 37, 2, 1, 16, 5, 3, 0.3f)]
    // windows larger than the blocks (several K1 and K2 blocks per query), GQA 1, head dim 32, default scale
    [InlineData(Runner.CpuAccelerator, 1, 45, 1, 1, 32, 40, 19, null)]
    // windows larger than N, GQA 2 with 2 kv heads
    [InlineData(Runner.CpuAccelerator, 1, 21, 4, 2, 16, 64, 50, 0.25f)]
    public void Forward_matches_reference(Runner runner, int batch, int n, int heads, int kvHeads, int d, int w1, int w2, float? scale)
    {
        var shape = new TwoSimplicialAttention.Shape(batch, n, heads, kvHeads, d);
        int qSize = batch * n * heads * d, kvSize = batch * n * kvHeads * d, rows = batch * heads * n;
        var random = new Random(31);
        var q = Reference.RandomFloats(random, qSize);
        var k1 = Reference.RandomFloats(random, kvSize);
        var v1 = Reference.RandomFloats(random, kvSize);
        var k2 = Reference.RandomFloats(random, kvSize);
        var v2 = Reference.RandomFloats(random, kvSize);
        var o = Reference.Poisoned(qSize, float.NaN);
        var lse = Reference.Poisoned(rows, float.NaN);
        if (runner == Runner.Interpreter)
        {
            TwoSimplicialAttention.Forward(shape, q, k1, v1, k2, v2, o, lse, w1, w2, scale);
        }
        else
        {
            using var arrays = new DeviceArrays(cpu.Accelerator);
            TwoSimplicialAttention.Forward(cpu.Accelerator.DefaultStream, shape, arrays.View(q), arrays.View(k1), arrays.View(v1),
                arrays.View(k2), arrays.View(v2), arrays.View(o), arrays.View(lse), w1, w2, scale);
            arrays.CopyBack();
        }
        var (expectedO, expectedLse) = new TwoSimplicialReference(batch, n, heads, kvHeads, d, w1, w2, scale ?? 1 / Math.Sqrt(d)).Forward(q, k1, v1, k2, v2);
        // Logits are float sums of d ≤ 32 triple products (|x| ≤ 2, so ≤ 8 each) times scale ≤ 0.3: absolute error
        // ≈ 1e-5; the softmax weights inherit that relatively; outputs of size ≤ 4 within 1e-4 + 1e-4 relative.
        Reference.AssertClose(expectedLse, i => lse[i], rows, rtol: 1e-5, atol: 1e-4, what: "lse");
        Reference.AssertClose(expectedO, i => o[i], qSize, rtol: 1e-4, atol: 1e-4, what: "o");
    }

    [Fact]
    public void Forward_rejects_mismatched_arguments_before_any_work()
    {
        var shape = new TwoSimplicialAttention.Shape(1, 8, 3, 2, 16);
        var q = new float[8 * 3 * 16];
        var kv = new float[8 * 2 * 16];
        var ex = Assert.Throws<ArgumentException>(() => TwoSimplicialAttention.Forward(shape, q, kv, kv, kv, kv, q, new float[24], 4, 4));
        Assert.Equal("shape", ex.ParamName);
        shape = shape with { Heads = 4 };
        var short1 = new float[10];
        ex = Assert.Throws<ArgumentException>(() => TwoSimplicialAttention.Forward(shape, new float[8 * 4 * 16], short1, kv, kv, kv, new float[8 * 4 * 16], new float[32], 4, 4));
        Assert.Equal("k1", ex.ParamName);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => TwoSimplicialAttention.Forward(shape, new float[8 * 4 * 16], kv, kv, kv, kv, new float[8 * 4 * 16], new float[32], 0, 4));
        Assert.Equal("w1", range.ParamName);
    }
}
