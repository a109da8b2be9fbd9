using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>long tiles and 64-bit pointer offsets.</summary>
public static partial class LongKernels
{
    /// <summary>
    /// For i &lt; n: at = start + i·stride (long); y[i] = 2·x[at] (x reached through long offsets); wide[i] = a mix of
    /// long products, shifts past 32 bits and xor; narrow[i] = (int)at (C#'s wrapping cast).
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Offsets(Ptr<float> x, Ptr<float> y, Ptr<long> wide, Ptr<int> narrow, long start, long stride, int n)
    {
        var i = Arange(0, 64);
        var inside = i < n;
        var at = start + i.To<long>() * stride;
        Store(y + i, Load(x + at, inside) * 2f, inside);
        Store(wide + i, (at * 1000000007L) ^ (at << 33) ^ (at >> 3L), inside);
        Store(narrow + i, (at * 4000000000L).To<int>(), inside);
    }
}
