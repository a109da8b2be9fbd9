using System.Collections.Generic;
using System.Linq;
using TileDsl.Generators.Distributed;
using TileDsl.Generators.IR;
using TileDsl.Generators.Semantics;

namespace TileDsl.Generators.Passes;

/// <summary>
/// Places the shared buffers by liveness, one arena per element type: a buffer lives from its first access to its
/// last, and across a whole loop when it is used in the loop and outside it, or read in the loop before it is
/// written there (its contents carry over from one iteration to the next). Buffers whose lives do not meet may share
/// memory (the barrier pass then keeps their uses apart); those that meet are kept apart, so that a loop-invariant
/// operand staged before a loop, or a second stage, stays intact. Offsets are 16-byte aligned (vector accesses), those
/// of 128-byte-swizzled buffers 1024-byte aligned; then every arena is a multiple of 1024 bytes too (they follow one
/// another in dynamic shared memory).
/// </summary>
internal static class SharedAllocation
{
    /// <summary>Sets every buffer's offset; returns the elements of each arena.</summary>
    public static Dictionary<ElementType, int> Run(DistributedProgram program)
    {
        var ranges = new Dictionary<SharedBuffer, (int First, int Last)>();
        var loops = new List<(int Start, int End, HashSet<SharedBuffer> Inside, HashSet<SharedBuffer> ReadFirst)>();
        int position = 0;
        Walk(program.Body);

        foreach (var (start, end, inside, readFirst) in loops)
        {
            foreach (var buffer in inside)
            {
                var (first, last) = ranges[buffer];
                if (first < start || last > end || readFirst.Contains(buffer))
                    ranges[buffer] = (System.Math.Min(first, start), System.Math.Max(last, end));
            }
        }

        var arenas = new Dictionary<ElementType, int>();
        var placed = new List<SharedBuffer>();
        foreach (var buffer in ranges.Keys.OrderBy(b => ranges[b].First).ThenByDescending(b => b.Elements))
        {
            int align = System.Math.Max(Vectorize.MaxBytes, buffer.Alignment) / ElementTypes.Of(buffer.Element).Bytes;
            var live = placed.Where(p => p.Element == buffer.Element && Meets(ranges[p], ranges[buffer])).OrderBy(p => p.Offset).ToList();
            int offset = 0;
            foreach (var other in live)
            {
                if (offset + buffer.Elements <= other.Offset) break;
                offset = System.Math.Max(offset, Align(other.End, align));
            }
            buffer.Offset = offset;
            placed.Add(buffer);
            arenas[buffer.Element] = System.Math.Max(arenas.TryGetValue(buffer.Element, out int size) ? size : 0, Align(buffer.End, align));
        }
        if (placed.Any(b => b.Alignment > Vectorize.MaxBytes))
            foreach (var element in arenas.Keys.ToList())
                arenas[element] = Align(arenas[element], SharedBuffer.SwizzleAlignment / ElementTypes.Of(element).Bytes);
        return arenas;

        void Walk(List<DStatement> body)
        {
            foreach (var statement in body)
            {
                int at = position++;
                foreach (var access in statement.Accesses)
                    ranges[access.Buffer] = ranges.TryGetValue(access.Buffer, out var r) ? (r.First, at) : (at, at);
                if (statement is not DLoop loop) continue;
                var inside = new HashSet<SharedBuffer>();
                var readFirst = new HashSet<SharedBuffer>();
                foreach (var access in DistributedProgram.Flatten(loop.Body).SelectMany(s => s.Accesses))
                {
                    if (inside.Add(access.Buffer) && !access.Write) readFirst.Add(access.Buffer);
                }
                Walk(loop.Body);
                loops.Add((at, position - 1, inside, readFirst));
            }
        }
    }

    /// <summary>Bytes of shared memory the arenas take.</summary>
    public static int Bytes(Dictionary<ElementType, int> arenas) => arenas.Sum(a => a.Value * ElementTypes.Of(a.Key).Bytes);

    private static bool Meets((int First, int Last) a, (int First, int Last) b) => a.First <= b.Last && b.First <= a.Last;

    private static int Align(int value, int align) => (value + align - 1) / align * align;
}
