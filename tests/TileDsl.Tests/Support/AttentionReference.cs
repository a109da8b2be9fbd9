using System;

namespace TileDsl.Tests.Support;

/// <summary>
/// Causal softmax attention in float64 with plain loops, written from the definition: tensors [B, N, H, D], for each
/// (b, h, i): s_ij = scale·q_i·k_j for j ≤ i, p = softmax_j(s), o_i = Σ_j p_ij v_j, lse_i = log Σ_j exp(s_ij).
/// The backward is the analytic gradient of L = Σ o·dO.
/// </summary>
internal sealed class AttentionReference(int batch, int n, int heads, int d, double scale)
{
    private int At(int b, int i, int h) => ((b * n + i) * heads + h) * d;

    public (double[] O, double[] Lse) Forward(float[] q, float[] k, float[] v)
    {
        var o = new double[batch * n * heads * d];
        var lse = new double[batch * heads * n];
        ForEachRow((b, h, i) =>
        {
            var p = Probabilities(q, k, b, h, i, out double logSum);
            lse[(b * heads + h) * n + i] = logSum;
            for (int j = 0; j <= i; j++)
                for (int t = 0; t < d; t++) o[At(b, i, h) + t] += p[j] * v[At(b, j, h) + t];
        });
        return (o, lse);
    }

    public (double[] DQ, double[] DK, double[] DV) Backward(float[] q, float[] k, float[] v, float[] dO)
    {
        int size = batch * n * heads * d;
        var dq = new double[size];
        var dk = new double[size];
        var dv = new double[size];
        ForEachRow((b, h, i) =>
        {
            var p = Probabilities(q, k, b, h, i, out _);
            var dp = new double[i + 1];
            double delta = 0;
            for (int j = 0; j <= i; j++)
            {
                for (int t = 0; t < d; t++) dp[j] += (double)dO[At(b, i, h) + t] * v[At(b, j, h) + t];
                delta += p[j] * dp[j];
            }
            for (int j = 0; j <= i; j++)
            {
                double ds = p[j] * (dp[j] - delta);
                for (int t = 0; t < d; t++)
                {
                    dv[At(b, j, h) + t] += p[j] * dO[At(b, i, h) + t];
                    dq[At(b, i, h) + t] += scale * ds * k[At(b, j, h) + t];
                    dk[At(b, j, h) + t] += scale * ds * q[At(b, i, h) + t];
                }
            }
        });
        return (dq, dk, dv);
    }

    private double[] Probabilities(float[] q, float[] k, int b, int h, int i, out double logSum)
    {
        var s = new double[i + 1];
        double max = double.NegativeInfinity;
        for (int j = 0; j <= i; j++)
        {
            for (int t = 0; t < d; t++) s[j] += (double)q[At(b, i, h) + t] * k[At(b, j, h) + t];
            s[j] *= scale;
            max = Math.Max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) sum += Math.Exp(s[j] - max);
        logSum = max + Math.Log(sum);
        for (int j = 0; j <= i; j++) s[j] = Math.Exp(s[j] - logSum);
        return s;
    }

    private void ForEachRow(Action<int, int, int> body)
    {
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < n; i++) body(b, h, i);
    }
}
