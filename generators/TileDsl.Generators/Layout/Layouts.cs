using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;

namespace TileDsl.Generators.Layout;

/// <summary>The layouts the generator builds: blocked (loads, stores, elementwise work) and the Dot accumulators (FMA and tensor cores).</summary>
internal static class Layouts
{
    /// <summary>Elements a thread holds contiguously along the last dimension of a blocked layout, at most (16 bytes of fp32).</summary>
    public const int MaxVector = 4;

    /// <summary>
    /// Triton's blocked layout: each thread holds <c>vec</c> contiguous elements of the last dimension
    /// (<see cref="MaxVector"/>, fewer when the tile has fewer elements per thread), lanes then warps run along the last
    /// dimension first, then the one before (neighbouring threads touch neighbouring addresses: coalesced, and with
    /// 16-byte vector accesses); what is left over stacks in registers. Tiles smaller than the program are replicated.
    /// Example, [16, 32] on 128 threads: registers 4 contiguous columns, lanes 8 along columns × 4 along rows, warps 4
    /// along rows: thread t holds row t / 8, columns 4·(t % 8) to 4·(t % 8) + 3. <paramref name="maxVector"/> widens the
    /// vectors (8 for the 16-byte copies of 16-bit tiles into wgmma's stages).
    /// </summary>
    public static LinearLayout Blocked(IReadOnlyList<int> shape, int numThreads, int maxVector = MaxVector)
    {
        int rank = shape.Count;
        var filled = new int[rank];
        int perThread = Math.Max(1, ShapeRules.Count(shape) / numThreads);
        int vec = rank == 0 ? 1 : Math.Min(Math.Min(maxVector, shape[rank - 1]), perThread);
        var registers = new List<EquatableArray<int>>();
        for (int v = 1; v < vec; v *= 2) registers.Add(Next(shape, filled, lastOnly: true));
        var lanes = Enumerable.Range(0, LinearLayout.LaneBits).Select(_ => Next(shape, filled)).ToList();
        var warps = Enumerable.Range(0, Log2(numThreads) - LinearLayout.LaneBits).Select(_ => Next(shape, filled)).ToList();
        while (Enumerable.Range(0, rank).Any(d => 1 << filled[d] < shape[d])) registers.Add(Next(shape, filled));
        return Build(shape, registers, lanes, warps);
    }

    /// <summary>
    /// The layout of a Dot result [M, N] computed with FMAs: threads form a near-square Tm × Tn grid (Tn along N on the
    /// low tid bits), each holding blocks of Rb × Cb contiguous elements (up to 4 × 4; smaller when the tile has fewer
    /// elements per thread), repeated along N and M to cover the tile. Per step of k a thread reads its rows of a in
    /// vectors of Rb and its columns of b in vectors of Cb. Example, [128, 128] on 128 threads: 4 × 4 blocks, 16 × 8
    /// threads, each thread 2 blocks along N and 4 along M (128 registers).
    /// </summary>
    public static LinearLayout Dot(int m, int n, int numThreads)
    {
        int elements = Math.Max(1, m * n / numThreads);
        int rb = Math.Min(MaxVector, m), cb = Math.Min(MaxVector, n);
        while (rb * cb > elements)
        {
            if (rb >= cb && rb > 1) rb /= 2;
            else cb /= 2;
        }
        int tn = 1;
        while (tn * tn < numThreads) tn *= 2;
        tn = Math.Min(tn, n / cb);
        int tm = Math.Min(numThreads / tn, m / rb);
        if (tm * tn < numThreads) tn = Math.Min(n / cb, numThreads / tm);

        var registers = new List<EquatableArray<int>>();
        for (int c = 1; c < cb; c *= 2) registers.Add(EquatableArray.Of(0, c));
        for (int r = 1; r < rb; r *= 2) registers.Add(EquatableArray.Of(r, 0));
        var threads = new List<EquatableArray<int>>();
        for (int t = 1; t < tn; t *= 2) threads.Add(EquatableArray.Of(0, cb * t));
        for (int t = 1; t < tm; t *= 2) threads.Add(EquatableArray.Of(rb * t, 0));
        while (threads.Count < Log2(numThreads)) threads.Add(EquatableArray.Of(0, 0));
        for (int c = cb * tn; c < n; c *= 2) registers.Add(EquatableArray.Of(0, c));
        for (int r = rb * tm; r < m; r *= 2) registers.Add(EquatableArray.Of(r, 0));
        return Build(new[] { m, n }, registers, threads.Take(LinearLayout.LaneBits).ToList(), threads.Skip(LinearLayout.LaneBits).ToList());
    }

