using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Kernels that exist to exercise error paths.</summary>
public static partial class TestKernels
{
    /// <summary>Copies 128 elements per program without a mask.</summary>
    [TileKernel(NumWarps = 1)]
    public static void UnmaskedCopy(Ptr<float> source, Ptr<float> destination, int unused)
    {
        var offs = ProgramId(0) * 128 + Arange(0, 128);
        Store(destination + offs, Load(source + offs));
    }

    /// <summary>
    /// out[i, j] = Σ_k x[k, i] · x[k, j] + 1 over k &lt; rows, for a rows × 32 matrix: the loaded row is read both as a
    /// column and as a row of the accumulator, so one of the two goes through a shared-memory conversion inside
    /// the runtime loop.
    /// </summary>
    [TileKernel(NumWarps = 2)]
    public static void OuterProductSum(Ptr<float> x, Ptr<float> output, int rows)
    {
        var i = Arange(0, 32);
        var acc = Zeros<float>(32, 32);
        for (int k = 0; k < rows; k++)
        {
            var row = Load(x + k * 32 + i);
            acc += row[.., None] * row[None, ..];
        }
        Store(output + i[.., None] * 32 + i[None, ..], acc + 1f);
    }

    /// <summary>
    /// The elementwise ops, casts, NumPrograms, an unrolled loop and a compile-time if, written to five planes of
    /// <paramref name="output"/> (each n long) and to <paramref name="ints"/> (except element 5, masked off).
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void ElementwiseOps(Ptr<float> x, Ptr<float> output, Ptr<int> ints, int n, [Constexpr(32, 64)] int B)
    {
        var offs = ProgramId(0) * B + Arange(0, B);
        var inside = offs < n;
        var v = Load(x + offs, inside, 1f);
        var a = Abs(v);
        Store(output + offs, Exp(v) + Exp2(v), inside);
        Store(output + n + offs, Log(a) * Sqrt(a), inside);
        Store(output + 2 * n + offs, Maximum(v, 0.5f) - Minimum(v, -v), inside);
        Store(output + 3 * n + offs, Where(v > 0f, v, -2f * v), inside);
        var acc = Zeros<float>(B);
        foreach (var k in StaticRange(1, 4))
        {
            acc = acc + v * k;
        }
        if (B == 32)
        {
            acc = acc + 1f;
        }
        else
        {
            acc = acc - 1f;
        }
        Store(output + 4 * n + offs, acc, inside);
        var iv = (v * 10f).To<int>();
        Store(ints + offs, iv / 3 + iv % 3 + NumPrograms(0), inside & !(offs == 5));
    }
}
