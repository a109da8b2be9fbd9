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
}
