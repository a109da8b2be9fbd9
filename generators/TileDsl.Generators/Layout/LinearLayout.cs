using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.Layout;

/// <summary>
/// Where the elements of a tile live among a program's threads: Triton's linear layout, a map from the bits of
/// (register, lane, warp) to tile coordinates. Each input bit has a basis, the coordinates it adds: register r of
/// thread tid holds the element at the XOR of the bases of r's set bits and of tid's set bits (lanes are tid's bits 0–4,
/// warps the bits above). A zero basis is replication: threads that differ in that bit hold the same elements. The
/// layouts built here give each basis a single power of two along one dimension (or nothing), so XOR is addition and a
/// coordinate is a register part plus a thread part.
/// </summary>
/// <remarks>
/// This one form covers Triton's blocked layouts with several contiguous elements per thread (the first register bases
/// along the contiguous dimension), slices (a dimension dropped), broadcasts (a dimension's coordinates zeroed), the
/// FMA Dot accumulator, and the mma fragment layouts that tensor cores add.
/// </remarks>
internal sealed record LinearLayout(
    EquatableArray<int> Shape,
    EquatableArray<EquatableArray<int>> Registers,
    EquatableArray<EquatableArray<int>> Lanes,
    EquatableArray<EquatableArray<int>> Warps)
{
    public const int LaneBits = 5;

    public int Rank => Shape.Count;

    public int RegisterCount => 1 << Registers.Count;

    public int NumThreads => 1 << (Lanes.Count + Warps.Count);

    /// <summary>The bases of the thread-index bits: lanes, then warps.</summary>
    public IEnumerable<EquatableArray<int>> ThreadBases => Lanes.Concat(Warps);

    /// <summary>Threads that hold distinct elements (the others hold copies).</summary>
    public int DistinctThreads => 1 << ThreadBases.Count(b => !IsZero(b));

    /// <summary>Whether, on <paramref name="numThreads"/> threads, several threads hold the same elements.</summary>
    public bool Replicates(int numThreads) => (ReplicaMask & (numThreads - 1)) != 0;

    /// <summary>The tid bits that no coordinate reads: threads that differ only in them hold the same elements.</summary>
    public int ReplicaMask => ThreadBases.Select((b, bit) => IsZero(b) ? 1 << bit : 0).Aggregate(0, (a, m) => a | m);

    /// <summary>The register part of the coordinates of register <paramref name="register"/>.</summary>
    public int[] RegisterCoordinates(int register)
    {
        var coordinates = new int[Rank];
        for (int bit = 0; bit < Registers.Count; bit++)
            if ((register >> bit & 1) != 0)
                for (int d = 0; d < Rank; d++) coordinates[d] ^= Registers[bit][d];
        return coordinates;
    }

    /// <summary>The thread part of dimension <paramref name="dim"/>: the tid bits that add to it, with what they add.</summary>
    public IEnumerable<(int Bit, int Value)> ThreadTerms(int dim)
        => ThreadBases.Select((b, bit) => (bit, b[dim])).Where(t => t.Item2 != 0);

    /// <summary>The largest span of the thread part of dimension <paramref name="dim"/> plus one (1 if no thread reads it).</summary>
    public int ThreadExtent(int dim) => ThreadTerms(dim).Sum(t => t.Value) + 1;

    /// <summary>
    /// The register bits whose bases step 1, 2, 4, ... along <paramref name="dim"/>, as many as form a run (at most
    /// <paramref name="limit"/> elements): registers that differ only in them hold consecutive elements along it, which
    /// one vector access can move. Its length is log2 of the run.
    /// </summary>
    public int[] VectorBits(int dim, int limit = int.MaxValue)
    {
        var bits = new List<int>();
        while (1 << (bits.Count + 1) <= limit)
        {
            int step = 1 << bits.Count;
            int bit = Enumerable.Range(0, Registers.Count).Where(b => Registers[b].Select((v, d) => d == dim ? v == step : v == 0).All(x => x))
                .DefaultIfEmpty(-1).First();
            if (bit < 0) break;
            bits.Add(bit);
        }
        return bits.ToArray();
    }

    /// <summary>Consecutive elements along <paramref name="dim"/> that a thread holds (see <see cref="VectorBits"/>).</summary>
    public int Contiguous(int dim) => 1 << VectorBits(dim).Length;

    /// <summary>
    /// The registers in groups that differ only in <paramref name="bits"/>, each group in the order of the elements
    /// (its first register has those bits clear).
    /// </summary>
    public IEnumerable<int[]> Groups(int[] bits)
    {
        int mask = bits.Aggregate(0, (m, b) => m | 1 << b);
        for (int first = 0; first < RegisterCount; first++)
        {
            if ((first & mask) != 0) continue;
            yield return Enumerable.Range(0, 1 << bits.Length)
                .Select(i => first | bits.Select((b, k) => (i >> k & 1) << b).Aggregate(0, (a, m) => a | m)).ToArray();
        }
    }

    /// <summary>The same layout with the axes swapped (rank 2): the transposed tile, same registers.</summary>
    public LinearLayout Transpose() => Map(Shape.Reverse().ToEquatableArray(), b => b.Reverse().ToEquatableArray());

    /// <summary>The layout of the tile with a new axis of size 1 at <paramref name="axis"/> (same registers).</summary>
    public LinearLayout ExpandDims(int axis) => Map(Insert(Shape, axis, 1), b => Insert(b, axis, 0));

    /// <summary>
    /// This layout on a tile of <paramref name="shape"/> that it broadcasts from (a dimension of size 1 stretched), and
    /// the register bits it keeps: its register r' is the consumer's register with only those bits, packed
    /// (<see cref="Pack"/>). Dimensions of size 1 read coordinate 0; registers that differed only there coincide.
    /// </summary>
    public (LinearLayout Layout, int KeptBits) Project(IReadOnlyList<int> shape)
    {
        var zeroed = Map(shape.ToEquatableArray(), b => b.Select((v, d) => shape[d] == 1 ? 0 : v).ToEquatableArray());
        return zeroed.DropZeroRegisters();
    }

    /// <summary>The layout of a reduction's result along <paramref name="axis"/> (the axis removed: Triton's slice layout),
    /// and the register bits it keeps.</summary>
    public (LinearLayout Layout, int KeptBits) Slice(int axis)
    {
        var dropped = Map(Shape.Where((_, d) => d != axis).ToEquatableArray(), b => b.Where((_, d) => d != axis).ToEquatableArray());
        return dropped.DropZeroRegisters();
    }

    /// <summary>The bits of <paramref name="register"/> in <paramref name="keptBits"/>, packed to the low end.</summary>
    public static int Pack(int register, int keptBits)
    {
        int packed = 0, at = 0;
        for (int bit = 0; bit < 31; bit++)
        {
            if ((keptBits >> bit & 1) == 0) continue;
            if ((register >> bit & 1) != 0) packed |= 1 << at;
            at++;
        }
        return packed;
    }

    /// <summary>The row-major position in the tile of the element at <paramref name="coordinates"/>.</summary>
    public int Linear(int[] coordinates)
    {
        int index = 0;
        for (int d = 0; d < Rank; d++) index = index * Shape[d] + coordinates[d];
        return index;
    }

    public override string ToString()
    {
        string Counts(IEnumerable<EquatableArray<int>> bases)
            => string.Join("x", Enumerable.Range(0, Rank).Select(d => 1 << bases.Count(b => b[d] != 0)));
        int copies = 1 << ThreadBases.Count(IsZero);
        return $"{ShapeRules.Format(Shape)} registers {Counts(Registers)}, lanes {Counts(Lanes)}, warps {Counts(Warps)}" + (copies > 1 ? $", {copies} copies" : "");
    }

    private (LinearLayout, int) DropZeroRegisters()
    {
        int kept = 0;
        for (int bit = 0; bit < Registers.Count; bit++)
            if (!IsZero(Registers[bit])) kept |= 1 << bit;
        return (this with { Registers = Registers.Where(b => !IsZero(b)).ToEquatableArray() }, kept);
    }

    private LinearLayout Map(EquatableArray<int> shape, Func<EquatableArray<int>, EquatableArray<int>> basis)
        => new(shape, Registers.Select(basis).ToEquatableArray(), Lanes.Select(basis).ToEquatableArray(), Warps.Select(basis).ToEquatableArray());

    private static EquatableArray<int> Insert(EquatableArray<int> values, int at, int value)
    {
        var list = values.ToList();
        list.Insert(at, value);
        return list.ToEquatableArray();
    }

    public static bool IsZero(EquatableArray<int> basis) => basis.All(v => v == 0);
}
