using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Pointers advanced in runtime loops, written as Triton's tutorials write them.</summary>
public static partial class PointerLoopKernels
{
    /// <summary>
    /// c = a · b (row-major a [M, K], b [K, N]) for one 32 × 32 block per program, the tiles' pointers advanced by BK
    /// columns of a and BK rows of b each step (Triton's 'a_ptrs += BLOCK_K * stride_ak'); and firsts[pid0·2 + pid1] =
    /// the sum of row pid0 of a, walked with a scalar pointer.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void Matmul(Ptr<float> a, Ptr<float> b, Ptr<float> c, Ptr<float> firsts, int M, int N, int K, [Constexpr(8)] int BK)
    {
        var rm = ProgramId(0) * 32 + Arange(0, 32);
        var rn = ProgramId(1) * 32 + Arange(0, 32);
        var rk = Arange(0, BK);
        var aPtrs = a + (rm[.., None] * K + rk[None, ..]);
        var bPtrs = b + (rk[.., None] * N + rn[None, ..]);
        var acc = Zeros<float>(32, 32);
        for (int k = 0; k < K; k += BK)
        {
            var aTile = Load(aPtrs, (rm[.., None] < M) & (rk[None, ..] < K - k));
            var bTile = Load(bPtrs, (rk[.., None] < K - k) & (rn[None, ..] < N));
            acc = Dot(aTile, bTile, acc);
            aPtrs += BK;
            bPtrs += BK * N;
        }
        Store(c + (rm[.., None] * N + rn[None, ..]), acc, (rm[.., None] < M) & (rn[None, ..] < N));

        int row = ProgramId(0);
        var p = a + row * K;
        float total = 0f;
        for (int k = 0; k < K; k++)
        {
            total += Load(p);
            p += 1;
        }
        Store(firsts + (row * NumPrograms(1) + ProgramId(1)), total);
    }
}
