using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.IR;
using TileDsl.Generators.Layout;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Distributed;

/// <summary>
/// A reduction's first step: each thread combines its registers along the axis, then the lanes along it combine by
/// butterfly shuffles. When warps lie along the axis too, <see cref="DReducePartials"/> writes each warp's partials to
/// <see cref="Scratches"/> (one buffer per value carried: the value; Argmax's or Argmin's indices; each tile of a tuple
/// Reduce), and <see cref="DReduceCombine"/> finishes. A tuple Reduce defines all its results here.
/// </summary>
internal sealed class DReduce : DStatement
{
    public DReduce(ReduceOp op, LinearLayout home, LinearLayout operand, IReadOnlyList<SharedBuffer> scratches)
    {
        Op = op;
        Home = home;
        Operand = operand;
        Scratches = scratches;
    }

    public ReduceOp Op { get; }

    /// <summary>The result's layout (rank 0 for a scalar).</summary>
    public LinearLayout Home { get; }

    public LinearLayout Operand { get; }

    /// <summary>The partials' buffers, one per value carried; none when one warp holds each line of the axis.</summary>
    public IReadOnlyList<SharedBuffer> Scratches { get; }

    /// <summary>The warp bits (of tid above the lanes) whose bases lie along the axis.</summary>
    public IReadOnlyList<int> WarpBits => Operand.Warps.Select((b, i) => (b, i)).Where(t => t.b[Op.Axis] != 0).Select(t => t.i).ToList();
}

/// <summary>Each warp writes its partial of a reduction across warps (a statement of its own, so that a barrier needed
/// before it waits only for the write, not for the in-warp steps).</summary>
internal sealed class DReducePartials : DStatement
{
    public DReducePartials(DReduce reduce) => Reduce = reduce;

    public DReduce Reduce { get; }

    public override IEnumerable<SharedAccess> Accesses => Reduce.Scratches.Select(s => new SharedAccess(s, true));
}

/// <summary>A reduction across warps: every thread combines the warps' partials, in warp order.</summary>
internal sealed class DReduceCombine : DStatement
{
    public DReduceCombine(DReduce reduce) => Reduce = reduce;

    public DReduce Reduce { get; }

    public override IEnumerable<SharedAccess> Accesses => Reduce.Scratches.Select(s => new SharedAccess(s, false));
}

internal static class ReduceLowering
{
    /// <summary>The steps of <paramref name="reduce"/> (of a tuple Reduce, of all its results), its operands of
    /// <paramref name="sourceElements"/> read in <paramref name="operand"/>.</summary>
    public static void Lower(List<DStatement> output, ReduceOp reduce, LinearLayout home, LinearLayout operand, IReadOnlyList<ElementType> sourceElements)
    {
        int warps = 1 << operand.Warps.Count(b => b[reduce.Axis] != 0);
        if (warps == 1)
        {
            output.Add(new DReduce(reduce, home, operand, new SharedBuffer[0]));
            return;
        }
        int outputs = reduce.Type.Count;
        string name = reduce.Name.Length > 0 ? reduce.Name : reduce.Kind.ToString().ToLowerInvariant();
        var scratches = sourceElements.Select((element, j) => new SharedBuffer(ElementTypes.Of(element).StagedAs, warps * outputs,
            $"{name}: {(j == 0 ? "partials" : $"partials of value {j}")} of {warps} warps")).ToList();
        if (reduce.Kind is TileOpKind.Argmax or TileOpKind.Argmin)
            scratches.Add(new SharedBuffer(ElementType.Int, warps * outputs, $"{name}: indices of {warps} warps"));
        var first = new DReduce(reduce, home, operand, scratches);
        output.Add(first);
        output.Add(new DReducePartials(first));
        output.Add(new DReduceCombine(first));
    }
}
