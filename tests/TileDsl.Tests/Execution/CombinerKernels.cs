using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Reduce and AssociativeScan by [TileFunction] combiners, over a ragged rows × 50 block held as 16 × 64.</summary>
public static partial class CombinerKernels
{
    /// <summary>The value of larger magnitude, the larger one on a tie (−3 and 3 give 3): a choice under a total order,
    /// so associative, commutative and exact in any order. Comparisons, || and &amp;&amp;, scalar Abs, ?:.</summary>
    [TileFunction]
    public static float LargerMagnitude(float a, float b) => Abs(a) > Abs(b) || (Abs(a) == Abs(b) && a > b) ? a : b;

    /// <summary>log(eᵃ + eᵇ), shifted by the larger: a local, Maximum, Exp, Log, and Where for two −∞ (masked lanes).</summary>
    [TileFunction]
    public static float LogAddExp(float a, float b)
    {
        var m = Maximum(a, b);
        return Where(m == float.NegativeInfinity, m, m + Log(Exp(a - m) + Exp(b - m)));
    }

    [TileFunction]
    public static int Xor(int a, int b) => a ^ b;

    /// <summary>Two's-complement sum: associative and commutative, so exact in any order.</summary>
    [TileFunction]
    public static long Add(long a, long b) => a + b;

    /// <summary>The later value unless it is 0 (a forward fill): associative but not commutative, so only an in-order
    /// scan gives the fill.</summary>
    [TileFunction]
    public static int LastNonzero(int a, int b) => b != 0 ? b : a;

    /// <summary>
    /// alongRows[r] and alongColumns[c] (kept as a [1, 64] row): LargerMagnitude along each axis; logSumExp[r] of each
    /// row (masked lanes −∞); largest: LargerMagnitude of the whole block; parity: Xor of all words; columnSums[c]:
    /// the long sum down each column of words · 2³³ + 1 (wrapping beyond 64 bits).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Reduces(Ptr<float> x, Ptr<int> words, Ptr<float> alongRows, Ptr<float> alongColumns, Ptr<float> logSumExp,
        Ptr<float> largest, Ptr<int> parity, Ptr<long> columnSums, int rows)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var at = r[.., None] * 50 + c[None, ..];
        var tile = Load(x + at, inside); // 0 outside: of smaller magnitude than every input
        Store(alongRows + r, Reduce(tile, 1, LargerMagnitude), r < rows);
        Store(alongColumns + c[None, ..], Reduce(tile, 0, LargerMagnitude, keepDims: true), c[None, ..] < 50);
        Store(logSumExp + r, Reduce(Load(x + at, inside, float.NegativeInfinity), 1, LogAddExp), r < rows);
        Store(largest, Reduce(tile, LargerMagnitude));
        var bits = Load(words + at, inside);
        Store(parity, Reduce(bits, Xor));
        Store(columnSums + c, Reduce(Where(inside, bits.To<long>() * 8589934592L + 1L, 0L), 0, Add), c < 50);
    }

    /// <summary>logCumSumExp: LogAddExp scanned along each row; filled: LastNonzero scanned down each column of words
    /// (a forward fill); parity: Xor scanned along each row of words. With REVERSE = 1, each scan runs from the end of
    /// its line (reverse: true), through the masked lanes first: filled becomes a backward fill.</summary>
    [TileKernel(NumWarps = 2)]
    public static void Scans(Ptr<float> x, Ptr<int> words, Ptr<float> logCumSumExp, Ptr<int> filled, Ptr<int> parity, int rows,
        [Constexpr(0, 1)] int REVERSE)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var at = r[.., None] * 50 + c[None, ..];
        Store(logCumSumExp + at, AssociativeScan(Load(x + at, inside, float.NegativeInfinity), 1, LogAddExp, REVERSE == 1), inside);
        var bits = Load(words + at, inside);
        Store(filled + at, AssociativeScan(bits, 0, LastNonzero, reverse: REVERSE == 1), inside);
        Store(parity + at, AssociativeScan(bits, 1, Xor, REVERSE != 0), inside);
    }
}
