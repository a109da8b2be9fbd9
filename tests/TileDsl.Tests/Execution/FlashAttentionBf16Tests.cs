using System;
using System.Linq;
using TileDsl.Kernels.Tutorials;
using TileDsl.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TileDsl.Tests.Execution;

/// <summary>
/// The bf16 causal flash attention tutorial (forward and backward) through its host API: in the interpreter, on the CPU
/// accelerator with mma.sync (TileMma's emulation) and through the Hopper kernels' wgmma emulation, against the float64
/// reference (<see cref="AttentionReference"/>) of the same bf16-rounded inputs. N is not a multiple of the 128- and
/// 64-row blocks (masked edges); outputs start as NaN.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class FlashAttentionBf16Tests(CpuAccelerator cpu, ITestOutputHelper output)
{
    /// <summary>
    /// Tolerance, as max |error| / max |reference| per output (the tutorials' bench bar is 2e-2). Rounding each output to
    /// bf16 costs up to 2^-9 ≈ 2e-3 of it; P rounded to bf16 before P·V costs up to 2^-9 of Σ p·|v| ≤ max |v|, and dS
    /// rounded before dS·K and dSᵀ·Q the same share of those sums; O, rounded, enters Delta. The products of bf16 values
    /// are exact in float and the float sums (≤ 130 terms) add ~1e-5. So every output stays within a few 2^-9 of its
    /// scale: measured 2.4e-3 to 2.7e-3 for O, 3e-3 to 5.6e-3 for the gradients (the test's output prints them), so
    /// 1e-2 leaves a factor ~1.8.
    /// </summary>
    private const double Bound = 1e-2;

    /// <remarks>The mma.sync kernels run one small case: TileMma's emulation of ldmatrix and mma.sync on the CPU
    /// accelerator is two orders of magnitude slower than that of wgmma (N = 130, D = 64 took 12 minutes on a loaded
    /// 2-core machine, against 5 seconds through wgmma); N = 70 has one block of queries, two steps of keys. The
    /// programs take their (batch, head) pairs in groups of 8 (the longest blocks of a group first): B = 3, H = 3 has
    /// a group of 8 pairs and one of 1.</remarks>
    [Theory]
    [InlineData(Runner.Interpreter, TensorCorePath.Auto, 1, 130, 2, 64)]
    [InlineData(Runner.Interpreter, TensorCorePath.Auto, 2, 70, 1, 128)]
    [InlineData(Runner.Interpreter, TensorCorePath.Auto, 3, 130, 3, 128)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.MmaSync, 1, 70, 1, 64)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.Wgmma, 1, 130, 1, 64)]
    [InlineData(Runner.CpuAccelerator, TensorCorePath.Wgmma, 1, 70, 1, 128)]
    public void FlashAttentionBf16_forward_and_backward_match_reference(Runner runner, TensorCorePath path, int batch, int n, int heads, int d)
    {
        var shape = new FlashAttention.Shape(batch, n, heads, d);
        int size = batch * n * heads * d, rows = batch * heads * n;
        var random = new Random(61);
        BFloat16[] Input() => Reference.RandomFloats(random, size).Select(x => (BFloat16)x).ToArray();
        var (q, k, v, dO) = (Input(), Input(), Input(), Input());
        var nan = (BFloat16)float.NaN;
        var (o, dq, dk, dv) = (Reference.Poisoned(size, nan), Reference.Poisoned(size, nan), Reference.Poisoned(size, nan), Reference.Poisoned(size, nan));
        var lse = Reference.Poisoned(rows, float.NaN);
        const float scale = 0.2f; // not the default 1/√D
        if (runner == Runner.Interpreter)
        {
            FlashAttention.Forward(shape, q, k, v, o, lse, scale);
            FlashAttention.Backward(shape, q, k, v, o, dO, lse, dq, dk, dv, scale);
        }
        else
        {
            using (TensorCores.Use(path))
            using (var arrays = new DeviceArrays(cpu.Accelerator))
            {
                var stream = cpu.Accelerator.DefaultStream;
                var (qv, kv, vv, ov, lv) = (arrays.View(q), arrays.View(k), arrays.View(v), arrays.View(o), arrays.View(lse));
                FlashAttention.Forward(stream, shape, qv, kv, vv, ov, lv, scale);
                FlashAttention.Backward(stream, shape, qv, kv, vv, ov, arrays.View(dO), lv, arrays.View(new float[rows]),
                    arrays.View(dq), arrays.View(dk), arrays.View(dv), scale);
                arrays.CopyBack();
            }
            // The kernels that ran: the Hopper ones (wgmma) under TensorCorePath.Wgmma, else the mma.sync ones.
            string suffix = path == TensorCorePath.Wgmma ? "_Hopper" : "";
            Assert.True(KernelCaches.Loaded(typeof(FlashAttention.ForwardBf16Kernel), $"ForwardBf16_D{d}{suffix}Cache", cpu.Accelerator));
            Assert.True(KernelCaches.Loaded(typeof(FlashAttention.BackwardKeyValueBf16Kernel), $"BackwardKeyValueBf16_D{d}_BLOCK_M64_BLOCK_N128{suffix}Cache", cpu.Accelerator));
            Assert.True(KernelCaches.Loaded(typeof(FlashAttention.BackwardQueryBf16Kernel), $"BackwardQueryBf16_D{d}_BLOCK_M128_BLOCK_N64{suffix}Cache", cpu.Accelerator));
        }
        static float[] Widen(BFloat16[] x) => x.Select(e => (float)e).ToArray();
        var reference = new AttentionReference(batch, n, heads, d, scale);
        var (expectedO, expectedLse) = reference.Forward(Widen(q), Widen(k), Widen(v));
        var (expectedDq, expectedDk, expectedDv) = reference.Backward(Widen(q), Widen(k), Widen(v), Widen(dO));
        AssertRelative(expectedO, o, "o");
        AssertRelative(expectedDq, dq, "dq");
        AssertRelative(expectedDk, dk, "dk");
        AssertRelative(expectedDv, dv, "dv");
        // LSE stays float: scores of exact bf16 products summed in float (|s| ≲ 10), exp2/log2 in float.
        Reference.AssertClose(expectedLse, i => lse[i], rows, rtol: 1e-5, atol: 1e-4, what: "lse");
    }

    /// <summary>A scale that is not positive is refused before any work, naming the argument: the forward kernel
    /// scales each row's maximum of the scores instead of every score, which is the same only for a positive scale.</summary>
    [Theory]
    [InlineData(-0.2f)]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void FlashAttentionBf16_refuses_a_scale_that_is_not_positive(float scale)
    {
        var shape = new FlashAttention.Shape(1, 70, 1, 64);
        int size = 70 * 64;
        var input = Enumerable.Repeat((BFloat16)0.5f, size).ToArray();
        var o = Reference.Poisoned(size, (BFloat16)float.NaN);
        var lse = Reference.Poisoned(70, float.NaN);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FlashAttention.Forward(shape, input, input, input, o, lse, scale));
        Assert.Equal("scale", error.ParamName);
        Assert.All(o, x => Assert.True(float.IsNaN((float)x)));
        Assert.All(lse, x => Assert.True(float.IsNaN(x)));
    }

    /// <summary>max |actual − expected| / max |expected| ≤ <see cref="Bound"/>, every element written (no NaN left); the
    /// ratio goes to the test's output.</summary>
    private void AssertRelative(double[] expected, BFloat16[] actual, string what)
    {
        double worst = 0, scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = (float)actual[i];
            if (double.IsNaN(a)) throw new XunitException($"{what}[{i}] is NaN (not written).");
            worst = Math.Max(worst, Math.Abs(a - expected[i]));
        }
        output.WriteLine($"{what}: max abs error / max abs reference = {worst / scale:E2}");
        if (worst / scale > Bound) throw new XunitException($"{what}: max abs error {worst:E3} / max abs reference {scale:E3} = {worst / scale:E3} > {Bound}.");
    }
}
