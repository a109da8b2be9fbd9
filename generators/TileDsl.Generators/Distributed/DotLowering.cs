using System;
using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Passes;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// How one operand of a Dot sits in shared memory: MN-major, rows of k ([chunk][RowLength], RowLength = M or N plus
/// padding: a thread reads its rows of a, or columns of b, as vectors at each step of k), or K-major ([M or N][RowLength],
/// RowLength = chunk plus padding: a thread reads vectors of consecutive k). Rows are padded by 16 bytes. A
/// <see cref="Swizzled"/> operand (read by <c>wgmma</c>) is not padded: its rows of 128 bytes (64 16-bit elements, 32
/// floats) lie in panels of <see cref="Rows"/> rows with the 128-byte swizzle (<c>TileMma.Swizzle128</c>).
/// </summary>
internal sealed record DotOperand(bool KMajor, int RowLength)
{
    /// <summary>Bytes of an element as staged (2, or 4 for tf32).</summary>
    public int Bytes { get; init; } = 2;

    /// <summary>Elements of a swizzled operand's 128-byte row.</summary>
    public int SwizzleRow => 128 / Bytes;

    /// <summary>Whether the operand lies 128-byte swizzled, for <c>wgmma</c>'s descriptors.</summary>
    public bool Swizzled { get; init; }

    /// <summary>A swizzled operand's rows per panel: M or N when K-major, else the chunk of k.</summary>
    public int Rows { get; init; }

    /// <summary>The buffer's elements for <paramref name="extent"/> rows or columns of the operand over a chunk of k.</summary>
    public int Elements(int chunk, int extent) => Swizzled ? chunk * extent : KMajor ? extent * RowLength : chunk * RowLength;

    /// <summary>Where a swizzled operand's first element of k = <paramref name="k"/> lies from the first of its row (or
    /// column) along MN, a multiple of a row: along a K-major row, in panels of a row's columns; else a row per k.</summary>
    public int SwizzledK(int k) => KMajor ? k / SwizzleRow * Rows * SwizzleRow + k % SwizzleRow : k * SwizzleRow;

    /// <summary>Elements from one row (or column) along MN to the next, where that is a multiple of a row's elements.</summary>
    public int SwizzledMn => KMajor ? SwizzleRow : Rows;

    /// <summary>Bytes between the panels of a swizzled operand (its descriptor's leading byte offset).</summary>
    public int PanelBytes => Rows * 128;

    /// <summary>The alignment of its buffer: <see cref="SharedBuffer.SwizzleAlignment"/> when swizzled, else a vector's 16 bytes.</summary>
    public int Alignment => Swizzled ? SharedBuffer.SwizzleAlignment : 16;

    /// <summary>Strides of the operand's (MN, k) coordinates in the buffer.</summary>
    public (int Mn, int K) Strides => KMajor ? (RowLength, 1) : (1, RowLength);
}

/// <summary>
/// How a Dot [M, K] × [K, N] runs on FMA units, decided once: where a and b sit in shared memory (each MN- or K-major,
/// whichever lets the warps stage them with fewer bank conflicts, given the layouts they arrive in); k staged
/// <see cref="Chunk"/> at a time (all of it when both fit in <see cref="StagingBytes"/>); and k split over
/// <see cref="Slices"/> slices of the program's threads when the result leaves each thread few registers.
/// </summary>
internal sealed record DotTiling(int M, int N, int K, ElementType Element, int Chunk, int Slices, DotOperand A, DotOperand B)
{
    /// <summary>Set where the Dot runs on tensor cores: then a and b are staged as their 16-bit bits (<see cref="ForMma"/>).</summary>
    public MmaTiling? Mma { get; init; }

    /// <summary>Bytes a Dot may stage at once; larger operands are staged in chunks of k.</summary>
    public const int StagingBytes = 40 * 1024;

    /// <summary>The same on tensor cores: a chunk of all of k is what a pipeline stage holds (a 128 × 256 block's
    /// operands over 64 of k of a 16-bit type, or 32 of tf32, take 48 to 53 KiB), and the dynamic shared memory
    /// these Dots use goes past 48 KiB.</summary>
    public const int MmaStagingBytes = 64 * 1024;

    /// <summary>Registers per thread above which a Dot's k is not split further.</summary>
    public const int SplitRegisters = 8;

    public int Bytes => ElementTypes.Of(Element).Bytes;

    /// <summary>Steps of k each slice runs over per chunk.</summary>
    public int Share => Chunk / Slices;

