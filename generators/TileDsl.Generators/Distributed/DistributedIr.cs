using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Helpers;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// A buffer in shared memory (Triton's local_alloc). Its element type is what the values travel as (bools as ints);
/// <see cref="Offset"/> (in elements of its arena, one arena per element type) is set by the allocation pass.
/// </summary>
internal sealed class SharedBuffer
{
    public SharedBuffer(ElementType element, int elements, string purpose)
    {
        Element = element;
        Elements = elements;
        Purpose = purpose;
    }

    public ElementType Element { get; }

    public int Elements { get; }

    /// <summary>What it holds, for the generated comments.</summary>
    public string Purpose { get; }

    public int Offset { get; set; } = -1;

    /// <summary>Stages of a software pipeline's buffer (<see cref="Elements"/> holds that many copies of a tile); 1 otherwise.</summary>
    public int Stages { get; init; } = 1;

    public int StageElements => Elements / Stages;

    /// <summary>The bytes its offset (and each stage) is a multiple of: 16, or <see cref="SwizzleAlignment"/> for a
    /// 128-byte-swizzled operand (the hardware swizzles address bits 4–6 by bits 7–9).</summary>
    public int Alignment { get; init; } = 16;

    public const int SwizzleAlignment = 1024;

    public int End => Offset + Elements;

    /// <summary>Whether two buffers share memory once allocated.</summary>
    public bool Overlaps(SharedBuffer other) => Element == other.Element && Offset < other.End && other.Offset < End;
}

/// <summary>
/// Where the element at tile coordinates c lies in a buffer: <c>Σ c[d]·Strides[d]</c>. With a window, only the
/// elements whose coordinate along <see cref="WindowDim"/> lies in [WindowStart, WindowStart + WindowLength) are
/// stored, at that coordinate minus WindowStart (a Dot's chunk of k). With a slot (<see cref="SlotStride"/> &gt; 0),
/// each thread adds <c>(tid &gt;&gt; SlotShift)·SlotStride</c>: the slices of a split Dot write apart.
/// </summary>
internal sealed record SharedMap(EquatableArray<int> Strides, int WindowDim = -1, int WindowStart = 0, int WindowLength = 0)
{
    public int SlotShift { get; init; }

    public int SlotStride { get; init; }

    /// <summary>Set for a 128-byte-swizzled buffer: the index is <c>TileMma.Swizzle128(row, column, rows)</c> of the
    /// coordinates (window-relative), not the strides' sum (the strides give its rows' and columns' units only).</summary>
    public SwizzleMap? Swizzle { get; init; }

    /// <summary>Row-major over a shape, rows padded to <paramref name="rowLength"/> (default: no padding).</summary>
    public static SharedMap RowMajor(IReadOnlyList<int> shape, int? rowLength = null)
    {
        var strides = new int[shape.Count];
        int stride = 1;
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= d == shape.Count - 1 && rowLength is { } row ? row : shape[d];
        }
        return new SharedMap(strides.ToEquatableArray());
    }

    public bool HasWindow => WindowDim >= 0;

    /// <summary>The same placement addressed by the transposed tile's coordinates (a rank-2 map).</summary>
    public SharedMap Transposed() => this with
    {
        Strides = EquatableArray.Of(Strides[1], Strides[0]),
        WindowDim = HasWindow ? 1 - WindowDim : -1,
        Swizzle = Swizzle is { } swizzle ? swizzle with { RowDim = 1 - swizzle.RowDim } : null,
    };

    /// <summary>The dimension with stride 1, or -1.</summary>
    public int UnitDim => Strides.Select((s, d) => (s, d)).Where(t => t.s == 1).Select(t => t.d).DefaultIfEmpty(-1).First();
}

/// <summary>A 128-byte-swizzled map: tile dimension <see cref="RowDim"/> runs along rows, the other along columns, in
/// panels of <see cref="Rows"/> rows.</summary>
internal sealed record SwizzleMap(int RowDim, int Rows);

/// <summary>
/// A shared-memory access of a statement: the barrier pass separates conflicting ones. <see cref="Staged"/>: an access
/// to a stage of a software pipeline's buffer (its copies, its Dot's reads), which the pipeline's own wait and barrier
/// at the top of each iteration keep apart (they touch different stages in between). <see cref="EmulationOnly"/>: an
/// access made only off CUDA (the CPU accelerator's emulation of an instruction that reads registers on the GPU).
/// </summary>
internal readonly record struct SharedAccess(SharedBuffer Buffer, bool Write, bool Staged = false, bool EmulationOnly = false);

/// <summary>A statement of the distributed IR: a tile-IR op placed in layouts, or an explicit shared-memory step.</summary>
internal abstract class DStatement
{
    public virtual IEnumerable<SharedAccess> Accesses => Enumerable.Empty<SharedAccess>();
}

/// <summary>
/// A scalar (<see cref="Layout"/> null) or a tile computed register by register in <see cref="Layout"/>: elementwise
/// ops, casts, Full, Arange (its registers are coordinates, written where read), Load (with its <see cref="Vector"/>).
/// </summary>
internal sealed class DDefine : DStatement
{
    public DDefine(Op op, LinearLayout? layout)
    {
        Op = op;
        Layout = layout;
    }

    public Op Op { get; }

    public LinearLayout? Layout { get; }

    /// <summary>For a Load: how the vectorization pass grouped its registers (null: one element at a time).</summary>
    public VectorAccess? Vector { get; set; }
}

