using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Moves each tile computed register by register (index arithmetic, masks, elementwise math; not loads, whose place
/// among the stores matters) down to just before its first use in the same block, so that values used only after
/// a loop (the output offsets of a matmul) do not hold registers through it. The second half of a vectorized load
/// (<see cref="DLoadMerge"/>) moves down the same way, but not past a store to global memory.
/// </summary>
internal static class SinkRecomputation
{
    public static void Run(DistributedProgram program) => Sink(program, program.Body);

    private static void Sink(DistributedProgram program, List<DStatement> body)
    {
        foreach (var loop in body.OfType<DLoop>()) Sink(program, loop.Body);
        for (int i = body.Count - 1; i >= 0; i--)
        {
            var (value, merge) = body[i] switch
            {
                DDefine { Layout: not null, Op: not (LoadOp or ArangeOp) } define => (define.Op.Id, false),
                DLoadMerge load => (load.Load.Op.Id, true),
                _ => (-1, false),
            };
            if (value < 0) continue;
            int user = i + 1;
            while (user < body.Count && !program.Reads(body[user]).Contains(value) && !(merge && WritesMemory(body[user]))) user++;
            if (user == body.Count && !merge || user == i + 1) continue;
            var moved = body[i];
            body.RemoveAt(i);
            body.Insert(user - 1, moved);
        }
    }

    private static bool WritesMemory(DStatement statement) => DistributedProgram.Flatten(new[] { statement }).Any(s => s is DStore);
}