    /// <summary>The staging maps of a and b for the chunk starting at <paramref name="start"/>: a's dims (m, k), b's (k, n).</summary>
    public (SharedMap A, SharedMap B) Maps(int start)
        => (new SharedMap(EquatableArray.Of(A.Strides.Mn, A.Strides.K), 1, start, Chunk) { Swizzle = Swizzle(A, 0) },
            new SharedMap(EquatableArray.Of(B.Strides.K, B.Strides.Mn), 0, start, Chunk) { Swizzle = Swizzle(B, 1) });

    /// <summary>A swizzled operand's rows: along MN (tile dimension <paramref name="mnDim"/>) when K-major, else along k.</summary>
    private static SwizzleMap? Swizzle(DotOperand o, int mnDim) => o.Swizzled ? new SwizzleMap(o.KMajor ? mnDim : 1 - mnDim, o.Rows) : null;

    public static DotTiling For(int m, int n, int k, ElementType element, int numThreads, LinearLayout aLayout, LinearLayout bLayout)
    {
        int bytes = ElementTypes.Of(element).Bytes, unit = Vectorize.MaxBytes / bytes;
        var (aPad, bPad) = ((false, unit), (false, unit));
        int chunk = ChunkOf(m, n, k, bytes, aPad, bPad);
        int slices = SliceCount(m, n, chunk, numThreads, bytes);
        var part = Layouts.Dot(m, n, numThreads / slices);
        aPad = Place(aLayout, part, 0, m, k, chunk, chunk / slices, element);
        bPad = Place(bLayout, part, 1, n, k, chunk, chunk / slices, element);
        chunk = ChunkOf(m, n, k, bytes, aPad, bPad);
        slices = SliceCount(m, n, chunk, numThreads, bytes);
        return new DotTiling(m, n, k, element, chunk, slices, Operand(aPad, m, chunk), Operand(bPad, n, chunk));
    }

    /// <summary>
    /// The staging of a Dot on tensor cores: each operand k-major ([M or N][chunk + 8], read by <c>ldmatrix</c>) or
    /// MN-major ([chunk][M or N + 8], read by <c>ldmatrix.trans</c>), whichever lets the threads store it in vectors
    /// from the layout it arrives in (a loaded b is contiguous along n); rows padded by 16 bytes, so that the 8 rows of
    /// one 8 × 8 matrix fall in distinct banks. k is staged in the largest power-of-two part (a multiple of 16) that
    /// fits in <see cref="StagingBytes"/>. tf32 operands are always k-major: <c>ldmatrix.trans</c> moves 16-bit
    /// elements, and <c>wgmma</c> transposes only 16-bit ones (an operand loaded along MN is transposed on its way into
    /// shared memory, one element a copy).
    /// </summary>
    public static DotTiling ForMma(int m, int n, int k, MmaTiling mma, LinearLayout aLayout, LinearLayout bLayout)
    {
        // wgmma reads its operands unpadded, 128-byte swizzled, k staged a 128-byte row at a time at least.
        int bytes = ElementTypes.Of(mma.Input).Bytes;
        int pad = mma.Wgmma ? 0 : Vectorize.MaxBytes / bytes;
        var a = (mma.Tf32 || aLayout.Contiguous(1) >= aLayout.Contiguous(0), pad);
        var b = (mma.Tf32 || bLayout.Contiguous(0) >= bLayout.Contiguous(1), pad);
        int chunk = ChunkOf(m, n, k, bytes, a, b, steps: mma.Wgmma ? 128 / bytes : 16, budget: MmaStagingBytes);
        DotOperand Staged((bool KMajor, int Pad) placement, int extent)
        {
            var operand = Operand(placement, extent, chunk) with { Bytes = bytes };
            return mma.Wgmma ? operand with { Swizzled = true, RowLength = operand.SwizzleRow, Rows = placement.KMajor ? extent : chunk } : operand;
        }
        return new DotTiling(m, n, k, mma.Input, chunk, 1, Staged(a, m), Staged(b, n)) { Mma = mma };
    }

    private static DotOperand Operand((bool KMajor, int Pad) placement, int extent, int chunk)
        => new(placement.KMajor, (placement.KMajor ? chunk : extent) + placement.Pad);

