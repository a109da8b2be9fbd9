using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl;

/// <summary>Argument checks that generated launchers run before any GPU work; each exception names the argument.</summary>
public static class LaunchChecks
{
    public static void Grid(Accelerator accelerator, TileGrid grid, int numThreads)
    {
        if (grid.X < 1 || grid.Y < 1 || grid.Z < 1)
            throw new ArgumentOutOfRangeException(nameof(grid), grid, "Every grid dimension must be at least 1.");
        var max = accelerator.MaxGridSize;
        if (grid.X > max.X || grid.Y > max.Y || grid.Z > max.Z)
            throw new ArgumentOutOfRangeException(nameof(grid), grid, $"{accelerator.Name} launches at most {max} program instances.");
        if (numThreads > accelerator.MaxNumThreadsPerGroup)
            throw new NotSupportedException(
                $"The kernel needs {numThreads} threads per program; {accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup}. " +
                "On the CPU accelerator create the device as CPU(CPUDeviceKind.Nvidia) (see TileAccelerators).");
    }

    /// <summary>
    /// A pointer argument must be a valid view, on <paramref name="accelerator"/>, and addressable with the kernel's
    /// tile offsets (32-bit unless <paramref name="longOffsets"/>: the kernel reaches this parameter only through
    /// <c>long</c> offsets); returns it.
    /// </summary>
    public static ArrayView<T> View<T>(Accelerator accelerator, TileBuffer<T> buffer, string name, bool longOffsets = false)
        where T : unmanaged
    {
        var view = buffer.View(name);
        if (view.GetAccelerator() != accelerator)
            throw new ArgumentException($"The view lives on {view.GetAccelerator().Name}, not on {accelerator.Name} where the kernel runs.", name);
        if (view.Length > int.MaxValue && !longOffsets)
            throw new ArgumentException($"The view has {view.Length} elements; this kernel's offsets into it are 32-bit, so at most {int.MaxValue} " +
                "(compute them as long, e.g. offs.To<long>() * stride, to reach more).", name);
        return view;
    }

    /// <summary>
    /// Bit i set when the i-th view starts at a 16-byte aligned address: the generated kernels move 16 bytes at once
    /// through those, and one element at a time through the others.
    /// </summary>
    public static int AlignedViews(params IContiguousArrayView[] views)
    {
        int bits = 0;
        for (int i = 0; i < views.Length; i++)
        {
            if (Address(views[i]) % 16 == 0) bits |= 1 << i;
        }
        return bits;
    }

    /// <summary>The device address of a view's first element: kernels that copy asynchronously (<c>cp.async</c>) take
    /// it, since an ILGPU kernel cannot take the address of a view.</summary>
    public static long Address(IContiguousArrayView view) => view.Buffer.NativePtr.ToInt64() + view.Index * view.ElementSize;

    public static ArgumentOutOfRangeException NotCompiled(string name, int value, params int[] compiled)
        => new(name, value, $"No specialization was compiled for {name} = {value}; compiled values: {string.Join(", ", compiled)}. Add the value to its [Constexpr(...)] attribute.");

    public static void Constexpr(string name, int value, params int[] compiled)
    {
        if (!compiled.Contains(value)) throw NotCompiled(name, value, compiled);
    }

    /// <summary>A size argument must be at least <paramref name="minimum"/>.</summary>
    public static void AtLeast(int value, int minimum, string name)
    {
        if (value < minimum) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");
    }

    /// <summary>A buffer must hold the <paramref name="needed"/> elements that <paramref name="what"/> spans.</summary>
    public static void Holds(long length, long needed, string name, string what)
    {
        if (length < needed)
            throw new ArgumentException($"{name} has {length} elements; {what} needs {needed}.", name);
    }

    /// <summary>The same for a kernel argument, which must also be there (a null array throws <see cref="ArgumentNullException"/>).</summary>
    public static void Holds<T>(TileBuffer<T> buffer, long needed, string name, string what)
        where T : unmanaged
    {
        if (buffer.IsNull) throw new ArgumentNullException(name);
        Holds(buffer.Length, needed, name, what);
    }
}
