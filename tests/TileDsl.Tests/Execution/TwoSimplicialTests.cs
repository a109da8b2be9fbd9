using System;
using System.Linq;
using TileDsl.Attention;
using TileDsl.Attention.Reference;
using TileDsl.Tests.Support;
using static TileDsl.Attention.TwoSimplicialAttention;
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
    // the determinant variant: D = 16 (5 triples and one unused feature) and D = 32 with several blocks
    [InlineData(Runner.Interpreter, 1, 19, 2, 1, 16, 5, 3, 0.3f, Variant.Determinant)]
    [InlineData(Runner.CpuAccelerator, 1, 19, 2, 1, 16, 5, 3, 0.3f, Variant.Determinant)]
    [InlineData(Runner.CpuAccelerator, 1, 40, 2, 2, 32, 37, 20, null, Variant.Determinant)]
    public void Forward_matches_reference(Runner runner, int batch, int n, int heads, int kvHeads, int d, int w1, int w2, float? scale,
        Variant variant = Variant.Trilinear)
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
            TwoSimplicialAttention.Forward(shape, q, k1, v1, k2, v2, o, lse, w1, w2, scale, variant);
        }
        else
        {
            using var arrays = new DeviceArrays(cpu.Accelerator);
            TwoSimplicialAttention.Forward(cpu.Accelerator.DefaultStream, shape, arrays.View(q), arrays.View(k1), arrays.View(v1),
                arrays.View(k2), arrays.View(v2), arrays.View(o), arrays.View(lse), w1, w2, scale, variant);
            arrays.CopyBack();
        }
        var reference = new TwoSimplicialReference(batch, n, heads, kvHeads, d, w1, w2, scale ?? 1 / Math.Sqrt(d), variant == Variant.Determinant);
        var (expectedO, expectedLse) = reference.Forward(q, k1, v1, k2, v2);
        // Logits are float sums of d ≤ 32 triple products (|x| ≤ 2, so ≤ 8 each) times scale ≤ 0.3: absolute error
        // ≈ 1e-5; the softmax weights inherit that relatively; outputs of size ≤ 4 within 1e-4 + 1e-4 relative.
        Reference.AssertClose(expectedLse, i => lse[i], rows, rtol: 1e-5, atol: 1e-4, what: "lse");
        Reference.AssertClose(expectedO, i => o[i], qSize, rtol: 1e-4, atol: 1e-4, what: "o");
    }

    [Theory]
    [InlineData(Runner.Interpreter, 1, 23, 2, 1, 16, 5, 3, 0.3f)]
    [InlineData(Runner.CpuAccelerator, 1, 23, 2, 1, 16, 5, 3, 0.3f)]
    [InlineData(Runner.CpuAccelerator, 1, 37, 1, 1, 32, 20, 18, null)]
    [InlineData(Runner.CpuAccelerator, 1, 19, 4, 2, 16, 40, 24, 0.25f)]
    [InlineData(Runner.Interpreter, 1, 17, 2, 1, 16, 5, 3, 0.3f, Variant.Determinant)]
    [InlineData(Runner.CpuAccelerator, 1, 17, 2, 1, 16, 5, 3, 0.3f, Variant.Determinant)]
    [InlineData(Runner.CpuAccelerator, 1, 35, 2, 2, 32, 20, 18, null, Variant.Determinant)]
    public void Backward_matches_reference_and_is_deterministic(Runner runner, int batch, int n, int heads, int kvHeads, int d, int w1, int w2, float? scale,
        Variant variant = Variant.Trilinear)
    {
        var shape = new TwoSimplicialAttention.Shape(batch, n, heads, kvHeads, d);
        int qSize = batch * n * heads * d, kvSize = batch * n * kvHeads * d, rows = batch * heads * n;
        var random = new Random(32);
        var (q, k1, v1, k2, v2, dO) = (Reference.RandomFloats(random, qSize), Reference.RandomFloats(random, kvSize), Reference.RandomFloats(random, kvSize),
            Reference.RandomFloats(random, kvSize), Reference.RandomFloats(random, kvSize), Reference.RandomFloats(random, qSize));
        var o = Reference.Poisoned(qSize, float.NaN);
        var lse = Reference.Poisoned(rows, float.NaN);
        float[][] Gradients() => new[] { Reference.Poisoned(qSize, float.NaN), Reference.Poisoned(kvSize, float.NaN), Reference.Poisoned(kvSize, float.NaN),
            Reference.Poisoned(kvSize, float.NaN), Reference.Poisoned(kvSize, float.NaN) };
        var first = Gradients();
        var second = Gradients();
        if (runner == Runner.Interpreter)
        {
            TwoSimplicialAttention.Forward(shape, q, k1, v1, k2, v2, o, lse, w1, w2, scale, variant);
            foreach (var g in new[] { first, second })
                TwoSimplicialAttention.Backward(shape, q, k1, v1, k2, v2, o, dO, lse, g[0], g[1], g[2], g[3], g[4], w1, w2, scale, variant);
        }
        else
        {
            using var arrays = new DeviceArrays(cpu.Accelerator);
            var stream = cpu.Accelerator.DefaultStream;
            var (qv, k1v, v1v, k2v, v2v, ov, lv) = (arrays.View(q), arrays.View(k1), arrays.View(v1), arrays.View(k2), arrays.View(v2), arrays.View(o), arrays.View(lse));
            TwoSimplicialAttention.Forward(stream, shape, qv, k1v, v1v, k2v, v2v, ov, lv, w1, w2, scale, variant);
            var dOv = arrays.View(dO);
            foreach (var g in new[] { first, second })
                TwoSimplicialAttention.Backward(stream, shape, qv, k1v, v1v, k2v, v2v, ov, dOv, lv,
                    arrays.View(g[0]), arrays.View(g[1]), arrays.View(g[2]), arrays.View(g[3]), arrays.View(g[4]), w1, w2, scale, variant);
            arrays.CopyBack();
        }
        var expected = new TwoSimplicialReference(batch, n, heads, kvHeads, d, w1, w2, scale ?? 1 / Math.Sqrt(d), variant == Variant.Determinant)
            .Backward(q, k1, v1, k2, v2, dO);
        var names = new[] { "dq", "dk1", "dv1", "dk2", "dv2" };
        var references = new[] { expected.DQ, expected.DK1, expected.DV1, expected.DK2, expected.DV2 };
        for (int t = 0; t < 5; t++)
        {
            // Each gradient sums up to w1·w2·(group size) float terms of size ≲ 8·scale·|P|: within 1e-3 absolute
            // and relative of the float64 analytic gradient.
            Reference.AssertClose(references[t], i => first[t][i], references[t].Length, rtol: 1e-3, atol: 1e-3, what: names[t]);
            Assert.Equal(first[t], second[t]); // no atomics: two runs give identical bits
        }
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 7)] // two whole triples and one unused feature
    public void Reference_gradients_match_finite_differences(bool determinant, int d)
    {
        const int n = 6, heads = 2, kvHeads = 1, w1 = 4, w2 = 3;
        const double scale = 0.6, h = 1e-3;
        var random = new Random(33);
        var inputs = new[] { Reference.RandomFloats(random, n * heads * d), Reference.RandomFloats(random, n * kvHeads * d),
            Reference.RandomFloats(random, n * kvHeads * d), Reference.RandomFloats(random, n * kvHeads * d), Reference.RandomFloats(random, n * kvHeads * d) };
        var dO = Reference.RandomFloats(random, n * heads * d);
        var reference = new TwoSimplicialReference(1, n, heads, kvHeads, d, w1, w2, scale, determinant);
        var analytic = reference.Backward(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], dO);
        var gradients = new[] { analytic.DQ, analytic.DK1, analytic.DV1, analytic.DK2, analytic.DV2 };
        double Loss() => reference.Forward(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]).O.Select((x, i) => x * dO[i]).Sum();
        for (int t = 0; t < 5; t++)
        {
            for (int i = 0; i < inputs[t].Length; i++)
            {
                float saved = inputs[t][i];
                inputs[t][i] = saved + (float)h;
                double plus = Loss();
                inputs[t][i] = saved - (float)h;
                double minus = Loss();
                inputs[t][i] = saved;
                double numeric = (plus - minus) / ((double)(saved + (float)h) - (saved - (float)h));
                // Central differences: truncation O(h²) ≈ 1e-6 times the third derivative; within 1e-4.
                Assert.True(Math.Abs(numeric - gradients[t][i]) < 1e-4, $"gradient {t}[{i}]: analytic {gradients[t][i]}, numeric {numeric}");
            }
        }
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
