using System;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Kernels.Tutorials;

/// <summary>Row-wise softmax, fused (Triton's tutorial 02): one program per row, the whole row in registers.</summary>
public static partial class Softmax
{
    /// <summary>The widest row a launch handles (the largest compiled BLOCK).</summary>
    public const int MaxColumns = 8192;

    /// <summary>
    /// y[r, :] = softmax(x[r, :]) for each of the rows; columns beyond <paramref name="cols"/> are masked. Rows of up to
    /// 4096 columns: 8 warps, and at least 6 programs per multiprocessor (at most 40 registers a thread), since this
    /// kernel is bound by how many loads are in flight: with ptxas free to take 48 registers only 5 programs fit, and
    /// softmax over 4096 × 4096 ran 3340 GB/s instead of 3780 on an H200.
    /// </summary>
    [TileKernel(NumWarps = 8, MinProgramsPerSM = 6)]
    public static void Rows(Ptr<float> x, Ptr<float> y, int cols, int xStride, int yStride,
        [Constexpr(256, 512, 1024, 2048, 4096)] int BLOCK)
    {
        Row(x, y, cols, xStride, yStride, BLOCK);
    }

    /// <summary>The same for rows of up to 8192 columns: 16 warps (16 values a thread, as <see cref="Rows"/> at
    /// 4096), 3 programs per multiprocessor.</summary>
    [TileKernel(NumWarps = 16, MinProgramsPerSM = 3)]
    public static void WideRows(Ptr<float> x, Ptr<float> y, int cols, int xStride, int yStride, [Constexpr(8192)] int BLOCK)
    {
        Row(x, y, cols, xStride, yStride, BLOCK);
    }

    /// <summary>The softmax of this program's row, held in one tile of BLOCK columns.</summary>
    [TileFunction]
    private static void Row(Ptr<float> x, Ptr<float> y, int cols, int xStride, int yStride, int BLOCK)
    {
        int row = ProgramId(0);
        var c = Arange(0, BLOCK);
        var inside = c < cols;
        var values = Load(x + row * xStride + c, inside, float.NegativeInfinity);
        var shifted = values - Max(values);
        var numerator = Exp(shifted);
        Store(y + row * yStride + c, numerator / Sum(numerator), inside);
    }

    /// <summary>Softmax of each row of the row-major <paramref name="rows"/> × <paramref name="cols"/> matrix.</summary>
    public static void Run(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> y, int rows, int cols)
        => Run(new TileTarget(stream), x, y, rows, cols);

    /// <summary>The same on the host interpreter.</summary>
    public static void Run(float[] x, float[] y, int rows, int cols) => Run(TileTarget.Interpreter, x, y, rows, cols);

    private static void Run(TileTarget target, TileBuffer<float> x, TileBuffer<float> y, int rows, int cols)
    {
        var grid = Check(x, y, rows, cols);
        int block = RowBlock.For(cols);
        if (block <= 4096) RowsKernel.Run(target, grid, new RowsKernel.Args(x, y, cols, cols, cols, block));
        else WideRowsKernel.Run(target, grid, new WideRowsKernel.Args(x, y, cols, cols, cols, block));
    }

    private static TileGrid Check(TileBuffer<float> x, TileBuffer<float> y, int rows, int cols)
    {
        LaunchChecks.AtLeast(rows, 1, nameof(rows));
        LaunchChecks.AtLeast(cols, 1, nameof(cols));
        if (cols > MaxColumns) throw new ArgumentOutOfRangeException(nameof(cols), cols, $"Rows of at most {MaxColumns} columns are supported.");
        LaunchChecks.Holds(x, (long)rows * cols, nameof(x), $"a {rows} × {cols} matrix");
        LaunchChecks.Holds(y, (long)rows * cols, nameof(y), $"a {rows} × {cols} matrix");
        return rows;
    }
}
