using ILGPU;
using ILGPU.Runtime;
using static TileDsl.Tl;

namespace TileDsl.Bench;

/// <summary>
/// A view past 2^31 elements through long offsets: each program doubles 256 floats at start + pid·256 + i, the last
/// program's block ending past element 2^31. `TileDsl.Bench --only large` (needs about 9 GB of device memory).
/// </summary>
internal static partial class LargeViewCheck
{
    [TileKernel(NumWarps = 4)]
    public static void Double(Ptr<float> x, long start, long n)
    {
        var at = start + (ProgramId(0) * 256 + Arange(0, 256)).To<long>();
        Store(x + at, Load(x + at, at < n) * 2f, at < n);
    }

    public static int Run(Accelerator accelerator)
    {
        long n = (1L << 31) + 1000, start = (1L << 31) - 4096;
        int programs = (int)((n - start + 255) / 256);
        using var buffer = accelerator.Allocate1D<float>(n);
        var tail = new float[n - start];
        for (int i = 0; i < tail.Length; i++) tail[i] = i + 0.5f;
        buffer.View.SubView(start, tail.Length).CopyFromCPU(tail);
        DoubleKernel.Launch(accelerator, programs, buffer.View, start, n);
        accelerator.Synchronize();
        var back = new float[tail.Length];
        buffer.View.SubView(start, tail.Length).CopyToCPU(back);
        int wrong = 0;
        for (int i = 0; i < back.Length; i++) if (back[i] != 2 * tail[i]) wrong++;
        System.Console.WriteLine($"large: {n} floats on {accelerator.Name}, elements {start}..{n - 1} through long offsets: {wrong} wrong");
        return wrong == 0 ? 0 : 1;
    }
}
