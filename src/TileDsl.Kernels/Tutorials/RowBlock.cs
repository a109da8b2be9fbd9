using System;
using System.Numerics;

namespace TileDsl.Kernels.Tutorials;

/// <summary>The BLOCK of the one-row-per-program kernels: the row's length rounded up to a compiled power of two.</summary>
internal static class RowBlock
{
    public static int For(int cols) => Math.Max(256, (int)BitOperations.RoundUpToPowerOf2((uint)cols));
}