    /// <summary>
    /// The largest power-of-two part of k whose staged operands fit in <paramref name="budget"/> bytes: at least 8, and
    /// a multiple of <paramref name="steps"/> (the k of one mma instruction, or a swizzled row, on tensor cores).
    /// </summary>
    private static int ChunkOf(int m, int n, int k, int bytes, (bool KMajor, int Pad) a, (bool KMajor, int Pad) b, int steps = 1, int budget = StagingBytes)
    {
        int chunk = k;
        while (chunk > 8 && chunk % (2 * steps) == 0 && (Operand(a, m, chunk).Elements(chunk, m) + Operand(b, n, chunk).Elements(chunk, n)) * bytes > budget)
            chunk /= 2;
        return chunk;
    }

    /// <summary>
    /// Where an operand goes in shared memory: MN- or K-major, rows padded by 1 to 7 times 16 bytes, whichever costs the
    /// fewest shared-memory wavefronts per chunk of k, counting the warps' staging stores (from the layout the operand
    /// arrives in: one loaded from memory is contiguous along k, a Dot result along MN) and the multiply-adds' reads
    /// (from the Dot layout <paramref name="part"/>, whose lanes step over rows and columns in blocks). Ties go to
    /// MN-major, then to the smaller padding (the order tried).
    /// </summary>
    private static (bool KMajor, int Pad) Place(LinearLayout layout, LinearLayout part, int dim, int extent, int k, int chunk, int share, ElementType element)
    {
        int kDim = 1 - dim, bytes = ElementTypes.Of(element).Bytes, unit = Vectorize.MaxBytes / bytes;
        int coordinates = Enumerable.Range(0, part.RegisterCount).Select(r => part.RegisterCoordinates(r)[dim]).Distinct().Count();
        (bool, int) best = (false, unit);
        double bestCost = double.MaxValue;
        foreach (bool kMajor in new[] { false, true })
        {
            for (int pad = unit; pad < 8 * unit; pad += unit)
            {
                int rowLength = (kMajor ? chunk : extent) + pad;
                var stores = new int[2];
                stores[dim] = kMajor ? rowLength : 1;
                stores[kDim] = kMajor ? 1 : rowLength;
                int storeWidth = Width(layout.Contiguous(kMajor ? kDim : dim), rowLength, element);
                double storeInstructions = System.Math.Max(1.0, layout.RegisterCount * (double)chunk / k / storeWidth);
                var reads = new int[2];
                reads[dim] = kMajor ? rowLength : 1;
                int readWidth = Width(kMajor ? System.Math.Min(share, unit) : part.Contiguous(dim), rowLength, element);
                double readInstructions = (double)share * coordinates / readWidth;
                double cost = storeInstructions * SharedBanks.Wavefronts(layout, stores, storeWidth, bytes)
                    + readInstructions * SharedBanks.Wavefronts(part, reads, readWidth, bytes);
                if (cost < bestCost)
                {
                    bestCost = cost;
                    best = (kMajor, pad);
                }
            }
        }
        return best;
    }

    private static int Width(int run, int rowLength, ElementType element)
    {
        int width = Vectorize.Width(run, element);
        while (width > 1 && rowLength % width != 0) width /= 2;
        return width;
    }

    /// <summary>
    /// Into how many slices of the program's threads k is split. A thread holding an R × C block of the result reads
    /// R + C staged values per R·C multiply-adds, so a small result spread over many threads (2 registers each for
    /// 16 × 16 on 128 threads) is bound by shared-memory reads. Split into s slices, each slice computes the whole
    /// result over its k / s in the Dot layout of numThreads / s threads (s times the registers each), and the partial
    /// results are summed through shared memory in slice order. The largest s (2, 4 or 8) is taken whose slices are at
    /// least a warp, cover at least 8 steps of k each, keep at most <see cref="SplitRegisters"/> registers per thread
    /// without replicating the result, and whose partials fit in <see cref="StagingBytes"/>; 1 where none gains.
    /// </summary>
    private static int SliceCount(int m, int n, int chunk, int numThreads, int bytes)
    {
        int slices = 1, registers = Layouts.Dot(m, n, numThreads).RegisterCount;
        for (int s = 2; s <= 8; s *= 2)
        {
            int threads = numThreads / s;
            if (threads < 32 || chunk % s != 0 || chunk / s < 8 || s * m * n * bytes > StagingBytes) break;
            var part = Layouts.Dot(m, n, threads);
            if (part.RegisterCount > SplitRegisters) break;
            if (part.DistinctThreads == threads && part.RegisterCount > registers) slices = s;
        }
        return slices;
    }
}

