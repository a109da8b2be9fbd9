using System;

namespace TileDsl.Tests.Support;

/// <summary>
/// 2-simplicial attention in float64 with plain loops, from the definition: for each (b, h, i), logits
/// A_jk = scale·Σ_d q_d·k1_jd·k2_kd over j ∈ (i−w1, i], k ∈ (i−w2, i] (clipped at 0), a softmax over all (j, k)
/// together, o_i = Σ_jk S_jk·(v1_j ⊙ v2_k), lse_i = log Σ_jk exp(A_jk). Q, O [B, N, Hq, D]; K1, V1, K2, V2
/// [B, N, Hkv, D]; query head h reads kv head h / (Hq / Hkv).
/// </summary>
internal sealed class TwoSimplicialReference(int batch, int n, int heads, int kvHeads, int d, int w1, int w2, double scale)
{
    public (double[] O, double[] Lse) Forward(float[] q, float[] k1, float[] v1, float[] k2, float[] v2)
    {
        var o = new double[batch * n * heads * d];
        var lse = new double[batch * heads * n];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < n; i++)
                {
                    int g = h / (heads / kvHeads);
                    int qi = ((b * n + i) * heads + h) * d;
                    int KV(int row) => ((b * n + row) * kvHeads + g) * d;
                    int j0 = Math.Max(0, i - w1 + 1), k0 = Math.Max(0, i - w2 + 1);
                    var logits = new double[i - j0 + 1, i - k0 + 1];
                    double max = double.NegativeInfinity;
                    for (int j = j0; j <= i; j++)
                        for (int k = k0; k <= i; k++)
                        {
                            double sum = 0;
                            for (int t = 0; t < d; t++) sum += (double)q[qi + t] * k1[KV(j) + t] * k2[KV(k) + t];
                            logits[j - j0, k - k0] = scale * sum;
                            max = Math.Max(max, scale * sum);
                        }
                    double total = 0;
                    foreach (double a in logits) total += Math.Exp(a - max);
                    lse[(b * heads + h) * n + i] = max + Math.Log(total);
                    for (int j = j0; j <= i; j++)
                        for (int k = k0; k <= i; k++)
                        {
                            double p = Math.Exp(logits[j - j0, k - k0] - max) / total;
                            for (int t = 0; t < d; t++) o[qi + t] += p * v1[KV(j) + t] * v2[KV(k) + t];
                        }
                }
        return (o, lse);
    }
}
