using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Double buffering of what a loop stages each iteration. In a loop that writes a buffer and then reads it (a Dot's
/// operands, staged every step of k), iteration i + 1 may only overwrite the buffer once every thread has read what
/// iteration i put there: a second barrier per iteration. With two copies that the iterations take in turn, the
/// write goes to the copy nobody is reading and only the barrier between write and read remains, so warps that finish
/// their multiply-adds early stage the next tile instead of waiting. A buffer qualifies when all its accesses are
/// local stores, loads and Dot reads directly in one innermost loop's body, the first of them a write (nothing is
/// carried over from an iteration to the next); the loop's candidates are doubled together, and kept so only where
/// that removes a barrier from the loop and the shared memory stays within the budget.
/// </summary>
internal static class DoubleBuffering
{
    public static void Run(DistributedProgram program, int budgetBytes)
    {
        var owners = new Dictionary<SharedBuffer, DLoop?>();
        Owners(program.Body, null, owners);
        foreach (var loop in Innermost(program.Body))
        {
            var candidates = Candidates(loop, owners);
            if (candidates.Count == 0) continue;
            SharedAllocation.Run(program);
            int single = Barriers.Inside(loop);
            foreach (var buffer in candidates) buffer.Stages = 2;
            loop.Staged.AddRange(candidates);
            bool fits = SharedAllocation.Bytes(SharedAllocation.Run(program)) <= budgetBytes;
            if (fits && Barriers.Inside(loop) < single) continue;
            foreach (var buffer in candidates) buffer.Stages = 1;
            loop.Staged.Clear();
        }
    }

    /// <summary>The buffers of <paramref name="loop"/> that can alternate between two copies.</summary>
    private static List<SharedBuffer> Candidates(DLoop loop, Dictionary<SharedBuffer, DLoop?> owners)
    {
        var first = new Dictionary<SharedBuffer, bool>();
        var excluded = new HashSet<SharedBuffer>();
        foreach (var statement in loop.Body)
        {
            bool stagingStep = statement is DLocalStore or DLocalLoad or DDot;
            foreach (var access in statement.Accesses)
            {
                if (!first.ContainsKey(access.Buffer)) first[access.Buffer] = access.Write;
                if (!stagingStep) excluded.Add(access.Buffer);
            }
        }
        return first.Where(f => f.Value && !excluded.Contains(f.Key) && owners[f.Key] == loop).Select(f => f.Key).ToList();
    }

    /// <summary>For each buffer, the loop whose body (not a nested loop's) holds all its accesses, or null.</summary>
    private static void Owners(List<DStatement> body, DLoop? loop, Dictionary<SharedBuffer, DLoop?> owners)
    {
        foreach (var statement in body)
        {
            if (statement is DLoop inner)
            {
                Owners(inner.Body, inner, owners);
                continue;
            }
            foreach (var access in statement.Accesses)
                owners[access.Buffer] = owners.TryGetValue(access.Buffer, out var owner) && owner != loop ? null : loop;
        }
    }

    private static IEnumerable<DLoop> Innermost(List<DStatement> body)
    {
        foreach (var loop in body.OfType<DLoop>())
        {
            if (!loop.Body.OfType<DLoop>().Any()) yield return loop;
            else foreach (var inner in Innermost(loop.Body)) yield return inner;
        }
    }
}
