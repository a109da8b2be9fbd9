using System;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Kernels.Tutorials;

/// <summary>
/// Causal flash attention in bfloat16 on tensor cores (Triton's tutorial 06 in bf16): Q, K, V, dO and the outputs O, dQ,
/// dK, dV are bf16, the products accumulate in float, and the softmax statistics (LSE, Delta) stay float. The
/// probabilities are rounded to bf16 before P·V (and the score gradients before dS·K and dSᵀ·Q), as Triton's tutorial
/// does. D is 64 or 128; a block of 16·w rows runs on w warps, each Dot's rows 16 a warp: mma.sync m16n8k16, and on
/// Hopper the kernels' wgmma variants (warpgroups of m64nNk16, N = the keys or queries of a step, or D). The
/// backward and the D = 128 forward take blocks of 128 rows on 8 warps, the D = 64 forward 64 rows on 4.
/// Every Dot operand that changes in a loop is loaded in the loop where the Dot reads it (a tile two Dots read is loaded
/// once for each), so that the loops are pipelined (<c>NumStages</c>): its tiles of later steps are copied to shared
/// memory while a step multiplies. The tiles loaded before a loop (Q in the forward) are staged once, and on Hopper
/// the probabilities and score gradients reach their Dot in registers (wgmma's register form), as the generator
/// lowers them (docs/lowering.md).
/// </summary>
public static partial class FlashAttention
{
    /// <summary>
    /// O and LSE: one block of queries of one (batch, head) per program, a loop over the blocks of keys up to the
    /// diagonal with the online softmax (in base 2); K and V of step j + 1 are copied while step j multiplies. The keys
    /// below the block's first row are visible to all its rows: their loop has no causal mask (nor a key mask: they
    /// are all below n), a second loop masks the blocks on the diagonal (as Triton's tutorial splits its stages).
    /// At D = 64 blocks of 64 rows on one warpgroup step 64 keys at a time (small programs, several per
    /// multiprocessor, whose softmax and Dots overlap); at D = 128 blocks of 128 rows on two warpgroups step 128 keys
    /// (a program's registers fill half a multiprocessor anyway; the longer step halves the steps' fixed costs).
    /// </summary>
    [TileKernel(NumStages = 2)]
    public static void ForwardBf16(Ptr<BFloat16> q, Ptr<BFloat16> k, Ptr<BFloat16> v, Ptr<BFloat16> o, Ptr<float> lse,
        int n, int heads, int strideB, int strideN, int strideH, float scale,
        [Constexpr(64, 128, Warps = new[] { 4, 8 })] int D)
    {
        int BLOCK_M = D == 64 ? 64 : 128; // constants (BLOCK_M as ForwardRows on the host)
        int BLOCK_N = BLOCK_M;
        // Groups of 8 (batch, head) pairs at D = 128 (one program a multiprocessor), 32 at D = 64 (several).
        var (bh, block) = LongestFirst(n, BLOCK_M, D == 64 ? 32 : 8, 1);
        int offset = bh / heads * strideB + bh % heads * strideH;
        var rm = block * BLOCK_M + Arange(0, BLOCK_M);
        var rd = Arange(0, D);
        var rows = rm[.., None] < n;
        var qTile = Load(q + offset + (rm[.., None] * strideN + rd[None, ..]), rows);
        float qkScale = scale * Log2E;
        var m = Full(BLOCK_M, float.NegativeInfinity);
        var l = Zeros<float>(BLOCK_M);
        var acc = Zeros<float>(BLOCK_M, D);
        int diagonal = block * BLOCK_M;
        for (int start = 0; start < diagonal; start += BLOCK_N)
        {
            var kv = offset + ((start + Arange(0, BLOCK_N))[.., None] * strideN + rd[None, ..]);
            (m, l, acc) = OnlineSoftmaxStep(Dot(qTile, Trans(Load(k + kv))), Load(v + kv), m, l, acc, qkScale);
        }
        int end = Minimum(diagonal + BLOCK_M, n);
        for (int start = diagonal; start < end; start += BLOCK_N)
        {
            var rn = start + Arange(0, BLOCK_N);
            var kv = offset + (rn[.., None] * strideN + rd[None, ..]);
            var keys = rn[.., None] < n;
            var s = Where(rm[.., None] >= rn[None, ..], Dot(qTile, Trans(Load(k + kv, keys))), float.NegativeInfinity);
            (m, l, acc) = OnlineSoftmaxStep(s, Load(v + kv, keys), m, l, acc, qkScale);
        }
        Store(o + offset + (rm[.., None] * strideN + rd[None, ..]), (acc / l[.., None]).To<BFloat16>(), rows);
        Store(lse + bh * n + rm, m * Ln2 + Log(l), rm < n);
    }

