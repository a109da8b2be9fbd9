using TileDsl;
using static TileDsl.Tl;

namespace TileDsl.Kernels;

/// <summary>The first kernels of the DSL: 1-D, 2-D with broadcasting, and a runtime loop.</summary>
public static partial class BasicKernels
{
    /// <summary>z = x + y over n elements, one BLOCK of elements per program.</summary>
    [TileKernel(NumWarps = 4)]
    public static void VectorAdd(Ptr<float> x, Ptr<float> y, Ptr<float> z, int n, [Constexpr(256, 1024)] int BLOCK)
    {
        int pid = ProgramId(0);
        var offs = pid * BLOCK + Arange(0, BLOCK);
        var mask = offs < n;
        Store(z + offs, Load(x + offs, mask) + Load(y + offs, mask), mask);
    }

    /// <summary>
    /// out[i, j] = x[i, j] * scale + bias[j] on a rows × cols matrix (row stride <paramref name="stride"/>), one
    /// BM × BN block per program on a 2-D grid; blocks hanging over the edges are masked.
    /// </summary>
    [TileKernel(NumWarps = 4)]
    public static void RowBiasAdd(
        Ptr<float> x, Ptr<float> bias, Ptr<float> output, int rows, int cols, int stride, float scale,
        [Constexpr(16, 32)] int BM, [Constexpr(32, 64)] int BN)
    {
        var r = ProgramId(0) * BM + Arange(0, BM);
        var c = ProgramId(1) * BN + Arange(0, BN);
        var mask = (r[.., None] < rows) & (c[None, ..] < cols);
        var offsets = r[.., None] * stride + c[None, ..];
        var b = Load(bias + c, c < cols);
        var tile = Load(x + offsets, mask);
        Store(output + offsets, tile * scale + b[None, ..], mask);
    }

    /// <summary>out[j] = Σ_i x[i, j] for a rows × cols matrix: a runtime loop over the rows carries a 1-D accumulator.</summary>
    [TileKernel(NumWarps = 2)]
    public static void ColumnSum(Ptr<double> x, Ptr<double> output, int rows, int cols, [Constexpr(64)] int BLOCK)
    {
        var c = ProgramId(0) * BLOCK + Arange(0, BLOCK);
        var inside = c < cols;
        var acc = Zeros<double>(BLOCK);
        for (int i = 0; i < rows; i++)
        {
            acc += Load(x + i * cols + c, inside);
        }
        Store(output + c, acc, inside);
    }

    /// <summary>
    /// Per row of a rows × cols matrix (cols ≤ BLOCK): GELU in its tanh form, 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))),
    /// and the running sum of it along the row (Cumsum).
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void GeluRunningSum(Ptr<float> x, Ptr<float> gelu, Ptr<float> running, int cols, [Constexpr(256)] int BLOCK)
    {
        int at = ProgramId(0) * cols;
        var c = Arange(0, BLOCK);
        var inside = c < cols;
        var v = Load(x + at + c, inside);
        var g = 0.5f * v * (1f + Tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
        Store(gelu + at + c, g, inside);
        Store(running + at + c, Cumsum(Where(inside, g, 0f)), inside);
    }
}
