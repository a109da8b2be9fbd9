using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Kernels that exist to exercise error paths.</summary>
public static partial class TestKernels
{
    /// <summary>Copies 128 elements per program without a mask.</summary>
    [TileKernel(NumWarps = 1)]
    public static void UnmaskedCopy(Ptr<float> source, Ptr<float> destination, int unused)
    {
        var offs = ProgramId(0) * 128 + Arange(0, 128);
        Store(destination + offs, Load(source + offs));
    }

    /// <summary>
    /// out[i, j] = Σ_k x[k, i] · x[k, j] + 1 over k &lt; rows, for a rows × 32 matrix: the loaded row is read both as a
    /// column and as a row of the accumulator, so one of the two goes through a shared-memory conversion inside
    /// the runtime loop.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void OuterProductSum(Ptr<float> x, Ptr<float> output, int rows)
    {
        var i = Arange(0, 32);
        var acc = Zeros<float>(32, 32);
        for (int k = 0; k < rows; k++)
        {
            var row = Load(x + k * 32 + i);
            acc += row[.., None] * row[None, ..];
        }
        Store(output + i[.., None] * 32 + i[None, ..], acc + 1f);
    }

    /// <summary>
    /// The elementwise ops, casts, NumPrograms, an unrolled loop and a compile-time if, written to five planes of
    /// <paramref name="output"/> (each n long) and to <paramref name="ints"/> (except element 5, masked off).
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void ElementwiseOps(Ptr<float> x, Ptr<float> output, Ptr<int> ints, int n, [Constexpr(32, 64)] int B)
    {
        var offs = ProgramId(0) * B + Arange(0, B);
        var inside = offs < n;
        var v = Load(x + offs, inside, 1f);
        var a = Abs(v);
        Store(output + offs, Exp(v) + Exp2(v), inside);
        Store(output + n + offs, Log(a) * Sqrt(a), inside);
        Store(output + 2 * n + offs, Maximum(v, 0.5f) - Minimum(v, -v), inside);
        Store(output + 3 * n + offs, Where(v > 0f, v, -2f * v), inside);
        var acc = Zeros<float>(B);
        foreach (var k in StaticRange(1, 4))
        {
            acc = acc + v * k;
        }
        if (B == 32)
        {
            acc = acc + 1f;
        }
        else
        {
            acc = acc - 1f;
        }
        Store(output + 4 * n + offs, acc, inside);
        var iv = (v * 10f).To<int>();
        Store(ints + offs, iv / 3 + iv % 3 + NumPrograms(0), inside & !(offs == 5));
    }
}

/// <summary>Kernels that exercise the reductions, Trans, AtomicAdd and Dot in the layouts the planner picks for them.</summary>
public static partial class ReductionKernels
{
    /// <summary>
    /// For a rows × cols matrix x (rows ≤ 16, cols ≤ 64, one program): sum over axis 0, max over axis 1, min over axis
    /// 0 with keepDims, argmax over axis 1, the sum of all elements, and the argmax of the column sums.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void Axes(Ptr<float> x, Ptr<float> colSums, Ptr<float> rowMax, Ptr<float> colMin, Ptr<int> rowArgmax,
        Ptr<float> total, Ptr<int> bestColumn, int rows, int cols)
    {
        var r = Arange(0, 16);
        var c = Arange(0, 64);
        var inside = (r[.., None] < rows) & (c[None, ..] < cols);
        var tile = Load(x + (r[.., None] * cols + c[None, ..]), inside);
        var sums = Sum(tile, 0);
        Store(colSums + c, sums, c < cols);
        Store(rowMax + r, Max(Where(inside, tile, float.NegativeInfinity), 1), r < rows);
        var mins = Min(Where(inside, tile, float.PositiveInfinity), 0, true);
        Store(colMin + c[None, ..], mins, c[None, ..] < cols);
        Store(rowArgmax + r, Argmax(Where(inside, tile, float.NegativeInfinity), 1), r < rows);
        Store(total, Sum(tile));
        Store(bestColumn, Argmax(Where(c < cols, sums, float.NegativeInfinity)));
    }

    /// <summary>y = xᵀ for a 32 × 16 block per program, and column sums of x accumulated across programs with AtomicAdd.</summary>
    [TileKernel(NumWarps = 2)]
    public static void TransposeAndColumnSums(Ptr<float> x, Ptr<float> y, Ptr<float> colSums, int rows, int cols)
    {
        var r = ProgramId(0) * 32 + Arange(0, 32);
        var c = ProgramId(1) * 16 + Arange(0, 16);
        var inside = (r[.., None] < rows) & (c[None, ..] < cols);
        var tile = Load(x + (r[.., None] * cols + c[None, ..]), inside);
        Store(y + (c[.., None] * rows + r[None, ..]), Trans(tile), Trans(inside));
        AtomicAdd(colSums + c, Sum(tile, 0), c < cols);
    }

    /// <summary>
    /// c = a · b + c for one BM × BM block of c with k ≤ 256 (masked), in double: both operands together (133 KB at
    /// BM = 32, 68 KB at 16) exceed the Dot staging budget, so k is staged in chunks (of 64 at BM = 32, 128 at 16); a's
    /// 128 threads along k span two chunks. At BM = 16 the result gives each of the 128 threads 2 registers, so k is
    /// also split over 4 slices of 32 threads (8 registers each) whose partials are summed at the end.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void ChunkedDot(Ptr<double> a, Ptr<double> b, Ptr<double> c, int m, int n, int k, [Constexpr(16, 32)] int BM)
    {
        var rm = Arange(0, BM);
        var rn = Arange(0, BM);
        var rk = Arange(0, 256);
        var aTile = Load(a + (rm[.., None] * k + rk[None, ..]), (rm[.., None] < m) & (rk[None, ..] < k));
        var bTile = Load(b + (rk[.., None] * n + rn[None, ..]), (rk[.., None] < k) & (rn[None, ..] < n));
        var cAt = c + (rm[.., None] * n + rn[None, ..]);
        var cInside = (rm[.., None] < m) & (rn[None, ..] < n);
        Store(cAt, Dot(aTile, bTile, Load(cAt, cInside)), cInside);
    }
}
