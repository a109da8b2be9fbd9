using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Every math op of <see cref="TileMath"/> over a ragged, masked tile, and a three-way broadcast.</summary>
public static partial class MathKernels
{
    /// <summary>
    /// out[op·n + i] = op(x[i], y[i]) for the nine ops, i &lt; n ≤ 64; clamped[i] = Clamp(i, 3, 40) for i &lt; n;
    /// grid[r, c] = Fma(r, c, Clamp(c, 2, 5)) over 16 × 16, broadcast from a column, a row and a row.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Ops(Ptr<float> x, Ptr<float> y, Ptr<float> output, Ptr<int> clamped, Ptr<float> grid, int n)
    {
        var offs = Arange(0, 64);
        var mask = offs < n;
        var a = Load(x + offs, mask);
        var b = Load(y + offs, mask);
        var positive = Abs(a) + 0.5f;
        Store(output + offs, Rsqrt(positive), mask);
        Store(output + n + offs, Sigmoid(a * 4f), mask);
        Store(output + 2 * n + offs, Tanh(a * 3f), mask);
        Store(output + 3 * n + offs, Log2(positive), mask);
        Store(output + 4 * n + offs, Sin(a * 3f), mask);
        Store(output + 5 * n + offs, Cos(a * 3f), mask);
        Store(output + 6 * n + offs, Erf(a * 2f), mask);
        Store(output + 7 * n + offs, Fma(a, b, positive), mask);
        Store(output + 8 * n + offs, Clamp(a, -0.5f, 1f), mask);
        Store(clamped + offs, Clamp(offs, 3, 40), mask);
        var r = Arange(0, 16);
        var v = r.To<float>();
        Store(grid + (r[.., None] * 16 + r[None, ..]), Fma(v[.., None], v[None, ..], Clamp(v[None, ..], Full(1, 16, 2f), Full(1, 16, 5f))));
    }

    /// <summary>
    /// A counter hash of the positions i &lt; n (xor, shifts by a scalar and by a tile, complement) into hashed[i], and
    /// flags[i] = (i is odd) ^ (i &lt; 20), as integer-heavy Triton kernels (random numbers) write them.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Bits(Ptr<int> hashed, Ptr<int> flags, int n, int seed)
    {
        var i = Arange(0, 64);
        var mask = i < n;
        var h = i * 1103515245 + seed;
        h = h ^ (h >> 7);
        h = h ^ (h << (i & 7));
        h = ~h ^ (h >> 13);
        Store(hashed + i, h, mask);
        Store(flags + i, (((i & 1) == 1) ^ (i < 20)).To<int>(), mask);
    }

    /// <summary>
    /// Scans of a ragged rows × 48 block held as 16 × 64 (masked with 0 for sums, 1 for products): prefix sums along
    /// each row and each column, prefix products along rows, prefix sums of an int tile (0 past 48); with REVERSE = 1
    /// the suffix ones (reverse: true, from the end of each line, where the masked lanes are).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Scans(Ptr<float> x, Ptr<float> rowSums, Ptr<float> columnSums, Ptr<float> rowProducts, Ptr<int> counts, int rows,
        [Constexpr(0, 1)] int REVERSE)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var mask = (r[.., None] < rows) & (c[None, ..] < 48);
        var at = r[.., None] * 48 + c[None, ..];
        var tile = Load(x + at, mask);
        bool reverse = REVERSE == 1;
        Store(rowSums + at, Cumsum(tile, 1, reverse), mask);
        Store(columnSums + at, Cumsum(tile, axis: 0, reverse: reverse), mask);
        Store(rowProducts + at, Cumprod(Load(x + at, mask, 1f), 1, reverse), mask);
        Store(counts + c, Cumsum(Where(c < 48, c % 3, 0), reverse: reverse), c < 48);
    }

    /// <summary>
    /// Argmin of a rows × 50 block held as 16 × 64 (masked with +∞): along each row, along each column, and of the
    /// first row as a whole.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void Argmins(Ptr<float> x, Ptr<int> alongRows, Ptr<int> alongColumns, Ptr<int> first, int rows)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < 50);
        var tile = Load(x + r[.., None] * 50 + c[None, ..], inside, float.PositiveInfinity);
        Store(alongRows + r, Argmin(tile, 1), r < rows);
        Store(alongColumns + c, Argmin(tile, 0), c < 50);
        Store(first, Argmin(Load(x + c, c < 50, float.PositiveInfinity)));
    }
}
