using System;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace TileDsl.Tests.Execution;

/// <summary>One ILGPU CPU accelerator (NVIDIA kind: warps of 32) shared by the execution tests.</summary>
public sealed class CpuAccelerator : IDisposable
{
    public CpuAccelerator()
    {
        Context = TileAccelerators.CreateContext();
        Accelerator = TileAccelerators.Create(Context, TileDevice.Cpu);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection : ICollectionFixture<CpuAccelerator>
{
    public const string Name = "CPU accelerator";
}

/// <summary>Where an execution test runs a kernel: the host interpreter or ILGPU's CPU accelerator.</summary>
public enum Runner
{
    Interpreter,
    CpuAccelerator,
}
