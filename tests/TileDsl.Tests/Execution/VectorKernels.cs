using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Kernels whose global loads and stores the generator vectorizes (four floats or two doubles at once).</summary>
public static partial class VectorKernels
{
    /// <summary>
    /// y[i, j] = 2·x[i, j] + 1 on a rows × cols block with row strides (an element stride for the columns of y):
    /// a masked 2-D load whose mask varies along the row, and a store with a runtime column stride (1 or not).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void Affine2D(Ptr<float> x, Ptr<float> y, int rows, int cols, int xStride, int yStride, int yColumnStride)
    {
        var r = ProgramId(0) * 16 + Arange(0, 16);
        var c = ProgramId(1) * 32 + Arange(0, 32);
        var inside = (r[.., None] < rows) & (c[None, ..] < cols);
        var tile = Load(x + (r[.., None] * xStride + c[None, ..]), inside);
        Store(y + (r[.., None] * yStride + c[None, ..] * yColumnStride), tile * 2f + 1f, inside);
    }

    /// <summary>A double copy whose mask is constant along each row: y[i, j] = x[i, j] for the first rows.</summary>
    [TileKernel(NumWarps = 1)]
    public static void CopyRows(Ptr<double> x, Ptr<double> y, int rows)
    {
        var r = Arange(0, 8);
        var c = Arange(0, 16);
        var at = r[.., None] * 16 + c[None, ..];
        Store(y + at, Load(x + at, r[.., None] < rows), r[.., None] < rows);
    }
}