    /// <summary>
    /// The accumulator layout of a Dot on tensor cores (<c>mma.sync.m16n8k16</c>), per the PTX ISA's fragment of
    /// D: lane 4·g + t holds, in each 16 × 8 block, rows g and g + 8, columns 2t and 2t + 1 (registers: column + 1,
    /// then row + 8); a warp repeats the block over its <see cref="MmaTiling.WarpN"/> / 8 column blocks, then its
    /// <see cref="MmaTiling.WarpM"/> / 16 row blocks; warp bits along M, then N, and any left over hold copies.
    /// Example, [128, 128] on 4 warps: each warp 64 × 64 (4 × 8 blocks, 128 registers).
    /// </summary>
    public static LinearLayout Mma(int m, int n, MmaTiling tiling, int numThreads)
    {
        var registers = new List<EquatableArray<int>> { EquatableArray.Of(0, 1), EquatableArray.Of(8, 0) };
        for (int c = 8; c < tiling.WarpN; c *= 2) registers.Add(EquatableArray.Of(0, c));
        for (int r = 16; r < tiling.WarpM; r *= 2) registers.Add(EquatableArray.Of(r, 0));
        var lanes = new List<EquatableArray<int>> { EquatableArray.Of(0, 2), EquatableArray.Of(0, 4), EquatableArray.Of(1, 0), EquatableArray.Of(2, 0), EquatableArray.Of(4, 0) };
        var warps = new List<EquatableArray<int>>();
        for (int w = 1; w < tiling.WarpsM; w *= 2) warps.Add(EquatableArray.Of(tiling.WarpM * w, 0));
        for (int w = 1; w < tiling.WarpsN; w *= 2) warps.Add(EquatableArray.Of(0, tiling.WarpN * w));
        while (warps.Count < Log2(numThreads) - LinearLayout.LaneBits) warps.Add(EquatableArray.Of(0, 0));
        return Build(new[] { m, n }, registers, lanes, warps);
    }

    /// <summary>The layout of a scalar: nothing per thread to place.</summary>
    public static LinearLayout Scalar(int numThreads)
        => Build(Array.Empty<int>(), new List<EquatableArray<int>>(),
            Enumerable.Repeat(EquatableArray<int>.Empty, LinearLayout.LaneBits).ToList(),
            Enumerable.Repeat(EquatableArray<int>.Empty, Log2(numThreads) - LinearLayout.LaneBits).ToList());

    public static int Log2(int value)
    {
        int log = 0;
        while (1 << log < value) log++;
        return log;
    }

    /// <summary>The next unplaced coordinate bit, along the last dimension first (or only); zero when all are placed.</summary>
    private static EquatableArray<int> Next(IReadOnlyList<int> shape, int[] filled, bool lastOnly = false)
    {
        for (int d = shape.Count - 1; d >= (lastOnly ? shape.Count - 1 : 0); d--)
            if (1 << filled[d] < shape[d]) return Along(shape, filled, d);
        return new int[shape.Count].ToEquatableArray();
    }

    /// <summary>The next unfilled bit along dimension <paramref name="dim"/> (zero, a copy, when it is full).</summary>
    private static EquatableArray<int> Along(IReadOnlyList<int> shape, int[] filled, int dim)
    {
        var basis = new int[shape.Count];
        if (1 << filled[dim] < shape[dim]) basis[dim] = 1 << filled[dim]++;
        return basis.ToEquatableArray();
    }

    /// <summary>
    /// The layout that copies a [K, N] tile loaded along N (contiguous) into a K-major 128-byte-swizzled stage, one
    /// 4-byte element per copy (tf32's b): lanes 8 along N × 4 along K, so that a warp's 32 elements land in 32
    /// distinct banks (8 rows of the stage, whose swizzle spreads them over the 8 chunks, × 4 consecutive floats of
    /// a chunk) and read 4 runs of 32 bytes; warps further along N, registers over the rest.
    /// </summary>
    public static LinearLayout Transposing(IReadOnlyList<int> shape, int numThreads)
    {
        var filled = new int[shape.Count];
        var lanes = Enumerable.Range(0, 3).Select(_ => Along(shape, filled, 1))
            .Concat(Enumerable.Range(0, LinearLayout.LaneBits - 3).Select(_ => Along(shape, filled, 0))).ToList();
        var warps = Enumerable.Range(0, Log2(numThreads) - LinearLayout.LaneBits).Select(_ => Next(shape, filled)).ToList();
        var registers = new List<EquatableArray<int>>();
        while (Enumerable.Range(0, shape.Count).Any(d => 1 << filled[d] < shape[d])) registers.Add(Next(shape, filled));
        return Build(shape, registers, lanes, warps);
    }

    private static LinearLayout Build(IReadOnlyList<int> shape, List<EquatableArray<int>> registers, List<EquatableArray<int>> lanes, List<EquatableArray<int>> warps)
        => new(shape.ToEquatableArray(), registers.ToEquatableArray(), lanes.ToEquatableArray(), warps.ToEquatableArray());
}