    /// <summary>
    /// The (batch, head) and the block of this program, longest first, on a one-dimensional grid of (batch × heads) ×
    /// blocks of <paramref name="BLOCK"/>: causal attention gives the last block of queries the most keys, and the first
    /// block of keys the most queries (<paramref name="LAST_LONGEST"/> 1 or 0). The GPU starts programs in the order of
    /// their index, so the programs run through groups of <paramref name="GROUP"/> (batch, head) pairs, in each the
    /// longest blocks of all its pairs first, then the next: every wave ends on shorter programs than it started (in
    /// the order of the block index, the longest came last and ran on alone at the end), and the programs running
    /// together read the tensors of a few pairs, which the L2 cache holds (with all pairs in one group, those of over a
    /// hundred pairs: the backward 10 % slower, docs/performance.md).
    /// </summary>
    [TileFunction]
    private static (int, int) LongestFirst(int n, int BLOCK, int GROUP, int LAST_LONGEST)
    {
        int blocks = Cdiv(n, BLOCK);
        int pid = ProgramId(0);
        int first = pid / (GROUP * blocks) * GROUP;
        int pairs = Minimum(NumPrograms(0) / blocks - first, GROUP);
        int inGroup = pid - first * blocks;
        int order = inGroup / pairs;
        return (first + inGroup % pairs, LAST_LONGEST == 1 ? blocks - 1 - order : order);
    }

    /// <summary>A one-dimensional grid of (batch × heads) × blocks of <paramref name="block"/> rows or keys (<see cref="LongestFirst"/>).</summary>
    private static TileGrid PairBlocks(Shape shape, int block) => shape.Batch * shape.Heads * Cdiv(shape.N, block);

    /// <summary>The rows of a forward program's block of queries at head dimension <paramref name="d"/> (as the kernel's BLOCK_M).</summary>
    private static int ForwardRows(int d) => d == 64 ? 64 : 128;

    /// <summary>
    /// One step of the online softmax over the unscaled scores <paramref name="s"/> of a block of keys: the running row
    /// maximum m (scaled, base 2), the row sums l and the output acc rescaled to the new maximum and the block's
    /// probabilities added, P·V with P rounded to bf16. The row maximum of the unscaled scores is scaled once, and
    /// s · scale − m is one FMA per element (scale > 0).
    /// </summary>
    [TileFunction]
    private static (Tile<float>, Tile<float>, Tile<float>) OnlineSoftmaxStep(Tile<float> s, Tile<BFloat16> vTile,
        Tile<float> m, Tile<float> l, Tile<float> acc, float qkScale)
    {
        var mNew = Maximum(m, Max(s, 1) * qkScale);
        var p = Exp2(s * qkScale - mNew[.., None]);
        var alpha = Exp2(m - mNew);
        return (mNew, l * alpha + Sum(p, 1), Dot(p.To<BFloat16>(), vTile, acc * alpha[.., None]));
    }

    /// <summary>Delta[i] = Σ_d O[i, d] · dO[i, d] in float, the row term of the softmax backward.</summary>
    [TileKernel(NumWarps = 8)]
    public static void BackwardPreprocessBf16(Ptr<BFloat16> o, Ptr<BFloat16> dO, Ptr<float> delta,
        int n, int heads, int strideB, int strideN, int strideH, [Constexpr(64, 128)] int D, [Constexpr(128)] int BLOCK_M)
    {
        int block = ProgramId(0);
        int bh = ProgramId(1);
        int offset = bh / heads * strideB + bh % heads * strideH;
        var rm = block * BLOCK_M + Arange(0, BLOCK_M);
        var rd = Arange(0, D);
        var at = offset + (rm[.., None] * strideN + rd[None, ..]);
        var rows = rm[.., None] < n;
        Store(delta + bh * n + rm, Sum(Load(o + at, rows).To<float>() * Load(dO + at, rows).To<float>(), 1), rm < n);
    }

