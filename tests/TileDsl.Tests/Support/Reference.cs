using System;
using Xunit.Sdk;

namespace TileDsl.Tests.Support;

/// <summary>Random inputs and comparisons against float64 references.</summary>
internal static class Reference
{
    /// <summary>Uniform values in [-2, -0.25] ∪ [0.25, 2]: random and never zero.</summary>
    public static float[] RandomFloats(Random random, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
            data[i] = (float)((0.25 + 1.75 * random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1));
        return data;
    }

    public static double[] RandomDoubles(Random random, int count) => Array.ConvertAll(RandomFloats(random, count), x => (double)x);

    /// <summary>The float64 product of a [m, k] and b [k, n], row-major [m, n], from their elements a(i, l) and b(l, j).</summary>
    public static double[] Matmul(int m, int n, int k, Func<int, int, double> a, Func<int, int, double> b)
    {
        var product = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int l = 0; l < k; l++) product[i * n + j] += a(i, l) * b(l, j);
        return product;
    }

    public static T[] Poisoned<T>(int count, T poison)
    {
        var data = new T[count];
        Array.Fill(data, poison);
        return data;
    }

    /// <summary>|actual - expected| ≤ atol + rtol·|expected| at every index where <paramref name="written"/> holds;
    /// elsewhere the output must still hold its NaN poison (nothing written outside the mask).</summary>
    public static void AssertClose(double[] expected, Func<int, double> actual, int count, double rtol, double atol, Func<int, bool>? written = null, string what = "output")
    {
        for (int i = 0; i < count; i++)
        {
            double a = actual(i);
            if (written is not null && !written(i))
            {
                if (!double.IsNaN(a)) throw new XunitException($"{what}[{i}] = {a} was written, but lies outside the masked region (expected the NaN poison).");
                continue;
            }
            double e = expected[i];
            if (double.IsNaN(a) || Math.Abs(a - e) > atol + rtol * Math.Abs(e))
                throw new XunitException($"{what}[{i}] = {a}, expected {e} (rtol {rtol}, atol {atol}).");
        }
    }
}
