using System;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Reduce and AssociativeScan by [TileFunction] combiners, in the interpreter and on the CPU accelerator,
/// against references written in float64 and exact integers.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class CombinerTests(CpuAccelerator cpu)
{
    private const int Rows = 13, Cols = 50; // a 16 × 64 tile, masked to 13 × 50

    private sealed record Reduced(float[] AlongRows, float[] AlongColumns, float[] LogSumExp, float[] Largest, int[] Parity, long[] ColumnSums);

    private Reduced Reduce(Runner runner, float[] x, int[] words)
    {
        var o = new Reduced(Reference.Poisoned(16, float.NaN), Reference.Poisoned(64, float.NaN), Reference.Poisoned(16, float.NaN),
            Reference.Poisoned(1, float.NaN), Reference.Poisoned(1, int.MinValue), Reference.Poisoned(64, long.MinValue));
        if (runner == Runner.Interpreter)
        {
            CombinerKernels.ReducesKernel.Interpret(1, x, words, o.AlongRows, o.AlongColumns, o.LogSumExp, o.Largest, o.Parity, o.ColumnSums, Rows);
            return o;
        }
        using var d = new DeviceArrays(cpu.Accelerator);
        CombinerKernels.ReducesKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(words), d.View(o.AlongRows), d.View(o.AlongColumns),
            d.View(o.LogSumExp), d.View(o.Largest), d.View(o.Parity), d.View(o.ColumnSums), Rows);
        d.CopyBack();
        return o;
    }

    private static (float[] X, int[] Words) Inputs(int seed, double zeros)
    {
        var random = new Random(seed);
        var x = Reference.RandomFloats(random, Rows * Cols);
        (x[3 * Cols + 7], x[3 * Cols + 20]) = (-2.5f, 2.5f); // the largest magnitude, a tie in row 3: the positive one wins
        var words = Enumerable.Range(0, Rows * Cols).Select(_ => random.NextDouble() < zeros ? 0 : random.Next(int.MinValue, int.MaxValue) | 1).ToArray();
        return (x, words);
    }

    /// <summary>The element of largest magnitude, the positive one on a tie: what LargerMagnitude chooses, in any order.</summary>
    private static float LargestMagnitude(System.Collections.Generic.IEnumerable<float> values)
        => values.OrderByDescending(v => Math.Abs(v)).ThenByDescending(v => v).First();

    private static double LogSumExp(System.Collections.Generic.IEnumerable<float> values)
    {
        double m = values.Max();
        return m + Math.Log(values.Sum(v => Math.Exp(v - m)));
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Reduce_by_a_combiner_along_each_axis_and_over_all_elements_matches_reference(Runner runner)
    {
        var (x, words) = Inputs(seed: 21, zeros: 0);
        var o = Reduce(runner, x, words);
        float At(int r, int c) => x[r * Cols + c];
        var rows = Enumerable.Range(0, Rows);
        var cols = Enumerable.Range(0, Cols);

        // LargerMagnitude chooses one of its operands under a total order: exact in any combination order.
        var alongRows = Enumerable.Range(0, 16).Select(r => r < Rows ? (double)LargestMagnitude(cols.Select(c => At(r, c))) : 0).ToArray();
        Reference.AssertClose(alongRows, i => o.AlongRows[i], 16, rtol: 0, atol: 0, written: r => r < Rows, what: "alongRows");
        var alongColumns = Enumerable.Range(0, 64).Select(c => c < Cols ? (double)LargestMagnitude(rows.Select(r => At(r, c))) : 0).ToArray();
        Reference.AssertClose(alongColumns, i => o.AlongColumns[i], 64, rtol: 0, atol: 0, written: c => c < Cols, what: "alongColumns");
        Assert.Equal((2.5f, 2.5f), (o.AlongRows[3], o.Largest[0]));

        // Integers: xor and two's-complement sums are associative and commutative, so exact in any order.
        Assert.Equal(words.Aggregate(0, (a, w) => a ^ w), o.Parity[0]);
        for (int c = 0; c < 64; c++)
            Assert.Equal(c < Cols ? rows.Aggregate(0L, (s, r) => unchecked(s + words[r * Cols + c] * 8589934592L + 1L)) : long.MinValue, o.ColumnSums[c]);

        // log Σ eˣ of 50 values in [-2, 2] (≤ 2 + ln 50 < 6) by 49 combinations, each rounding m + log(eᵃ⁻ᵐ + eᵇ⁻ᵐ)
        // a few times at 2⁻²⁴ relative (≤ 4·6e-8·6 = 1.5e-6 per step, MathF and XMath alike): 49 steps < 8e-5.
        var expected = Enumerable.Range(0, 16).Select(r => r < Rows ? LogSumExp(cols.Select(c => At(r, c))) : 0).ToArray();
        Reference.AssertClose(expected, i => o.LogSumExp[i], 16, rtol: 0, atol: 8e-5, written: r => r < Rows, what: "logSumExp");
    }

    [Fact]
    public void Reduce_by_a_combiner_agrees_between_interpreter_and_CPU()
    {
        var (x, words) = Inputs(seed: 22, zeros: 0);
        var interpreted = Reduce(Runner.Interpreter, x, words);
        var accelerated = Reduce(Runner.CpuAccelerator, x, words);
        // Exact combiners agree bit for bit whatever the order (the interpreter's row-major fold, the kernel's tree).
        Assert.Equal(interpreted.AlongRows, accelerated.AlongRows);
        Assert.Equal(interpreted.AlongColumns, accelerated.AlongColumns);
        Assert.Equal(interpreted.Largest, accelerated.Largest);
        Assert.Equal(interpreted.Parity, accelerated.Parity);
        Assert.Equal(interpreted.ColumnSums, accelerated.ColumnSums);
        // LogAddExp rounds, and the orders differ: each side is within 8e-5 of the float64 value (above), so within 1.6e-4 of the other.
        Reference.AssertClose(Array.ConvertAll(interpreted.LogSumExp, v => (double)v), i => accelerated.LogSumExp[i], 16, rtol: 0, atol: 1.6e-4,
            written: r => r < Rows, what: "logSumExp");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AssociativeScan_combines_in_order_and_agrees_exactly_between_interpreter_and_CPU(bool reverse)
    {
        var (x, words) = Inputs(seed: 23, zeros: 0.4);
        const int Length = Rows * Cols + 64; // and past the block: poison that must stay
        (float[] LogCumSumExp, int[] Filled, int[] Parity) Run(Runner runner)
        {
            (float[] LogCumSumExp, int[] Filled, int[] Parity) o =
                (Reference.Poisoned(Length, float.NaN), Reference.Poisoned(Length, int.MinValue), Reference.Poisoned(Length, int.MinValue));
            if (runner == Runner.Interpreter)
            {
                CombinerKernels.ScansKernel.Interpret(1, x, words, o.LogCumSumExp, o.Filled, o.Parity, Rows, reverse ? 1 : 0);
                return o;
            }
            using var d = new DeviceArrays(cpu.Accelerator);
            CombinerKernels.ScansKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(words), d.View(o.LogCumSumExp), d.View(o.Filled), d.View(o.Parity),
                Rows, reverse ? 1 : 0);
            d.CopyBack();
            return o;
        }
        var interpreted = Run(Runner.Interpreter);
        var accelerated = Run(Runner.CpuAccelerator);
        // The same combinations in the same order, from the first (reverse: the last) element of each line.
        Assert.Equal(interpreted.LogCumSumExp, accelerated.LogCumSumExp);
        Assert.Equal(interpreted.Filled, accelerated.Filled);
        Assert.Equal(interpreted.Parity, accelerated.Parity);

        // The indices a scan combines into element k of a line of n: 0..k, or k..n-1 when reversed.
        System.Collections.Generic.IEnumerable<int> Combined(int k, int n) => reverse ? Enumerable.Range(k, n - k) : Enumerable.Range(0, k + 1);
        for (int i = 0; i < Length; i++)
        {
            int r = i / Cols, c = i % Cols;
            bool inside = r < Rows; // else past the block
            // LastNonzero is not commutative: scanned down each column it takes the nearest nonzero word combined last,
            // the last one at or above row r (a forward fill), or reversed the first one at or below it (a backward fill).
            if (!inside)
            {
                Assert.Equal((int.MinValue, int.MinValue), (accelerated.Filled[i], accelerated.Parity[i]));
                continue;
            }
            var column = Combined(r, Rows).Select(k => words[k * Cols + c]).Where(w => w != 0);
            Assert.Equal(reverse ? column.FirstOrDefault() : column.LastOrDefault(), accelerated.Filled[i]);
            // Xor is exact in any order: the parity of the combined words of the row.
            Assert.Equal(Combined(c, Cols).Aggregate(0, (p, k) => p ^ words[r * Cols + k]), accelerated.Parity[i]);
        }
        Assert.Contains(0, words);

        // log Σ eˣ of each row's prefix (suffix): at most 49 combinations, < 8e-5 as for Reduce.
        var expected = Enumerable.Range(0, Length)
            .Select(i => i < Rows * Cols ? LogSumExp(Combined(i % Cols, Cols).Select(c => x[i / Cols * Cols + c])) : 0).ToArray();
        Reference.AssertClose(expected, i => accelerated.LogCumSumExp[i], Length, rtol: 0, atol: 8e-5, written: i => i < Rows * Cols,
            what: "logCumSumExp");
    }
}
