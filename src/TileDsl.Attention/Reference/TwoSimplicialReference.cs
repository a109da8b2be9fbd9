using System;

namespace TileDsl.Attention.Reference;

/// <summary>
/// 2-simplicial attention in float64 with plain loops, from the definition: for each (b, h, i), logits
/// A_jk = scale·Σ_d q_d·k1_jd·k2_kd over j ∈ (i−w1, i], k ∈ (i−w2, i] (clipped at 0), a softmax over all (j, k)
/// together, o_i = Σ_jk S_jk·(v1_j ⊙ v2_k), lse_i = log Σ_jk exp(A_jk). With <c>determinant</c>, the sum over d is
/// replaced by Σ over consecutive feature triples t of det[q_t; k1_t; k2_t] (features past the last whole triple unused). Q, O [B, N, Hq, D]; K1, V1, K2, V2
/// [B, N, Hkv, D]; query head h reads kv head h / (Hq / Hkv). Written from the definition, independently of the
/// kernels, for the tests and for the command-line tool's error report (small sizes: it is O(N·w1·w2·D) plain loops).
/// </summary>
public sealed class TwoSimplicialReference(int batch, int n, int heads, int kvHeads, int d, int w1, int w2, double scale, bool determinant = false)
{
    /// <summary>The logit form without the scale: Σ_t q_t·k1_t·k2_t, or Σ over whole triples of det[q; k1; k2].</summary>
    private double Form(float[] q, int qi, float[] k1, int j, float[] k2, int k)
    {
        double sum = 0;
        for (int t = 0; t < d; t++)
            sum += determinant ? q[qi + t] * Cross(k1, j, k2, k, t) : (double)q[qi + t] * k1[j + t] * k2[k + t];
        return sum;
    }

    /// <summary>Component t of a × b over the feature triple of t (0 for features past the last whole triple).</summary>
    private double Cross(float[] a, int ai, float[] b, int bi, int t)
    {
        if (t >= d / 3 * 3) return 0;
        int first = t / 3 * 3, next1 = first + (t % 3 + 1) % 3, next2 = first + (t % 3 + 2) % 3;
        return (double)a[ai + next1] * b[bi + next2] - (double)a[ai + next2] * b[bi + next1];
    }

    /// <summary>∂Form/∂q_t, ∂Form/∂k1_t, ∂Form/∂k2_t: the other two factors (trilinear), or k1 × k2, k2 × q, q × k1.</summary>
    private (double Q, double K1, double K2) FormGradient(float[] q, int qi, float[] k1, int j, float[] k2, int k, int t)
        => determinant
            ? (Cross(k1, j, k2, k, t), Cross(k2, k, q, qi, t), Cross(q, qi, k1, j, t))
            : ((double)k1[j + t] * k2[k + t], (double)q[qi + t] * k2[k + t], (double)q[qi + t] * k1[j + t]);

    public (double[] O, double[] Lse) Forward(float[] q, float[] k1, float[] v1, float[] k2, float[] v2)
    {
        var o = new double[batch * n * heads * d];
        var lse = new double[batch * heads * n];
        ForEachQuery(q, k1, k2, (b, h, i, qi, KV, j0, k0, p, logSum) =>
        {
            lse[(b * heads + h) * n + i] = logSum;
            for (int j = j0; j <= i; j++)
                for (int k = k0; k <= i; k++)
                    for (int t = 0; t < d; t++) o[qi + t] += p[j - j0, k - k0] * v1[KV(j) + t] * v2[KV(k) + t];
        });
        return (o, lse);
    }

    /// <summary>The analytic gradients of L = Σ o·dO: with dP_jk = Σ_t dO_t·v1_jt·v2_kt and dA = P ⊙ (dP − Σ P ⊙ dP),
    /// dq = s·Σ_jk dA_jk·k1_j ⊙ k2_k, dk1_j = s·Σ_k dA_jk·q ⊙ k2_k, dk2_k = s·Σ_j dA_jk·q ⊙ k1_j (determinant:
    /// k1_j × k2_k, k2_k × q, q × k1_j per triple),
    /// dv1_j = Σ_k P_jk·dO ⊙ v2_k, dv2_k = Σ_j P_jk·dO ⊙ v1_j.</summary>
    public (double[] DQ, double[] DK1, double[] DV1, double[] DK2, double[] DV2) Backward(float[] q, float[] k1, float[] v1, float[] k2, float[] v2, float[] dO)
    {
        var dq = new double[batch * n * heads * d];
        var (dk1, dv1, dk2, dv2) = (new double[batch * n * kvHeads * d], new double[batch * n * kvHeads * d], new double[batch * n * kvHeads * d], new double[batch * n * kvHeads * d]);
        ForEachQuery(q, k1, k2, (b, h, i, qi, KV, j0, k0, p, _) =>
        {
            var dp = new double[i - j0 + 1, i - k0 + 1];
            double delta = 0;
            for (int j = j0; j <= i; j++)
                for (int k = k0; k <= i; k++)
                {
                    for (int t = 0; t < d; t++) dp[j - j0, k - k0] += (double)dO[qi + t] * v1[KV(j) + t] * v2[KV(k) + t];
                    delta += p[j - j0, k - k0] * dp[j - j0, k - k0];
                }
            for (int j = j0; j <= i; j++)
                for (int k = k0; k <= i; k++)
                {
                    double pjk = p[j - j0, k - k0], da = pjk * (dp[j - j0, k - k0] - delta);
                    for (int t = 0; t < d; t++)
                    {
                        var (gq, gk1, gk2) = FormGradient(q, qi, k1, KV(j), k2, KV(k), t);
                        dq[qi + t] += scale * da * gq;
                        dk1[KV(j) + t] += scale * da * gk1;
                        dk2[KV(k) + t] += scale * da * gk2;
                        dv1[KV(j) + t] += pjk * dO[qi + t] * v2[KV(k) + t];
                        dv2[KV(k) + t] += pjk * dO[qi + t] * v1[KV(j) + t];
                    }
                }
        });
        return (dq, dk1, dv1, dk2, dv2);
    }

    private delegate void QueryBody(int b, int h, int i, int qi, Func<int, int> kv, int j0, int k0, double[,] p, double logSum);

    /// <summary>For each (b, h, i): the softmax weights P over its window (rows j0..i, columns k0..i) and log Σ exp.</summary>
    private void ForEachQuery(float[] q, float[] k1, float[] k2, QueryBody body)
    {
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < n; i++)
                {
                    int g = h / (heads / kvHeads), bb = b;
                    int qi = ((b * n + i) * heads + h) * d;
                    int KV(int row) => ((bb * n + row) * kvHeads + g) * d;
                    int j0 = Math.Max(0, i - w1 + 1), k0 = Math.Max(0, i - w2 + 1);
                    var p = new double[i - j0 + 1, i - k0 + 1];
                    double max = double.NegativeInfinity;
                    for (int j = j0; j <= i; j++)
                        for (int k = k0; k <= i; k++)
                        {
                            double sum = Form(q, qi, k1, KV(j), k2, KV(k));
                            p[j - j0, k - k0] = scale * sum;
                            max = Math.Max(max, scale * sum);
                        }
                    double total = 0;
                    foreach (double a in p) total += Math.Exp(a - max);
                    for (int j = 0; j < p.GetLength(0); j++)
                        for (int k = 0; k < p.GetLength(1); k++) p[j, k] = Math.Exp(p[j, k] - max) / total;
                    body(b, h, i, qi, KV, j0, k0, p, max + Math.Log(total));
                }
    }
}
