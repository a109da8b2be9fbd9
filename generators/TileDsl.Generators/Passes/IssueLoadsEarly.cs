using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Issues each global load as early as its block allows: up past the statements that neither define its operands nor
/// write global memory (elementwise work, reductions, layout conversions), so that its latency hides behind them (the
/// weight and bias of a layer norm load while the row's statistics are reduced). Loads keep their order among
/// themselves, and do not move past a Dot: the values in flight would hold registers through its multiply-adds.
/// </summary>
internal static class IssueLoadsEarly
{
    public static void Run(DistributedProgram program) => Run(program, program.Body);

    private static void Run(DistributedProgram program, List<DStatement> body)
    {
        foreach (var loop in body.OfType<DLoop>()) Run(program, loop.Body);
        for (int i = 0; i < body.Count; i++)
        {
            if (body[i] is not DDefine { Op: LoadOp, Layout: not null } load) continue;
            var operands = program.Reads(load);
            int at = i;
            while (at > 0 && !Blocks(program, body[at - 1], operands)) at--;
            if (at == i) continue;
            body.RemoveAt(i);
            body.Insert(at, load);
        }
    }

    private static bool Blocks(DistributedProgram program, DStatement above, HashSet<int> operands)
        => above is DLoop or DStore or DDotInit or DDot or DDotSum or DDefine { Op: LoadOp }
            || Defined(above).Any(operands.Contains);

    /// <summary>The values whose registers a statement defines (constants and parameters are written where read).</summary>
    private static IEnumerable<int> Defined(DStatement statement) => statement switch
    {
        DDefine { Op: ConstOp or ParamOp } => Enumerable.Empty<int>(),
        DDefine d => new[] { d.Op.Id },
        DLoadMerge d => new[] { d.Load.Op.Id },
        DLocalLoad d => TupleGroup.Defined(d.Op),
        DReduce d => TupleGroup.Defined(d.Op),
        DReduceCombine d => TupleGroup.Defined(d.Reduce.Op),
        DStore { Result: { } old, Broadcast: null } => new[] { old.Id },
        _ => Enumerable.Empty<int>(),
    };
}
