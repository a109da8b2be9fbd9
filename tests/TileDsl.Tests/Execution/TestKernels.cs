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
}
