using System;

namespace TileDsl;

/// <summary>Triton's broadcasting rules on the host: align ranks on the right, a dimension of 1 stretches.</summary>
internal static class Shapes
{
    public static string Format(int[] shape) => ShapeRules.Format(shape);

    public static int Count(int[] shape) => ShapeRules.Count(shape);

    public static int[] Broadcast(int[] a, int[] b, string op)
        => ShapeRules.Broadcast(a, b) ?? throw new InvalidOperationException($"Cannot broadcast shapes {Format(a)} and {Format(b)} in '{op}'.");

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
        if (!ShapeRules.IsPowerOfTwo(size))
            throw new ArgumentException($"{what} must be a positive power of two; got {size}.");
    }
}