/// <summary>Declares a Dot's result registers (the accumulator's values, or zeros) and, when split, its zeroed partial registers.</summary>
internal sealed class DDotInit : DStatement
{
    public DDotInit(DotOp op, LinearLayout home, LinearLayout part, DotTiling tiling)
    {
        Op = op;
        Home = home;
        Part = part;
        Tiling = tiling;
    }

    public DotOp Op { get; }

    public LinearLayout Home { get; }

    /// <summary>The layout the multiply-adds accumulate in: <see cref="Home"/>, or a slice's Dot layout when split.</summary>
    public LinearLayout Part { get; }

    public DotTiling Tiling { get; }

    /// <summary>Set by <c>Passes.InPlaceAccumulation</c>: the result takes over the accumulator's registers (nothing reads them after).</summary>
    public bool InPlace { get; set; }
}

/// <summary>The multiply-adds over one staged chunk of k, read from <see cref="A"/> and <see cref="B"/>.</summary>
internal sealed class DDot : DStatement
{
    public DDot(DotOp op, LinearLayout part, SharedBuffer a, SharedBuffer b, DotTiling tiling)
    {
        Op = op;
        Part = part;
        A = a;
        B = b;
        Tiling = tiling;
    }

    public DotOp Op { get; }

    public LinearLayout Part { get; }

    public SharedBuffer A { get; }

    public SharedBuffer B { get; }

    public DotTiling Tiling { get; }

    /// <summary>Whether this is the Dot's first chunk of k (a wgmma Dot without an accumulator starts it from zero).</summary>
    public bool First { get; init; }

    /// <summary>Whether this is the Dot's last chunk of k (a tensor-core Dot hands its result to the program's registers after it).</summary>
    public bool Last { get; init; }

    /// <summary>Whether a (b) is read from the stage of its software pipeline that this iteration reads.</summary>
    public bool AStaged { get; init; }

    public bool BStaged { get; init; }

    /// <summary>Whether a wgmma Dot may leave its chunk in flight until the next iteration's (both operands read from
    /// pipeline stages, whose copies the pipelining pass put after it): the emitter then waits for the one before.</summary>
    public bool Deferrable { get; init; }

    /// <summary>Set where a wgmma Dot reads a from the program's registers, in this layout (<see cref="DotLowering.RegisterOperandLayout"/>):
    /// on CUDA, packed into the fragments of <c>wgmma</c>'s register form; <see cref="A"/> is then staged for the CPU's emulation only.</summary>
    public LinearLayout? ARegisters { get; init; }

    public override IEnumerable<SharedAccess> Accesses
        => new[] { new SharedAccess(A, false, AStaged, EmulationOnly: ARegisters is not null), new SharedAccess(B, false, BStaged) };
}

/// <summary>A split Dot's last step: each thread adds, to its registers of the result, its elements of every slice's partials.</summary>
internal sealed class DDotSum : DStatement
{
    public DDotSum(DotOp op, LinearLayout home, SharedBuffer partials, DotTiling tiling)
    {
        Op = op;
        Home = home;
        Partials = partials;
        Tiling = tiling;
    }

    public DotOp Op { get; }

    public LinearLayout Home { get; }

    public SharedBuffer Partials { get; }

    public DotTiling Tiling { get; }

    public override IEnumerable<SharedAccess> Accesses => new[] { new SharedAccess(Partials, false) };
}

/// <summary>Lowers a Dot to explicit staging, multiply-add and (split) summing steps.</summary>
internal static class DotLowering
{
    /// <summary>How an operand lies in its buffer, for the generated comments.</summary>
    public static string Placement(DotTiling tiling, DotOperand o, int extent)
        => $"{(o.KMajor ? $"k-major [{extent}][{(o.Swizzled ? tiling.Chunk : o.RowLength)}]" : $"[{tiling.Chunk}][{(o.Swizzled ? extent : o.RowLength)}]")}{(o.Swizzled ? " 128-byte swizzled" : "")}{(tiling.Mma is null ? "" : ", " + ElementTypes.CsName(tiling.Mma.Input))}";

    /// <summary>How the Dot runs: on tensor cores where <see cref="MmaTiling.For"/> allows, else on FMA units.</summary>
    public static DotTiling Tiling(DotOp dot, LinearLayout aLayout, LinearLayout bLayout, TileType aType, int numThreads, bool wgmma)
    {
        int m = dot.Type.Shape[0], n = dot.Type.Shape[1], k = aType.Shape[1];
        var mma = MmaTiling.For(dot, aType, numThreads, wgmma);
        return mma is not null ? DotTiling.ForMma(m, n, k, mma, aLayout, bLayout) : DotTiling.For(m, n, k, dot.Type.Element, numThreads, aLayout, bLayout);
    }

