using System;
using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>bfloat16 and half-precision tiles: memory, arithmetic (rounded per op), conversions, reductions, Dot.</summary>
public static partial class HalfPrecisionKernels
{
    /// <summary>
    /// Per element i &lt; n, planes of n in <paramref name="o"/>: a + b, a·b − a, Where(a &gt; b, a, b / a), Maximum(a, b),
    /// (3·a as float) rounded, Cumsum of the block; <paramref name="f"/>: a as float, Dot-free; <paramref name="sums"/>:
    /// each program's Sum(a).
    /// </summary>
    [TileFunction]
    private static void Ops<T>(Ptr<T> x, Ptr<T> y, Ptr<T> o, Ptr<float> f, Ptr<T> sums, int n, int BLOCK)
        where T : unmanaged
    {
        var offs = ProgramId(0) * BLOCK + Arange(0, BLOCK);
        var inside = offs < n;
        var a = Load(x + offs, inside);
        var b = Load(y + offs, inside);
        Store(o + offs, a + b, inside);
        Store(o + n + offs, a * b - a, inside);
        Store(o + 2 * n + offs, Where(a > b, a, b / a), inside);
        Store(o + 3 * n + offs, Maximum(a, b), inside);
        Store(o + 4 * n + offs, (a.To<float>() * 3f).To<T>(), inside);
        Store(o + 5 * n + offs, Cumsum(a), inside);
        Store(f + offs, a.To<float>(), inside);
        Store(sums + ProgramId(0), Sum(a));
    }

    [TileKernel(NumWarps = 2)]
    public static void BFloat16Ops(Ptr<BFloat16> x, Ptr<BFloat16> y, Ptr<BFloat16> o, Ptr<float> f, Ptr<BFloat16> sums, int n, [Constexpr(64)] int BLOCK)
    {
        Ops(x, y, o, f, sums, n, BLOCK);
    }

    [TileKernel(NumWarps = 2)]
    public static void HalfOps(Ptr<Half> x, Ptr<Half> y, Ptr<Half> o, Ptr<float> f, Ptr<Half> sums, int n, [Constexpr(64)] int BLOCK)
    {
        Ops(x, y, o, f, sums, n, BLOCK);
    }

    /// <summary>c = a · b for row-major a [M, K] and b [K, N] of bfloat16, accumulated in float over chunks of BK.</summary>
    [TileKernel(NumWarps = 4)]
    public static void BFloat16Matmul(Ptr<BFloat16> a, Ptr<BFloat16> b, Ptr<float> c, int M, int N, int K, [Constexpr(32)] int BM, [Constexpr(32)] int BN, [Constexpr(16)] int BK)
    {
        var rm = ProgramId(0) * BM + Arange(0, BM);
        var rn = ProgramId(1) * BN + Arange(0, BN);
        var acc = Zeros<float>(BM, BN);
        for (int k = 0; k < K; k += BK)
        {
            var rk = k + Arange(0, BK);
            var aTile = Load(a + (rm[.., None] * K + rk[None, ..]), (rm[.., None] < M) & (rk[None, ..] < K));
            var bTile = Load(b + (rk[.., None] * N + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc);
        }
        Store(c + (rm[.., None] * N + rn[None, ..]), acc, (rm[.., None] < M) & (rn[None, ..] < N));
    }

    /// <summary>c = a · b of half-precision tiles in one Dot (no accumulator): M, N ≤ 32, K ≤ 16.</summary>
    [TileKernel(NumWarps = 4)]
    public static void HalfDot(Ptr<Half> a, Ptr<Half> b, Ptr<float> c, int M, int N, int K)
    {
        var rm = Arange(0, 32);
        var rn = Arange(0, 32);
        var rk = Arange(0, 16);
        var aTile = Load(a + (rm[.., None] * K + rk[None, ..]), (rm[.., None] < M) & (rk[None, ..] < K));
        var bTile = Load(b + (rk[.., None] * N + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
        Store(c + (rm[.., None] * N + rn[None, ..]), Dot(aTile, bTile), (rm[.., None] < M) & (rn[None, ..] < N));
    }
}
