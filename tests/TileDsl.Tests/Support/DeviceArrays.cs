using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl.Tests.Support;

/// <summary>Host arrays mirrored on an accelerator: <see cref="View"/> uploads, <see cref="CopyBack"/> downloads them all.</summary>
internal sealed class DeviceArrays(Accelerator accelerator) : IDisposable
{
    private readonly List<(MemoryBuffer1D<float, Stride1D.Dense> Buffer, float[] Host)> floats = new();
    private readonly List<(MemoryBuffer1D<int, Stride1D.Dense> Buffer, int[] Host)> ints = new();

    public ArrayView<float> View(float[] host)
    {
        var buffer = accelerator.Allocate1D(host);
        floats.Add((buffer, host));
        return buffer.View;
    }

    public ArrayView<int> View(int[] host)
    {
        var buffer = accelerator.Allocate1D(host);
        ints.Add((buffer, host));
        return buffer.View;
    }

    public void CopyBack()
    {
        accelerator.Synchronize();
        foreach (var (buffer, host) in floats) buffer.CopyToCPU(host);
        foreach (var (buffer, host) in ints) buffer.CopyToCPU(host);
    }

    public void Dispose()
    {
        foreach (var (buffer, _) in floats) buffer.Dispose();
        foreach (var (buffer, _) in ints) buffer.Dispose();
    }
}
