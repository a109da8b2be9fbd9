using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>
/// A kernel of a non-public class whose scalars are packed into one kernel argument (it has more parameters than an
/// ILGPU kernel takes). ILGPU's launchers (CUDA and CPU) build a type holding the kernel's parameters in an assembly
/// of their own, which a struct nested in this class would be inaccessible to.
/// </summary>
internal static partial class InternalKernels
{
    /// <summary>y = x·s0 + Σ (j + 1)·s_j over j = 1 … 11: every scalar with its own weight, so that scalars packed in
    /// the wrong fields change the result.</summary>
    [TileKernel]
    public static void WeightedShift(Ptr<float> x, Ptr<float> y, int n, float s0, float s1, float s2, float s3, float s4, float s5, float s6, float s7, float s8, float s9, float s10, float s11, [Constexpr(64)] int BLOCK)
    {
        var i = ProgramId(0) * BLOCK + Arange(0, BLOCK);
        float shift = s1 * 2 + s2 * 3 + s3 * 4 + s4 * 5 + s5 * 6 + s6 * 7 + s7 * 8 + s8 * 9 + s9 * 10 + s10 * 11 + s11 * 12;
        Store(y + i, Load(x + i, i < n) * s0 + shift, i < n);
    }
}