    /// <summary>
    /// dK and dV of one 128-key block per program, transposed as in Triton's tutorial: a loop over the 64-query blocks
    /// from the diagonal on computes Pᵀ from Sᵀ = K·Qᵀ and dPᵀ = V·dOᵀ, so that every Dot is 128 rows long and
    /// dV += Pᵀ·dO, dK += dSᵀ·Q take the tiles as loaded. Q and dO are loaded twice a step, once for each Dot.
    /// </summary>
    [TileKernel(NumWarps = 8, NumStages = 2)]
    public static void BackwardKeyValueBf16(Ptr<BFloat16> q, Ptr<BFloat16> k, Ptr<BFloat16> v, Ptr<BFloat16> dO, Ptr<float> lse,
        Ptr<float> delta, Ptr<BFloat16> dK, Ptr<BFloat16> dV, int n, int heads, int strideB, int strideN, int strideH, float scale,
        [Constexpr(64, 128)] int D, [Constexpr(64)] int BLOCK_M, [Constexpr(128)] int BLOCK_N)
    {
        var (bh, block) = LongestFirst(n, BLOCK_N, 8, 0);
        int offset = bh / heads * strideB + bh % heads * strideH;
        var rn = block * BLOCK_N + Arange(0, BLOCK_N);
        var rd = Arange(0, D);
        var keys = rn[.., None] < n;
        var kv = offset + (rn[.., None] * strideN + rd[None, ..]);
        var kTile = Load(k + kv, keys);
        var vTile = Load(v + kv, keys);
        float qkScale = scale * Log2E;
        var dk = Zeros<float>(BLOCK_N, D);
        var dv = Zeros<float>(BLOCK_N, D);
        for (int start = block * BLOCK_N; start < n; start += BLOCK_M)
        {
            var rm = start + Arange(0, BLOCK_M);
            var qo = offset + (rm[.., None] * strideN + rd[None, ..]);
            var rows = rm[.., None] < n;
            var rowLse = Load(lse + bh * n + rm, rm < n) * Log2E;
            var pT = Where((rm[None, ..] >= rn[.., None]) & (rm[None, ..] < n),
                Exp2(Dot(kTile, Trans(Load(q + qo, rows))) * qkScale - rowLse[None, ..]), 0f);
            dv = Dot(pT.To<BFloat16>(), Load(dO + qo, rows), dv);
            var rowDelta = Load(delta + bh * n + rm, rm < n);
            var dsT = pT * (Dot(vTile, Trans(Load(dO + qo, rows))) - rowDelta[None, ..]);
            dk = Dot(dsT.To<BFloat16>(), Load(q + qo, rows), dk);
        }
        Store(dK + kv, (dk * scale).To<BFloat16>(), keys);
        Store(dV + kv, dv.To<BFloat16>(), keys);
    }

    /// <summary>
    /// dQ of one 128-query block per program: a loop over the 64-key blocks up to the diagonal; K is loaded twice a
    /// step (for S = Q·Kᵀ and for dQ += dS·K).
    /// </summary>
    [TileKernel(NumWarps = 8, NumStages = 2)]
    public static void BackwardQueryBf16(Ptr<BFloat16> q, Ptr<BFloat16> k, Ptr<BFloat16> v, Ptr<BFloat16> dO, Ptr<float> lse,
        Ptr<float> delta, Ptr<BFloat16> dQ, int n, int heads, int strideB, int strideN, int strideH, float scale,
        [Constexpr(64, 128)] int D, [Constexpr(128)] int BLOCK_M, [Constexpr(64)] int BLOCK_N)
    {
        var (bh, block) = LongestFirst(n, BLOCK_M, 8, 1);
        int offset = bh / heads * strideB + bh % heads * strideH;
        var rm = block * BLOCK_M + Arange(0, BLOCK_M);
        var rd = Arange(0, D);
        var rows = rm[.., None] < n;
        var qo = offset + (rm[.., None] * strideN + rd[None, ..]);
        var qTile = Load(q + qo, rows);
        var doTile = Load(dO + qo, rows);
        var rowLse = Load(lse + bh * n + rm, rm < n) * Log2E;
        var rowDelta = Load(delta + bh * n + rm, rm < n);
        float qkScale = scale * Log2E;
        var dq = Zeros<float>(BLOCK_M, D);
        int end = Minimum((block + 1) * BLOCK_M, n);
        for (int start = 0; start < end; start += BLOCK_N)
        {
            var rn = start + Arange(0, BLOCK_N);
            var kv = offset + (rn[.., None] * strideN + rd[None, ..]);
            var keys = rn[.., None] < n;
            var p = Where(rm[.., None] >= rn[None, ..], Exp2(Dot(qTile, Trans(Load(k + kv, keys))) * qkScale - rowLse[.., None]), 0f);
            var ds = p * (Dot(doTile, Trans(Load(v + kv, keys))) - rowDelta[.., None]);
            dq = Dot(ds.To<BFloat16>(), Load(k + kv, keys), dq);
        }
        Store(dQ + qo, (dq * scale).To<BFloat16>(), rows);
    }

    /// <summary>O and LSE of causal attention in bfloat16 (LSE in float); <paramref name="scale"/> defaults to 1/√D.</summary>
    public static void Forward(AcceleratorStream stream, Shape shape, ArrayView<BFloat16> q, ArrayView<BFloat16> k, ArrayView<BFloat16> v,
        ArrayView<BFloat16> o, ArrayView<float> lse, float? scale = null)
        => Forward(new TileTarget(stream), shape, q, k, v, o, lse, scale);

