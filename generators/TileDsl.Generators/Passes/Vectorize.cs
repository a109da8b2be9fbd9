using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Vector widths of memory accesses. A thread whose layout holds w consecutive elements in consecutive registers can
/// move them with one access of up to 16 bytes: in shared memory when the buffer's map keeps them consecutive (the
/// generator places the buffers, so this is known now); in global memory when the offsets step by 1 along the last
/// dimension (<see cref="AxisInfo"/>) — whether the view and the first offset are aligned, and the masks hold, is
/// checked when the kernel runs, with one element at a time as the fallback.
/// </summary>
internal static class Vectorize
{
    public const int MaxBytes = 16;

    /// <summary>Sets the vector widths; <paramref name="assumed"/>: what the int parameters are known to be in a kernel
    /// specialized for divisible arguments (<see cref="AxisInfo.Assumed"/>), null in the general kernel.</summary>
    public static void Run(DistributedProgram program, IReadOnlyDictionary<string, int>? assumed = null)
    {
        var loops = program.All.OfType<DLoop>().Select(l => l.Loop.Range).OfType<LoopRange>().ToDictionary(r => r.Index.Id);
        Run(program, new AxisInfo(program.Values, loops, assumed), program.Body);
    }

    private static void Run(DistributedProgram program, AxisInfo axis, List<DStatement> body)
    {
        for (int i = 0; i < body.Count; i++)
        {
            switch (body[i])
            {
                case DLoop loop:
                    Run(program, axis, loop.Body);
                    break;
                case DDefine { Op: LoadOp load, Layout: { } layout } define:
                    define.Vector = Global(axis, layout, load.Pointers, load.Mask, load.Type.Element);
                    if (define.Vector is not null) body.Insert(++i, new DLoadMerge(define));
                    break;
                case DAsyncCopy copy:
                    // A vector copy also needs its elements consecutive in the stage (the operand staged along the
                    // dimension it was loaded along).
                    // A copy moves up to 16 bytes whatever the element (Vec8 of 16-bit elements on the CPU).
                    copy.Vector = copy.Map.UnitDim == copy.Layout.Rank - 1 ? Global(axis, copy.Layout, copy.Copy.Pointers, copy.Copy.Mask, copy.Element, MaxCopyElements) : null;
                    break;
                case DStore { Store.Atomic: false } store:
                    store.Vector = Global(axis, store.Layout, store.Store.Pointers, store.Store.Mask, program.Values[store.Store.Data].Type.Element);
                    break;
                case DLocalStore local:
                    local.Vector = Shared(local.Layout, local.Map, local.Buffer.Element);
                    break;
                case DLocalLoad { Op: not ScanOp } local:
                    local.Vector = Shared(local.Layout, local.Map, local.Buffer.Element);
                    break;
            }
        }
    }

    /// <summary>Elements of <paramref name="element"/> that one access of at most <see cref="MaxBytes"/> (and <see cref="MaxElements"/>) moves, from <paramref name="contiguous"/> registers.</summary>
    public static int Width(int contiguous, ElementType element) => System.Math.Min(System.Math.Min(contiguous, MaxElements), MaxBytes / ElementTypes.Of(element).Bytes);

    /// <summary>Elements of the largest vector type of loads and stores (<c>Vec4</c>).</summary>
    public const int MaxElements = 4;

    /// <summary>Elements of the largest vector type of asynchronous copies (<c>Vec8</c>, of 16-bit elements).</summary>
    public const int MaxCopyElements = 8;

    private static VectorAccess? Global(AxisInfo axis, LinearLayout layout, int pointers, int? mask, ElementType element, int maxElements = MaxElements)
    {
        if (layout.Rank == 0) return null;
        int width = System.Math.Min(System.Math.Min(layout.Contiguous(layout.Rank - 1), maxElements), MaxBytes / ElementTypes.Of(element).Bytes);
        var stride = axis.Of(pointers);
        if (width < 2 || !stride.IsUnit) return null;
        if (axis.Assumed is null) return new VectorAccess(width, stride.Scalar, mask is null || axis.Of(mask.Value).IsUniform);
        return new VectorAccess(width, stride.Scalar, mask is null || axis.UniformIn(mask.Value, width)) { Aligned = axis.RunDivisor(pointers) >= width };
    }

    private static int Shared(LinearLayout layout, SharedMap map, ElementType element)
    {
        int unit = map.UnitDim;
        if (unit < 0) return 1;
        int width = Width(layout.Contiguous(unit), element);
        while (width > 1 && (map.Strides.Any(s => s != 1 && s % width != 0) || map.SlotStride % width != 0
            || map.WindowDim == unit && (map.WindowStart % width != 0 || map.WindowLength % width != 0)))
            width /= 2;
        return width;
    }
}
