using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl;

/// <summary>
/// One generated ILGPU kernel (explicitly grouped, <typeparamref name="TKernel"/> its launcher), loaded once per
/// accelerator on first launch and dropped with the accelerator. It is compiled for the group size it is launched
/// with and the kernel's <see cref="TileKernelAttribute.MinProgramsPerSM"/> (<see cref="Specialization"/>: PTX
/// <c>.maxntid</c> and <c>.minnctapersm</c>, CUDA's launch bounds), so that register allocation knows how many
/// threads share a multiprocessor's registers.
/// </summary>
public sealed class KernelCache<TKernel>
    where TKernel : Delegate
{
    private readonly ConditionalWeakTable<Accelerator, TKernel> loaded = new();

    public KernelCache(Delegate kernel, int numThreads, int minProgramsPerSM = 0)
    {
        Method = kernel.Method;
        Specialization = new KernelSpecialization(numThreads, minProgramsPerSM > 0 ? minProgramsPerSM : null);
    }

    /// <summary>The kernel method.</summary>
    public MethodInfo Method { get; }

    /// <summary>What the kernel is compiled for: the threads of one group and the programs per multiprocessor.</summary>
    public KernelSpecialization Specialization { get; }

    public TKernel Get(Accelerator accelerator) => loaded.GetValue(accelerator, a => a.LoadKernel<TKernel>(Method, Specialization));
}
