using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.Layout;

/// <summary>
/// How one dimension of a tile is spread over a program's threads: element <c>r * Threads + (tid / Stride) % Threads</c>
/// of the dimension sits in register <c>r</c> (0 ≤ r &lt; Registers). A dimension of size 1, or one broadcast along,
/// is <c>(1, 0, 1)</c>: every thread holds coordinate 0.
/// </summary>
internal sealed record DimLayout(int Threads, int Stride, int Registers)
{
    public static readonly DimLayout Broadcast = new(1, 0, 1);
}

/// <summary>
/// A distributed layout of a tile value: one <see cref="DimLayout"/> per dimension. Two values with equal layouts
/// hold the same elements in the same registers of the same threads, so an op between them is register-local.
/// </summary>
internal sealed record TileLayout(EquatableArray<DimLayout> Dims)
{
    public int Rank => Dims.Count;

    public int RegisterCount => Dims.Aggregate(1, (a, d) => a * d.Registers);

    /// <summary>Threads that hold distinct elements; the other threads of the program hold copies.</summary>
    public int DistinctThreads => Dims.Aggregate(1, (a, d) => a * d.Threads);

    /// <summary>
    /// The blocked layout of a shape (Triton's BlockedLayout with one element per thread and step): threads run along
    /// the last dimension first, so neighbouring threads touch neighbouring addresses; what is left over stacks in
    /// registers. Smaller tiles than the program are replicated over the remaining threads.
    /// </summary>
    public static TileLayout Blocked(EquatableArray<int> shape, int numThreads)
    {
        var dims = new DimLayout[shape.Count];
        int stride = 1;
        for (int j = shape.Count - 1; j >= 0; j--)
        {
            int size = shape[j];
            int threads = System.Math.Min(size, numThreads / stride);
            dims[j] = threads <= 1 ? new DimLayout(1, 0, size) : new DimLayout(threads, stride, size / threads);
            stride *= System.Math.Max(threads, 1);
        }
        return new TileLayout(dims.ToEquatableArray());
    }

    /// <summary>The layout in which an operand of <paramref name="operandShape"/> is read when broadcast to this layout.</summary>
    public TileLayout Project(EquatableArray<int> operandShape)
        => new(Dims.Select((d, j) => operandShape[j] == 1 ? DimLayout.Broadcast : d).ToEquatableArray());

    public TileLayout DropAxis(int axis) => new(Dims.Where((_, j) => j != axis).ToEquatableArray());

    /// <summary>Every register index of a thread, row-major.</summary>
    public IEnumerable<int[]> Keys()
    {
        var key = new int[Rank];
        for (int n = 0; n < RegisterCount; n++)
        {
            int rest = n;
            for (int j = Rank - 1; j >= 0; j--)
            {
                key[j] = rest % Dims[j].Registers;
                rest /= Dims[j].Registers;
            }
            yield return (int[])key.Clone();
        }
    }

    /// <summary>The flat register number of a key; keys of broadcast dimensions are ignored.</summary>
    public int Flat(int[] key)
    {
        int flat = 0;
        for (int j = 0; j < Rank; j++) flat = flat * Dims[j].Registers + (Dims[j].Registers == 1 ? 0 : key[j]);
        return flat;
    }

    public override string ToString()
        => "[" + string.Join(", ", Dims.Select(d => d.Registers == 1 && d.Threads == 1 ? "1" : $"{d.Registers}x{d.Threads}")) + "]";
}