    /// <summary>The same on the host interpreter.</summary>
    public static void Forward(Shape shape, BFloat16[] q, BFloat16[] k, BFloat16[] v, BFloat16[] o, float[] lse, float? scale = null)
        => Forward(TileTarget.Interpreter, shape, q, k, v, o, lse, scale);

    /// <summary>dQ, dK, dV in bfloat16 from dO and the forward's O and LSE; <paramref name="delta"/> is [Batch, Heads, N] float scratch.</summary>
    public static void Backward(AcceleratorStream stream, Shape shape, ArrayView<BFloat16> q, ArrayView<BFloat16> k, ArrayView<BFloat16> v,
        ArrayView<BFloat16> o, ArrayView<BFloat16> dO, ArrayView<float> lse, ArrayView<float> delta,
        ArrayView<BFloat16> dQ, ArrayView<BFloat16> dK, ArrayView<BFloat16> dV, float? scale = null)
        => Backward(new TileTarget(stream), shape, q, k, v, o, dO, lse, delta, dQ, dK, dV, scale);

    /// <summary>The same on the host interpreter (which allocates the scratch).</summary>
    public static void Backward(Shape shape, BFloat16[] q, BFloat16[] k, BFloat16[] v, BFloat16[] o, BFloat16[] dO, float[] lse,
        BFloat16[] dQ, BFloat16[] dK, BFloat16[] dV, float? scale = null)
        => Backward(TileTarget.Interpreter, shape, q, k, v, o, dO, lse, (float[]?)null, dQ, dK, dV, scale);

    private static void Forward(TileTarget target, Shape shape, TileBuffer<BFloat16> q, TileBuffer<BFloat16> k, TileBuffer<BFloat16> v,
        TileBuffer<BFloat16> o, TileBuffer<float> lse, float? scale)
    {
        var s = CheckBf16(shape, lse, (q, nameof(q)), (k, nameof(k)), (v, nameof(v)), (o, nameof(o)));
        // The kernel scales each row's maximum instead of every score, which only a positive scale leaves the same.
        if (scale is { } given && !(given > 0 && float.IsFinite(given)))
            throw new ArgumentOutOfRangeException(nameof(scale), given, "The softmax scale must be positive and finite (1/√D when left out).");
        ForwardBf16Kernel.Run(target, PairBlocks(shape, ForwardRows(shape.D)), new ForwardBf16Kernel.Args(q, k, v, o, lse, shape.N, shape.Heads, s.B, s.N, s.H,
            scale ?? DefaultScale(shape), shape.D));
    }

    private static void Backward(TileTarget target, Shape shape, TileBuffer<BFloat16> q, TileBuffer<BFloat16> k, TileBuffer<BFloat16> v,
        TileBuffer<BFloat16> o, TileBuffer<BFloat16> dO, TileBuffer<float> lse, TileBuffer<float> delta,
        TileBuffer<BFloat16> dQ, TileBuffer<BFloat16> dK, TileBuffer<BFloat16> dV, float? scale)
    {
        var s = CheckBf16(shape, lse, (q, nameof(q)), (k, nameof(k)), (v, nameof(v)), (o, nameof(o)), (dO, nameof(dO)),
            (dQ, nameof(dQ)), (dK, nameof(dK)), (dV, nameof(dV)));
        if (target.Stream is null && delta.IsNull) delta = new float[shape.Rows];
        LaunchChecks.Holds(delta, shape.Rows, nameof(delta), "one value per (batch, head, row)");
        float sc = scale ?? DefaultScale(shape);
        BackwardPreprocessBf16Kernel.Run(target, ProgramGrid(shape, 128), new BackwardPreprocessBf16Kernel.Args(o, dO, delta, shape.N, shape.Heads, s.B, s.N, s.H, shape.D, 128));
        var grid = PairBlocks(shape, 128);
        BackwardKeyValueBf16Kernel.Run(target, grid, new BackwardKeyValueBf16Kernel.Args(q, k, v, dO, lse, delta, dK, dV,
            shape.N, shape.Heads, s.B, s.N, s.H, sc, shape.D, 64, 128));
        BackwardQueryBf16Kernel.Run(target, grid, new BackwardQueryBf16Kernel.Args(q, k, v, dO, lse, delta, dQ,
            shape.N, shape.Heads, s.B, s.N, s.H, sc, shape.D, 128, 64));
    }

    /// <summary>The checks of a bf16 launch (D of 64 or 128); the strides of its tensors.</summary>
    private static (int B, int N, int H) CheckBf16(Shape shape, TileBuffer<float> lse, params (TileBuffer<BFloat16> Buffer, string Name)[] tensors)
    {
        LaunchChecks.Constexpr("shape.D", shape.D, 64, 128);
        LaunchChecks.Holds(lse, shape.Rows, nameof(lse), "one value per (batch, head, row)");
        return CheckTensors(shape, tensors);
    }
}
