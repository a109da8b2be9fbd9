using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Passes;

/// <summary>
/// <c>acc = Dot(a, b, acc)</c> accumulates into the accumulator's own registers when nothing reads the accumulator
/// afterwards: it is defined earlier in the same block, or it is the value a loop carries into this iteration (and
/// the loop carries the Dot's result on). Otherwise the result starts as a copy.
/// </summary>
internal static class InPlaceAccumulation
{
    public static void Run(DistributedProgram program) => Visit(program, program.Body, null);

    private static void Visit(DistributedProgram program, List<DStatement> body, DLoop? loop)
    {
        for (int i = 0; i < body.Count; i++)
        {
            if (body[i] is DLoop inner)
            {
                Visit(program, inner.Body, inner);
                continue;
            }
            if (body[i] is not DDotInit { Op.Acc: int acc } init) continue;
            if (body.Skip(i + 1).Any(s => program.Reads(s).Contains(acc)) || loop?.Loop.Yields.Contains(acc) == true) continue;
            bool carried = loop is not null && loop.Loop.Args.Any(a => a.Id == acc);
            bool local = body.Take(i).Any(s => Defines(s, acc));
            init.InPlace = carried || local;
        }
    }

    private static bool Defines(DStatement statement, int id) => statement switch
    {
        DDefine d => d.Op.Id == id,
        DLocalLoad d => TupleGroup.Defined(d.Op).Contains(id),
        DDotInit d => d.Op.Id == id,
        DReduce d => TupleGroup.Defined(d.Op).Contains(id),
        DStore d => d.Result?.Id == id && d.Broadcast is null,
        DLoop d => d.Loop.Results.Any(r => r.Id == id),
        _ => false,
    };
}
