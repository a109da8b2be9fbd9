using System;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl;

/// <summary>The number of program instances along each axis; converts from <c>int</c> and from tuples.</summary>
public readonly record struct TileGrid(int X, int Y = 1, int Z = 1)
{
    public static implicit operator TileGrid(int x) => new(x);

    public static implicit operator TileGrid((int X, int Y) xy) => new(xy.X, xy.Y);

    public static implicit operator TileGrid((int X, int Y, int Z) xyz) => new(xyz.X, xyz.Y, xyz.Z);

    /// <summary>ILGPU's launch configuration: one group of <paramref name="numThreads"/> threads per program.</summary>
    public KernelConfig ToKernelConfig(int numThreads) => new(new Index3D(X, Y, Z), new Index3D(numThreads, 1, 1));

    /// <summary>The same with <paramref name="sharedBytes"/> of dynamic shared memory per program.</summary>
    public KernelConfig ToKernelConfig(int numThreads, int sharedBytes)
        => new(new Index3D(X, Y, Z), new Index3D(numThreads, 1, 1), SharedMemoryConfig.RequestDynamic<byte>(sharedBytes));

    public override string ToString() => $"({X}, {Y}, {Z})";
}
