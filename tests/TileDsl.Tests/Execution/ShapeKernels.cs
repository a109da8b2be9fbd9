using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Reshape, ExpandDims and BroadcastTo, each read in other layouts than it is made in.</summary>
public static partial class ShapeKernels
{
    /// <summary>
    /// Four planes of 64 in <paramref name="o"/>, for v = x[0..64) (zeros from n on): Reshape(Reshape(v, 8, 8) · 2, 64);
    /// the row sums of Reshape(v, 8, 8) broadcast along the columns; the column index broadcast along the rows plus
    /// the rows of Reshape(v, 8, 8); Reshape(Trans(Reshape(v, 8, 8)), 4, 16).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Reshapes(Ptr<float> x, Ptr<float> o, int n)
    {
        var i = Arange(0, 64);
        var v = Load(x + i, i < n);
        var m = Reshape(v, 8, 8);
        Store(o + i, Reshape(m * 2f, 64));
        var r = Arange(0, 8);
        var square = r[.., None] * 8 + r[None, ..];
        Store(o + 64 + square, BroadcastTo(ExpandDims(Sum(m, 1), 1), 8, 8));
        Store(o + 128 + square, BroadcastTo(r.To<float>(), 8, 8) + m);
        var q = Arange(0, 4);
        var s = Arange(0, 16);
        Store(o + 192 + (q[.., None] * 16 + s[None, ..]), Reshape(Trans(m), 4, 16));
    }
}
