using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>
/// Randint, Rand and Randn against Random123's known answers, against a reference written here from Triton's
/// random.py, in kernels on the CPU accelerator and in the interpreter, and for their distributions.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class RandomTests(CpuAccelerator cpu)
{
    /// <summary>
    /// The three "philox4x32 10" lines of Random123's known-answer file (DEShawResearch/random123, tests/kat_vectors;
    /// examples/kat_vectors in the 1.x releases): counter (4 words), key (2 words), expected output (4 words). The file
    /// was read here through copies quoted verbatim, with its name and commit, by public projects' Philox tests.
    /// </summary>
    public static TheoryData<uint[], uint[], uint[]> KnownAnswers => new()
    {
        { new uint[] { 0x00000000, 0x00000000, 0x00000000, 0x00000000 }, new uint[] { 0x00000000, 0x00000000 }, new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 } },
        { new uint[] { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, new uint[] { 0xffffffff, 0xffffffff }, new uint[] { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd } },
        { new uint[] { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, new uint[] { 0xa4093822, 0x299f31d0 }, new uint[] { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 } },
    };

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Philox4x32_10_matches_Random123_known_answers(uint[] counter, uint[] key, uint[] expected)
    {
        var block = TileMath.Philox4x32(counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
        Assert.Equal(expected, new[] { block.X, block.Y, block.Z, block.W });
        Assert.Equal(expected, PhiloxReference(counter, key)); // the reference below is right too
    }

    /// <summary>Seeds of both signs (Triton widens an int32 seed with its sign), 64-bit seeds (the last two are Triton's
    /// own test seeds 0xffffffff and 0xfcafeb0ba) and offsets across the int range.</summary>
    public static readonly long[] Seeds = { 0, 1, 42, 0x7fffffff, -1, -123456789, int.MinValue, long.MinValue, 0xffffffffL, 0xfcafeb0baL };

    private static readonly int[] Offsets = Enumerable.Range(0, 300).Concat(new[] { -1, -2, int.MinValue, int.MaxValue, 1 << 20, 123456789 }).ToArray();

    [Fact]
    public void Randint_and_Rand_match_the_reference_exactly()
    {
        foreach (long seed in Seeds)
        {
            foreach (int offset in Offsets)
            {
                var words = Randint4xReference(seed, offset);
                Assert.Equal((int)words[0], TileMath.Randint(seed, offset));
                Assert.Equal(BitConverter.SingleToInt32Bits(UniformReference(words[0])), BitConverter.SingleToInt32Bits(TileMath.Rand(seed, offset)));
            }
        }
    }

    /// <summary>
    /// Randn in float against Box–Muller evaluated in double on the same uniforms. The float evaluation differs by the
    /// rounding of 2π·u2 (half an ulp of a value below 2π: 2.4e-7, moving cos by as much), of ln u1 (an ulp, relative,
    /// halved by the square root) and of cos, √ and the product (an ulp each): at most about r·5e-7 with
    /// r = √(−2 ln u1) ≤ 5.68, so 3e-6 absolute, 6e-7 relative to r.
    /// </summary>
    [Fact]
    public void Randn_matches_double_Box_Muller_within_float_rounding()
    {
        foreach (long seed in Seeds)
        {
            foreach (int offset in Offsets)
            {
                var (expected, r) = NormalReference(Randint4xReference(seed, offset));
                double error = Math.Abs(TileMath.Randn(seed, offset) - expected);
                Assert.True(error <= 6e-7 * Math.Max(r, 1), $"Randn({seed}, {offset}) = {TileMath.Randn(seed, offset)}, expected {expected} (r = {r})");
            }
        }
    }

    /// <summary>Triton's test_rand_limits: the extreme words map to the same float, the largest below 1.</summary>
    [Fact]
    public void Uniform_conversion_stays_below_one_and_folds_negative_words()
    {
        float top = TileMath.UniformFloat(int.MaxValue);
        Assert.Equal(top, TileMath.UniformFloat(int.MinValue));
        Assert.True(top < 1f && top >= 1f - 1.1920929e-7f, $"{top}"); // Triton's bound: 1 − eps ≤ top < 1
        Assert.Equal(MathF.BitDecrement(1f), top); // 2^31 · 2^-31 (1 − 2^-24): the float just below 1
        Assert.Equal(0f, TileMath.UniformFloat(0));
        Assert.Equal(0f, TileMath.UniformFloat(-1));
        Assert.Equal(TileMath.UniformFloat(5), TileMath.UniformFloat(-6));
    }

    [Fact]
    public void Same_seed_and_offset_give_the_same_value_and_seeds_give_different_streams()
    {
        var offsets = Tl.Arange(0, 4096);
        var streams = Seeds.Select(seed => Tl.Randint(seed, offsets).Data).ToArray();
        for (int a = 0; a < streams.Length; a++)
        {
            Assert.Equal(streams[a], Tl.Randint(Seeds[a], offsets).Data);
            for (int b = a + 1; b < streams.Length; b++)
            {
                // Two independent streams agree at an offset with probability 2^-32: 4096 offsets, expect none.
                int same = streams[a].Zip(streams[b], (x, y) => x == y).Count(e => e);
                Assert.True(same <= 1, $"seeds {Seeds[a]} and {Seeds[b]} agree at {same} of 4096 offsets");
            }
        }
        // The value at an offset does not depend on the tile around it (counter-based): scalar and 2-D forms agree.
        var grid = Tl.Arange(0, 16)[.., Tl.None] * 16 + Tl.Arange(0, 16)[Tl.None, ..] + 1000;
        var uniform = Tl.Rand(42, grid);
        var normal = Tl.Randn(42, grid);
        Assert.Equal(new[] { 16, 16 }, uniform.Shape);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(TileMath.Rand(42, 1000 + i), uniform.Data[i]);
            Assert.Equal(Tl.Rand(42, 1000 + i), uniform.Data[i]);
            Assert.Equal(Tl.Randn(42, 1000 + i), normal.Data[i]);
            Assert.Equal(Tl.Randint(42, 1000 + i), streams[2][1000 + i]);
        }
    }

    /// <summary>
    /// 2¹⁷ draws: uniform mean 1/2 and variance 1/12 (standard errors 8.0e-4 and 2.1e-4), and each tenth of [0, 1)
    /// holding a tenth of them (standard error 8.3e-4); normal mean 0 and variance 1 (standard errors 2.8e-3 and
    /// 3.9e-3) and 68.27% within one standard deviation (1.3e-3). Bounds at about 6 standard errors.
    /// </summary>
    [Fact]
    public void Rand_and_Randn_have_the_expected_moments()
    {
        const int count = 1 << 17;
        var offsets = Tl.Arange(0, count);
        foreach (int seed in new[] { 7, -99 })
        {
            var u = Tl.Rand(seed, offsets).Data.Select(x => (double)x).ToArray();
            Assert.All(u, x => Assert.InRange(x, 0.0, 0.99999994));
            double mean = u.Average(), variance = u.Select(x => (x - mean) * (x - mean)).Average();
            Assert.InRange(mean, 0.5 - 5e-3, 0.5 + 5e-3);
            Assert.InRange(variance, 1.0 / 12 - 1.3e-3, 1.0 / 12 + 1.3e-3);
            for (int bin = 0; bin < 10; bin++)
                Assert.InRange(u.Count(x => (int)(x * 10) == bin) / (double)count, 0.1 - 5e-3, 0.1 + 5e-3);

            var n = Tl.Randn(seed, offsets).Data.Select(x => (double)x).ToArray();
            Assert.All(n, x => Assert.InRange(x, -5.68, 5.68)); // u1 ≥ 1e-7 bounds r by √(−2 ln 1e-7) = 5.678
            double nMean = n.Average(), nVariance = n.Select(x => (x - nMean) * (x - nMean)).Average();
            Assert.InRange(nMean, -0.017, 0.017);
            Assert.InRange(nVariance, 1 - 0.024, 1 + 0.024);
            Assert.InRange(n.Count(x => Math.Abs(x) < 1) / (double)count, 0.6827 - 8e-3, 0.6827 + 8e-3);
        }
    }

    [Fact]
    public void Random_kernel_is_identical_in_the_interpreter_and_on_the_CPU_accelerator_and_leaves_the_tail()
    {
        const int n = 200, programs = 4; // 200 = 3 blocks of 64 and 8: the last block is masked
        const long seed = 0xfcafeb0baL; // a 64-bit seed, as Triton's tests use
        var (w1, u1, g1, sw1, s1) = (Reference.Poisoned(256, int.MinValue), Reference.Poisoned(256, float.NaN), Reference.Poisoned(256, float.NaN),
            Reference.Poisoned(programs, int.MinValue), Reference.Poisoned(2 * programs, float.NaN));
        var (w2, u2, g2, sw2, s2) = (Reference.Poisoned(256, int.MinValue), Reference.Poisoned(256, float.NaN), Reference.Poisoned(256, float.NaN),
            Reference.Poisoned(programs, int.MinValue), Reference.Poisoned(2 * programs, float.NaN));
        RandomKernels.DrawKernel.Interpret(programs, w1, u1, g1, sw1, s1, n, seed);
        using (var d = new DeviceArrays(cpu.Accelerator))
        {
            RandomKernels.DrawKernel.Launch(cpu.Accelerator, programs, d.View(w2), d.View(u2), d.View(g2), d.View(sw2), d.View(s2), n, seed);
            d.CopyBack();
        }

        Assert.Equal(w1, w2);
        Assert.Equal(sw1, sw2);
        Assert.Equal(Bits(u1), Bits(u2));
        Assert.Equal(Bits(g1), Bits(g2));
        Assert.Equal(Bits(s1), Bits(s2));
        for (int i = 0; i < 256; i++)
        {
            if (i >= n)
            {
                Assert.Equal(int.MinValue, w1[i]);
                Assert.True(float.IsNaN(u1[i]) && float.IsNaN(g1[i]), $"element {i} past n was written");
                continue;
            }
            var words = Randint4xReference(seed, i);
            Assert.Equal((int)words[0], w1[i]);
            Assert.Equal(UniformReference(words[0]), u1[i]);
            var (normal, r) = NormalReference(words);
            Assert.True(Math.Abs(g1[i] - normal) <= 6e-7 * Math.Max(r, 1), $"normal[{i}] = {g1[i]}, expected {normal}");
        }
        for (int p = 0; p < programs; p++)
        {
            Assert.Equal(TileMath.Randint(seed, p - 5), sw1[p]);
            Assert.Equal(TileMath.Rand(seed, p - 5), s1[2 * p]);
            Assert.Equal(TileMath.Randn(seed, p - 5), s1[2 * p + 1]);
        }
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Dropout_keeps_the_elements_whose_uniform_exceeds_p(Runner runner)
    {
        const int n = 45, seed = 2024;
        const float p = 0.25f;
        var x = Reference.RandomFloats(new Random(3), n);
        var output = Reference.Poisoned(64, float.NaN);
        if (runner == Runner.Interpreter)
        {
            RandomKernels.DropoutKernel.Interpret(2, x, output, n, p, seed);
        }
        else
        {
            using var d = new DeviceArrays(cpu.Accelerator);
            RandomKernels.DropoutKernel.Launch(cpu.Accelerator, 2, d.View(x), d.View(output), n, p, seed);
            d.CopyBack();
        }
        int kept = 0;
        for (int i = 0; i < 64; i++)
        {
            if (i >= n)
            {
                Assert.True(float.IsNaN(output[i]), $"element {i} past n was written");
                continue;
            }
            bool keep = UniformReference(Randint4xReference(seed, i)[0]) > p;
            kept += keep ? 1 : 0;
            Assert.Equal(keep ? x[i] / (1f - p) : 0f, output[i]);
        }
        Assert.InRange(kept, 20, 44); // about 3/4 of 45 kept, and some dropped
        Assert.True(kept < n);
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    // The reference, written from Triton's python/triton/language/random.py and its test's numpy Philox
    // (python/test/unit/language/test_random.py): 64-bit products split into halves, the key raised after each round.

    private static uint[] PhiloxReference(uint[] counter, uint[] key, int rounds = 10)
    {
        const ulong low = 0xffffffff;
        ulong c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3], k0 = key[0], k1 = key[1];
        for (int round = 0; round < rounds; round++)
        {
            ulong product0 = 0xD2511F53UL * c0, product2 = 0xCD9E8D57UL * c2;
            (c0, c1, c2, c3) = ((product2 >> 32) ^ c1 ^ k0, product2 & low, (product0 >> 32) ^ c3 ^ k1, product0 & low);
            k0 = (k0 + 0x9E3779B9UL) & low;
            k1 = (k1 + 0xBB67AE85UL) & low;
        }
        return new[] { (uint)c0, (uint)c1, (uint)c2, (uint)c3 };
    }

    /// <summary>randint4x: seed.to(tl.uint64) (an int32 seed sign-extended) split into the key, the counter (offset, 0, 0, 0).</summary>
    private static uint[] Randint4xReference(long seed, int offset)
    {
        ulong wide = unchecked((ulong)seed);
        return PhiloxReference(new[] { unchecked((uint)offset), 0u, 0u, 0u }, new[] { (uint)(wide & 0xffffffff), (uint)(wide >> 32) });
    }

    /// <summary>uint_to_uniform_float: the product of two floats is exact in double, so one rounding to float remains.</summary>
    private static float UniformReference(uint word)
    {
        long signed = unchecked((int)word);
        long folded = signed < 0 ? -signed - 1 : signed;
        return (float)((double)(float)folded * (float)4.6566127342e-10);
    }

    /// <summary>pair_uniform_to_normal's first value, in double from the float uniforms and Triton's float constants.</summary>
    private static (double Normal, double R) NormalReference(uint[] words)
    {
        double u1 = Math.Max((double)1.0e-7f, UniformReference(words[0]));
        double u2 = UniformReference(words[1]);
        double r = Math.Sqrt(-2 * Math.Log(u1));
        return (r * Math.Cos((double)(float)6.283185307179586 * u2), r);
    }
}
