using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Tests.Support;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>Reduce and AssociativeScan of tuples of tiles by tuple [TileFunction] combiners, in the interpreter and on
/// the CPU accelerator, against references written in float64 and exact integers.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TupleCombinerTests(CpuAccelerator cpu)
{
    private const int Rows = 13, Cols = 50; // a 16 × 64 tile, masked to 13 × 50

    private sealed record Reduced(float[] RowMax, int[] RowArgmax, float[] ColumnMax, int[] ColumnArgmax, float[] Peak, int[] PeakAt,
        float[] Mean, float[] Variance);

    private Reduced Reduce(Runner runner, float[] x)
    {
        var o = new Reduced(Reference.Poisoned(16, float.NaN), Reference.Poisoned(16, int.MinValue), Reference.Poisoned(64, float.NaN),
            Reference.Poisoned(64, int.MinValue), Reference.Poisoned(1, float.NaN), Reference.Poisoned(1, int.MinValue),
            Reference.Poisoned(16, float.NaN), Reference.Poisoned(16, float.NaN));
        On(runner, () => TupleCombinerKernels.ReducesKernel.Interpret(1, x, o.RowMax, o.RowArgmax, o.ColumnMax, o.ColumnArgmax, o.Peak, o.PeakAt, o.Mean, o.Variance, Rows),
            d => TupleCombinerKernels.ReducesKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(o.RowMax), d.View(o.RowArgmax), d.View(o.ColumnMax),
                d.View(o.ColumnArgmax), d.View(o.Peak), d.View(o.PeakAt), d.View(o.Mean), d.View(o.Variance), Rows));
        return o;
    }

    /// <summary>Runs a kernel in the interpreter on the host arrays, or on the CPU accelerator on copies of them that
    /// are copied back.</summary>
    private void On(Runner runner, Action interpret, Action<DeviceArrays> launch)
    {
        if (runner == Runner.Interpreter)
        {
            interpret();
            return;
        }
        using var d = new DeviceArrays(cpu.Accelerator);
        launch(d);
        d.CopyBack();
    }

    /// <summary>Random non-zero values with ties planted: the maximum of row 3 at columns 20 and 7, of column 5 at rows 9
    /// and 2, and the block's maximum (2.5) at two places.</summary>
    private static float[] Inputs(int seed)
    {
        var x = Reference.RandomFloats(new Random(seed), Rows * Cols);
        (x[3 * Cols + 20], x[3 * Cols + 7]) = (2.25f, 2.25f);
        (x[9 * Cols + 5], x[2 * Cols + 5]) = (2.125f, 2.125f);
        (x[11 * Cols + 40], x[6 * Cols + 44]) = (2.5f, 2.5f);
        return x;
    }

    /// <summary>The position of the largest value, the first one on ties: argmax by hand, independently of the kernel.</summary>
    private static int FirstLargest(IReadOnlyList<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Tuple_Reduce_argmax_and_Welford_match_reference(Runner runner)
    {
        var x = Inputs(seed: 31);
        var o = Reduce(runner, x);
        float At(int r, int c) => x[r * Cols + c];

        // An argmax by hand picks one pair under a total order: exact in any combination order, ties to the first index.
        for (int r = 0; r < 16; r++)
        {
            int expected = r < Rows ? FirstLargest(Enumerable.Range(0, Cols).Select(c => At(r, c)).ToList()) : int.MinValue;
            Assert.Equal(expected, o.RowArgmax[r]);
            Assert.Equal(r < Rows ? At(r, expected) : float.NaN, o.RowMax[r]);
        }
        for (int c = 0; c < 64; c++)
        {
            int expected = c < Cols ? FirstLargest(Enumerable.Range(0, Rows).Select(r => At(r, c)).ToList()) : int.MinValue;
            Assert.Equal(expected, o.ColumnArgmax[c]);
            Assert.Equal(c < Cols ? At(expected, c) : float.NaN, o.ColumnMax[c]);
        }
        Assert.Equal((7, 2, 6 * Cols + 44), (o.RowArgmax[3], o.ColumnArgmax[5], o.PeakAt[0]));
        Assert.Equal((FirstLargest(x), 2.5f), (o.PeakAt[0], o.Peak[0]));

        // Welford's mean and variance of 50 values in [-2, 2]: each merge rounds a few times at 2⁻²⁴ relative; 49
        // merges stay well within 2e-5 of the float64 values (variance ≤ 4).
        var mean = Enumerable.Range(0, 16).Select(r => r < Rows ? Enumerable.Range(0, Cols).Average(c => (double)At(r, c)) : 0).ToArray();
        var variance = Enumerable.Range(0, 16)
            .Select(r => r < Rows ? Enumerable.Range(0, Cols).Average(c => Math.Pow(At(r, c) - mean[r], 2)) : 0).ToArray();
        Reference.AssertClose(mean, i => o.Mean[i], 16, rtol: 0, atol: 2e-5, written: r => r < Rows, what: "mean");
        Reference.AssertClose(variance, i => o.Variance[i], 16, rtol: 0, atol: 2e-5, written: r => r < Rows, what: "variance");
    }

    [Fact]
    public void Tuple_Reduce_agrees_between_interpreter_and_CPU()
    {
        var x = Inputs(seed: 32);
        var interpreted = Reduce(Runner.Interpreter, x);
        var accelerated = Reduce(Runner.CpuAccelerator, x);
        // The argmax combiner is exact: bit for bit whatever the order (the interpreter's row-major fold, the kernel's tree).
        Assert.Equal(interpreted.RowMax, accelerated.RowMax);
        Assert.Equal(interpreted.RowArgmax, accelerated.RowArgmax);
        Assert.Equal(interpreted.ColumnMax, accelerated.ColumnMax);
        Assert.Equal(interpreted.ColumnArgmax, accelerated.ColumnArgmax);
        Assert.Equal((interpreted.Peak[0], interpreted.PeakAt[0]), (accelerated.Peak[0], accelerated.PeakAt[0]));
        // Welford rounds, in different orders: each side is within 2e-5 of float64 (above), so within 4e-5 of the other.
        Reference.AssertClose(Array.ConvertAll(interpreted.Variance, v => (double)v), i => accelerated.Variance[i], 16, rtol: 0, atol: 4e-5,
            written: r => r < Rows, what: "variance");
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Tuple_Reduce_in_a_runtime_loop_carries_the_pair_it_takes_apart(Runner runner)
    {
        const int N = 150; // two whole blocks of 64 and a masked one
        var x = Reference.RandomFloats(new Random(35), N);
        (x[140], x[70], x[100]) = (2.5f, 2.5f, 2.5f); // the largest three times: the first wins, from the second block
        var (largest, first) = (Reference.Poisoned(1, float.NaN), Reference.Poisoned(1, int.MinValue));
        On(runner, () => TupleCombinerKernels.BlockedArgmaxKernel.Interpret(1, x, largest, first, N),
            d => TupleCombinerKernels.BlockedArgmaxKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(largest), d.View(first), N));
        Assert.Equal((2.5f, 70), (largest[0], first[0]));
        Assert.Equal(FirstLargest(x), first[0]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Tuple_Reduce_across_warps_keeps_the_result_that_is_read(Runner runner)
    {
        const int Rows = 45; // of 64: masked rows at the end
        var x = Reference.RandomFloats(new Random(36), Rows * 16);
        (x[30 * 16 + 3], x[12 * 16 + 3]) = (2.5f, 2.5f); // a tie in column 3: row 12 wins
        var firstRow = Reference.Poisoned(16, int.MinValue);
        On(runner, () => TupleCombinerKernels.ColumnArgmaxKernel.Interpret(1, x, firstRow, Rows),
            d => TupleCombinerKernels.ColumnArgmaxKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(firstRow), Rows));
        for (int c = 0; c < 16; c++) Assert.Equal(FirstLargest(Enumerable.Range(0, Rows).Select(r => x[r * 16 + c]).ToList()), firstRow[c]);
        Assert.Equal(12, firstRow[3]);
    }

    [Theory]
    [InlineData(Runner.Interpreter)]
    [InlineData(Runner.CpuAccelerator)]
    public void Triple_AssociativeScan_with_an_if_in_its_combiner_matches_reference(Runner runner)
    {
        var random = new Random(37);
        var words = Enumerable.Range(0, Rows * Cols).Select(_ => random.Next(-1000, 1000) | 1).ToArray();
        var (largest, smallest, count) = (Reference.Poisoned(Rows * Cols + 64, int.MinValue), Reference.Poisoned(Rows * Cols + 64, int.MinValue),
            Reference.Poisoned(Rows * Cols + 64, int.MinValue));
        On(runner, () => TupleCombinerKernels.SpansKernel.Interpret(1, words, largest, smallest, count, Rows),
            d => TupleCombinerKernels.SpansKernel.Launch(cpu.Accelerator, 1, d.View(words), d.View(largest), d.View(smallest), d.View(count), Rows));
        for (int i = 0; i < Rows * Cols + 64; i++)
        {
            if (i >= Rows * Cols)
            {
                Assert.Equal((int.MinValue, int.MinValue, int.MinValue), (largest[i], smallest[i], count[i]));
                continue;
            }
            var prefix = Enumerable.Range(i / Cols * Cols, i % Cols + 1).Select(k => words[k]).ToList();
            Assert.Equal((prefix.Max(), prefix.Min(), prefix.Count), (largest[i], smallest[i], count[i]));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tuple_AssociativeScan_combines_in_order_and_agrees_exactly_between_interpreter_and_CPU(bool reverse)
    {
        var x = Inputs(seed: 33);
        var random = new Random(34);
        var flags = Enumerable.Range(0, Rows * Cols).Select(_ => random.NextDouble() < 0.25 ? 1 : 0).ToArray();
        var words = Enumerable.Range(0, Rows * Cols).Select(_ => random.Next(-1000, 1000) | 1).ToArray();
        const int Length = Rows * Cols + 64; // and past the block: poison that must stay
        (float[] RunningMax, int[] RunningArgmax, int[] SegmentSums) Run(Runner runner)
        {
            (float[] RunningMax, int[] RunningArgmax, int[] SegmentSums) o =
                (Reference.Poisoned(Length, float.NaN), Reference.Poisoned(Length, int.MinValue), Reference.Poisoned(Length, int.MinValue));
            On(runner, () => TupleCombinerKernels.ScansKernel.Interpret(1, x, flags, words, o.RunningMax, o.RunningArgmax, o.SegmentSums, Rows, reverse ? 1 : 0),
                d => TupleCombinerKernels.ScansKernel.Launch(cpu.Accelerator, 1, d.View(x), d.View(flags), d.View(words), d.View(o.RunningMax),
                    d.View(o.RunningArgmax), d.View(o.SegmentSums), Rows, reverse ? 1 : 0));
            return o;
        }
        var interpreted = Run(Runner.Interpreter);
        var accelerated = Run(Runner.CpuAccelerator);
        Assert.Equal(interpreted.RunningMax, accelerated.RunningMax);
        Assert.Equal(interpreted.RunningArgmax, accelerated.RunningArgmax);
        Assert.Equal(interpreted.SegmentSums, accelerated.SegmentSums);

        for (int i = 0; i < Length; i++)
        {
            if (i >= Rows * Cols)
            {
                Assert.Equal((int.MinValue, int.MinValue), (accelerated.RunningArgmax[i], accelerated.SegmentSums[i]));
                Assert.True(float.IsNaN(accelerated.RunningMax[i]));
                continue;
            }
            int r = i / Cols, c = i % Cols;
            // The running argmax of the row's prefix (suffix), the first index on ties.
            int from = reverse ? c : 0, to = reverse ? Cols : c + 1;
            int best = from + FirstLargest(Enumerable.Range(from, to - from).Select(k => x[r * Cols + k]).ToList());
            Assert.Equal((best, x[r * Cols + best]), (accelerated.RunningArgmax[i], accelerated.RunningMax[i]));
            // The segmented sum down the column: the words since the last flag at or above row r (reversed: up to the
            // first flag at or below it), the flagged word included.
            int sum = 0;
            for (int k = r; reverse ? k < Rows : k >= 0; k += reverse ? 1 : -1)
            {
                sum += words[k * Cols + c];
                if (flags[k * Cols + c] != 0) break;
            }
            Assert.Equal(sum, accelerated.SegmentSums[i]);
        }
        Assert.Contains(1, flags);
    }
}
