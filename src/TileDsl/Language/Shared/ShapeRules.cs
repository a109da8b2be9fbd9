using System.Collections.Generic;

namespace TileDsl;

/// <summary>
/// Triton's shape rules, written once: the interpreter applies them to tiles on the host and the generator to static
/// shapes (this file is linked into both). Shapes align on the right and a dimension of size 1 stretches to the
/// other operand's; tiles have at most <see cref="MaxRank"/> dimensions, each a power of two.
/// </summary>
internal static class ShapeRules
{
    public const int MaxRank = 2;

    /// <summary>The shape of an elementwise op on <paramref name="a"/> and <paramref name="b"/>, or null when a
    /// dimension differs and neither is 1.</summary>
    public static int[]? Broadcast(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int rank = a.Count > b.Count ? a.Count : b.Count;
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = Dim(a, i - rank + a.Count), db = Dim(b, i - rank + b.Count);
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da > db ? da : db;
        }
        return result;
    }

    /// <summary>Whether <paramref name="source"/> broadcasts to exactly <paramref name="target"/>.</summary>
    public static bool BroadcastsTo(IReadOnlyList<int> source, IReadOnlyList<int> target)
        => Broadcast(target, source) is { } shape && Equal(shape, target);

    /// <summary>The shape of a reduction along <paramref name="axis"/>: the axis removed, or kept with size 1.</summary>
    public static int[] Reduced(IReadOnlyList<int> shape, int axis, bool keepDims)
    {
        var result = new List<int>();
        for (int i = 0; i < shape.Count; i++)
        {
            if (i != axis) result.Add(shape[i]);
            else if (keepDims) result.Add(1);
        }
        return result.ToArray();
    }

    public static bool IsPowerOfTwo(int size) => size > 0 && (size & (size - 1)) == 0;

    public static int Count(IReadOnlyList<int> shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }

    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static bool Equal(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }

    private static int Dim(IReadOnlyList<int> shape, int i) => i < 0 ? 1 : shape[i];
}
