using static TileDsl.Tl;

namespace TileDsl.Attention;

/// <summary>
/// The row-wise scheme: one program per (query, batch·head) for the forward, one per block of key rows for the
/// gradients (dQ comes with those of the smaller window's role); the Dots are [BJ, D] × [D, BK] between blocks of the
/// two key windows. The host passes the smaller window as the K2 side (it fits one BK block), so the loop over blocks
/// of the larger one carries the work.
/// </summary>
public static partial class TwoSimplicialAttention
{
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
    public static void RowForward(Ptr<float> q, Ptr<float> k1, Ptr<float> v1, Ptr<float> k2, Ptr<float> v2, Ptr<float> o, Ptr<float> lse,
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
        var triple = InTriple(rd, D);
        var next1 = TripleNeighbour(rd, D, 1);
        var next2 = TripleNeighbour(rd, D, 2);
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
                var left = LogitsFactor(DET, triple[None, ..], qRow[None, ..], qNext1[None, ..], qNext2[None, ..],
                    LoadRows(k1, jRows, rd, jInside), LoadRows(k1, jRows, next1, jInside), LoadRows(k1, jRows, next2, jInside));
                var logits = Dot(left, Trans(k2Tile)) * qkScale;
                logits = Where(jInside[.., None] & kInside[None, ..], logits, float.NegativeInfinity);
                float mNew = Maximum(m, Max(logits));
                var p = Exp2(logits - mNew);
                float alpha = Exp2(m - mNew);
                l = l * alpha + Sum(p);
                var v1Tile = LoadRows(v1, jRows, rd, jInside);
                acc = acc * alpha + Sum(v1Tile * Dot(p, v2Tile), 0);
                m = mNew;
            }
        }
        Store(o + qOffset + rd, acc / l);
        Store(lse + bh * n + i, m * Ln2 + Log(l));
    }

    /// <summary>
    /// The gradients of one key role, a (K1/V1 with b = K2/V2, or the other way round: the form is symmetric under swapping
    /// the roles, with s negated for DET = 1), for one block of BJ rows of a (one kv head) per program: every query head
    /// of the group and every query whose a-window reaches the block, over that query's b-window. With P recomputed
    /// from LSE, dP_jk = Σ_d dO_d·Va_jd·Vb_kd and dA = P ⊙ (dP − Δ) where Δ = dO·O: dVa_j += dO ⊙ (P·Vb)_j and
    /// dKa_j += s·Q ⊙ (dA·Kb)_j (for DET = 1, with logits s·det[q; ka; kb]: s·(dA·Kb)_j × Q per triple). Each program
    /// owns its rows: no atomics, the same result every run.
    /// </summary>
    /// <remarks>
    /// With DQ = 1 the program also adds its share of dQ, s·Σ_j Ka_j ⊙ (dA·Kb)_j (Ka_j × (dA·Kb)_j per triple), to the
    /// dQ row of every query it visits. The host launches the blocks in <c>phases</c> launches, block = program ×
    /// phases + phase, with phases large enough that two blocks of one launch never visit the same query; the launch
    /// that comes first for a query writes its share, the later ones add theirs: no atomics, and a fixed order of sums.
    /// Blocks of 32 rows and the determinant variant (three more tiles: the permuted key rows and a second gradient
    /// accumulator) run 8 warps: with 4 their tiles spill.
    /// </remarks>
    [TileKernel]
    public static void RowBackwardKey(Ptr<float> q, Ptr<float> ka, Ptr<float> va, Ptr<float> kb, Ptr<float> vb, Ptr<float> o, Ptr<float> dO,
        Ptr<float> lse, Ptr<float> dKa, Ptr<float> dVa, Ptr<float> dQ, int n, int heads, int groupSize, int qStrideB, int qStrideN, int qStrideH,
        int kvStrideB, int kvStrideN, int kvStrideH, float scale, int wa, int wb, int phase, int phases,
        [Constexpr(16, 32, 64, 128)] int D, [Constexpr(16, 32, Warps = new[] { 4, 8 })] int BJ, [Constexpr(16, 32)] int BK, [Constexpr(0, 1, Warps = new[] { 4, 8 })] int DET, [Constexpr(0, 1)] int DQ)
    {
        int block = ProgramId(0) * phases + phase;
        int kvHeads = heads / groupSize;
        int batch = ProgramId(1) / kvHeads;
        int group = ProgramId(1) % kvHeads;
        int kvOffset = batch * kvStrideB + group * kvStrideH;
        var rd = Arange(0, D);
        var triple = InTriple(rd, D);
        var next1 = TripleNeighbour(rd, D, 1);
        var next2 = TripleNeighbour(rd, D, 2);
        var rj = block * BJ + Arange(0, BJ);
        var jValid = rj < n;
        var jRows = kvOffset + rj[.., None] * kvStrideN;
        var kaTile = LoadRows(ka, jRows, rd, jValid);
        var kaNext1 = LoadRows(ka, jRows, next1, jValid);
        var kaNext2 = LoadRows(ka, jRows, next2, jValid);
        var vaTile = LoadRows(va, jRows, rd, jValid);
        float qkScale = scale * Log2E;
        var dka = Zeros<float>(BJ, D);
        var dva = Zeros<float>(BJ, D);
        int lastQuery = Minimum(block * BJ + BJ + wa - 2, n - 1);
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
                var jInside = jValid & (rj <= i) & (rj > i - wa);
                var left = LogitsFactor(DET, triple[None, ..], qRow[None, ..], qNext1[None, ..], qNext2[None, ..], kaTile, kaNext1, kaNext2);
                var pv = Zeros<float>(BJ, D);
                var dak1 = Zeros<float>(BJ, D);
                var dak2 = Zeros<float>(BJ, D);
                for (int ks = Maximum(0, i - wb + 1); ks <= i; ks += BK)
                {
                    var rk = ks + Arange(0, BK);
                    var kInside = rk <= i;
                    var kRows = kvOffset + rk[.., None] * kvStrideN;
                    var kbTile = LoadRows(kb, kRows, rd, kInside);
                    var vbTile = LoadRows(vb, kRows, rd, kInside);
                    var p = Where(jInside[.., None] & kInside[None, ..], Exp2(Dot(left, Trans(kbTile)) * qkScale - rowLse), 0f);
                    var dA = p * (Dot(vaTile * doRow[None, ..], Trans(vbTile)) - delta);
                    pv += Dot(p, vbTile);
                    if (DET == 1)
                    {
                        dak1 += Dot(dA, LoadRows(kb, kRows, next1, kInside));
                        dak2 += Dot(dA, LoadRows(kb, kRows, next2, kInside));
                    }
                    else
                    {
                        dak1 += Dot(dA, kbTile);
                    }
                }
                // Rows this query cannot see add nothing, by select: a NaN in its Q or dO (or in those rows) must not
                // reach them, or its share of dQ, through 0·NaN.
                var visible = jInside[.., None];
                dva += Where(visible, doRow[None, ..] * pv, 0f);
                var dqShare = Sum(Where(visible, kaTile * dak1, 0f), 0);
                if (DET == 1)
                {
                    dka += Where(visible, TripleCross(triple[None, ..], dak1, dak2, qNext1[None, ..], qNext2[None, ..]), 0f);
                    dqShare = Sum(Where(visible, TripleCross(triple[None, ..], kaNext1, kaNext2, dak1, dak2), 0f), 0);
                }
                else
                {
                    dka += Where(visible, qRow[None, ..] * dak1, 0f);
                }
                if (DQ == 1)
                {
                    int lo = Maximum(0, i - wa + 1) / BJ;
                    int firstPhase = lo % phases + (i / BJ - lo) >= phases ? 0 : lo % phases;
                    var earlier = Load(dQ + qOffset + rd, rd < (phase == firstPhase ? 0 : D));
                    Store(dQ + qOffset + rd, earlier + dqShare * scale);
                }
            }
        }
        Store(dKa + (jRows + rd[None, ..]), dka * scale, jValid[.., None]);
        Store(dVa + (jRows + rd[None, ..]), dva, jValid[.., None]);
    }
}
