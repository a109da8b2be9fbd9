using static TileDsl.Tl;

namespace TileDsl.Tests.Execution;

/// <summary>Kernels that once broke the generator: overloads, and parameters named like the generated code's own names.</summary>
public static partial class GeneratorDefectKernels
{
    /// <summary>x *= s over n floats.</summary>
    [TileKernel(NumWarps = 1)]
    public static void Scale(Ptr<float> x, int n, float s)
    {
        var offsets = ProgramId(0) * 64 + Arange(0, 64);
        Store(x + offsets, Load(x + offsets, offsets < n) * s, offsets < n);
    }

    /// <summary>The same name over doubles: an overload gets its own launcher overloads.</summary>
    [TileKernel(NumWarps = 2)]
    public static void Scale(Ptr<double> x, int n, double s)
    {
        var offsets = ProgramId(0) * 64 + Arange(0, 64);
        Store(x + offsets, Load(x + offsets, offsets < n) * s, offsets < n);
    }

    /// <summary>
    /// output[i] = Σ of the scalar parameters + input[i] over n elements: every parameter is named like something the
    /// launcher or the kernel declares, and there are more than ILGPU's 14 kernel parameters (the scalars are packed).
    /// </summary>
    [TileKernel(NumWarps = 1)]
    public static void Names(Ptr<float> accelerator, Ptr<float> stream, int grid, int config, int tid, int sharedFloat, int scalars,
        int args, int alignedViews, int acceleratorAligned, int tidMod32, int aAt, int Args, int @int, int n, [Constexpr(32)] int NumThreads)
    {
        var offsets = ProgramId(0) * NumThreads + Arange(0, NumThreads);
        var inside = offsets < n;
        int total = grid + config + tid + sharedFloat + scalars + args + alignedViews + acceleratorAligned + tidMod32 + aAt + Args + @int;
        var values = Load(accelerator + offsets, inside);
        var row = values[None, ..];
        Store(stream + offsets, Sum(row * 1f, 0) + Max(values) * 0f + total, inside);
    }
}
