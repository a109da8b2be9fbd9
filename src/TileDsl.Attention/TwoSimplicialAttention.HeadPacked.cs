using static TileDsl.Tl;

namespace TileDsl.Attention;

/// <summary>
/// The head-packed scheme (for high GQA ratios): the query heads that share one kv head are the M dimension of every
/// Dot. A program takes GH heads of a group (the group in chunks of GH; heads past the group are masked) at one query
/// position and walks its K1 window one row at a time and, inside, its K2 window in blocks of BK rows: Dots
/// [GH, D] × [D, BK] and [GH, BK] × [BK, D]. The host passes the smaller window as the K1 side.
/// </summary>
public static partial class TwoSimplicialAttention
{
    /// <summary>
    /// The head-packed forward: for each K1 row j, L = Q ⊙ K1_j ([GH, D]; Q × K1_j per feature triple when DET = 1),
    /// logits L·K2ᵀ per K2 block, an online softmax per head over the joint (j, k) space, and the output gains
    /// V1_j ⊙ (P·V2) per head.
    /// </summary>
    [TileKernel(NumWarps = 8)]
    public static void PackedForward(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> lse,
        int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH, int kvStrideB, int kvStrideN, int kvStrideH,
        float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(4, 16, 64)] int GH, [Constexpr(32, 64)] int BK, [Constexpr(0, 1)] int DET)
    {
        int i = ProgramId(0);
        int chunks = Cdiv(groupSize, GH);
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / (kvHeads * chunks);
        int kvHead = ProgramId(1) / chunks % kvHeads;
        var member = ProgramId(1) % chunks * GH + Arange(0, GH);
        var hInside = member < groupSize;
        var head = kvHead * groupSize + member;
        var rd = Arange(0, D);
        var triple = InTriple(rd, D);
        var next1 = TripleNeighbour(rd, D, 1);
        var next2 = TripleNeighbour(rd, D, 2);
        var qRows = batch * qStrideB + i * qStrideN + head[.., None] * qStrideH;
        var qAt = qRows + rd[None, ..];
        var qTile = Load(q + qAt, hInside[.., None]);
        var qNext1 = LoadRows(q, qRows, next1, hInside);
        var qNext2 = LoadRows(q, qRows, next2, hInside);
        int kvOffset = batch * kvStrideB + kvHead * kvStrideH;
        float qkScale = scale * Log2E;
        var m = Full(GH, float.NegativeInfinity);
        var l = Zeros<float>(GH);
        var acc = Zeros<float>(GH, D);
        for (int j = Maximum(0, i - w1 + 1); j <= i; j++)
        {
            int jRow = kvOffset + j * kvStrideN;
            var k1Row = Load(k1 + jRow + rd);
            var k1Next1 = Load(k1 + jRow + next1);
            var k1Next2 = Load(k1 + jRow + next2);
            var left = LogitsFactor(DET, triple[None, ..], qTile, qNext1, qNext2, k1Row[None, ..], k1Next1[None, ..], k1Next2[None, ..]);
            var v1Row = Load(v1 + jRow + rd);
            for (int ks = Maximum(0, i - w2 + 1); ks <= i; ks += BK)
            {
                var rk = ks + Arange(0, BK);
                var kInside = rk <= i;
                var kAt = kvOffset + (rk[.., None] * kvStrideN + rd[None, ..]);
                var k2Tile = Load(k2 + kAt, kInside[.., None]);
                var v2Tile = Load(v2 + kAt, kInside[.., None]);
                var logits = Dot(left, Trans(k2Tile)) * qkScale;
                logits = Where(kInside[None, ..], logits, float.NegativeInfinity);
                var mNew = Maximum(m, Max(logits, 1));
                var p = Exp2(logits - mNew[.., None]);
                var alpha = Exp2(m - mNew);
                l = l * alpha + Sum(p, 1);
                acc = acc * alpha[.., None] + Dot(p, v2Tile) * v1Row[None, ..];
                m = mNew;
            }
        }
        Store(o + qAt, acc / l[.., None], hInside[.., None]);
        Store(lse + (batch * heads + head) * n + i, m * Ln2 + Log(l), hInside);
    }

    /// <summary>
    /// dQ of GH heads at one query per program, the head-packed forward's loops with P recomputed from LSE:
    /// dA = P ⊙ (dP − Δ) with dP = (dO ⊙ V1_j)·V2ᵀ, and dQ = s·Σ_j K1_j ⊙ (dA·K2) (K1_j × (dA·K2) per triple for DET = 1).
    /// </summary>
    [TileKernel(NumWarps = 8)]
    public static void PackedBackwardQuery(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dQ, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int w1, int w2, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(4, 16, 64)] int GH, [Constexpr(32, 64)] int BK, [Constexpr(0, 1)] int DET)
    {
        int i = ProgramId(0);
        int chunks = Cdiv(groupSize, GH);
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / (kvHeads * chunks);
        int kvHead = ProgramId(1) / chunks % kvHeads;
        var member = ProgramId(1) % chunks * GH + Arange(0, GH);
        var hInside = member < groupSize;
        var head = kvHead * groupSize + member;
        var rd = Arange(0, D);
        var triple = InTriple(rd, D);
        var next1 = TripleNeighbour(rd, D, 1);
        var next2 = TripleNeighbour(rd, D, 2);
        var qRows = batch * qStrideB + i * qStrideN + head[.., None] * qStrideH;
        var qAt = qRows + rd[None, ..];
        var qTile = Load(q + qAt, hInside[.., None]);
        var qNext1 = LoadRows(q, qRows, next1, hInside);
        var qNext2 = LoadRows(q, qRows, next2, hInside);
        var doTile = Load(dO + qAt, hInside[.., None]);
        var delta = Sum(doTile * Load(o + qAt, hInside[.., None]), 1);
        var rowLse = Load(lse + (batch * heads + head) * n + i, hInside) * Log2E;
        int kvOffset = batch * kvStrideB + kvHead * kvStrideH;
        float qkScale = scale * Log2E;
        var dq = Zeros<float>(GH, D);
        for (int j = Maximum(0, i - w1 + 1); j <= i; j++)
        {
            int jRow = kvOffset + j * kvStrideN;
            var k1Row = Load(k1 + jRow + rd);
            var k1Next1 = Load(k1 + jRow + next1);
            var k1Next2 = Load(k1 + jRow + next2);
            var left = LogitsFactor(DET, triple[None, ..], qTile, qNext1, qNext2, k1Row[None, ..], k1Next1[None, ..], k1Next2[None, ..]);
            var v1Row = Load(v1 + jRow + rd);
            var doV1 = doTile * v1Row[None, ..];
            for (int ks = Maximum(0, i - w2 + 1); ks <= i; ks += BK)
            {
                var rk = ks + Arange(0, BK);
                var kInside = rk <= i;
                var kRows = kvOffset + rk[.., None] * kvStrideN;
                var k2Tile = LoadRows(k2, kRows, rd, kInside);
                var p = Where(kInside[None, ..], Exp2(Dot(left, Trans(k2Tile)) * qkScale - rowLse[.., None]), 0f);
                var v2Tile = LoadRows(v2, kRows, rd, kInside);
                var dA = p * (Dot(doV1, Trans(v2Tile)) - delta[.., None]);
                if (DET == 1)
                {
                    var k2Next1 = LoadRows(k2, kRows, next1, kInside);
                    var k2Next2 = LoadRows(k2, kRows, next2, kInside);
                    dq += TripleCross(triple[None, ..], k1Next1[None, ..], k1Next2[None, ..], Dot(dA, k2Next1), Dot(dA, k2Next2));
                }
                else
                {
                    dq += k1Row[None, ..] * Dot(dA, k2Tile);
                }
            }
        }
        Store(dQ + qAt, dq * scale, hInside[.., None]);
    }

    /// <summary>
    /// The gradients of one key role a (K1/V1, or K2/V2 with the roles swapped as for <see cref="RowBackwardKey"/>) for
    /// one row j of a per program (one kv head): over the group's heads in chunks of GH, every query whose a-window
    /// holds j, and that query's b-window in blocks of BK: dVa_j += Σ_h dO_h ⊙ (P·Vb)_h and
    /// dKa_j += s·Σ_h Q_h ⊙ (dA·Kb)_h ((dA·Kb)_h × Q_h per triple for DET = 1). Each program owns its row: no atomics.
    /// </summary>
    [TileKernel(NumWarps = 8)]
    public static void PackedBackwardKey(Ptr<float> q, Ptr<float> ka, Ptr<float> va, Ptr<float> kb, Ptr<float> vb, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dKa, Ptr<float> dVa, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int wa, int wb, [Constexpr(16, 32, 64, 128)] int D, [Constexpr(4, 16, 64)] int GH, [Constexpr(32, 64)] int BK, [Constexpr(0, 1)] int DET)
    {
        int j = ProgramId(0);
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / kvHeads;
        int kvHead = ProgramId(1) % kvHeads;
        int kvOffset = batch * kvStrideB + kvHead * kvStrideH;
        int jRow = kvOffset + j * kvStrideN;
        var rd = Arange(0, D);
        var triple = InTriple(rd, D);
        var next1 = TripleNeighbour(rd, D, 1);
        var next2 = TripleNeighbour(rd, D, 2);
        var kaRow = Load(ka + jRow + rd);
        var kaNext1 = Load(ka + jRow + next1);
        var kaNext2 = Load(ka + jRow + next2);
        var vaRow = Load(va + jRow + rd);
        float qkScale = scale * Log2E;
        var dka = Zeros<float>(D);
        var dva = Zeros<float>(D);
        int lastQuery = Minimum(j + wa - 1, n - 1);
        for (int first = 0; first < groupSize; first += GH)
        {
            var member = first + Arange(0, GH);
            var hInside = member < groupSize;
            var head = kvHead * groupSize + member;
            for (int i = j; i <= lastQuery; i++)
            {
                var qRows = batch * qStrideB + i * qStrideN + head[.., None] * qStrideH;
                var qAt = qRows + rd[None, ..];
                var qTile = Load(q + qAt, hInside[.., None]);
                var qNext1 = LoadRows(q, qRows, next1, hInside);
                var qNext2 = LoadRows(q, qRows, next2, hInside);
                var doTile = Load(dO + qAt, hInside[.., None]);
                var delta = Sum(doTile * Load(o + qAt, hInside[.., None]), 1);
                var rowLse = Load(lse + (batch * heads + head) * n + i, hInside) * Log2E;
                var left = LogitsFactor(DET, triple[None, ..], qTile, qNext1, qNext2, kaRow[None, ..], kaNext1[None, ..], kaNext2[None, ..]);
                var doVa = doTile * vaRow[None, ..];
                for (int ks = Maximum(0, i - wb + 1); ks <= i; ks += BK)
                {
                    var rk = ks + Arange(0, BK);
                    var kInside = rk <= i;
                    var kRows = kvOffset + rk[.., None] * kvStrideN;
                    var kbTile = LoadRows(kb, kRows, rd, kInside);
                    var vbTile = LoadRows(vb, kRows, rd, kInside);
                    var p = Where(hInside[.., None] & kInside[None, ..], Exp2(Dot(left, Trans(kbTile)) * qkScale - rowLse[.., None]), 0f);
                    var dA = p * (Dot(doVa, Trans(vbTile)) - delta[.., None]);
                    dva += Sum(doTile * Dot(p, vbTile), 0);
                    if (DET == 1)
                    {
                        var kbNext1 = LoadRows(kb, kRows, next1, kInside);
                        var kbNext2 = LoadRows(kb, kRows, next2, kInside);
                        dka += Sum(TripleCross(triple[None, ..], Dot(dA, kbNext1), Dot(dA, kbNext2), qNext1, qNext2), 0);
                    }
                    else
                    {
                        dka += Sum(qTile * Dot(dA, kbTile), 0);
                    }
                }
            }
        }
        Store(dKa + jRow + rd, dka * scale);
        Store(dVa + jRow + rd, dva);
    }
}
