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
    /// (Q⊙K1 [BJ, D] × K2ᵀ [D, BK]), the online softmax is over the joint (j, k) block (scalar running max and sum), and
    /// the output gains Σ_j V1_j ⊙ (P·V2)_j, a second dense Dot.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void Forward(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> lse,
        int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH, int kvStrideB, int kvStrideN, int kvStrideH,
        float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32)] int BJ, [Constexpr(16, 32)] int BK)
    {
        int i = ProgramId(0);
        int bh = ProgramId(1);
        int batch = bh / heads;
        int head = bh % heads;
        int qOffset = batch * qStrideB + i * qStrideN + head * qStrideH;
        int kvOffset = batch * kvStrideB + head / groupSize * kvStrideH;
        var rd = Arange(0, D);
        var qRow = Load(q + qOffset + rd) * (scale * Log2E);
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
                var jAt = kvOffset + (rj[.., None] * kvStrideN + rd[None, ..]);
                var k1Tile = Load(k1 + jAt, jInside[.., None]);
                var logits = Dot(k1Tile * qRow[None, ..], Trans(k2Tile));
                logits = Where(jInside[.., None] & kInside[None, ..], logits, float.NegativeInfinity);
                float mNew = Maximum(m, Max(logits));
                var p = Exp2(logits - mNew);
                float alpha = Exp2(m - mNew);
                l = l * alpha + Sum(p);
                var v1Tile = Load(v1 + jAt, jInside[.., None]);
                acc = acc * alpha + Sum(v1Tile * Dot(p, v2Tile), 0);
                m = mNew;
            }
        }
        Store(o + qOffset + rd, acc / l);
        Store(lse + bh * n + i, m * Ln2 + Log(l));
    }

    /// <summary>The sizes of a launch.</summary>
    public readonly record struct Shape(int Batch, int N, int Heads, int KvHeads, int D)
    {
        internal long QElements => (long)Batch * N * Heads * D;

        internal long KvElements => (long)Batch * N * KvHeads * D;
    }

    /// <summary>O and LSE on the accelerator of <paramref name="stream"/>; <paramref name="scale"/> defaults to 1/√D.</summary>
    public static void Forward(AcceleratorStream stream, Shape shape, ArrayView<float> q, ArrayView<float> k1, ArrayView<float> v1,
        ArrayView<float> k2, ArrayView<float> v2, ArrayView<float> o, ArrayView<float> lse, int w1, int w2, float? scale = null)
    {
        var grid = Check(shape, w1, w2, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        var (b, n, h) = (shape.N * shape.Heads * shape.D, shape.Heads * shape.D, shape.D);
        var (kb, kn, kh) = (shape.N * shape.KvHeads * shape.D, shape.KvHeads * shape.D, shape.D);
        ForwardKernel.Launch(stream, grid, q, k1, v1, k2, v2, o, lse, shape.N, shape.Heads, shape.Heads / shape.KvHeads,
            b, n, h, kb, kn, kh, scale ?? 1f / MathF.Sqrt(shape.D), w1, w2, shape.D, 16, 16);
    }

    /// <summary>The same in the host interpreter, on arrays.</summary>
    public static void Forward(Shape shape, float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] o, float[] lse,
        int w1, int w2, float? scale = null)
    {
        var grid = Check(shape, w1, w2, q.Length, k1.Length, v1.Length, k2.Length, v2.Length, o.Length, lse.Length);
        var (b, n, h) = (shape.N * shape.Heads * shape.D, shape.Heads * shape.D, shape.D);
        var (kb, kn, kh) = (shape.N * shape.KvHeads * shape.D, shape.KvHeads * shape.D, shape.D);
        ForwardKernel.Interpret(grid, q, k1, v1, k2, v2, o, lse, shape.N, shape.Heads, shape.Heads / shape.KvHeads,
            b, n, h, kb, kn, kh, scale ?? 1f / MathF.Sqrt(shape.D), w1, w2, shape.D, 16, 16);
    }

    private static TileGrid Check(Shape shape, int w1, int w2, long q, long k1, long v1, long k2, long v2, long o, long lse)
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
        return new TileGrid(shape.N, shape.Batch * shape.Heads);
    }
}
