using System;
using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Kernels.Tutorials;

/// <summary>Layer normalization forward (Triton's tutorial 05): one program per row, the whole row in registers.</summary>
public static partial class LayerNorm
{
    /// <summary>The widest row a launch handles (the largest compiled BLOCK).</summary>
    public const int MaxColumns = 8192;

    /// <summary>
    /// y = (x − mean) / sqrt(var + eps) · weight + bias per row (biased variance); the row's mean and 1/sqrt(var + eps)
    /// are saved for a backward pass. Three programs per multiprocessor: at ILGPU's O2 the kernel takes 98 registers,
    /// which leaves room for two, and latency, not bandwidth, then bounds it (−19 % at BLOCK 4096 on an H200).
    /// </summary>
    [TileKernel(NumWarps = 8, MinProgramsPerSM = 3)]
    public static void Forward(Ptr<float> x, Ptr<float> y, Ptr<float> weight, Ptr<float> bias, Ptr<float> mean, Ptr<float> rstd,
        int cols, int stride, float eps, [Constexpr(256, 512, 1024, 2048, 4096, 8192)] int BLOCK)
    {
        int row = ProgramId(0);
        var c = Arange(0, BLOCK);
        var inside = c < cols;
        var values = Load(x + row * stride + c, inside);
        float mu = Sum(values) / cols;
        var centered = Where(inside, values - mu, 0f);
        float variance = Sum(centered * centered) / cols;
        float r = 1f / Sqrt(variance + eps);
        var w = Load(weight + c, inside);
        var b = Load(bias + c, inside);
        Store(y + row * stride + c, centered * r * w + b, inside);
        Store(mean + row, mu);
        Store(rstd + row, r);
    }

    /// <summary>Normalizes each row of the row-major <paramref name="rows"/> × <paramref name="cols"/> matrix.</summary>
    public static void Run(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> y, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> mean, ArrayView<float> rstd, int rows, int cols, float eps = 1e-5f)
        => Run(new TileTarget(stream), x, y, weight, bias, mean, rstd, rows, cols, eps);

    /// <summary>The same on the host interpreter.</summary>
    public static void Run(float[] x, float[] y, float[] weight, float[] bias, float[] mean, float[] rstd, int rows, int cols, float eps = 1e-5f)
        => Run(TileTarget.Interpreter, x, y, weight, bias, mean, rstd, rows, cols, eps);

    private static void Run(TileTarget target, TileBuffer<float> x, TileBuffer<float> y, TileBuffer<float> weight, TileBuffer<float> bias,
        TileBuffer<float> mean, TileBuffer<float> rstd, int rows, int cols, float eps)
        => ForwardKernel.Run(target, Check(x, y, weight, bias, mean, rstd, rows, cols),
            new ForwardKernel.Args(x, y, weight, bias, mean, rstd, cols, cols, eps, RowBlock.For(cols)));

    private static TileGrid Check(TileBuffer<float> x, TileBuffer<float> y, TileBuffer<float> weight, TileBuffer<float> bias,
        TileBuffer<float> mean, TileBuffer<float> rstd, int rows, int cols)
    {
        LaunchChecks.AtLeast(rows, 1, nameof(rows));
        LaunchChecks.AtLeast(cols, 1, nameof(cols));
        if (cols > MaxColumns) throw new ArgumentOutOfRangeException(nameof(cols), cols, $"Rows of at most {MaxColumns} columns are supported.");
        string matrix = $"a {rows} × {cols} matrix";
        LaunchChecks.Holds(x, (long)rows * cols, nameof(x), matrix);
        LaunchChecks.Holds(y, (long)rows * cols, nameof(y), matrix);
        LaunchChecks.Holds(weight, cols, nameof(weight), $"{cols} columns");
        LaunchChecks.Holds(bias, cols, nameof(bias), $"{cols} columns");
        LaunchChecks.Holds(mean, rows, nameof(mean), $"{rows} rows");
        LaunchChecks.Holds(rstd, rows, nameof(rstd), $"{rows} rows");
        return rows;
    }
}
