using System;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace TileDsl;

/// <summary>Where kernels run: the CPU accelerator (the default, no GPU needed) or CUDA.</summary>
public enum TileDevice
{
    Cpu,
    Cuda,
}

/// <summary>Creates ILGPU contexts and accelerators set up the way TileDsl kernels need them.</summary>
public static class TileAccelerators
{
    /// <summary>
    /// A context with the CPU accelerator of the NVIDIA kind (warps of 32, groups up to 1024 threads, as on the GPU),
    /// CUDA devices where present, and ILGPU.Algorithms (XMath) enabled (<see cref="Configure"/>).
    /// </summary>
    public static Context CreateContext() => Context.Create(Configure);

    /// <summary>
    /// The context settings of <see cref="CreateContext"/>: the CPU accelerator, CUDA, ILGPU.Algorithms, and ILGPU's
    /// O2 optimizations (on an H200, most generated kernels run faster than at the default O1: docs/performance.md).
    /// </summary>
    public static void Configure(Context.Builder builder)
        => builder.CPU(CPUDeviceKind.Nvidia).Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2);

    /// <summary>An accelerator of the given kind; throws a clear error when no CUDA device is present.</summary>
    public static Accelerator Create(Context context, TileDevice device)
    {
        if (device == TileDevice.Cpu) return context.CreateCPUAccelerator(0);
        if (context.GetCudaDevices().Count == 0)
            throw new InvalidOperationException("No CUDA device was found; run on the CPU accelerator instead (TileDevice.Cpu).");
        return context.CreateCudaAccelerator(0);
    }
}
