using System;

namespace TileDsl;

/// <summary>
/// A pointer kernel parameter: in the ILGPU kernel an <c>ArrayView&lt;T&gt;</c>, on the host an array with a name
/// (for error messages) and an element offset. <c>p + offsets</c> makes a <see cref="PtrTile{T}"/>.
/// </summary>
public readonly struct Ptr<T>
    where T : unmanaged
{
    public Ptr(T[] data, string name, int offset = 0)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Name = name;
        Offset = offset;
    }

    internal T[] Data { get; }

    internal string Name { get; }

    internal int Offset { get; }

    [TileOp(TileOpKind.AddPtr)] public static Ptr<T> operator +(Ptr<T> p, int offset) => new(p.Data, p.Name, p.Offset + offset);

    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(Ptr<T> p, Tile<int> offsets) => new(p, offsets.To<long>());

    /// <summary>Pointers at 64-bit offsets: a parameter reached only through these may be a view of more than 2^31
    /// elements (the interpreter's arrays cannot be).</summary>
    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(Ptr<T> p, Tile<long> offsets) => new(p, offsets);
}

/// <summary>A tile of pointers into one <see cref="Ptr{T}"/> parameter: the operand of <c>Load</c> and <c>Store</c>.</summary>
public sealed class PtrTile<T>
    where T : unmanaged
{
    internal PtrTile(Ptr<T> origin, Tile<long> offsets)
    {
        Origin = origin;
        Offsets = offsets;
    }

    internal Ptr<T> Origin { get; }

    internal Tile<long> Offsets { get; }

    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(PtrTile<T> p, Tile<int> offsets) => new(p.Origin, p.Offsets + offsets.To<long>());

    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(PtrTile<T> p, int offset) => new(p.Origin, p.Offsets + (long)offset);

    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(PtrTile<T> p, Tile<long> offsets) => new(p.Origin, p.Offsets + offsets);

    [TileOp(TileOpKind.AddPtr)] public static PtrTile<T> operator +(PtrTile<T> p, long offset) => new(p.Origin, p.Offsets + offset);

    /// <summary>The element at each pointer; throws naming the kernel, the parameter and the index when one is out of bounds.</summary>
    internal T Read(int i)
    {
        long index = CheckedIndex(i, "Load from");
        return Origin.Data[index];
    }

    internal void Write(int i, T value)
    {
        long index = CheckedIndex(i, "Store to");
        Origin.Data[index] = value;
    }

    private long CheckedIndex(int i, string access)
    {
        long index = Origin.Offset + Offsets.Data[i];
        if ((ulong)index >= (ulong)Origin.Data.Length)
            throw new TileIndexOutOfRangeException(
                $"Kernel '{Interpreter.CurrentKernel}' (program {Interpreter.CurrentProgram}): {access} '{Origin.Name}' at index {index} " +
                $"is outside its {Origin.Data.Length} elements and is not masked off.");
        return index;
    }
}

/// <summary>An unmasked load or store in the host interpreter touched memory outside its pointer's array.</summary>
public sealed class TileIndexOutOfRangeException : Exception
{
    public TileIndexOutOfRangeException(string message) : base(message)
    {
    }
}
