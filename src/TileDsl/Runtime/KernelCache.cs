using System;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace TileDsl;

/// <summary>One loaded ILGPU kernel per accelerator, loaded on first launch and dropped with the accelerator.</summary>
public sealed class KernelCache<TKernel>
    where TKernel : Delegate
{
    private readonly ConditionalWeakTable<Accelerator, TKernel> loaded = new();
    private readonly Func<Accelerator, TKernel> load;

    public KernelCache(Func<Accelerator, TKernel> load) => this.load = load;

    public TKernel Get(Accelerator accelerator) => loaded.GetValue(accelerator, a => load(a));
}
