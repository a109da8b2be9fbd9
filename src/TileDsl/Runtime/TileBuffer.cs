using System;
using ILGPU;
using ILGPU.Runtime;

namespace TileDsl;

/// <summary>
/// A kernel's pointer argument in its argument record (<c>{Kernel}Kernel.Args</c>): an accelerator view, for
/// <c>Launch</c>, or a host array, for <c>Interpret</c>. Both convert implicitly, so one argument list serves both.
/// </summary>
public readonly struct TileBuffer<T>
    where T : unmanaged
{
    private readonly ArrayView<T> view;
    private readonly T[]? array;

    private TileBuffer(ArrayView<T> view, T[]? array)
    {
        this.view = view;
        this.array = array;
    }

    public static implicit operator TileBuffer<T>(ArrayView<T> view) => new(view, null);

    public static implicit operator TileBuffer<T>(T[]? array) => new(default, array);

    /// <summary>Elements it holds (0 for nothing).</summary>
    public long Length => array?.Length ?? (view.IsValid ? view.Length : 0);

    /// <summary>Whether it holds nothing: a null array or a default view.</summary>
    public bool IsNull => array is null && !view.IsValid;

    /// <summary>The accelerator view; throws naming <paramref name="name"/> when this is a host array or nothing.</summary>
    public ArrayView<T> View(string name)
    {
        if (array is not null)
            throw new ArgumentException("Launch takes an accelerator view (ArrayView) for this argument and got a host array: copy it to the accelerator first, or run the kernel with Interpret.", name);
        if (!view.IsValid) throw new ArgumentException("The view is not valid (default or disposed).", name);
        return view;
    }

    /// <summary>The host array; throws naming <paramref name="name"/> when this is a view or null.</summary>
    public T[] Array(string name)
    {
        if (array is not null) return array;
        if (view.IsValid)
            throw new ArgumentException("Interpret takes a host array for this argument and got an accelerator view: copy it to the host first, or launch the kernel.", name);
        throw new ArgumentNullException(name);
    }
}

/// <summary>Where a kernel runs: on an accelerator stream, or in the host interpreter (<see cref="Interpreter"/>).</summary>
public readonly struct TileTarget
{
    public TileTarget(AcceleratorStream stream) => Stream = stream ?? throw new ArgumentNullException(nameof(stream));

    /// <summary>The interpreter: the kernels' C# bodies on the host, program by program.</summary>
    public static TileTarget Interpreter => default;

    /// <summary>The stream kernels launch on; null for the interpreter.</summary>
    public AcceleratorStream? Stream { get; }

    public static implicit operator TileTarget(AcceleratorStream stream) => new(stream);
}
