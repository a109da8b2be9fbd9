using System;
using System.Threading;

namespace TileDsl;

/// <summary>Which instructions a kernel's tensor-core Dots run on.</summary>
public enum TensorCorePath
{
    /// <summary><c>wgmma</c> on Hopper (compute capability 9.x), <c>mma.sync</c> elsewhere.</summary>
    Auto,

    /// <summary><c>mma.sync.m16n8k16</c> everywhere (the path of Ampere and Ada; on Hopper, for comparison).</summary>
    MmaSync,

    /// <summary>The Hopper variant everywhere a kernel has one: <c>wgmma</c> on CUDA (a device before Hopper cannot load
    /// it), its emulation on the CPU accelerator (tests of its layouts on machines without a GPU).</summary>
    Wgmma,
}

/// <summary>
/// The tensor-core path of launches: <see cref="TensorCorePath.Auto"/> unless a scope says otherwise. Kernels whose
/// 16-bit Dots can run on <c>wgmma</c> are generated twice (see docs/lowering.md); the launcher picks one per launch.
/// </summary>
public static class TensorCores
{
    private static readonly AsyncLocal<TensorCorePath?> scoped = new();

    /// <summary>The path of launches from this thread (or async flow) now.</summary>
    public static TensorCorePath Path => scoped.Value ?? TensorCorePath.Auto;

    /// <summary>Launches from this async flow take <paramref name="path"/> until the result is disposed:
    /// <c>using (TensorCores.Use(TensorCorePath.MmaSync)) { ... }</c>.</summary>
    public static IDisposable Use(TensorCorePath path)
    {
        if (!Enum.IsDefined(path)) throw new ArgumentOutOfRangeException(nameof(path), path, "Auto, MmaSync or Wgmma.");
        var previous = scoped.Value;
        scoped.Value = path;
        return new Restore(previous);
    }

    private sealed class Restore : IDisposable
    {
        private readonly TensorCorePath? previous;
        private bool disposed;

        public Restore(TensorCorePath? previous) => this.previous = previous;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            scoped.Value = previous;
        }
    }
}
