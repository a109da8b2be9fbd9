using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Moves each tile computed register by register (index arithmetic, masks, elementwise math; not loads, whose place
/// among the stores matters) down to just before its first use in the same block, so that values used only after
/// a loop (the output offsets of a matmul) do not hold registers through it.
/// </summary>
internal static class SinkRecomputation
{
    public static void Run(DistributedProgram program) => Sink(program, program.Body);

    private static void Sink(DistributedProgram program, List<DStatement> body)
    {
        foreach (var loop in body.OfType<DLoop>()) Sink(program, loop.Body);
        for (int i = body.Count - 1; i >= 0; i--)
        {
            if (body[i] is not DDefine { Layout: not null, Op: not (LoadOp or ArangeOp) } define) continue;
            int user = i + 1;
            while (user < body.Count && !program.Reads(body[user]).Contains(define.Op.Id)) user++;
            if (user == body.Count || user == i + 1) continue;
            body.RemoveAt(i);
            body.Insert(user - 1, define);
        }
    }
}
