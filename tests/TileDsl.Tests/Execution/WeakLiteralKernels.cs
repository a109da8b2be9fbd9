using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Double literals beside float tiles, weakly typed as in Triton: the ops stay in float.</summary>
public static partial class WeakLiteralKernels
{
    /// <summary>
    /// Eight float ops of x (i &lt; n) with double literals, each the same as with the literal written as a float:
    /// out[k·n + i]; and bits[i] = 1 + 2·(x &lt; 0.1) + 4·(0.3 &gt;= x) + 8·(x == 0.5) from comparisons.
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Ops(Ptr<float> x, Ptr<float> output, Ptr<int> bits, int n)
    {
        var offs = Arange(0, 64);
        var mask = offs < n;
        var v = Load(x + offs, mask);
        Store(output + offs, v * 0.1, mask);
        Store(output + n + offs, 0.3 - v, mask);
        Store(output + 2 * n + offs, v / 3.0 + 1e-3, mask);
        Store(output + 3 * n + offs, Where(v > 0.2, v, 0.7), mask);
        Store(output + 4 * n + offs, Where(v > 0.2, 1.1, v), mask);
        Store(output + 5 * n + offs, Maximum(v, 0.25) + Minimum(v, 0.6), mask);
        Store(output + 6 * n + offs, Clamp(v, 0.15, 2.0 / 3.0), mask);
        var w = v;
        w *= 1.7;
        w += 0.1;
        Store(output + 7 * n + offs, w % 0.45, mask);
        var flags = 1 + (v < 0.1).To<int>() * 2 + (0.3 >= v).To<int>() * 4 + (v == 0.5).To<int>() * 8;
        Store(bits + offs, flags, mask);
    }
}
