using static TileDsl.Tl;
using Half = System.Half;

namespace TileDsl.Tests.Execution;

/// <summary>Dots of 16-bit tiles on tensor cores (mma.sync; emulated with the same placement on the CPU accelerator).</summary>
public static partial class TensorCoreKernels
{
    /// <summary>
    /// c = Trans(aT) · b for aT [K, M] (so a arrives contiguous along m and is staged MN-major, read by ldmatrix.trans)
    /// and b [K, N] (contiguous along n: also MN-major): M ≤ 64, N ≤ 32, K ≤ 32. On 2 warps each warp holds 32 × 32 of
    /// the result: 2 row blocks, 2 pairs of column blocks, 2 steps of k.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void TransposedDot(Ptr<Half> aT, Ptr<Half> b, Ptr<float> c, int M, int N, int K)
    {
        var rm = Arange(0, 64);
        var rn = Arange(0, 32);
        var rk = Arange(0, 32);
        var aTile = Load(aT + (rk[.., None] * M + rm[None, ..]), (rk[.., None] < K) & (rm[None, ..] < M));
        var bTile = Load(b + (rk[.., None] * N + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
        Store(c + (rm[.., None] * N + rn[None, ..]), Dot(Trans(aTile), bTile), (rm[.., None] < M) & (rn[None, ..] < N));
    }
}
