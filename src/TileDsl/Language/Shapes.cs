using System;
using System.Linq;

namespace TileDsl;

/// <summary>Triton's broadcasting rules on the host: align ranks on the right, a dimension of 1 stretches.</summary>
internal static class Shapes
{
    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    public static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = Dim(a, i - rank + a.Length), db = Dim(b, i - rank + b.Length);
            if (da != db && da != 1 && db != 1)
                throw new InvalidOperationException($"Cannot broadcast shapes {Format(a)} and {Format(b)} in '{op}'.");
            result[i] = Math.Max(da, db);
        }
        return result;
    }

    /// <summary>The index into a source of shape <paramref name="source"/> broadcast to <paramref name="target"/>.</summary>
    public static int SourceIndex(int[] target, int[] source, int linear)
    {
        int index = 0, stride = 1;
        for (int i = target.Length - 1, j = source.Length - 1; i >= 0; i--, j--)
        {
            int coord = linear % target[i];
            linear /= target[i];
            if (j < 0) continue;
            if (source[j] != 1) index += coord * stride;
            stride *= source[j];
        }
        return index;
    }

    public static void RequirePowerOfTwo(int size, string what)
    {
        if (size <= 0 || (size & (size - 1)) != 0)
            throw new ArgumentException($"{what} must be a positive power of two; got {size}.");
    }

    private static int Dim(int[] shape, int i) => i < 0 ? 1 : shape[i];
}
