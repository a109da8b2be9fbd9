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

    /// <summary>
    /// The layout of a <c>Dot</c> result [M, N]: threads form a near-square Tm × Tn grid (Tn along N, stride 1), and
    /// each thread holds an (M/Tm) × (N/Tn) block of registers, rows <c>ty + r·Tm</c> and columns <c>tx + c·Tn</c>.
    /// Per step of k a thread reads M/Tm values of a and N/Tn of b for (M/Tm)·(N/Tn) multiply-adds.
    /// </summary>
    public static TileLayout Dot(int m, int n, int numThreads)
    {
        int tn = 1;
        while (tn * tn < numThreads) tn *= 2;
        tn = System.Math.Min(tn, n);
        int tm = System.Math.Min(numThreads / tn, m);
        if (tm * tn < numThreads) tn = System.Math.Min(n, numThreads / tm);
        return new TileLayout(EquatableArray.Of(Spread(m, tm, tn), Spread(n, tn, 1)));
    }

    private static DimLayout Spread(int size, int threads, int stride)
        => threads <= 1 ? new DimLayout(1, 0, size) : new DimLayout(threads, stride, size / threads);

    /// <summary>The layout of the transposed tile (rank 2).</summary>
    public TileLayout Swap() => new(Dims.Reverse().ToEquatableArray());

    /// <summary>This layout with <paramref name="axis"/> reduced to size 1 (a keepDims reduction's result).</summary>
    public TileLayout Collapse(int axis) => new(Dims.Select((d, j) => j == axis ? DimLayout.Broadcast : d).ToEquatableArray());

    /// <summary>
    /// The tid bits that no dimension reads: threads differing only in them hold copies of the same elements. A
    /// store by the threads whose such bits are zero writes each element exactly once.
    /// </summary>
    public int ReplicaMask(int numThreads)
    {
        int used = 0;
        foreach (var d in Dims.Where(d => d.Threads > 1)) used |= (d.Threads - 1) * d.Stride;
        return (numThreads - 1) & ~used;
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
