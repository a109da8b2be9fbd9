using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// A reduction's first step: each thread combines its registers along the axis, then the lanes along it combine by
/// butterfly shuffles. When warps lie along the axis too, <see cref="DReducePartials"/> writes each warp's partial to
/// <see cref="Scratch"/> (and Argmax's or Argmin's indices to <see cref="IndexScratch"/>), and <see cref="DReduceCombine"/> finishes.
/// </summary>
internal sealed class DReduce : DStatement
{
    public DReduce(ReduceOp op, LinearLayout home, LinearLayout operand, SharedBuffer? scratch, SharedBuffer? indexScratch)
    {
        Op = op;
        Home = home;
        Operand = operand;
        Scratch = scratch;
        IndexScratch = indexScratch;
    }

    public ReduceOp Op { get; }

    /// <summary>The result's layout (rank 0 for a scalar).</summary>
    public LinearLayout Home { get; }

    public LinearLayout Operand { get; }

    public SharedBuffer? Scratch { get; }

    public SharedBuffer? IndexScratch { get; }

    /// <summary>The warp bits (of tid above the lanes) whose bases lie along the axis.</summary>
    public IReadOnlyList<int> WarpBits => Operand.Warps.Select((b, i) => (b, i)).Where(t => t.b[Op.Axis] != 0).Select(t => t.i).ToList();
}

/// <summary>Each warp writes its partial of a reduction across warps (a statement of its own, so that a barrier needed
/// before it waits only for the write, not for the in-warp steps).</summary>
internal sealed class DReducePartials : DStatement
{
    public DReducePartials(DReduce reduce) => Reduce = reduce;

    public DReduce Reduce { get; }

    public override IEnumerable<SharedAccess> Accesses
        => new[] { Reduce.Scratch, Reduce.IndexScratch }.Where(s => s is not null).Select(s => new SharedAccess(s!, true));
}

/// <summary>A reduction across warps: every thread combines the warps' partials, in warp order.</summary>
internal sealed class DReduceCombine : DStatement
{
    public DReduceCombine(DReduce reduce) => Reduce = reduce;

    public DReduce Reduce { get; }

    public override IEnumerable<SharedAccess> Accesses
        => new[] { Reduce.Scratch, Reduce.IndexScratch }.Where(s => s is not null).Select(s => new SharedAccess(s!, false));
}

internal static class ReduceLowering
{
    public static void Lower(List<DStatement> output, ReduceOp reduce, LinearLayout home, LinearLayout operand, ElementType sourceElement)
    {
        int warps = 1 << operand.Warps.Count(b => b[reduce.Axis] != 0);
        if (warps == 1)
        {
            output.Add(new DReduce(reduce, home, operand, null, null));
            return;
        }
        int outputs = reduce.Type.Count;
        string name = reduce.Name.Length > 0 ? reduce.Name : reduce.Kind.ToString().ToLowerInvariant();
        var scratch = new SharedBuffer(ElementTypes.Of(sourceElement).StagedAs, warps * outputs, $"{name}: partials of {warps} warps");
        var indexScratch = reduce.Kind is TileOpKind.Argmax or TileOpKind.Argmin ? new SharedBuffer(ElementType.Int, warps * outputs, $"{name}: indices of {warps} warps") : null;
        var first = new DReduce(reduce, home, operand, scratch, indexScratch);
        output.Add(first);
        output.Add(new DReducePartials(first));
        output.Add(new DReduceCombine(first));
    }
}
