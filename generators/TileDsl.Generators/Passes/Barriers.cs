using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Places <c>Group.Barrier()</c> only where the program needs one: before a shared-memory access that conflicts with
/// one since the last barrier (the same memory, at least one of them a write: another thread may still be reading what
/// is about to be overwritten, or not have written what is about to be read). A loop body is walked again with what its
/// end leaves pending, since iteration i + 1 follows iteration i, until no barrier is added. First for the accesses
/// every target makes, then for all of them: a barrier the second walk adds serves only the CPU accelerator's
/// emulation-only accesses and is left out on CUDA.
/// </summary>
internal static class Barriers
{
    public static void Run(DistributedProgram program)
    {
        program.Body = Place(program.Body, new List<SharedAccess>(), emulation: false);
        if (program.All.Any(s => s.Accesses.Any(a => a.EmulationOnly)))
            program.Body = Place(program.Body, new List<SharedAccess>(), emulation: true);
    }

    /// <summary>The statements with barriers added; <paramref name="pending"/> holds the accesses since the last barrier,
    /// in and out; with <paramref name="emulation"/>, emulation-only accesses count too and the barriers added are emulation-only.</summary>
    private static List<DStatement> Place(List<DStatement> body, List<SharedAccess> pending, bool emulation)
    {
        var output = new List<DStatement>();
        foreach (var statement in body)
        {
            if (statement is DLoop loop)
            {
                var entering = new List<SharedAccess>(pending);
                while (true)
                {
                    var state = new List<SharedAccess>(entering);
                    int before = Count(loop.Body);
                    loop.Body = Place(loop.Body, state, emulation);
                    // The next iteration starts from what this one leaves; the loop may also run no iteration at all.
                    var next = entering.Union(state).Distinct().ToList();
                    if (Count(loop.Body) == before && next.Count == entering.Count)
                    {
                        pending.Clear();
                        pending.AddRange(next);
                        break;
                    }
                    entering = next;
                }
                output.Add(loop);
                continue;
            }
            var accesses = statement.Accesses.Where(a => emulation || !a.EmulationOnly).ToList();
            if (accesses.Any(a => pending.Any(p => Conflict(a, p))))
            {
                if (output.Count == 0 || output[output.Count - 1] is not DBarrier) output.Add(new DBarrier { EmulationOnly = emulation });
                pending.Clear();
            }
            if (statement is DBarrier)
            {
                pending.Clear();
                if (output.Count > 0 && output[output.Count - 1] is DBarrier) continue;
            }
            pending.AddRange(accesses);
            output.Add(statement);
        }
        return output;
    }

    private static bool Conflict(SharedAccess a, SharedAccess b)
        => (a.Write || b.Write) && a.Buffer.Overlaps(b.Buffer) && !(a.Staged && b.Staged && a.Buffer == b.Buffer);

    private static int Count(List<DStatement> body) => DistributedProgram.Flatten(body).Count(s => s is DBarrier);
}