/// <summary>
/// The second half of a vectorized Load: fills the value's registers from the vectors the load issued (one element at
/// a time where a vector could not be used). It stands just before the value's first use, so that meanwhile the loads
/// stay in flight and other work goes on (the next tiles of a software-pipelined matmul during its Dot).
/// </summary>
internal sealed class DLoadMerge : DStatement
{
    public DLoadMerge(DDefine load) => Load = load;

    public DDefine Load { get; }
}

/// <summary>A Store or an atomic to global memory, from the registers of <see cref="Layout"/>.</summary>
internal sealed class DStore : DStatement
{
    public DStore(StoreStatement store, LinearLayout layout)
    {
        Store = store;
        Layout = layout;
    }

    public StoreStatement Store { get; }

    public LinearLayout Layout { get; }

    /// <summary>An atomic's old values when they are read: defined in registers of <see cref="Layout"/>, or written
    /// to <see cref="Broadcast"/> when set (a <see cref="DLocalLoad"/> reads them back in every thread).</summary>
    public AtomicValueOp? Result { get; init; }

    public (SharedBuffer Buffer, SharedMap Map)? Broadcast { get; init; }

    public override IEnumerable<SharedAccess> Accesses
        => Broadcast is { } broadcast ? new[] { new SharedAccess(broadcast.Buffer, true) } : Enumerable.Empty<SharedAccess>();

    public VectorAccess? Vector { get; set; }
}

/// <summary>
/// How a global access moves <see cref="Width"/> consecutive registers at once (a 128-bit access for fp32 × 4), where
/// the view is 16-byte aligned, the group's first offset is a multiple of the width and (when not known to hold for
/// the whole group) every mask of the group holds, and <see cref="UnitStride"/> (a scalar that must be 1 for the
/// offsets to be consecutive), if any, is 1; otherwise one element at a time. Both paths give the same values. Where
/// all that is known (<see cref="Whole"/>), the vector moves whole where its first mask holds, and not at all elsewhere.
/// </summary>
internal sealed record VectorAccess(int Width, int? UnitStride, bool MaskUniform)
{
    /// <summary>Known to start aligned (in a kernel specialized for divisible arguments: the view is 16-byte aligned and
    /// the first offset a multiple of the width), so that only the masks decide.</summary>
    public bool Aligned { get; init; }

    /// <summary>Only the first element's mask decides, and nothing else: the vector moves whole or not at all.</summary>
    public bool Whole => Aligned && UnitStride is null && MaskUniform;
}

/// <summary>Writes the registers of value <see cref="Value"/> in <see cref="Layout"/> to a buffer (Triton's local_store).</summary>
internal sealed class DLocalStore : DStatement
{
    public DLocalStore(SharedBuffer buffer, int value, LinearLayout layout, SharedMap map)
    {
        Buffer = buffer;
        Value = value;
        Layout = layout;
        Map = map;
    }

    public SharedBuffer Buffer { get; }

    public int Value { get; }

    public LinearLayout Layout { get; }

    public SharedMap Map { get; }

    /// <summary>Registers written at once (set by the vectorization pass).</summary>
    public int Vector { get; set; } = 1;

    /// <summary>Whether only the CPU accelerator stores (a wgmma operand that CUDA reads from registers, see <see cref="DDot.ARegisters"/>).</summary>
    public bool EmulationOnly { get; init; }

    public override IEnumerable<SharedAccess> Accesses => new[] { new SharedAccess(Buffer, true, EmulationOnly: EmulationOnly) };
}

/// <summary>Reads value <see cref="Op"/> in <see cref="Layout"/> from a buffer (Triton's local_load): a layout conversion's
/// second half, or, for a <see cref="ScanOp"/>, the scan itself over its operand's local store.</summary>
internal sealed class DLocalLoad : DStatement
{
    public DLocalLoad(SharedBuffer buffer, Op op, LinearLayout layout, SharedMap map)
    {
        Buffer = buffer;
        Op = op;
        Layout = layout;
        Map = map;
    }

    public SharedBuffer Buffer { get; }

    public Op Op { get; }

    public LinearLayout Layout { get; }

    public SharedMap Map { get; }

    public int Vector { get; set; } = 1;

    /// <summary>Of a tuple AssociativeScan, the buffers of all its tiles, which it reads together (the first is
    /// <see cref="Buffer"/>); null otherwise.</summary>
    public IReadOnlyList<SharedBuffer>? ScanBuffers { get; init; }

    public override IEnumerable<SharedAccess> Accesses => (ScanBuffers ?? new[] { Buffer }).Select(b => new SharedAccess(b, false));
}

/// <summary><c>Group.Barrier()</c>, placed by the barrier pass; off CUDA only where only emulation-only accesses need it.</summary>
internal sealed class DBarrier : DStatement
{
    public bool EmulationOnly { get; init; }
}

/// <summary>
/// A runtime loop; <see cref="Body"/> is its lowered body (starting with the conversions of carried values that are
/// read in further layouts). <see cref="Carried"/>: the layout each carried value lives in (null for scalars).
/// </summary>
internal sealed class DLoop : DStatement
{
    public DLoop(Loop loop, List<DStatement> body, List<LinearLayout?> carried)
    {
        Loop = loop;
        Body = body;
        Carried = carried;
    }

    public Loop Loop { get; }

    public List<DStatement> Body { get; set; }

    public List<LinearLayout?> Carried { get; }
}
