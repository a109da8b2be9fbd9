using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Bench;

/// <summary>
/// Tuple-valued Reduce and AssociativeScan on the device against the interpreter: a hand-written argmax (ties to the
/// lower index) along rows, down columns and over a whole ragged block, and a running argmax, on 4 warps, so that
/// (value, index) pairs cross lanes by shuffles and warps through shared memory together; the pairs must agree bit
/// for bit (the combiner only chooses). Welford's (mean, M2, count) per row, whose arithmetic the device may contract
/// into FMAs, must agree within 1e-5 of the row's scale. `TileDsl.Bench --only tuples`.
/// </summary>
internal static partial class TupleCheck
{
    [TileFunction]
    private static (float, int) ArgMax(float a, int ia, float b, int ib) => (b > a || (b == a && ib < ia)) ? (b, ib) : (a, ia);

    [TileFunction]
    private static (float, float, float) Welford(float mean, float m2, float n, float otherMean, float otherM2, float otherN)
    {
        var count = n + otherN;
        var delta = otherMean - mean;
        var share = Where(count == 0f, 0f, otherN / count);
        return (mean + delta * share, m2 + otherM2 + delta * delta * n * share, count);
    }

    /// <summary>x holds rows × cols (row-major) inside a 32 × 64 tile; out: per row max, argmax, mean, M2 (4 · 32),
    /// per column max and first row (2 · 64), the block's max and flat index (2), and the running argmax's indices
    /// along each row (32 · 64).</summary>
    [TileKernel(NumWarps = 4)]
    public static void Pairs(Ptr<float> x, Ptr<float> values, Ptr<int> indices, Ptr<int> running, int rows, int cols)
    {
        var r = Arange(0, 32);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < cols);
        var at = r[.., None] * cols + c[None, ..];
        var tile = Load(x + at, inside, float.NegativeInfinity);
        var columns = BroadcastTo(c[None, ..], 32, 64);
        var (rowMax, rowAt) = Reduce((tile, columns), 1, ArgMax);
        var (columnMax, columnAt) = Reduce((tile, BroadcastTo(r[.., None], 32, 64)), 0, ArgMax);
        var (peak, peakAt) = Reduce((tile, at), ArgMax);
        var (mean, m2, _) = Reduce((Where(inside, tile, 0f), Zeros<float>(32, 64), inside.To<float>()), 1, Welford);
        var (_, runAt) = AssociativeScan((tile, columns), 1, ArgMax);
        Store(values + r, rowMax);
        Store(indices + r, rowAt);
        Store(values + 32 + r, mean);
        Store(values + 64 + r, m2);
        Store(values + 96 + c, columnMax);
        Store(indices + 32 + c, columnAt);
        Store(values + 160, peak);
        Store(indices + 96, peakAt);
        Store(running + (r[.., None] * 64 + c[None, ..]), runAt);
    }

    public static int Run(Accelerator accelerator)
    {
        const int rows = 27, cols = 50;
        var random = new System.Random(46);
        // Few distinct values: many ties, which the combiner breaks by index.
        var x = System.Linq.Enumerable.Range(0, rows * cols).Select(_ => random.Next(-20, 21) / 4f).ToArray();
        float[] values = Poisoned(161, float.NaN), expectedValues = Poisoned(161, float.NaN);
        int[] indices = Poisoned(97, int.MinValue), expectedIndices = Poisoned(97, int.MinValue);
        int[] running = Poisoned(32 * 64, int.MinValue), expectedRunning = Poisoned(32 * 64, int.MinValue);
        using (var xd = accelerator.Allocate1D(x))
        using (var vd = accelerator.Allocate1D(values))
        using (var id = accelerator.Allocate1D(indices))
        using (var rd = accelerator.Allocate1D(running))
        {
            PairsKernel.Launch(accelerator, 1, xd.View, vd.View, id.View, rd.View, rows, cols);
            accelerator.Synchronize();
            vd.CopyToCPU(values);
            id.CopyToCPU(indices);
            rd.CopyToCPU(running);
        }
        PairsKernel.Interpret(1, x, expectedValues, expectedIndices, expectedRunning, rows, cols);
        int differ = 0;
        for (int i = 0; i < indices.Length; i++) differ += indices[i] == expectedIndices[i] ? 0 : 1;
        for (int i = 0; i < running.Length; i++) differ += running[i] == expectedRunning[i] ? 0 : 1;
        // Maxima are chosen, not computed: bit for bit (−∞ where a row or column lies outside the block).
        foreach (int i in System.Linq.Enumerable.Range(0, 32).Concat(System.Linq.Enumerable.Range(96, 65)))
            differ += values[i].Equals(expectedValues[i]) ? 0 : 1;
        double welford = 0;
        for (int i = 32; i < 96; i++)
        {
            double error = float.IsNaN(expectedValues[i]) ? (float.IsNaN(values[i]) ? 0 : double.PositiveInfinity) : System.Math.Abs(values[i] - expectedValues[i]) / (1 + System.Math.Abs(expectedValues[i]));
            if (error > 1e-5) System.Console.WriteLine($"tuples: {(i < 64 ? "mean" : "M2")} of row {i % 32}: {values[i]} on the device, {expectedValues[i]} in the interpreter");
            welford = System.Math.Max(welford, error);
        }
        System.Console.WriteLine($"tuples: argmax pairs and running argmax on {accelerator.Name}: {differ} of {indices.Length + running.Length + 97} differ from the interpreter; "
            + $"Welford (mean, M2) within {welford:E2} of it (bound 1e-5, relative to 1 + |value|)");
        return differ == 0 && welford <= 1e-5 ? 0 : 1;
    }

    private static T[] Poisoned<T>(int length, T value) => System.Linq.Enumerable.Repeat(value, length).ToArray();
}
