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

    /// <summary>
    /// c = a · b for a [M, K] (rows lda apart, from element aOffset) and b [K, N], 32 × 32 blocks of c, k in steps of 16
    /// through a software pipeline of 3 stages: the tiles of step i + 2 are copied while step i multiplies.
    /// </summary>
    [TileKernel(NumWarps = 2, NumStages = 3)]
    public static void PipelinedDot(Ptr<Half> a, Ptr<Half> b, Ptr<float> c, int M, int N, int K, int lda, int aOffset)
    {
        var rm = ProgramId(0) * 32 + Arange(0, 32);
        var rn = Arange(0, 32);
        var acc = Zeros<float>(32, 32);
        for (int k = 0; k < K; k += 16)
        {
            var rk = k + Arange(0, 16);
            var aTile = Load(a + (aOffset + rm[.., None] * lda + rk[None, ..]), (rm[.., None] < M) & (rk[None, ..] < K));
            var bTile = Load(b + (rk[.., None] * N + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc);
        }
        Store(c + (rm[.., None] * N + rn[None, ..]), acc, (rm[.., None] < M) & (rn[None, ..] < N));
    }

    /// <summary>The same loop, but its a tile is also summed into c's first column: a load with a second reader stays
    /// in the loop (only b is pipelined).</summary>
    [TileKernel(NumWarps = 2, NumStages = 3)]
    public static void PartlyPipelinedDot(Ptr<Half> a, Ptr<Half> b, Ptr<float> c, int M, int N, int K)
    {
        var rm = ProgramId(0) * 32 + Arange(0, 32);
        var rn = Arange(0, 32);
        var acc = Zeros<float>(32, 32);
        var rowSums = Zeros<float>(32);
        for (int k = 0; k < K; k += 16)
        {
            var rk = k + Arange(0, 16);
            var aTile = Load(a + (rm[.., None] * K + rk[None, ..]), (rm[.., None] < M) & (rk[None, ..] < K));
            var bTile = Load(b + (rk[.., None] * N + rn[None, ..]), (rk[.., None] < K) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc);
            rowSums += Sum(aTile.To<float>(), 1);
        }
        acc = Where(rn[None, ..] == 0, acc + rowSums[.., None], acc);
        Store(c + (rm[.., None] * N + rn[None, ..]), acc, (rm[.., None] < M) & (rn[None, ..] < N));
    }

    /// <summary>
    /// c = Trans(aT) · Trans(bT) for aT [K, M] (a arrives contiguous along m: staged M-major) and bT [N, K] (b arrives
    /// contiguous along k: staged K-major), the transposes of the tutorial's operands; 64 × 64 blocks of c, k in steps
    /// of 64. On 4 warps: mma.sync, 2 × 2 warps of 32 × 32; the Hopper variant, one warpgroup of 16 × 64 per warp,
    /// wgmma with both operands' transpose flags the other way from the tutorial's (M-major a, K-major b).
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void TransposedOperandsDot(Ptr<Half> aT, Ptr<Half> bT, Ptr<float> c, int M, int N, int K)
        => TransposedProduct(aT, bT, c, M, N, K);

    /// <summary>The same through a software pipeline of 3 stages: each operand is copied through its <c>Trans</c>,
    /// into stages placed as the Dot reads the transpose (a M-major, b K-major).</summary>
    [TileKernel(NumWarps = 4, NumStages = 3)]
    public static void PipelinedTransposedOperandsDot(Ptr<Half> aT, Ptr<Half> bT, Ptr<float> c, int M, int N, int K)
        => TransposedProduct(aT, bT, c, M, N, K);

    [TileFunction]
    private static void TransposedProduct(Ptr<Half> aT, Ptr<Half> bT, Ptr<float> c, int M, int N, int K)
    {
        var rm = ProgramId(0) * 64 + Arange(0, 64);
        var rn = ProgramId(1) * 64 + Arange(0, 64);
        var acc = Zeros<float>(64, 64);
        for (int k = 0; k < K; k += 64)
        {
            var rk = k + Arange(0, 64);
            var aTile = Load(aT + (rk[.., None] * M + rm[None, ..]), (rk[.., None] < K) & (rm[None, ..] < M));
            var bTile = Load(bT + (rn[.., None] * K + rk[None, ..]), (rn[.., None] < N) & (rk[None, ..] < K));
            acc = Dot(Trans(aTile), Trans(bTile), acc);
        }
        Store(c + (rm[.., None] * N + rn[None, ..]), acc, (rm[.., None] < M) & (rn[None, ..] < N));
    }
}
