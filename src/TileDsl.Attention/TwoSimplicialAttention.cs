using System;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Attention;

/// <summary>
/// 2-simplicial attention (Roy et al., "Fast and Simplex", 2025), written in the DSL. For each batch, query head h and
/// query i: logits A_ijk = s·Σ_d Q_id·K1_jd·K2_kd over j ∈ (i−w1, i] and k ∈ (i−w2, i] (clipped at 0), a softmax
/// jointly over all those (j, k), and O_i = Σ_jk S_ijk·(V1_j ⊙ V2_k). Q and O are [B, N, Hq, D]; K1, V1, K2, V2 are
/// [B, N, Hkv, D] with Hq a multiple of Hkv (query head h reads kv head h / (Hq / Hkv)); LSE is [B, Hq, N].
/// </summary>
public static partial class TwoSimplicialAttention
{
    private const float Log2E = 1.44269504f;
    private const float Ln2 = 0.6931471806f;

    /// <summary>
    /// The row-wise forward: one program per (query, batch·head). It walks the query's K2/V2 window in blocks of BK
    /// rows and, inside, its K1/V1 window in blocks of BJ rows; for each pair of blocks the logits are one dense Dot
    /// (L [BJ, D] × K2ᵀ [D, BK], with L = Q ⊙ K1, or Q × K1 per feature triple when DET = 1), the online softmax is
    /// over the joint (j, k) block (scalar running max and sum), and the output gains Σ_j V1_j ⊙ (P·V2)_j, a second
    /// dense Dot.
    /// </summary>
    /// <remarks>
    /// The determinant variant: Σ over consecutive feature triples t of det[q_t; k1_t; k2_t] = Σ_t k2_t · (q_t × k1_t).
    /// <c>next1</c>/<c>next2</c> are, for each feature, the next two of its triple (cyclically), so
    /// (q × k1)_d = q_next1 · k1_next2 − q_next2 · k1_next1; features past the last whole triple take no part.
    /// </remarks>
    [TileKernel(NumWarps = 4)]
    public static void Forward(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> lse,
        int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH, int kvStrideB, int kvStrideN, int kvStrideH,
        float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32)] int BJ, [Constexpr(16, 32)] int BK, [Constexpr(0, 1)] int DET)
    {
        int i = ProgramId(0);
        int bh = ProgramId(1);
        int batch = bh / heads;
        int head = bh % heads;
        int qOffset = batch * qStrideB + i * qStrideN + head * qStrideH;
        int kvOffset = batch * kvStrideB + head / groupSize * kvStrideH;
        var rd = Arange(0, D);
        var triple = rd < D / 3 * 3;
        var next1 = Where(triple, rd / 3 * 3 + (rd % 3 + 1) % 3, rd);
        var next2 = Where(triple, rd / 3 * 3 + (rd % 3 + 2) % 3, rd);
        var qRow = Load(q + qOffset + rd);
        var qNext1 = Load(q + qOffset + next1);
        var qNext2 = Load(q + qOffset + next2);
        float qkScale = scale * Log2E;
        float m = float.NegativeInfinity;
        float l = 0f;
        var acc = Zeros<float>(D);
        int firstJ = Maximum(0, i - w1 + 1);
        for (int ks = Maximum(0, i - w2 + 1); ks <= i; ks += BK)
        {
            var rk = ks + Arange(0, BK);
            var kInside = rk <= i;
            var kAt = kvOffset + (rk[.., None] * kvStrideN + rd[None, ..]);
            var k2Tile = Load(k2 + kAt, kInside[.., None]);
            var v2Tile = Load(v2 + kAt, kInside[.., None]);
            for (int js = firstJ; js <= i; js += BJ)
            {
                var rj = js + Arange(0, BJ);
                var jInside = rj <= i;
                var jRows = kvOffset + rj[.., None] * kvStrideN;
                var left = Load(k1 + (jRows + rd[None, ..]), jInside[.., None]) * qRow[None, ..];
                if (DET == 1)
                {
                    var k1Next1 = Load(k1 + (jRows + next1[None, ..]), jInside[.., None]);
                    var k1Next2 = Load(k1 + (jRows + next2[None, ..]), jInside[.., None]);
                    left = Where(triple[None, ..], qNext1[None, ..] * k1Next2 - qNext2[None, ..] * k1Next1, 0f);
                }
                var logits = Dot(left, Trans(k2Tile)) * qkScale;
                logits = Where(jInside[.., None] & kInside[None, ..], logits, float.NegativeInfinity);
                float mNew = Maximum(m, Max(logits));
                var p = Exp2(logits - mNew);
                float alpha = Exp2(m - mNew);
                l = l * alpha + Sum(p);
                var v1Tile = Load(v1 + (jRows + rd[None, ..]), jInside[.., None]);
                acc = acc * alpha + Sum(v1Tile * Dot(p, v2Tile), 0);
                m = mNew;
            }
        }
        Store(o + qOffset + rd, acc / l);
        Store(lse + bh * n + i, m * Ln2 + Log(l));
    }

    /// <summary>
    /// dQ of one query per program (the forward's loops): with P recomputed from LSE, dP_jk = Σ_d dO_d·V1_jd·V2_kd,
    /// dA = P ⊙ (dP − Δ) where Δ = dO·O, and dQ = s·Σ_j K1_j ⊙ (dA·K2)_j; for DET = 1,
    /// dQ = s·Σ_j K1_j × (dA·K2)_j per triple.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void BackwardQuery(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dQ, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32)] int BJ, [Constexpr(16, 32)] int BK, [Constexpr(0, 1)] int DET)
    {
        int i = ProgramId(0);
        int bh = ProgramId(1);
        int batch = bh / heads;
        int head = bh % heads;
        int qOffset = batch * qStrideB + i * qStrideN + head * qStrideH;
        int kvOffset = batch * kvStrideB + head / groupSize * kvStrideH;
        var rd = Arange(0, D);
        var triple = rd < D / 3 * 3;
        var next1 = Where(triple, rd / 3 * 3 + (rd % 3 + 1) % 3, rd);
        var next2 = Where(triple, rd / 3 * 3 + (rd % 3 + 2) % 3, rd);
        var qRow = Load(q + qOffset + rd);
        var qNext1 = Load(q + qOffset + next1);
        var qNext2 = Load(q + qOffset + next2);
        var doRow = Load(dO + qOffset + rd);
        float delta = Sum(doRow * Load(o + qOffset + rd));
        float rowLse = Load(lse + bh * n + i) * Log2E;
        float qkScale = scale * Log2E;
        var dq = Zeros<float>(D);
        int firstJ = Maximum(0, i - w1 + 1);
        for (int ks = Maximum(0, i - w2 + 1); ks <= i; ks += BK)
        {
            var rk = ks + Arange(0, BK);
            var kInside = rk <= i;
            var kRows = kvOffset + rk[.., None] * kvStrideN;
            var k2Tile = Load(k2 + (kRows + rd[None, ..]), kInside[.., None]);
            var k2Next1 = Load(k2 + (kRows + next1[None, ..]), kInside[.., None]);
            var k2Next2 = Load(k2 + (kRows + next2[None, ..]), kInside[.., None]);
            var v2Tile = Load(v2 + (kRows + rd[None, ..]), kInside[.., None]);
            for (int js = firstJ; js <= i; js += BJ)
            {
                var rj = js + Arange(0, BJ);
                var jInside = rj <= i;
                var jRows = kvOffset + rj[.., None] * kvStrideN;
                var k1Tile = Load(k1 + (jRows + rd[None, ..]), jInside[.., None]);
                var k1Next1 = Load(k1 + (jRows + next1[None, ..]), jInside[.., None]);
                var k1Next2 = Load(k1 + (jRows + next2[None, ..]), jInside[.., None]);
                var v1Tile = Load(v1 + (jRows + rd[None, ..]), jInside[.., None]);
                var left = k1Tile * qRow[None, ..];
                if (DET == 1) { left = Where(triple[None, ..], qNext1[None, ..] * k1Next2 - qNext2[None, ..] * k1Next1, 0f); }
                var p = Where(jInside[.., None] & kInside[None, ..], Exp2(Dot(left, Trans(k2Tile)) * qkScale - rowLse), 0f);
                var dA = p * (Dot(v1Tile * doRow[None, ..], Trans(v2Tile)) - delta);
                var step = k1Tile * Dot(dA, k2Tile);
                if (DET == 1) { step = Where(triple[None, ..], k1Next1 * Dot(dA, k2Next2) - k1Next2 * Dot(dA, k2Next1), 0f); }
                dq += Sum(step, 0);
            }
        }
        Store(dQ + qOffset + rd, dq * scale);
    }

    /// <summary>
    /// dK1 and dV1 of one block of BJ key rows (one kv head) per program: every query head of the group and every query
    /// whose K1 window reaches the block, over that query's K2 window: dV1_j += dO ⊙ (P·V2)_j, dK1_j += s·Q ⊙ (dA·K2)_j
    /// (for DET = 1, s·(dA·K2)_j × Q per triple). Each program owns its rows: no atomics, the same result every run.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void BackwardKey1(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dK1, Ptr<float> dV1, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32)] int BJ, [Constexpr(16, 32)] int BK, [Constexpr(0, 1)] int DET)
    {
        int block = ProgramId(0);
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / kvHeads;
        int group = ProgramId(1) % kvHeads;
        int kvOffset = batch * kvStrideB + group * kvStrideH;
        var rd = Arange(0, D);
        var triple = rd < D / 3 * 3;
        var next1 = Where(triple, rd / 3 * 3 + (rd % 3 + 1) % 3, rd);
        var next2 = Where(triple, rd / 3 * 3 + (rd % 3 + 2) % 3, rd);
        var rj = block * BJ + Arange(0, BJ);
        var jValid = rj < n;
        var jRows = kvOffset + rj[.., None] * kvStrideN;
        var k1Tile = Load(k1 + (jRows + rd[None, ..]), jValid[.., None]);
        var k1Next1 = Load(k1 + (jRows + next1[None, ..]), jValid[.., None]);
        var k1Next2 = Load(k1 + (jRows + next2[None, ..]), jValid[.., None]);
        var v1Tile = Load(v1 + (jRows + rd[None, ..]), jValid[.., None]);
        float qkScale = scale * Log2E;
        var dk1 = Zeros<float>(BJ, D);
        var dv1 = Zeros<float>(BJ, D);
        int lastQuery = Minimum(block * BJ + BJ + w1 - 2, n - 1);
        for (int member = 0; member < groupSize; member++)
        {
            int head = group * groupSize + member;
            for (int i = block * BJ; i <= lastQuery; i++)
            {
                int qOffset = batch * qStrideB + i * qStrideN + head * qStrideH;
                var qRow = Load(q + qOffset + rd);
                var qNext1 = Load(q + qOffset + next1);
                var qNext2 = Load(q + qOffset + next2);
                var doRow = Load(dO + qOffset + rd);
                float delta = Sum(doRow * Load(o + qOffset + rd));
                float rowLse = Load(lse + (batch * heads + head) * n + i) * Log2E;
                var jInside = jValid & (rj <= i) & (rj > i - w1);
                var left = k1Tile * qRow[None, ..];
                if (DET == 1) { left = Where(triple[None, ..], qNext1[None, ..] * k1Next2 - qNext2[None, ..] * k1Next1, 0f); }
                for (int ks = Maximum(0, i - w2 + 1); ks <= i; ks += BK)
                {
                    var rk = ks + Arange(0, BK);
                    var kInside = rk <= i;
                    var kRows = kvOffset + rk[.., None] * kvStrideN;
                    var k2Tile = Load(k2 + (kRows + rd[None, ..]), kInside[.., None]);
                    var k2Next1 = Load(k2 + (kRows + next1[None, ..]), kInside[.., None]);
                    var k2Next2 = Load(k2 + (kRows + next2[None, ..]), kInside[.., None]);
                    var v2Tile = Load(v2 + (kRows + rd[None, ..]), kInside[.., None]);
                    var p = Where(jInside[.., None] & kInside[None, ..], Exp2(Dot(left, Trans(k2Tile)) * qkScale - rowLse), 0f);
                    var dA = p * (Dot(v1Tile * doRow[None, ..], Trans(v2Tile)) - delta);
                    dv1 += doRow[None, ..] * Dot(p, v2Tile);
                    var step = qRow[None, ..] * Dot(dA, k2Tile);
                    if (DET == 1) { step = Where(triple[None, ..], Dot(dA, k2Next1) * qNext2[None, ..] - Dot(dA, k2Next2) * qNext1[None, ..], 0f); }
                    dk1 += step;
                }
            }
        }
        Store(dK1 + (jRows + rd[None, ..]), dk1 * scale, jValid[.., None]);
        Store(dV1 + (jRows + rd[None, ..]), dv1, jValid[.., None]);
    }

    /// <summary>
    /// dK2 and dV2 of one block of BK key rows (one kv head) per program, the mirror of <see cref="BackwardKey1"/>:
    /// dV2_k += dO ⊙ (Pᵀ·V1)_k, dK2_k += s·(dAᵀ·L)_k with L the forward's left operand (Q ⊙ K1, or Q × K1).
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void BackwardKey2(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dK2, Ptr<float> dV2, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32)] int BJ, [Constexpr(16, 32)] int BK, [Constexpr(0, 1)] int DET)
    {
        int block = ProgramId(0);
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / kvHeads;
        int group = ProgramId(1) % kvHeads;
        int kvOffset = batch * kvStrideB + group * kvStrideH;
        var rd = Arange(0, D);
        var triple = rd < D / 3 * 3;
        var next1 = Where(triple, rd / 3 * 3 + (rd % 3 + 1) % 3, rd);
        var next2 = Where(triple, rd / 3 * 3 + (rd % 3 + 2) % 3, rd);
        var rk = block * BK + Arange(0, BK);
        var kValid = rk < n;
        var kAt = kvOffset + (rk[.., None] * kvStrideN + rd[None, ..]);
        var k2Tile = Load(k2 + kAt, kValid[.., None]);
        var v2Tile = Load(v2 + kAt, kValid[.., None]);
        float qkScale = scale * Log2E;
        var dk2 = Zeros<float>(BK, D);
        var dv2 = Zeros<float>(BK, D);
        int lastQuery = Minimum(block * BK + BK + w2 - 2, n - 1);
        for (int member = 0; member < groupSize; member++)
        {
            int head = group * groupSize + member;
            for (int i = block * BK; i <= lastQuery; i++)
            {
                int qOffset = batch * qStrideB + i * qStrideN + head * qStrideH;
                var qRow = Load(q + qOffset + rd);
                var qNext1 = Load(q + qOffset + next1);
                var qNext2 = Load(q + qOffset + next2);
                var doRow = Load(dO + qOffset + rd);
                float delta = Sum(doRow * Load(o + qOffset + rd));
                float rowLse = Load(lse + (batch * heads + head) * n + i) * Log2E;
                var kInside = kValid & (rk <= i) & (rk > i - w2);
                for (int js = Maximum(0, i - w1 + 1); js <= i; js += BJ)
                {
                    var rj = js + Arange(0, BJ);
                    var jInside = rj <= i;
                    var jRows = kvOffset + rj[.., None] * kvStrideN;
                    var left = Load(k1 + (jRows + rd[None, ..]), jInside[.., None]) * qRow[None, ..];
                    if (DET == 1)
                    {
                        var k1Next1 = Load(k1 + (jRows + next1[None, ..]), jInside[.., None]);
                        var k1Next2 = Load(k1 + (jRows + next2[None, ..]), jInside[.., None]);
                        left = Where(triple[None, ..], qNext1[None, ..] * k1Next2 - qNext2[None, ..] * k1Next1, 0f);
                    }
                    var v1Tile = Load(v1 + (jRows + rd[None, ..]), jInside[.., None]);
                    var p = Where(jInside[.., None] & kInside[None, ..], Exp2(Dot(left, Trans(k2Tile)) * qkScale - rowLse), 0f);
                    var dA = p * (Dot(v1Tile * doRow[None, ..], Trans(v2Tile)) - delta);
                    dv2 += doRow[None, ..] * Dot(Trans(p), v1Tile);
                    dk2 += Dot(Trans(dA), left);
                }
            }
        }
        Store(dK2 + kAt, dk2 * scale, kValid[.., None]);
        Store(dV2 + kAt, dv2, kValid[.., None]);
    }

    /// <summary>The form of the logits.</summary>
    public enum Variant
    {
        /// <summary>A_ijk = s·Σ_d Q_id·K1_jd·K2_kd.</summary>
        Trilinear = 0,

        /// <summary>A_ijk = s·Σ over consecutive feature triples t of det[Q_i,t; K1_j,t; K2_k,t] (rotation invariant per triple).</summary>
        Determinant = 1,
    }

    /// <summary>The sizes of a launch.</summary>
    public readonly record struct Shape(int Batch, int N, int Heads, int KvHeads, int D)
    {
        internal long QElements => (long)Batch * N * Heads * D;

        internal long KvElements => (long)Batch * N * KvHeads * D;
    }

    /// <summary>Key rows per block of the K1 (BJ) and K2 (BK) loops.</summary>
    private const int Block = 16;

    /// <summary>What every launch derives from the shape: strides of the contiguous layouts and the GQA group size.</summary>
    private readonly record struct Layout(Shape Shape, float Scale)
    {
        public int GroupSize => Shape.Heads / Shape.KvHeads;

        public (int B, int N, int H) Q => (Shape.N * Shape.Heads * Shape.D, Shape.Heads * Shape.D, Shape.D);

        public (int B, int N, int H) Kv => (Shape.N * Shape.KvHeads * Shape.D, Shape.KvHeads * Shape.D, Shape.D);

        public TileGrid Queries => new(Shape.N, Shape.Batch * Shape.Heads);

        public TileGrid KeyBlocks => new(Cdiv(Shape.N, Block), Shape.Batch * Shape.KvHeads);
    }

    /// <summary>O and LSE on the accelerator of <paramref name="stream"/>; <paramref name="scale"/> defaults to 1/√D.</summary>
    public static void Forward(AcceleratorStream stream, Shape shape, ArrayView<float> q, ArrayView<float> k1, ArrayView<float> v1,
        ArrayView<float> k2, ArrayView<float> v2, ArrayView<float> o, ArrayView<float> lse, int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear)
    {
        var l = Check(shape, w1, w2, scale, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        ForwardKernel.Launch(stream, l.Queries, q, k1, v1, k2, v2, o, lse, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
    }

    /// <summary>The same in the host interpreter, on arrays.</summary>
    public static void Forward(Shape shape, float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] o, float[] lse,
        int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear)
    {
        var l = Check(shape, w1, w2, scale, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        ForwardKernel.Interpret(l.Queries, q, k1, v1, k2, v2, o, lse, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
    }

    /// <summary>
    /// dQ, dK1, dV1, dK2, dV2 from dO and the forward's O and LSE, by three kernels that each own what they write (no
    /// atomics: two runs give identical bits): <see cref="BackwardQuery"/>, <see cref="BackwardKey1"/>, <see cref="BackwardKey2"/>.
    /// </summary>
    public static void Backward(AcceleratorStream stream, Shape shape, ArrayView<float> q, ArrayView<float> k1, ArrayView<float> v1,
        ArrayView<float> k2, ArrayView<float> v2, ArrayView<float> o, ArrayView<float> dO, ArrayView<float> lse,
        ArrayView<float> dQ, ArrayView<float> dK1, ArrayView<float> dV1, ArrayView<float> dK2, ArrayView<float> dV2,
        int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear)
    {
        var l = Check(shape, w1, w2, scale, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        CheckGradients(shape, dO.Length, dQ.Length, dK1.Length, dV1.Length, dK2.Length, dV2.Length);
        BackwardQueryKernel.Launch(stream, l.Queries, q, k1, v1, k2, v2, o, dO, lse, dQ, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
        BackwardKey1Kernel.Launch(stream, l.KeyBlocks, q, k1, v1, k2, v2, o, dO, lse, dK1, dV1, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
        BackwardKey2Kernel.Launch(stream, l.KeyBlocks, q, k1, v1, k2, v2, o, dO, lse, dK2, dV2, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
    }

    /// <summary>The same in the host interpreter, on arrays.</summary>
    public static void Backward(Shape shape, float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] o, float[] dO, float[] lse,
        float[] dQ, float[] dK1, float[] dV1, float[] dK2, float[] dV2, int w1, int w2, float? scale = null, Variant variant = Variant.Trilinear)
    {
        var l = Check(shape, w1, w2, scale, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        CheckGradients(shape, dO.Length, dQ.Length, dK1.Length, dV1.Length, dK2.Length, dV2.Length);
        BackwardQueryKernel.Interpret(l.Queries, q, k1, v1, k2, v2, o, dO, lse, dQ, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
        BackwardKey1Kernel.Interpret(l.KeyBlocks, q, k1, v1, k2, v2, o, dO, lse, dK1, dV1, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
        BackwardKey2Kernel.Interpret(l.KeyBlocks, q, k1, v1, k2, v2, o, dO, lse, dK2, dV2, shape.N, shape.Heads, l.GroupSize,
            l.Q.B, l.Q.N, l.Q.H, l.Kv.B, l.Kv.N, l.Kv.H, l.Scale, w1, w2, shape.D, Block, Block, (int)variant);
    }

    private static void CheckGradients(Shape shape, long dO, long dQ, long dK1, long dV1, long dK2, long dV2)
    {
        string qShape = $"[{shape.Batch}, {shape.N}, {shape.Heads}, {shape.D}]", kvShape = $"[{shape.Batch}, {shape.N}, {shape.KvHeads}, {shape.D}]";
        LaunchChecks.Holds(dO, shape.QElements, nameof(dO), qShape);
        LaunchChecks.Holds(dQ, shape.QElements, nameof(dQ), qShape);
        LaunchChecks.Holds(dK1, shape.KvElements, nameof(dK1), kvShape);
        LaunchChecks.Holds(dV1, shape.KvElements, nameof(dV1), kvShape);
        LaunchChecks.Holds(dK2, shape.KvElements, nameof(dK2), kvShape);
        LaunchChecks.Holds(dV2, shape.KvElements, nameof(dV2), kvShape);
    }

    private static Layout Check(Shape shape, int w1, int w2, float? scale, long q, long k1, long v1, long k2, long v2, long o, long lse)
    {
        LaunchChecks.AtLeast(shape.Batch, 1, "shape.Batch");
        LaunchChecks.AtLeast(shape.N, 1, "shape.N");
        LaunchChecks.AtLeast(shape.Heads, 1, "shape.Heads");
        LaunchChecks.AtLeast(shape.KvHeads, 1, "shape.KvHeads");
        if (shape.Heads % shape.KvHeads != 0)
            throw new ArgumentException($"shape.Heads ({shape.Heads}) must be a multiple of shape.KvHeads ({shape.KvHeads}).", nameof(shape));
        LaunchChecks.Constexpr("shape.D", shape.D, 16, 32, 64, 128);
        LaunchChecks.AtLeast(w1, 1, nameof(w1));
        LaunchChecks.AtLeast(w2, 1, nameof(w2));
        string qShape = $"[{shape.Batch}, {shape.N}, {shape.Heads}, {shape.D}]", kvShape = $"[{shape.Batch}, {shape.N}, {shape.KvHeads}, {shape.D}]";
        LaunchChecks.Holds(q, shape.QElements, nameof(q), qShape);
        LaunchChecks.Holds(o, shape.QElements, nameof(o), qShape);
        LaunchChecks.Holds(k1, shape.KvElements, nameof(k1), kvShape);
        LaunchChecks.Holds(v1, shape.KvElements, nameof(v1), kvShape);
        LaunchChecks.Holds(k2, shape.KvElements, nameof(k2), kvShape);
        LaunchChecks.Holds(v2, shape.KvElements, nameof(v2), kvShape);
        LaunchChecks.Holds(lse, (long)shape.Batch * shape.Heads * shape.N, nameof(lse), $"[{shape.Batch}, {shape.Heads}, {shape.N}]");
        return new Layout(shape, scale ?? 1f / MathF.Sqrt(shape.D));
    }
}
