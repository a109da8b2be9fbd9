using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Reduce and AssociativeScan of several tiles together by tuple [TileFunction] combiners (Triton's tuple
/// operands), over a ragged rows × 50 block held as 16 × 64.</summary>
public static partial class TupleCombinerKernels
{
    /// <summary>An argmax by hand: the larger value, the smaller index on a tie (a choice under a total order, so
    /// associative, commutative and exact in any order).</summary>
    [TileFunction]
    public static (float, int) ArgMaxCombine(float a, int ia, float b, int ib) => (b > a || (b == a && ib < ia)) ? (b, ib) : (a, ia);

    /// <summary>Welford's merge of two (mean, M2, count) summaries (Chan et al.): a local per step, Where for two empty
    /// ones (masked lanes count 0).</summary>
    [TileFunction]
    public static (float, float, float) Welford(float mean, float m2, float n, float otherMean, float otherM2, float otherN)
    {
        var count = n + otherN;
        var delta = otherMean - mean;
        var share = Where(count == 0f, 0f, otherN / count);
        return (mean + delta * share, m2 + otherM2 + delta * delta * n * share, count);
    }

    /// <summary>A segmented sum of (flag, value): a flagged element starts a new segment. Associative, not commutative.</summary>
    [TileFunction]
    public static (int, int) SegmentedSum(int flag, int sum, int otherFlag, int other) => (flag | otherFlag, otherFlag != 0 ? other : sum + other);

    /// <summary>
    /// rowMax/rowArgmax: ArgMaxCombine along each row (lanes only); columnMax/columnArgmax: down each column (kept as a
    /// [1, 64] row; across the two warps, through shared memory); peak/peakAt: over the whole block, its flat index;
    /// mean/variance of each row by Welford (three tiles together).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Reduces(Ptr<float> x, Ptr<float> rowMax, Ptr<int> rowArgmax, Ptr<float> columnMax, Ptr<int> columnArgmax,
        Ptr<float> peak, Ptr<int> peakAt, Ptr<float> mean, Ptr<float> variance, int rows)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var at = r[.., None] * 50 + c[None, ..];
        var tile = Load(x + at, inside, float.NegativeInfinity); // −∞ outside: never the largest
        var (best, index) = Reduce((tile, BroadcastTo(c[None, ..], 16, 64)), 1, ArgMaxCombine);
        Store(rowMax + r, best, r < rows);
        Store(rowArgmax + r, index, r < rows);
        var (top, row) = Reduce((tile, BroadcastTo(r[.., None], 16, 64)), 0, ArgMaxCombine, keepDims: true);
        Store(columnMax + c[None, ..], top, c[None, ..] < 50);
        Store(columnArgmax + c[None, ..], row, c[None, ..] < 50);
        var (largest, flat) = Reduce((tile, at), ArgMaxCombine);
        Store(peak, largest);
        Store(peakAt, flat);
        var (m, m2, n) = Reduce((Where(inside, tile, 0f), Zeros<float>(16, 64), inside.To<float>()), 1, Welford);
        Store(mean + r, m, r < rows);
        Store(variance + r, m2 / n, r < rows);
    }

    /// <summary>The largest of n values and its first index, block by block in a runtime loop: each block's (value,
    /// index) by a tuple Reduce to scalars, merged into the carried pair by the same combiner called as a helper.</summary>
    [TileKernel(NumWarps = 1)]
    public static void BlockedArgmax(Ptr<float> x, Ptr<float> largest, Ptr<int> first, int n)
    {
        float best = float.NegativeInfinity;
        int at = 0;
        for (int start = 0; start < n; start += 64)
        {
            var offs = start + Arange(0, 64);
            var (value, index) = Reduce((Load(x + offs, offs < n, float.NegativeInfinity), offs), ArgMaxCombine);
            (best, at) = ArgMaxCombine(best, at, value, index);
        }
        Store(largest, best);
        Store(first, at);
    }

    /// <summary>Halved values and indices shifted by one: a helper returning a tuple of tiles.</summary>
    [TileFunction]
    public static (Tile<float>, Tile<int>) Shifted(Tile<float> x, Tile<int> index) => (x * 0.5f, index + 1);

    /// <summary>The first row of each column's largest value, down a [64, 16] block on 4 warps (lanes and warps along
    /// the axis): only the second result of the tuple Reduce is kept.</summary>
    [TileKernel(NumWarps = 4)]
    public static void ColumnArgmax(Ptr<float> x, Ptr<int> firstRow, int rows)
    {
        var r = Arange(0, 64);
        var c = Arange(0, 16);
        var (halves, shifted) = Shifted(Load(x + r[.., None] * 16 + c[None, ..], r[.., None] < rows, float.NegativeInfinity), BroadcastTo(r[.., None], 64, 16));
        var (_, row) = Reduce((halves, shifted), 0, ArgMaxCombine);
        Store(firstRow + c, row - 1);
    }

    /// <summary>(smallest, largest, count) of two spans, the smallest chosen by an if (if-converted to a Where).</summary>
    [TileFunction]
    public static (int, int, int) Span(int low, int high, int count, int otherLow, int otherHigh, int otherCount)
    {
        var smallest = low;
        if (otherLow < low) smallest = otherLow;
        return (smallest, Maximum(high, otherHigh), count + otherCount);
    }

    /// <summary>Three int tiles scanned together along each row (running smallest, largest and count), stored swapped
    /// back by a deconstruction that reads what it assigns.</summary>
    [TileKernel(NumWarps = 2)]
    public static void Spans(Ptr<int> words, Ptr<int> largest, Ptr<int> smallest, Ptr<int> count, int rows)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var at = r[.., None] * 50 + c[None, ..];
        var w = Load(words + at, inside);
        var (low, high, n) = AssociativeScan((w, w, inside.To<int>()), 1, Span);
        (low, high) = (high, low);
        Store(largest + at, low, inside);
        Store(smallest + at, high, inside);
        Store(count + at, n, inside);
    }

    /// <summary>runningMax/runningArgmax: ArgMaxCombine scanned along each row; segmentSums: SegmentedSum of (flags,
    /// words) scanned down each column. With REVERSE = 1, from the end of each line.</summary>
    [TileKernel(NumWarps = 2)]
    public static void Scans(Ptr<float> x, Ptr<int> flags, Ptr<int> words, Ptr<float> runningMax, Ptr<int> runningArgmax, Ptr<int> segmentSums,
        int rows, [Constexpr(0, 1)] int REVERSE)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var at = r[.., None] * 50 + c[None, ..];
        var (runMax, runAt) = AssociativeScan((Load(x + at, inside, float.NegativeInfinity), BroadcastTo(c[None, ..], 16, 64)), 1, ArgMaxCombine, REVERSE == 1);
        Store(runningMax + at, runMax, inside);
        Store(runningArgmax + at, runAt, inside);
        var (_, sums) = AssociativeScan((Load(flags + at, inside), Load(words + at, inside)), 0, SegmentedSum, reverse: REVERSE == 1);
        Store(segmentSums + at, sums, inside);
    }
}
