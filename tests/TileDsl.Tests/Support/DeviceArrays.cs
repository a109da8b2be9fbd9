using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl.Tests.Support;

/// <summary>Host arrays mirrored on an accelerator: <see cref="View{T}"/> uploads, <see cref="CopyBack"/> downloads them all.</summary>
internal sealed class DeviceArrays(Accelerator accelerator) : IDisposable
{
    private readonly List<MemoryBuffer> buffers = new();
    private readonly List<Action> copies = new();

    public ArrayView<T> View<T>(T[] host) where T : unmanaged
    {
        var buffer = accelerator.Allocate1D(host);
        buffers.Add(buffer);
        copies.Add(() => buffer.CopyToCPU(host));
        return buffer.View;
    }

    public void CopyBack()
    {
        accelerator.Synchronize();
        foreach (var copy in copies) copy();
    }

    public void Dispose()
    {
        foreach (var buffer in buffers) buffer.Dispose();
    }
}