    /// <summary>
    /// The layout in which a 16-bit a [m, k] is read by <c>wgmma</c> from registers: warp w of warpgroup g holds rows
    /// 64g + 16w to 64g + 16w + 15 (warps beyond m / 16 hold copies), and of each 16 × 16 block of k the PTX ISA's
    /// fragment a0..a3 (rows g and g + 8, k 2t, 2t + 1 and 2t + 8, 2t + 9 of lane 4g + t), two elements each: the
    /// layout of a Dot result of m rows on m / 16 warps (<see cref="Layouts.Mma"/>), registers 8j to 8j + 7 being
    /// fragment j's a0..a3 in pairs. Null where the Dot does not run on wgmma, or reads tf32.
    /// </summary>
    public static LinearLayout? RegisterOperandLayout(int m, int k, MmaTiling mma, int numThreads)
        => mma.Wgmma && !mma.Tf32 ? Layouts.Mma(m, k, new MmaTiling(mma.Input, mma.WarpsM, 1, 16, k), numThreads) : null;

    /// <summary>The Dot's steps; an operand with a pipeline buffer (<paramref name="aStages"/>, <paramref name="bStages"/>)
    /// is read from the stage its loop reads this iteration instead of being staged here.</summary>
    public static void Lower(List<DStatement> output, DotOp dot, LinearLayout home, LinearLayout aLayout, LinearLayout bLayout, TileType aType, int numThreads,
        bool wgmma, SharedBuffer? aStages = null, SharedBuffer? bStages = null)
    {
        int m = dot.Type.Shape[0], n = dot.Type.Shape[1], k = aType.Shape[1];
        var tiling = Tiling(dot, aLayout, bLayout, aType, numThreads, wgmma);
        var mma = tiling.Mma;
        var staged = mma?.Input ?? ElementTypes.Of(dot.Type.Element).StagedAs;
        var part = tiling.Slices == 1 ? home : Layouts.Dot(m, n, numThreads / tiling.Slices);
        string name = dot.Name.Length > 0 ? dot.Name : "dot";
        string Describe(string operand, DotOperand o, int extent) => $"{name}: {operand}, {Placement(tiling, o, extent)}";
        var a = aStages ?? new SharedBuffer(staged, tiling.A.Elements(tiling.Chunk, m), Describe("a", tiling.A, m)) { Alignment = tiling.A.Alignment };
        var b = bStages ?? new SharedBuffer(staged, tiling.B.Elements(tiling.Chunk, n), Describe("b", tiling.B, n)) { Alignment = tiling.B.Alignment };
        // a in the registers wgmma reads it from (a Dot result's layout, as P in attention): no staging on CUDA.
        bool aRegisters = aStages is null && tiling.Chunk == k && mma is not null && aLayout.Equals(RegisterOperandLayout(m, k, mma, numThreads));
        output.Add(new DDotInit(dot, home, part, tiling));
        for (int start = 0; start < k; start += tiling.Chunk)
        {
            var (aMap, bMap) = tiling.Maps(start);
            if (aStages is null) output.Add(new DLocalStore(a, dot.A, aLayout, aMap) { EmulationOnly = aRegisters });
            if (bStages is null) output.Add(new DLocalStore(b, dot.B, bLayout, bMap));
            output.Add(new DDot(dot, part, a, b, tiling)
            {
                First = start == 0,
                Last = start + tiling.Chunk >= k,
                AStaged = aStages is not null,
                BStaged = bStages is not null,
                Deferrable = mma is { Wgmma: true } && aStages is not null && bStages is not null,
                ARegisters = aRegisters ? aLayout : null,
            });
        }
        if (tiling.Slices == 1) return;
        var partials = new SharedBuffer(staged, tiling.Slices * m * n, $"{name}: partial sums of {tiling.Slices} slices");
        var map = SharedMap.RowMajor(dot.Type.Shape) with { SlotShift = Layouts.Log2(numThreads / tiling.Slices), SlotStride = m * n };
        output.Add(new DLocalStore(partials, dot.Id, part, map));
        output.Add(new DDotSum(dot, home, partials, tiling));
    }
}
